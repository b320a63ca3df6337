"""Small synthetic run records with known numbers, for the report's unit
tests (test_readers, test_report_*). Records are built through the
Record constructor only (job, mode, cpus, point=the bench's point dict,
fields by name), the API the record module keeps."""

import os
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "scripts"))

from vtdlib.record import Record  # noqa: E402


def point(series, mode, cpus, threads=None, rep=1, **extra):
    return dict({"series": series, "mode": mode, "variant": None, "cpus": cpus, "threads": threads or cpus,
                 "rep": rep, "iommu_opts": None, "vary": {}}, **extra)


def dma(series, mode, cpus, unmap_ns, ops, map_ns=500, threads=None, rep=1, map_kind="single", granule=1,
        variant=None, counters=None, device=None, vmode="legacy", iommu_opts=None, elapsed_ms=1000):
    """A dmabench run of the extended benchmark (ns, ops counted)."""
    res = {"map_ns": map_ns, "unmap_ns": unmap_ns, "ops": ops, "elapsed_ms": elapsed_ms,
           "map_us": map_ns / 1000, "unmap_us": unmap_ns / 1000, "map": map_kind, "granule": granule}
    if counters is not None:
        res["guest_counters"] = counters
    p = point(series, mode, cpus, threads, rep, variant=variant)
    if iommu_opts:  # the bench point names them as its --iommu-opt
        p["iommu_opts"] = ",".join(f"{k}={v}" for k, v in iommu_opts.items())
    return Record("dmabench", mode, cpus, wall_s=5, point=p, result=res, vmode=vmode,
                  device_counters=device, iommu_opts=iommu_opts or {})


def stock_dma(series, mode, cpus, map_us, unmap_us, variant, rep=1):
    """A dmabench run of stock Linux: 0.1 µs means only."""
    return Record("dmabench", mode, cpus, wall_s=5, result={"map_us": map_us, "unmap_us": unmap_us},
                  point=point(series, mode, cpus, rep=rep, variant=variant))


def gc(unmaps, **fq):
    """Guest counters: @unmaps unmaps, flush-queue ages as b<upper bound µs>=count."""
    return dict({"unmaps": unmaps, "iotlb_page": 7}, **{f"fq_age_us_lt_{k[1:]}": v for k, v in fq.items()})


def mc(mode, cpus, tps, busy=0.9, main_loop=0.3, rep=1, series="mc", pair=None, wait=None, counters=None):
    """A memcached run measured on the host."""
    load = {"result": {"tps": tps}, "cpu_s": 2.0, "wall_s": 10.0,
            "qemu_thread_cpu_share": {"CPU 0/TCG": 0.9, "qemu-system-x86": main_loop}}
    if wait is not None:
        load["qemu_thread_wait_share"] = {"CPU 0/TCG": wait, "qemu-system-x86": 0.1}
    res = {"guest_cpu_busy": busy}
    if counters is not None:
        res["guest_counters"] = counters
    return Record("memcached", mode, cpus, wall_s=20, devices=["virtio-net"], net="tap",
                  point=point(series, mode, cpus, rep=rep, pair=pair), result=res, host_load=load)


def rrloop(mode, tps, rep=1, series="det", vmode="legacy", batching="upstream", counters=None,
           binaries=None, nic="virtio-net"):
    """An rrloop run under icount (virtual time)."""
    res = {"guest_cpu_busy": 1.0, "vtd_batching": batching,
           "client": {"tps": tps, "transactions": tps, "latency_us": {"p50": 90, "p99": 120}}}
    if counters is not None:
        res["guest_counters"] = counters
    return Record("rrloop", mode, 1, wall_s=30, icount=True, devices=[nic, nic], net="hub", vmode=vmode,
                  point=point(series, mode, 1, rep=rep, pair=None), result=res, binaries_sha256=binaries)


def attack_run(mode, vmode="legacy", leaks=(), markers=None, job="attack", sl_wo=True):
    """A run beside the hostile device: kind a 8 canaries, b, c, d 4 each,
    open from planting; @leaks: (kind code, age ns) of each one read."""
    cans = [{"id": k << 24 | i, "iova": 4096 * i, "vtime_ns": 1, "age_ns": age, "reads": 1}
            for i, (k, age) in enumerate(leaks)]
    ranges = [[k << 24, 8 if k == 1 else 4, 100, 100, 4096 * k] for k in (1, 2, 3, 4)]
    return Record(job, mode, 1, vmode=vmode, point=point(job, mode, 1),
                  result={"module": {"canaries": ranges, "pm_hz": 3579545, "markers": {k: 0 for k in "abcd"} | (markers or {})},
                          "sl_wo": sl_wo},
                  device_counters={"hostile": {"canaries": cans, "probes": 9, "reads": 8,
                                               "faults": 1, "writes": 0}})


def qi(page=0, domain=0, glob=0, waits=0):
    """Device counters (docs/accounting.md) with the IOTLB and wait descriptors set."""
    return {"qi": {"descriptors": page + domain + glob + waits,
                   "iotlb": {"page": page, "domain": domain, "global": glob},
                   "wait": {"total": waits, "sw": waits}}}


class TempDir:
    """A result directory for a section's CSV and figures."""

    def __enter__(self):
        self._t = tempfile.TemporaryDirectory()
        return self._t.name

    def __exit__(self, *exc):
        self._t.cleanup()


def device_like(guest, **change):
    """Device counters that hold, for every descriptor type of names.DESCRIPTORS,
    the guest's count (0 where the guest has none), then @change by guest name."""
    from vtdlib.names import DESCRIPTORS
    dev = {}
    for name, path in DESCRIPTORS.items():
        path = path[0] if isinstance(path[0], tuple) else path
        d = dev
        for k in path[:-1]:
            d = d.setdefault(k, {})
        d[path[-1]] = change.get(name, guest.get(name, 0))
    for paths in (p for p in DESCRIPTORS.values() if isinstance(p[0], tuple)):
        d = dev
        for k in paths[1][:-1]:
            d = d.setdefault(k, {})
        d[paths[1][-1]] = 0
    dev["qi"].setdefault("wait", {})["total"] = change.get("wait", guest.get("wait", 0))
    return dev
