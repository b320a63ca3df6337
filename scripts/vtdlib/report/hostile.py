"""What a hostile device reached (vtdlib.attack), per vIOMMU configuration,
scheme, write-only leaves and workload: the guest's attack job, or a
workload (memcached, rrloop, fio) run beside the hostile device with a
canary list of its own, each on rows of its own. reached() gives the
plane's per-scheme 'device reached': the union over every attack run of
the scheme in the legacy configuration."""

from .. import analysis, attack
from ..errors import fail
from ..schemes import VMODES, mode_rank

ATTACK_JOB = "attack"


def _merge(acc, leaks):
    for k, v in leaks.items():
        acc[k].planted += v.planted
        acc[k].leaked += v.leaked
        acc[k].markers += v.markers
        acc[k].ages_ns += v.ages_ns


def by_run(recs):
    """{(vmode, scheme, write-only leaves, job): {"runs": n, kind: Leak}},
    the leaks per kind summed over the runs."""
    out = {}
    for r in recs:
        try:
            j = attack.join(r)
        except attack.AttackError as e:
            fail(f"attack run {r.mode}, {r.vmode}: {e}")
        if j is None:
            continue
        wo = bool(r.result.get("sl_wo"))
        acc = out.setdefault((r.vmode, r.mode, wo, r.job), {"runs": 0, **{k: attack.Leak() for k in attack.KINDS}})
        acc["runs"] += 1
        _merge(acc, j.leaks)
    return out


def reached(att, mode):
    """The kinds the device reached through scheme @mode in the legacy
    configuration, over all its attack runs and workloads ('' for nothing),
    None when it was not attacked; runs with write-only leaves
    (intel_iommu=sl_wo) where there are any."""
    for wo in (True, False):
        accs = [acc for (vm, m, w, _), acc in att.items() if (vm, m, w) == ("legacy", mode, wo)]
        if accs:
            union = {k: attack.Leak() for k in attack.KINDS}
            for acc in accs:
                _merge(union, {k: acc[k] for k in attack.KINDS})
            return attack.Join(union, 0, {}).reached()
    return None


def _order(kv):
    vm, mode, wo, job = kv[0]
    return (list(VMODES).index(vm) if vm in VMODES else 99, not wo, mode_rank(mode), job != ATTACK_JOB, job)


def section(att):
    if not att:
        return []
    workloads = any(k[3] != ATTACK_JOB for k in att)
    wl = (" workload |", "---|") if workloads else ("", "")
    lines = ["## What a hostile device reached", "",
             "`-device vtd-hostile` in edu's domain (docs/hostile-device.md) probes the pages edu's "
             "own DMA used, their neighbours and reads what the IOMMU lets it; the guest's attack "
             "job (docs/attack.md) plants canaries where no device may read. Per kind: distinct "
             "canaries the device read / planted, summed over the runs; *markers*: planted places "
             "that held the device's write marker; *age*: median time from planting to the first "
             "read, ms. *write-only leaves*: booted with `intel_iommu=sl_wo` (kernel-patches 0012); "
             "without it Linux 6.12 makes every second-level leaf readable, so a from-device buffer "
             "(kind b) is readable under every scheme. A scheme is safe here only if the device "
             "reached nothing." + (" *workload*: the guest's attack job, or the workload that ran "
                                   "beside the hostile device, then in the NIC's or SSD's domain "
                                   "(vtd-run --hostile-on), reading only, while `canary_spray` "
                                   "planted canaries in kernel memory: there *a* counts kmalloc "
                                   "objects (sub-page while a buffer of their page is mapped, or "
                                   "in the deferred window after its unmap) and *c* pages fresh "
                                   "from the page allocator (docs/attack.md, \"Beside a "
                                   "workload\")." if workloads else ""), "",
             f"| configuration | scheme |{wl[0]} write-only leaves | runs | " +
             " | ".join(f"{k}: {d.split(':')[0]}" for k, (_, d) in attack.KINDS.items()) +
             " | markers | median age, ms | reached |",
             f"|---|---|{wl[1]}---|---|" + "---|" * len(attack.KINDS) + "---|---|---|"]
    for (vm, mode, wo, job), acc in sorted(att.items(), key=_order):
        kinds = {k: acc[k] for k in attack.KINDS}
        ages = [a for v in kinds.values() for a in v.ages_ns]
        label = (" attack job |" if job == ATTACK_JOB else f" {job} |") if workloads else ""
        lines.append(f"| {vm} | {mode} |{label} {'yes' if wo else 'no'} | {acc['runs']} | " +
                     " | ".join(f"{v.leaked}/{v.planted}" for v in kinds.values()) +
                     f" | {sum(v.markers for v in kinds.values())} | "
                     f"{round(analysis.median(ages) / 1e6, 3) if ages else '–'} | "
                     f"{attack.Join(kinds, 0, {}).reached() or 'nothing'} |")
    return lines + [""]
