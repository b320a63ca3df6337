"""Network points: transactions/s per (series, job, NIC, vCPUs, mode) over
repetitions, and the ratio to off. A paired series (`baseline = off`)
takes NEIGHBOUR ratios, with a distribution-free interval for their
median; any other takes the MEDIANS ratio for % of off (SAME_REP is not
used here: wall-clock repetitions of one point are not matched in time
unless the bench paired them)."""

from .. import analysis
from ..schemes import mode_rank


def summarise(rows):
    groups = analysis.group(rows, lambda r: (r["series"], r["job"], r["nic"], r["cpus"], r["mode"]))
    med = analysis.median
    out = []
    for (ser, job, nic, c, m), rs in groups.items():
        ratios = analysis.neighbour_ratios(rows, rs[0]) if m != "off" else []
        rmed, rlo, rhi, cov = analysis.median_ci(ratios) if ratios else ("", "", "", "")
        out.append({"series": ser, "job": job, "nic": nic, "cpus": c, "mode": m, "n": len(rs),
                    "clock": rs[0]["clock"], "paired": any(x["pair"] for x in rs),
                    # Ratio to off per repetition (paired with its neighbour when
                    # the series has baseline = off): median, 95 % interval, the
                    # interval's coverage, and the spread max/min - 1.
                    "ratio_n": len(ratios), "ratio_median": round(rmed, 4) if ratios else "",
                    "ratio_lo": round(rlo, 4) if ratios else "", "ratio_hi": round(rhi, 4) if ratios else "",
                    "ratio_coverage": round(cov, 4) if ratios else "",
                    "ratio_spread_pct": round(analysis.spread_pct(ratios), 2) if ratios else "",
                    "p50_us_median": med(x["p50_us"] for x in rs) if rs[0]["p50_us"] != "" else "",
                    "p99_us_median": med(x["p99_us"] for x in rs) if rs[0]["p99_us"] != "" else "",
                    "tps_median": med(x["tps"] for x in rs), "tps_min": min(x["tps"] for x in rs),
                    "tps_max": max(x["tps"] for x in rs),
                    "guest_cpu_busy_median": med(x["guest_cpu_busy"] or 0 for x in rs),
                    "load_cpu_share_median": med(
                        x["load_cpu_s"] / x["load_wall_s"] if x["load_wall_s"] else 0 for x in rs),
                    "vcpu_thread_max_median": med(x["vcpu_thread_max"] or 0 for x in rs),
                    "main_loop_median": med(x["main_loop"] or 0 for x in rs),
                    "vcpu_wait_max_median": med(x["vcpu_wait_max"] or 0 for x in rs)})
    for o in out:
        off = [x for x in out if (x["series"], x["cpus"]) == (o["series"], o["cpus"]) and x["mode"] == "off"]
        # Paired series: the median of the paired ratios; else ratio of medians.
        if o["paired"] and o["ratio_n"]:
            o["pct_of_off"] = round(100 * o["ratio_median"], 1)
        elif off and off[0]["tps_median"]:
            o["pct_of_off"] = round(analysis.ratio_of_medians(o["tps_median"], off[0]["tps_median"], 100), 1)
        else:
            o["pct_of_off"] = ""
    return sorted(out, key=lambda o: (o["series"], o["cpus"], mode_rank(o["mode"])))
