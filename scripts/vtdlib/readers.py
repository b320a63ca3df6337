"""Per-job readers: the only place that knows the field names of the guest's
JSON (record.result, guest/jobs.sh), of the host load generator's output
(record.host_load) and of the bench point (record.point). Each turns the
records of one job into flat rows (dicts) that the analysis and the report
sections use; a reader skips records that are not its job.

    dmabench_rows  fio_rows  network_rows  stale_rows   one row per run
    rrloop_vmode_rows  plane_samples                    the vIOMMU table's, the plane's inputs
    exposure(res, pages)                                page*ms per 10^6 unmaps

The runs counted on both sides (guest counters beside device counters or
trace lines) have their readers in vtdlib.counted.
"""

import re

# The two ways a dma_map_benchmark figure is obtained. The extended
# benchmark counts operations and times them in ns; stock Linux prints only
# mean latencies at 0.1 µs, from which ops/s can only be derived.
OPS_MEASURED = "ops / elapsed"
OPS_DERIVED = "threads / (map + unmap mean)"
LAT_NS = "ns"
LAT_UPSTREAM = "0.1 µs mean"

# intel-iommu property whose value is the swept invalidation cost (docs/qi-cost.md)
QI_COST_PROP = "x-qi-cost-iotlb-page-ns"


def qi_cost_ns(r):
    """The page-selective IOTLB cost a run was given ('' when not set)."""
    v = r.iommu_opts.get(QI_COST_PROP)
    return "" if v is None else int(v)


def attacked(r):
    """A run beside the hostile device (docs/attack.md): its probes and faults
    cost the guest, so its throughput is no performance figure."""
    return "hostile" in (r.device_counters or {})


def plain(p):
    """A bench point of no variant and no extra intel-iommu options."""
    return not p.get("variant") and not p.get("iommu_opts")


def dmabench_rows(recs):
    rows = []
    for r in recs:
        if r.job != "dmabench" or r.result is None:
            continue
        p, res = r.point, r.result
        # The extended benchmark (kernel-patches 0007) gives ns and a count of
        # operations; the stock one only 0.1 µs means.
        map_us = res["map_ns"] / 1000 if "map_ns" in res else res["map_us"]
        unmap_us = res["unmap_ns"] / 1000 if "unmap_ns" in res else res["unmap_us"]
        lat = map_us + unmap_us
        if res.get("ops") and res.get("elapsed_ms"):
            ops, ops_source = round(res["ops"] * 1000 / res["elapsed_ms"]), OPS_MEASURED
        else:  # map+unmap pairs per second over all threads, from the mean latencies
            ops, ops_source = (round(p["threads"] * 1e6 / lat) if lat > 0 else ""), OPS_DERIVED
        rows.append({"series": p["series"], "mode": p["mode"], "variant": p.get("variant") or "",
                     "cpus": p["cpus"], "threads": p["threads"], "rep": p["rep"],
                     "map": res.get("map", "single"), "granule": res.get("granule", 1),
                     "map_us": round(map_us, 3), "unmap_us": round(unmap_us, 3),
                     # Upstream's own figure, the one stock Linux also prints.
                     "unmap_us_upstream": res["unmap_us"],
                     "map_us_upstream": res["map_us"],
                     "ops_per_s": ops,
                     # How this row's figures were obtained: tables compare
                     # rows of one definition only (report.dmabench.same_definition).
                     "ops_source": ops_source,
                     "lat_source": LAT_NS if "unmap_ns" in res else LAT_UPSTREAM,
                     "wall_s": r.wall_s,
                     "iommu_opts": p.get("iommu_opts") or "",
                     "qi_cost_ns": qi_cost_ns(r)})
    return rows


def exposure(res, pages=None):
    """Guest-side exposure of one run, page·ms per million unmaps: for every
    unmap, the time until the invalidation that covered it completed. Queued
    entries from the flush-queue age histogram (kernel-patches 0004), each at
    the upper end of its log2 bucket, the open last bucket at its start;
    strict invalidates before the unmap returns and shadow never queues, so
    their histograms are empty (0). `pages` per unmap: the run's granule by
    default. None without guest counters."""
    g = res.get("guest_counters")
    if not g or not g.get("unmaps"):
        return None
    ms = 0.0
    for name, n in g.items():
        m = re.fullmatch(r"fq_age_us_(lt|ge)_(\d+)", name)
        if m:
            ms += n * int(m.group(2)) / 1000
    return ms * (pages or res.get("granule", 1)) * 1e6 / g["unmaps"]


def fio_pages(res):
    """4 KiB pages per fio I/O (one unmap each)."""
    return max(1, int(res["bs"].rstrip("k")) // 4) if res["bs"].endswith("k") else 1


def fio_rows(recs):
    """One row per fio run: IOPS, guest CPU per I/O, exposure."""
    rows = []
    for r in recs:
        p, res = r.point, r.result or {}
        if r.job != "fio" or not p or "iops" not in res:
            continue
        ios = res["iops"] * res["runtime_ms"] / 1000
        busy_us = res["guest_cpu_busy"] * res["cpus"] * res["runtime_ms"] * 1000
        e = exposure(res, fio_pages(res))
        rows.append({"series": p["series"], "mode": p["mode"], "cpus": p["cpus"], "rep": p["rep"],
                     "rw": res["rw"], "bs": res["bs"], "iodepth": res["iodepth"], "iops": res["iops"],
                     "cpu_us_per_io": round(busy_us / ios, 2) if ios else "",
                     "exposure_page_ms_per_m": "" if e is None else round(e, 1)})
    return rows


def _binaries(r):
    return "/".join(v[:12] for v in (r.binaries_sha256 or {}).values())


def _net_point(r):
    p = r.point
    return {"series": p["series"], "job": r.job, "vmode": r.vmode, "nic": r.nic() or "none",
            "mode": p["mode"], "cpus": p["cpus"], "rep": p["rep"], "pair": p.get("pair") or ""}


def network_rows(recs):
    """One row per network run: transactions/s and where time went. memcached
    and rr are measured on the host (wall clock); rrloop in the guest, whose
    clock under icount is virtual time (the deterministic figure)."""
    rows = []
    for r in recs:
        if r.job == "rrloop" and r.result is not None:
            load = r.result["client"]
            rows.append(dict(_net_point(r), clock="virtual" if r.icount else "wall",
                             tps=load["tps"], transactions=load["transactions"],
                             p50_us=load["latency_us"]["p50"], p99_us=load["latency_us"]["p99"],
                             guest_cpu_busy=r.result.get("guest_cpu_busy", ""),
                             load_cpu_s="", load_wall_s="", vcpu_thread_max="", main_loop="",
                             vcpu_wait_max="", binaries=_binaries(r)))
            continue
        if r.job not in ("memcached", "rr") or r.host_load is None:
            continue
        load = r.host_load.get("result", {})
        lat = load.get("latency_us", {})
        threads = r.host_load.get("qemu_thread_cpu_share", {})
        vcpu = [v for k, v in threads.items() if k.startswith("CPU ")]
        rows.append(dict(_net_point(r), clock="wall",
                         tps=load.get("tps", 0), transactions=load.get("transactions", load.get("ops", "")),
                         p50_us=lat.get("p50", ""), p99_us=lat.get("p99", ""),
                         guest_cpu_busy=r.result.get("guest_cpu_busy", ""),
                         load_cpu_s=r.host_load["cpu_s"], load_wall_s=r.host_load["wall_s"],
                         # Host CPU shares over the load window (cores): the busiest
                         # vCPU thread and QEMU's main loop, which runs the NIC backend.
                         vcpu_thread_max=max(vcpu) if vcpu else "",
                         # Share of the window the busiest-waiting vCPU thread was
                         # runnable but without a host CPU (host contention).
                         vcpu_wait_max=max((v for k, v in r.host_load.get("qemu_thread_wait_share", {}).items()
                                            if k.startswith("CPU ")), default=""),
                         main_loop=sum(v for k, v in threads.items() if not k.startswith("CPU ")) if threads else "",
                         binaries=_binaries(r)))
    return rows


def stale_rows(recs):
    """One row per `stale` job run: module outcome and device audit."""
    rows = []
    for r in recs:
        if r.job != "stale" or r.result is None:
            continue
        p, m = r.point, r.result["module"]
        audit = (r.device_counters or {}).get("audit", {})
        st = audit.get("stale", {})
        rows.append({"series": p["series"], "mode": p["mode"], "rep": p["rep"],
                     "unmaps": m["tries"], "armed": m["armed"], "landed": m["landed"],
                     "clean": m["clean"], "early": m["early"],
                     "dmar_write_faults": r.result.get("dmar_write_faults", ""),
                     "audit": bool(audit.get("enabled")),
                     "audit_stale": st.get("translations", ""),
                     "audit_age_min_ms": st.get("age_min_ns", 0) / 1e6 if st.get("translations") else "",
                     "audit_age_max_ms": st.get("age_max_ns", 0) / 1e6 if st.get("translations") else "",
                     "landed_window_max_ms": m["landed_window_max_ns"] / 1e6 if m["landed"] else "",
                     "points": m.get("points", [])})
    return rows


def rrloop_vmode_rows(recs):
    """Per plain rrloop run under icount: the configuration (device-IOTLB, docs/
    configurations.md, as a variant of it), transactions/s, VT-d's batching."""
    rows = []
    for r in recs:
        p, res = r.point, r.result or {}
        if r.job != "rrloop" or not r.icount or not p or "client" not in res or not plain(p):
            continue
        vm = r.vmode + (" + device-IOTLB" if (r.iommu_opts or {}).get("device-iotlb") == "on" else "")
        rows.append({"vmode": vm, "series": p["series"], "mode": p["mode"], "rep": p["rep"],
                     "tps": res["client"]["tps"], "batching": res.get("vtd_batching", "")})
    return rows


def plane_samples(recs):
    """The plane's inputs from plain legacy runs: ('local', workload, point,
    series, mode, rep, throughput, exposure) for dma_map_benchmark and fio,
    whose throughput and exposure come from the same run; ('net', (job, NIC,
    vCPUs, clock), series, mode, exposure) for the network jobs' counted runs
    (NIC buffers are smaller than a page: one page per unmap)."""
    out = []
    for r in recs:
        p, res = r.point, r.result or {}
        if not p or r.vmode != "legacy" or not plain(p):
            continue
        if r.job == "dmabench" and res.get("map", "single") == "single" and res.get("ops") \
                and res.get("elapsed_ms"):
            key = f"{p['threads']} thread(s), {p['cpus']} vCPU(s)" + \
                ("" if p["series"] == "dmabench" else f" [{p['series']}]")
            out.append(("local", "dma_map_benchmark", key, p["series"], p["mode"], p["rep"],
                        res["ops"] / res["elapsed_ms"], exposure(res)))
        elif r.job == "fio" and "iops" in res:
            key = f"{res['rw']} {res['bs']} qd{res['iodepth']}" + \
                ("" if p["series"] == "fio" else f" [{p['series']}]")
            out.append(("local", "fio", key, p["series"], p["mode"], p["rep"], res["iops"],
                        exposure(res, fio_pages(res))))
        elif r.job in ("memcached", "rr", "rrloop"):
            e = exposure(res, 1)
            if e is not None:
                k = (r.job, r.nic() or "none", p["cpus"], "virtual" if r.icount else "wall")
                out.append(("net", k, p["series"], p["mode"], e))
    return out
