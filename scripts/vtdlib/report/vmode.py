"""Cost of safety per vIOMMU configuration (vtd-run --vmode): 1-page
dma_map_benchmark counted on both sides per configuration and scheme, and
the deterministic network figure (rrloop under icount) per configuration,
each scheme as % of off of the same series and repetition (SAME_REP)."""

import os

from .. import analysis, counted, readers
from ..schemes import MODE_ORDER, VMODES, mode_rank
from .table import write_csv


def network_rows(recs):
    """Per (configuration, series, mode): n, median tps, % of off, batching."""
    runs = readers.rrloop_vmode_rows(recs)
    tps, bat = {}, {}
    for x in runs:
        k = (x["vmode"], x["series"])
        tps.setdefault(k, {}).setdefault(x["mode"], {})[x["rep"]] = x["tps"]
        bat.setdefault(k + (x["mode"],), set()).add(x["batching"])
    rows = []
    order = list(VMODES)
    for (vm, ser), by in sorted(tps.items(), key=lambda kv: (order.index(kv[0][0].split(" + ")[0]),
                                                            kv[0][0], kv[0][1])):
        off = by.get("off", {})
        if not off:  # e.g. a series that measures exposure only
            continue
        for m in sorted(by, key=mode_rank):
            ratios = analysis.same_rep_ratios(by[m], off)
            rows.append({"vmode": vm, "series": ser, "mode": m, "n": len(by[m]),
                         "tps_median": analysis.median(by[m].values()),
                         "pct_of_off": round(100 * analysis.median(ratios), 1) if ratios else "",
                         "batching": "/".join(sorted(bat[(vm, ser, m)]))})
    return rows


def network_lines(rows):
    modes = [m for m in MODE_ORDER if m != "off" and any(x["mode"] == m for x in rows)]
    lines = ["Network, deterministic: `rrloop` (request/response between two NICs of a 1-vCPU "
             "guest on a QEMU hub, `--icount`, the series' invalidation costs; docs/bench.md), "
             "transactions/s of each scheme as % of `off` in the same configuration, median over "
             "the repetitions (n per row). In brackets where VT-d did not keep upstream's choice: "
             "*forced-strict* (caching mode makes Linux 6.12 flush strictly unless the scheme is "
             "an explicit deferred one, kernel-patches 0009) or *kept* (an explicit scheme kept "
             "batching). The bench runs these without guest counters (they cost each unmap), so "
             "guest = device is checked on the `dma_map_benchmark` rows above.", "",
             "| configuration | series | n | off tps | " + " | ".join(modes) + " |",
             "|---|---|---|---|" + "---|" * len(modes)]
    for vm, ser in dict.fromkeys((x["vmode"], x["series"]) for x in rows):
        pts = {x["mode"]: x for x in rows if (x["vmode"], x["series"]) == (vm, ser)}
        off = pts.get("off")
        cells = []
        for m in modes:
            x = pts.get(m)
            cells.append("–" if not x or x["pct_of_off"] == "" else
                         f"{x['pct_of_off']}" + ("" if x["batching"] == "upstream" else f" ({x['batching']})"))
        lines.append(f"| {vm} | {ser} | {max(x['n'] for x in pts.values())} | " + (
                     f"{off['tps_median']:.0f} | " if off else "– | ") + " | ".join(cells) + " |")
    return lines + [""]


def section(out, recs):
    net = network_rows(recs)
    if net:
        write_csv(os.path.join(out, "vmode-network.csv"), net)
    groups = analysis.group(counted.vmode_dma_rows(recs), lambda x: (x["vmode"], x["cpus"], x["threads"], x["mode"]))
    if len({k[0] for k in groups} | {x["vmode"] for x in net}) < 2:
        return []
    rows = []
    lines = ["## Cost of safety per vIOMMU configuration", ""]
    if groups:
        lines += [
             "1-page `dma_map_benchmark`, medians over repetitions: IOTLB invalidation descriptors "
             "(IOTLB and PASID-IOTLB) per map (`flush_map`: caching mode invalidates on map) and per "
             "unmap, unmap latency, what VT-d did about batching, guest = device for every "
             "descriptor type (docs/configurations.md).", "",
             "| configuration | vCPUs | threads | scheme | inval. per map | inval. per unmap | "
             "unmap µs | batching | guest = device |", "|---|---|---|---|---|---|---|---|---|"]
    for k in sorted(groups, key=lambda k: (k[0], k[1], k[2], mode_rank(k[3]))):
        v = groups[k]
        row = {"vmode": k[0], "cpus": k[1], "threads": k[2], "mode": k[3],
               "inval_per_map": round(analysis.median(x["map"] for x in v), 4),
               "inval_per_unmap": round(analysis.median(x["unmap"] for x in v), 4),
               "unmap_us": round(analysis.median(x["unmap_us"] for x in v), 3),
               "batching": v[0]["batching"], "agree": all(x["agree"] for x in v)}
        rows.append(row)
        lines.append(f"| {k[0]} | {k[1]} | {k[2]} | {k[3]} | {row['inval_per_map']} | "
                     f"{row['inval_per_unmap']} | {row['unmap_us']} | {row['batching']} | "
                     f"{'yes' if row['agree'] else 'NO'} |")
    write_csv(os.path.join(out, "vmode.csv"), rows)
    return lines + [""] + (network_lines(net) if net else [])
