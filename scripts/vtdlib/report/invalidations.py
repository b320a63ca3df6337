"""Invalidations per operation: device-counted IOTLB invalidation and wait
descriptors per 1000 unmaps per scheme, guest = device, and the figure."""

import os

from .. import analysis, counted, plot
from ..schemes import mode_rank
from .table import write_csv


def figure(out, text):
    dat = plot.data(os.path.join(out, "invalidations.dat"), text)
    return plot.figure(out, "invalidations.png", (900, 420),
                       " set style data histograms;"
                       "set style fill solid 0.8 border -1; set logscale y; set key off;"
                       "set ylabel 'IOTLB invalidations per 1000 unmaps'; set xtics rotate by -30;"
                       "set title 'Invalidations per operation per scheme (device-counted)';"
                       f"plot '{dat}' using 2:xtic(1)", [dat])


def section(out, recs):
    """Table + figure (nothing without counters on both sides)."""
    rows = counted.invalidation_rows(recs)
    if not rows:
        return []
    write_csv(os.path.join(out, "invalidations.csv"), rows)
    groups = analysis.group(rows, lambda r: (r["series"], r["threads"], r["mode"]))
    lines = ["", "## Invalidations per operation", "",
             "Device-counted IOTLB invalidation descriptors (page + domain + global) and wait "
             "descriptors per 1000 1-page unmaps (the guest's unmap counter), median over repetitions; "
             "*guest = device* says whether, in every run, each descriptor type the guest kernel "
             "submitted equals what the device processed (scripts/vtd-compare).", "",
             "| series | threads | mode | IOTLB inv. / 1k unmaps | waits / 1k unmaps | guest = device |",
             "|---|---|---|---|---|---|"]
    text = ""
    for (ser, t, m) in sorted(groups, key=lambda k: (k[0], k[1], mode_rank(k[2]))):
        rs = groups[(ser, t, m)]
        inv = analysis.median(r["iotlb_per_1k_unmaps"] for r in rs)
        wts = analysis.median(r["waits_per_1k_unmaps"] for r in rs)
        ok = "yes" if all(r["guest_equals_device"] for r in rs) else "**NO**"
        lines.append(f"| {ser} | {t} | {m} | {inv:.2f} | {wts:.2f} | {ok} |")
        text += f'"{ser} {m} {t}thr" {max(inv, 0.01)}\n'
    fig = figure(out, text)
    return lines + ["", f"![invalidations per operation]({fig})", "",
                    "Strict pays one invalidation per unmap; the deferred schemes one domain-wide "
                    "flush per full queue or timer tick (log scale)."]
