"""Stale-translation window (edu_stale + x-audit, docs/stale-audit.md):
stale DMAs per million unmaps per mode, the survival curve of the window,
and the stale rate beside dma_map_benchmark throughput."""

import os

from .. import analysis, plot, readers
from ..schemes import mode_rank
from .table import write_csv

BIN_US = 1000   # window bins of the survival curve


def summarise(rows):
    """Per (series, mode): stale DMAs per million unmaps and the survival curve."""
    groups = analysis.group(rows, lambda r: (r["series"], r["mode"]))
    out = []
    for (ser, mode), rs in sorted(groups.items(), key=lambda kv: (kv[0][0], mode_rank(kv[0][1]))):
        unmaps = sum(x["unmaps"] for x in rs)
        audited = all(x["audit"] for x in rs)
        stale = sum(x["audit_stale"] for x in rs) if audited else sum(x["landed"] for x in rs)
        bins = {}
        for x in rs:
            for w_us, landed in x["points"]:
                b = bins.setdefault(w_us // BIN_US, [0, 0])
                b[0] += landed
                b[1] += 1
        out.append({"series": ser, "mode": mode, "runs": len(rs), "unmaps": unmaps,
                    "armed": sum(x["armed"] for x in rs), "landed": sum(x["landed"] for x in rs),
                    "stale_dmas": stale, "counted_by": "audit" if audited else "module",
                    "stale_per_million_unmaps": round(1e6 * stale / unmaps) if unmaps else "",
                    "landed_window_max_ms": max((x["landed_window_max_ms"] for x in rs
                                                 if x["landed_window_max_ms"] != ""), default=""),
                    "audit_age_max_ms": max((x["audit_age_max_ms"] for x in rs
                                             if x["audit_age_max_ms"] != ""), default=""),
                    "survival": {b * BIN_US / 1000: (v[0] / v[1], v[1])
                                 for b, v in sorted(bins.items())}})
    return out


def figure(out, summary, dmabench):
    """Survival of the stale window per mode, and stale rate next to throughput."""
    dats, curves = [], []
    for i, s in enumerate(summary):
        dats.append(plot.data(os.path.join(out, f"stale-survival-{i}.dat"), "".join(
            f"{ms + BIN_US / 2000} {frac} {n}\n" for ms, (frac, n) in sorted(s["survival"].items()))))
        curves.append(f"'{dats[-1]}' using 1:2 with linespoints title '{s['mode']}'")
    text = ""
    for s in summary:
        ops = [d["ops_per_s_median"] for d in dmabench if d["mode"] == s["mode"]
               and not d["variant"] and not d["iommu_opts"]]
        text += (f'"{s["mode"]}" {s["stale_per_million_unmaps"] or 0} '
                 f'{(analysis.median(ops) / 1000) if ops else "NaN"}\n')
    bars = plot.data(os.path.join(out, "stale-rate.dat"), text)
    dats.append(bars)
    return plot.figure(out, "stale-window.png", (1100, 440),
                       " set multiplot layout 1,2;"
                       "set grid; set key top right; set yrange [0:1.05];"
                       "set xlabel 'unmap done -> device write (ms)'; set ylabel 'writes that landed';"
                       "set title 'Stale window: P(write through the unmapped IOVA lands)';"
                       f"plot {', '.join(curves)};"
                       "set title 'Safety vs speed'; set xlabel 'map+unmap pairs per second (k, dma\\_map\\_benchmark)';"
                       "set ylabel 'stale DMAs per million unmaps (edu\\_stale)'; set yrange [0:*]; set xrange [0:*];"
                       "set key bottom right; set offsets 0.1, 0.1, 0, 0;"
                       "plot " + ", ".join(f"'{bars}' every ::{i}::{i} using 3:2 with points pt {5 + i % 9} "
                       f"ps 1.8 title '{s['mode']}'" for i, s in enumerate(summary)), dats)


def section(out, recs, dmabench):
    """CSV, figure and report lines for `stale` runs (nothing if there are none)."""
    rows = readers.stale_rows(recs)
    if not rows:
        return []
    summary = summarise(rows)
    write_csv(os.path.join(out, "stale.csv"), [{k: v for k, v in r.items() if k != "points"} for r in rows])
    write_csv(os.path.join(out, "stale-summary.csv"), [{k: v for k, v in s.items() if k != "survival"}
                                                        for s in summary])
    fig = figure(out, summary, dmabench)
    lines = ["", "## Stale-translation window (edu_stale + x-audit)", "",
             "Each unmap of the `stale` job is followed by an edu write to the unmapped IOVA "
             "(docs/stale-audit.md). *stale DMAs* are the writes that went through a stale IOTLB "
             "entry, counted by the device audit (`x-audit=on`) or, without it, by the module; "
             "*window* is unmap done -> write done as the guest saw it; *age* is the audit's "
             "IOTLB entry age (insert -> stale use, ≥ 100 ms with edu by construction).", "",
             "| mode | runs | unmaps | armed | landed | stale DMAs | per million unmaps | "
             "max landed window ms | max entry age ms |",
             "|---|---|---|---|---|---|---|---|---|"]
    for s in summary:
        win = f"{s['landed_window_max_ms']:.2f}" if s["landed_window_max_ms"] != "" else "–"
        age = f"{s['audit_age_max_ms']:.1f}" if s["audit_age_max_ms"] != "" else "–"
        lines.append(f"| {s['mode']} | {s['runs']} | {s['unmaps']} | {s['armed']} | {s['landed']} | "
                     f"{s['stale_dmas']} ({s['counted_by']}) | {s['stale_per_million_unmaps']} | "
                     f"{win} | {age} |")
    lines += ["", f"![stale window]({fig})", "",
              "Left: fraction of writes that landed, by how long after the unmap they came "
              f"({BIN_US / 1000:g} ms bins); strict is 0 everywhere. Right: stale DMAs "
              "per million unmaps against dma_map_benchmark throughput of the same mode."]
    return lines + [""]
