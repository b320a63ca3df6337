"""dma_map_benchmark: the per-point summary every dmabench section starts
from, the rule that a table compares rows of one definition, and the
section of plain 1-page points (unmap latency per mode, ratio to strict:
MEDIANS) with its figure."""

import os

from .. import analysis, plot
from ..errors import fail
from ..schemes import MODE_ORDER, mode_rank
from .published import NOTES


def same_definition(table, rows):
    """Fail unless every row a table compares was measured the same way: a
    column that held a measured ops/s beside a derived one (or ns beside 0.1 µs
    means) would compare two quantities."""
    for field in ("ops_source", "lat_source"):
        kinds = sorted({r[field] for r in rows})
        if len(kinds) > 1:
            fail(f"table '{table}' compares rows measured in different ways ({field}: "
                 f"{' vs '.join(kinds)}); give every row one definition")


def summarise(rows):
    """Median unmap/map latency per (series, cpus, threads, mode, variant,
    iommu_opts, map, granule), in report order."""
    groups = analysis.group(rows, lambda r: (r["series"], r["cpus"], r["threads"], r["mode"], r["variant"],
                                             r["iommu_opts"], r["map"], r["granule"]))
    summary = []
    med = analysis.median
    for (s, c, t, m, v, o, mp, g), rs in sorted(groups.items(), key=lambda kv: (
            kv[0][0], kv[0][1], kv[0][2], kv[1][0]["qi_cost_ns"] or 0, kv[0][5], kv[0][7], kv[0][6],
            mode_rank(kv[0][3]))):
        summary.append({"series": s, "cpus": c, "threads": t, "mode": m, "variant": v, "n": len(rs),
                        "map": mp, "granule": g,
                        "ops_per_s_median": med(x["ops_per_s"] or 0 for x in rs),
                        "unmap_us_median": med(x["unmap_us"] for x in rs),
                        "unmap_us_min": min(x["unmap_us"] for x in rs),
                        "unmap_us_max": max(x["unmap_us"] for x in rs),
                        "map_us_median": med(x["map_us"] for x in rs),
                        "unmap_us_upstream_median": med(x["unmap_us_upstream"] for x in rs),
                        "map_us_upstream_median": med(x["map_us_upstream"] for x in rs),
                        "ops_source": "+".join(sorted({x["ops_source"] for x in rs})),
                        "lat_source": "+".join(sorted({x["lat_source"] for x in rs})),
                        "iommu_opts": o, "qi_cost_ns": rs[0]["qi_cost_ns"]})
    return summary


def plain(summary):
    """Summary rows of plain 1-page points (no variant, no extra options)."""
    return [s for s in summary if not s["variant"] and not s["iommu_opts"] and s["map"] == "single"]


def figure(out, rows):
    """Grouped bars: median unmap latency per mode, one group per thread count."""
    if not rows:
        return None
    modes = [m for m in MODE_ORDER if any(s["mode"] == m for s in rows)]
    keys = sorted({(s["series"], s["cpus"], s["threads"]) for s in rows})
    text = "group " + " ".join(modes) + "\n"
    for k in keys:
        vals = []
        for m in modes:
            v = [s["unmap_us_median"] for s in rows if (s["series"], s["cpus"], s["threads"]) == k
                 and s["mode"] == m]
            vals.append(str(v[0]) if v else "NaN")
        text += f'"{k[2]} thr, {k[1]} vCPU" ' + " ".join(vals) + "\n"
    dat = plot.data(os.path.join(out, "dmabench-unmap.dat"), text)
    cols = " ".join(f"'{dat}' using {i + 2}:xtic(1) title columnheader," for i in range(len(modes)))
    return plot.figure(out, "dmabench-unmap.png", (800, 480),
                       "set style data histograms; set style histogram clustered gap 1;"
                       "set style fill solid 0.8 border -1; set ylabel 'median unmap latency (us)';"
                       "set title 'dma\\_map\\_benchmark, 1 page, edu behind VT-d (TCG)';"
                       f"set key top left; set yrange [0:*]; plot {cols.rstrip(',')}", [dat])


def section(out, summary):
    """Plain 1-page dma_map_benchmark points: unmap latency per mode, ratio to strict."""
    rows = plain(summary)
    if not rows:
        return []
    fig = figure(out, rows)
    lines = ["## dma_map_benchmark, 1 page on edu", "",
             "Median unmap latency in µs (min–max over repetitions) and the ratio to `strict` "
             "of the same thread count, all taken in one interleaved run. TCG time is host time "
             "seen by a slowed guest: compare ratios, not absolute numbers.", "",
             "| vCPUs | threads | mode | unmap µs | min–max | map µs | unmap / strict |",
             "|---|---|---|---|---|---|---|"]
    same_definition("dma_map_benchmark, 1 page on edu", rows)
    for s in rows:
        strict = [x for x in rows if (x["series"], x["cpus"], x["threads"]) ==
                  (s["series"], s["cpus"], s["threads"]) and x["mode"] == "strict"]
        ratio = analysis.ratio_of_medians(s["unmap_us_median"], strict[0]["unmap_us_median"]) \
            if strict and strict[0]["unmap_us_median"] > 0 else None
        lines.append(f"| {s['cpus']} | {s['threads']} | {s['mode']} | {s['unmap_us_median']:.1f} | "
                     f"{s['unmap_us_min']:.1f}–{s['unmap_us_max']:.1f} | {s['map_us_median']:.1f} | "
                     f"{'–' if ratio is None else f'{ratio:.2f}'} |")
    lines += ["", NOTES["dmabench"], ""]
    if fig:
        lines += [f"![unmap latency]({fig})", "",
                  "Median 1-page unmap latency per IOMMU mode and thread count.", ""]
    return lines
