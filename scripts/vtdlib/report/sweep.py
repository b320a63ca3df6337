"""Invalidation cost sweep: unmap latency and throughput against the swept
x-qi-cost-iotlb-page-ns (docs/qi-cost.md); the rise is over the same
point's cost-0 median."""

import os

from .. import plot
from ..readers import QI_COST_PROP
from ..schemes import mode_rank
from .dmabench import same_definition


def rows(summary):
    """Summary rows of an invalidation-cost sweep (iommu_opts with QI_COST_PROP)."""
    return [s for s in summary if s["qi_cost_ns"] != "" and not s["variant"]]


def figure(out, sweep):
    """Unmap latency and throughput against the swept cost, one line per mode/vCPUs."""
    lines = sorted({(s["series"], s["mode"], s["cpus"], s["threads"]) for s in sweep})
    dats, plots = [], {"unmap": [], "ops": []}
    for i, (ser, m, c, t) in enumerate(lines):
        pts = sorted((s for s in sweep if (s["series"], s["mode"], s["cpus"], s["threads"]) == (ser, m, c, t)),
                     key=lambda s: s["qi_cost_ns"])
        dat = plot.data(os.path.join(out, f"qi-cost-sweep-{i}.dat"), "".join(
            f"{s['qi_cost_ns'] / 1000} {s['unmap_us_median']} {s['ops_per_s_median']}\n" for s in pts))
        dats.append(dat)
        title = f"{m}, {c} vCPU, {t} thr"
        plots["unmap"].append(f"'{dat}' using 1:2 with linespoints title '{title}'")
        plots["ops"].append(f"'{dat}' using 1:($3/1000) with linespoints title '{title}'")
    return plot.figure(out, "qi-cost-sweep.png", (1000, 440),
                       " set multiplot layout 1,2;"
                       "set xlabel 'page-selective IOTLB invalidation cost (us)'; set key top left;"
                       "set grid; set yrange [0:*];"
                       "set ylabel 'median unmap latency (us)'; set title 'unmap latency';"
                       f"plot {', '.join(plots['unmap'])};"
                       "set key bottom left; set ylabel 'map+unmap pairs per second (k)';"
                       "set title 'throughput (threads / (map + unmap))';"
                       f"plot {', '.join(plots['ops'])}; unset multiplot", dats)


def section(out, sweep):
    if not sweep:
        return []
    fig = figure(out, sweep)
    lines = ["## Invalidation cost sweep", "",
             f"`{QI_COST_PROP}` swept (docs/qi-cost.md); median over repetitions. "
             "ops/s = threads / (map + unmap latency).", "",
             "| vCPUs | threads | mode | cost µs | unmap µs | map µs | ops/s | unmap rise µs |",
             "|---|---|---|---|---|---|---|---|"]
    same_definition("Invalidation cost sweep", sweep)
    for s in sorted(sweep, key=lambda s: (s["cpus"], s["threads"], mode_rank(s["mode"]), s["qi_cost_ns"])):
        base = [x for x in sweep if (x["series"], x["cpus"], x["threads"], x["mode"]) ==
                (s["series"], s["cpus"], s["threads"], s["mode"]) and x["qi_cost_ns"] == 0]
        rise = f"{s['unmap_us_median'] - base[0]['unmap_us_median']:.1f}" if base else "–"
        lines.append(f"| {s['cpus']} | {s['threads']} | {s['mode']} | {s['qi_cost_ns'] / 1000:g} | "
                     f"{s['unmap_us_median']:.1f} | {s['map_us_median']:.1f} | "
                     f"{s['ops_per_s_median']:.0f} | {rise} |")
    return lines + ["", f"![invalidation cost sweep]({fig})", "",
                    "Unmap latency and throughput against the virtual time charged per IOTLB "
                    "invalidation: strict pays it on every unmap, the deferred schemes once per "
                    "batch.", ""]
