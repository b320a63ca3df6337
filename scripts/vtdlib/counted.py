"""Readers of the runs counted on both sides: the guest's invalidation
counters (result.guest_counters, kernel-patches 0004) beside the device's
(device_counters.qi, docs/accounting.md) or upstream's trace lines
(trace_counts). Like vtdlib.readers, the only code that knows these fields.

    guest_counters(rec)    the guest's counters, or None
    invalidation_rows  vmode_dma_rows  trace_rows       one row per run
"""

from .names import guest_equals_device
from .readers import plain


def guest_counters(r):
    """The guest's invalidation counters of one run, or None."""
    return (r.result or {}).get("guest_counters")


def _counted_dmabench(r):
    """The guest counters of a 1-page dmabench run counted on both sides, or None."""
    res, g = r.result or {}, guest_counters(r)
    if r.job != "dmabench" or res.get("map", "single") != "single" or not g \
            or r.device_counters is None or not g.get("unmaps"):
        return None
    return g


def invalidation_rows(recs):
    """Device-counted invalidations per 1000 unmaps, for dmabench runs with both counters."""
    rows = []
    for r in recs:
        g = _counted_dmabench(r)
        if g is None:
            continue
        q = r.device_counters["qi"]
        iotlb = q["iotlb"]["page"] + q["iotlb"]["domain"] + q["iotlb"]["global"]
        rows.append({"series": r.point["series"], "mode": r.point["mode"],
                     "threads": r.point["threads"], "rep": r.point["rep"], "unmaps": g["unmaps"],
                     "iotlb_per_1k_unmaps": round(1000 * iotlb / g["unmaps"], 3),
                     "waits_per_1k_unmaps": round(1000 * q["wait"]["total"] / g["unmaps"], 3),
                     "guest_equals_device": guest_equals_device(g, r.device_counters)})
    return rows


def vmode_dma_rows(recs):
    """Per plain 1-page dmabench run counted on both sides: IOTLB (and
    PASID-IOTLB) descriptors per map and per unmap, unmap latency, VT-d's
    batching and guest = device for the descriptor types present."""
    rows = []
    for r in recs:
        g, p = _counted_dmabench(r), r.point
        if g is None or not p or not plain(p):
            continue
        res, u = r.result, g["unmaps"]
        inv = sum(g.get(k, 0) for k in ("iotlb_page", "iotlb_domain", "iotlb_global", "piotlb"))
        rows.append({"vmode": r.vmode, "cpus": p["cpus"], "threads": p["threads"], "mode": p["mode"],
                     "map": g.get("flush_map", 0) / u, "unmap": (inv - g.get("flush_map", 0)) / u,
                     "unmap_us": res["unmap_ns"] / 1000 if "unmap_ns" in res else res["unmap_us"],
                     "batching": res.get("vtd_batching", ""),
                     "agree": guest_equals_device(g, r.device_counters, only_present=True)})
    return rows


def trace_rows(recs):
    """Runs counted both ways: device counters vs upstream trace lines."""
    pairs = [("descriptors", lambda q: q["descriptors"], "vtd_inv_desc"),
             ("IOTLB page-selective", lambda q: q["iotlb"]["page"], "vtd_inv_desc_iotlb_pages"),
             ("IOTLB global", lambda q: q["iotlb"]["global"], "vtd_inv_desc_iotlb_global"),
             ("wait (SW)", lambda q: q["wait"]["sw"], "vtd_inv_desc_wait_sw")]
    rows = []
    for r in recs:
        if r.trace_counts is not None and r.device_counters is not None:
            q = r.device_counters["qi"]
            for name, dev, ev in pairs:
                rows.append({"threads": r.point["threads"], "rep": r.point["rep"],
                             "what": name, "device": dev(q), "trace": r.trace_counts.get(ev, 0)})
    return rows
