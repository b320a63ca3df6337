"""What the hostile device reached in one run: the canaries it read
(device_counters.hostile, docs/hostile-device.md) joined with what the guest
planted (the attack job's result.module, docs/attack.md). A canary's id
carries its kind in its top byte, so the join needs no table of places.

    reached(rec) -> {"a": Leak, "b": Leak, "c": Leak, "d": Leak}, or None
"""

import statistics
from dataclasses import dataclass, field

# Kind letter -> (id's top byte, what the place is). The order is the report's.
KINDS = {
    "a": (1, "sub-page: other objects in a mapped buffer's page"),
    "b": (2, "before-DMA contents of a from-device buffer"),
    "c": (3, "deferred window: a page reused right after its unmap"),
    "d": (4, "reuse: data of an earlier, unmapped mapping"),
}
_BY_CODE = {code: k for k, (code, _) in KINDS.items()}


@dataclass
class Leak:
    planted: int = 0                # canaries the guest planted of this kind
    leaked: int = 0                 # distinct ones the device read
    markers: int = 0                # planted places holding the device's marker
    ages_ns: list = field(default_factory=list)  # planting to first read

    def age_ms(self, f):
        """f (min, median, max) of the ages in ms, or None without leaks."""
        return round(f(self.ages_ns) / 1e6, 3) if self.ages_ns else None

    def median_age_ms(self):
        return self.age_ms(statistics.median)


class AttackError(Exception):
    pass


def reached(rec):
    """Per kind, planted and leaked; None if the run had no hostile device.
    A record with a device but no planted list (or the reverse) is an error
    that names what is missing, never an empty result."""
    dev = (rec.device_counters or {}).get("hostile")
    mod = (rec.result or {}).get("module") if rec.job == "attack" else None
    if dev is None and mod is None:
        return None
    if dev is None:
        raise AttackError("attack job without the device's report "
                          "(device_counters.hostile: run with --counters --hostile)")
    if mod is None or "planted" not in mod:
        raise AttackError(f"device report without the guest's planted canaries "
                          f"(job {rec.job}, result.module.planted)")
    out = {k: Leak(planted=int(mod["planted"].get(k, 0)),
                   markers=int((mod.get("markers") or {}).get(k, 0))) for k in KINDS}
    for c in dev.get("canaries", []):
        kind = _BY_CODE.get(c["id"] >> 24)
        if kind is None:
            raise AttackError(f"canary id {c['id']:#x} has no kind")
        out[kind].leaked += 1
        out[kind].ages_ns.append(c["age_ns"])
    for k, v in out.items():
        if v.leaked > v.planted:
            raise AttackError(f"kind {k}: {v.leaked} canaries read, {v.planted} planted")
    return out


def leaked_kinds(leaks):
    """The kinds with any leak or marker, as a string like 'a c' ('' for none)."""
    return " ".join(k for k, v in leaks.items() if v.leaked or v.markers)
