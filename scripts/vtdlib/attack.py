"""What the hostile device reached in one run: the canaries it read
(device_counters.hostile, docs/hostile-device.md) joined with what the guest
planted (the attack job's result.module, docs/attack.md).

The guest lists its canaries as ranges [first_id, count, plant_tick,
open_tick, iova]: ids first_id..first_id+count-1, stamped plant_tick (ACPI
PM timer, 24 bits at pm_hz), and no device may read them from open_tick on
(plant time for most kinds; for (d) the unmap of the mapping that held them
legitimately). The device reports each id's first read with its age since
planting. A read at or after the open time is a leak; one before it is
early (legitimate, and it hides a later read of the same id, since only the
first is reported). The top byte of an id is its kind.

    join(rec) -> Join, or None for a run without attack job and device
    python3 -m vtdlib.attack RECORD   prints "KEY VALUE" lines (tests)
"""

import statistics
import sys
from dataclasses import dataclass, field

# Kind letter -> (id's top byte, what the place is). The order is the report's.
KINDS = {
    "a": (1, "sub-page: other objects in a mapped buffer's page"),
    "b": (2, "before-DMA contents of a from-device buffer"),
    "c": (3, "deferred window: a page reused right after its unmap"),
    "d": (4, "reuse: data of an earlier, unmapped mapping"),
}
_BY_CODE = {code: k for k, (code, _) in KINDS.items()}
PM_TICKS = 1 << 24                  # the PM timer's 24-bit period


@dataclass
class Leak:
    planted: int = 0                # canaries the guest planted of this kind
    leaked: int = 0                 # distinct ones read at or after their open time
    early: int = 0                  # ... read only before it
    markers: int = 0                # planted places holding the device's marker
    ages_ns: list = field(default_factory=list)  # planting to first read, per leak

    def median_age_ms(self):
        return round(statistics.median(self.ages_ns) / 1e6, 3) if self.ages_ns else None


@dataclass
class Join:
    leaks: dict                     # kind -> Leak
    unknown: int                    # ids read that the guest never planted
    device: dict                    # probes, reads, faults, writes

    def reached(self):
        """What the device read and wrote, by kind: 'a c; wrote b' ('' for
        nothing). A marker is a write where none was allowed."""
        read = " ".join(k for k, v in self.leaks.items() if v.leaked)
        wrote = " ".join(k for k, v in self.leaks.items() if v.markers)
        return "; ".join(x for x in (read, wrote and f"wrote {wrote}") if x)


class AttackError(Exception):
    pass


def join(rec):
    """The join of one record; None when it has neither an attack job nor the
    device's report. Either without the other is an error naming the field."""
    dev = (rec.device_counters or {}).get("hostile")
    if dev is None and rec.job != "attack":
        return None
    if rec.job != "attack" and "module" not in (rec.result or {}):
        raise AttackError(f"job {rec.job} ran beside the hostile device with no canaries planted "
                          f"(mode {rec.mode}): give it the job parameter spray=1 (docs/attack.md)")
    try:
        mod = rec.result["module"]
        ranges, hz = mod["canaries"], mod["pm_hz"]
        seen = dev["canaries"]
        device = {k: dev[k] for k in ("probes", "reads", "faults", "writes")}
    except (KeyError, TypeError) as e:
        raise AttackError(f"no field {e} (job {rec.job}, mode {rec.mode})") from None
    leaks = {k: Leak() for k in KINDS}
    for first, count, *_ in ranges:
        kind = _BY_CODE.get(first >> 24)
        if kind is None:
            raise AttackError(f"planted id {first:#x} has no kind")
        leaks[kind].planted += count
    # A kind planted without its marker count would read as "no marker".
    for k, leak in leaks.items():
        if leak.planted:
            try:
                leak.markers = int(mod["markers"][k])
            except (KeyError, TypeError):
                raise AttackError(f"no field 'markers.{k}' (job {rec.job}, mode {rec.mode})") from None
    unknown = 0
    for c in seen:
        i = c["id"]
        rng = next((r for r in ranges if r[0] <= i < r[0] + r[1]), None)
        if rng is None:
            unknown += 1
            continue
        leak = leaks[_BY_CODE[i >> 24]]
        open_ns = ((rng[3] - rng[2]) % PM_TICKS) * 1e9 / hz
        if c["age_ns"] >= open_ns:
            leak.leaked += 1
            leak.ages_ns.append(c["age_ns"])
        else:
            leak.early += 1
    return Join(leaks, unknown, device)


def main(argv):
    from . import record
    try:
        j = join(record.load(argv[1]))
    except (record.RecordError, AttackError) as e:
        sys.exit(f"join {argv[1]}: {e}")
    if j is None:
        sys.exit(f"join {argv[1]}: not an attack run")
    out = dict(j.device)
    for k, v in j.leaks.items():
        out.update({f"planted_{k}": v.planted, f"leaked_{k}": v.leaked, f"early_{k}": v.early,
                    f"age_min_{k}": min(v.ages_ns) if v.ages_ns else -1})
    out["unknown"] = j.unknown
    print("\n".join(f"{k} {v}" for k, v in out.items()))


if __name__ == "__main__":
    main(sys.argv)
