"""Network, deterministic: rrloop under icount, load generator in the guest
on a second NIC; virtual time, so a ratio repeats exactly unless the build
changed (points of one series from several builds are flagged)."""


def section(summary, rows):
    det = [o for o in summary if o["clock"] == "virtual"]
    if not det:
        return []
    lines = ["## Network, deterministic (icount; load generator in the guest on a second NIC)", "",
             "sockperf between two NICs of one 1-vCPU guest, joined inside QEMU (`vtd-run --net hub`): "
             "the client in a network namespace of its own on the second NIC, the server on the "
             "first, so each request and response crosses the IOMMU on both sides. Under icount "
             "the guest's clock is its instruction count plus the cost model's charged "
             "invalidation time and no host process takes part: transactions/s and latencies "
             "are virtual time and repeat from run to run. *spread* is max/min − 1 of the ratio "
             "to off over the repetitions (0 when it repeats exactly).", "",
             "| series | NIC | vCPUs | mode | tps (median) | min–max | % of off | spread | "
             "p50 µs | p99 µs | guest busy |",
             "|---|---|---|---|---|---|---|---|---|---|---|"]
    builds = {}
    for r in rows:
        if r["clock"] == "virtual" and r["binaries"]:
            builds.setdefault(r["series"], set()).add(r["binaries"])
    for o in det:
        spread = f"{o['ratio_spread_pct']:.2f} %" if o["ratio_spread_pct"] != "" and o["ratio_n"] > 1 else "–"
        lines.append(f"| {o['series']} | {o['nic']} | {o['cpus']} | {o['mode']} | {o['tps_median']:.0f} | "
                     f"{o['tps_min']:.0f}–{o['tps_max']:.0f} | {o['pct_of_off']} | {spread} | "
                     f"{o['p50_us_median']:.0f} | {o['p99_us_median']:.0f} | {o['guest_cpu_busy_median']:.2f} |")
    for ser, b in sorted(builds.items()):
        if len(b) > 1:
            lines += ["", f"**{ser} ran on {len(b)} different builds** (QEMU/kernel/initramfs sha256 "
                      "differ between its points): a rebuild moves a deterministic figure, so these "
                      "points do not compare exactly."]
    return lines + [""]
