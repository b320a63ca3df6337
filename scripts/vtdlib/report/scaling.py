"""Scaling with vCPUs: 1-page dma_map_benchmark with one thread per vCPU,
ops/s and unmap latency per mode; growth = latency at the most vCPUs over
one (MEDIANS)."""

import os

from .. import analysis, plot
from ..schemes import MODE_ORDER
from .dmabench import plain, same_definition


def rows(summary):
    """Plain points with one thread per vCPU, when several vCPU counts ran."""
    out = [x for x in plain(summary) if x["threads"] == x["cpus"]]
    return out if len({x["cpus"] for x in out}) > 1 else []


def growth(at, mode, cpus):
    """Unmap latency at the most vCPUs over at the fewest, or None."""
    lo, hi = at.get((mode, cpus[0])), at.get((mode, cpus[-1]))
    if not lo or not hi or lo["unmap_us_median"] <= 0:
        return None
    return analysis.ratio_of_medians(hi["unmap_us_median"], lo["unmap_us_median"])


def figure(out, modes, cpus, at):
    text = ""
    for m in modes:
        text += f"# {m}\n" + "".join(f"{c} {at[(m, c)]['ops_per_s_median']} {at[(m, c)]['unmap_us_median']}\n"
                                     for c in cpus if (m, c) in at) + "\n\n"
    dat = plot.data(os.path.join(out, "scaling.dat"), text)
    curves = lambda col: ", ".join(f"'{dat}' index {i} using 1:{col} with linespoints title '{m}'"  # noqa: E731
                                   for i, m in enumerate(modes))
    return plot.figure(out, "scaling.png", (1000, 420),
                       " set multiplot layout 1,2;"
                       f"set xlabel 'vCPUs (= benchmark threads)'; set xtics ({', '.join(map(str, cpus))});"
                       "set key top left; set ylabel 'ops/s'; set yrange [0:*];"
                       f"set title 'dma\\_map\\_benchmark throughput'; plot {curves(2)};"
                       "set ylabel 'unmap latency (us)'; set logscale y; set yrange [*:*];"
                       f"set title 'unmap latency'; plot {curves(3)}; unset multiplot", [dat])


def section(out, scaling):
    """Scaling curve: ops/s and unmap latency against vCPUs (= benchmark threads) per mode."""
    if not scaling:
        return []
    cpus = sorted({x["cpus"] for x in scaling})
    modes = [m for m in MODE_ORDER if any(x["mode"] == m for x in scaling)]
    at = {(x["mode"], x["cpus"]): x for x in scaling}
    lines = ["", "## Scaling with vCPUs", "",
             "dma_map_benchmark, 1 page, one thread per vCPU: median ops/s (map + unmap pairs, all "
             "threads) and unmap latency; *growth* is unmap latency at the most vCPUs over one vCPU "
             "(seed 000's contention measure).", "",
             "| mode | " + " | ".join(f"{c} vCPU ops/s | unmap µs" for c in cpus) + " | growth |",
             "|---|" + "---|---|" * len(cpus) + "---|"]
    same_definition("Scaling with vCPUs", scaling)
    for m in modes:
        cells = []
        for c in cpus:
            x = at.get((m, c))
            cells.append(f"{x['ops_per_s_median']:.0f} | {x['unmap_us_median']:.2f}" if x else "– | –")
        g = growth(at, m, cpus)
        lines.append(f"| {m} | " + " | ".join(cells) + f" | {'–' if g is None else f'{g:.2f}×'} |")
    fig = figure(out, modes, cpus, at)
    return lines + ["", f"![scaling]({fig})", "",
                    "Throughput and unmap latency against vCPUs per scheme (latency on a log scale): "
                    "a scheme that contends on a global lock grows with vCPUs."]
