"""Network workloads measured on the host (memcached, rr; wall clock):
transactions/s, % of off, the NEIGHBOUR ratio with its interval, where the
host's CPU went and which component limits the off point; and the figure
of % of off per scheme for every network series (deterministic ones too)."""

import os

from .. import plot
from ..schemes import MODE_ORDER
from . import deterministic
from .published import NOTES


def bottleneck(off):
    """Which component limits an iommu=off network point, from the shares:
    a component near one full core is saturated; the guest is the limit when
    its CPUs are near fully busy while the host-side parts are not."""
    where = f"{off['series']} {off['cpus']} vCPU(s)"
    if off["main_loop_median"] >= 0.9:
        return f"{where}: QEMU's main loop (NIC backend) is saturated ({off['main_loop_median']:.2f} cores): ratios void"
    if off["load_cpu_share_median"] >= 0.9 * max(2, off["cpus"]):
        return f"{where}: the load generator is saturated: ratios void"
    if off["vcpu_wait_max_median"] >= 0.2:
        return f"{where}: host contention: a vCPU thread waited {off['vcpu_wait_max_median']:.2f} of the " \
               f"window for a host CPU (others' load) while none of ours saturated (busiest vCPU " \
               f"{off['vcpu_thread_max_median']:.2f}, main loop {off['main_loop_median']:.2f}, load generator " \
               f"{off['load_cpu_share_median']:.2f} cores): ratios as noisy as the host"
    if off["guest_cpu_busy_median"] >= 0.9:
        return f"{where}: guest-bound (guest CPUs {off['guest_cpu_busy_median']:.2f} busy; main loop " \
               f"{off['main_loop_median']:.2f}, load generator {off['load_cpu_share_median']:.2f} cores)"
    return f"{where}: nothing saturated (guest CPUs {off['guest_cpu_busy_median']:.2f} busy, main loop " \
           f"{off['main_loop_median']:.2f}, load generator {off['load_cpu_share_median']:.2f} cores): " \
           "latency-bound; ratios show the IOMMU's added latency, not lost guest CPU"


def ratio_cell(o):
    """'median [lo–hi] (coverage)' of the ratio to off, in % of off."""
    if o["ratio_n"] == "" or not o["ratio_n"]:
        return "–"
    return (f"{100 * o['ratio_median']:.1f} [{100 * o['ratio_lo']:.1f}–{100 * o['ratio_hi']:.1f}] "
            f"({100 * o['ratio_coverage']:.1f} %, n={o['ratio_n']})")


def wall_table(summary):
    summary = [o for o in summary if o["clock"] == "wall"]
    if not summary:
        return []
    lines = ["## Network workloads (transactions/s measured on the host)", "",
             "memcached: Debian's memcaslap (memaslap, seed 000's client), 64 B keys, 1024 B values, "
             "10% SET, one memcached per vCPU; rr: Debian's sockperf (TCP ping-pong), 64 B, one server per connection. "
             "% of off is taken against `intel_iommu=off` in the same run. *guest busy* is the guest "
             "CPUs' busy share during the window (guest /proc/stat); host CPU shares over the same "
             "window, in cores: *load CPU* the load generator, *vCPU thr* the busiest vCPU thread, "
             "*main loop* QEMU's main loop, which runs the NIC backend (slirp or tap). A ratio "
             "means something only when the guest, not the load generator or the network backend, "
             "is the bottleneck with the IOMMU off: see the bottleneck check below the table. "
             "These are wall-clock figures: *ratio to off* is the median over repetitions of "
             "each point's ratio to its `off` (the one run right before it when the series "
             "pairs them, `baseline = off`), with a distribution-free 95 % interval for the "
             "median (order statistics; its exact coverage and n in brackets: with fewer than "
             "6 repetitions the interval is min–max and covers less).", "",
             "| series | NIC | vCPUs | mode | tps (median) | min–max | % of off | ratio to off, % [interval] | "
             "guest busy | vCPU thr | main loop | load CPU |",
             "|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for o in summary:
        lines.append(f"| {o['series']} | {o['nic']} | {o['cpus']} | {o['mode']} | {o['tps_median']:.0f} | "
                     f"{o['tps_min']:.0f}–{o['tps_max']:.0f} | {o['pct_of_off']} | {ratio_cell(o)} | "
                     f"{o['guest_cpu_busy_median']:.2f} | {o['vcpu_thread_max_median']:.2f} | "
                     f"{o['main_loop_median']:.2f} | {o['load_cpu_share_median']:.2f} |")
    lines += ["", "Bottleneck check (IOMMU off): "] + [f"- {bottleneck(o)}" for o in summary
                                                        if o["mode"] == "off" and o["job"] != "rrloop"]
    return lines + ["", NOTES["network"], ""]


def figure(out, summary):
    """Clustered bars: one cluster per series and vCPU count, one bar per scheme."""
    rows = [o for o in summary if o["pct_of_off"] != "" and o["mode"] != "off"]
    if not rows:
        return None
    modes = [m for m in MODE_ORDER if any(o["mode"] == m for o in rows)]
    groups = sorted({(o["series"], o["cpus"]) for o in rows})
    pct = {(o["series"], o["cpus"], o["mode"]): o["pct_of_off"] for o in rows}
    dat = plot.data(os.path.join(out, "network.dat"), "group " + " ".join(modes) + "\n" + "".join(
        f'"{ser} {c} vCPU" ' + " ".join(str(pct.get((ser, c, m), "-")) for m in modes) + "\n"
        for ser, c in groups))
    top = max(110, 10 * (int(max(o["pct_of_off"] for o in rows)) // 10 + 2))
    return plot.figure(out, "network-pct-of-off.png", (1000, 460),
                       " set style data histograms;"
                       "set style histogram clustered gap 1; set style fill solid 0.8 border -1; set datafile missing '-';"
                       f"set ylabel '% of intel\\_iommu=off'; set yrange [0:{top}]; set key outside right;"
                       "set xtics rotate by -20 scale 0; set bmargin 6;"
                       "set arrow from graph 0, first 100 to graph 1, first 100 nohead dashtype 2;"
                       "set title 'Network throughput per scheme, % of intel\\_iommu=off in the same run (TCG guest)';"
                       f"plot for [i=2:{len(modes) + 1}] '{dat}' using i:xtic(1) title columnheader(i)", [dat])


def section(out, net, net_rows):
    if not net:
        return []
    fig = figure(out, net)
    lines = deterministic.section(net, net_rows) + wall_table(net)
    if fig:
        lines += [f"![network throughput]({fig})", "",
                  "Median transactions/s per mode as % of intel_iommu=off.", ""]
    return lines
