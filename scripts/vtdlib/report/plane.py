"""The safety–performance plane, one table and figure per workload: each
scheme's throughput as % of off against its exposure (the deferred
window), what the hostile device reached through it, and the goal's
verdict (a safe scheme at >= the published share of the best deferred
one). dma_map_benchmark and fio pair SAME_REP; network series take the
NEIGHBOUR ratios of the network table. Legacy configuration only."""

import os

from .. import analysis, plot, readers
from ..schemes import mode_rank
from . import hostile
from .published import TARGETS
from .table import write_csv

# The plane's workloads, in report order, with the file name of each figure.
WORKLOADS = {"dma_map_benchmark": "dma_map_benchmark", "fio": "fio", "memcached": "memcached",
             "request/response": "request-response"}


def point(workload, key, series, mode, ratios, exps, exposure_from="same runs"):
    """One point: median and min–max over repetitions of the ratio to off
    (%) and of the exposure."""
    pct, pct_lo, pct_hi = analysis.summary(ratios)
    e, e_lo, e_hi = analysis.summary(exps)
    return {"workload": workload, "point": key, "series": series, "mode": mode, "n": len(ratios),
            "pct_of_off": round(100 * pct, 1), "pct_min": round(100 * pct_lo, 1), "pct_max": round(100 * pct_hi, 1),
            "exposure_page_ms_per_m": round(e, 1), "exposure_min": round(e_lo, 1), "exposure_max": round(e_hi, 1),
            "exposure_n": len(exps), "exposure_from": exposure_from}


def local_rows(samples):
    """dma_map_benchmark and fio: throughput and exposure from the same runs."""
    tput, exps, ser = {}, {}, {}
    for _, workload, k, series, mode, rep, t, e in (s for s in samples if s[0] == "local"):
        key = (workload, k)
        tput.setdefault(key, {}).setdefault(mode, {})[rep] = t
        ser[key] = series
        if e is not None:
            exps.setdefault(key, {}).setdefault(mode, []).append(e)
    rows = []
    for key in sorted(tput, key=lambda k: (list(WORKLOADS).index(k[0]), k[1])):
        off = tput[key].get("off", {})
        for mode in sorted(tput[key], key=mode_rank):
            ratios = analysis.same_rep_ratios(tput[key][mode], off)
            e = exps.get(key, {}).get(mode, [])
            if mode != "off" and ratios and e:
                rows.append(point(key[0], key[1], ser[key], mode, ratios, e))
    return rows


def network_rows(samples, net_rows):
    """Network series (legacy): the ratios of the network table, paired with
    their own off; throughput from a series without guest counters where the
    same job, NIC, vCPUs and clock has one, exposure from the counted runs."""
    nexps, nsrc = {}, {}
    for _, k, series, mode, e in (s for s in samples if s[0] == "net"):
        nexps.setdefault(k, {}).setdefault(mode, []).append(e)
        nsrc.setdefault(k, set()).add(series)
        nsrc.setdefault(k + (mode,), set()).add(series)
    net = [o for o in net_rows if o["vmode"] == "legacy"]
    nk = lambda o: (o["job"], o["nic"], o["cpus"], o["clock"])  # noqa: E731
    plain = {nk(o) + (o["mode"],) for o in net if o["series"] not in nsrc.get(nk(o), ())}
    done, rows = set(), []
    for o in net:
        k, key = nk(o), (o["series"], o["cpus"], o["mode"])
        e = nexps.get(k, {}).get(o["mode"], [])
        counted = o["series"] in nsrc.get(k, ())
        if o["mode"] == "off" or not e or key in done or (counted and k + (o["mode"],) in plain):
            continue
        done.add(key)
        ratios = analysis.neighbour_ratios(net_rows, o)
        if ratios:
            rows.append(point("memcached" if o["job"] == "memcached" else "request/response",
                              f"{o['job']}, {o['nic']}, {o['cpus']} vCPU(s), "
                              f"{'icount' if o['clock'] == 'virtual' else 'wall clock'}",
                              o["series"], o["mode"], ratios, e,
                              "same runs" if counted else ", ".join(sorted(nsrc[k + (o["mode"],)]))))
    return rows


def rows(recs, net_rows, att):
    samples = readers.plane_samples(recs)
    out = local_rows(samples) + network_rows(samples, net_rows)
    for r in out:
        k = hostile.reached(att, r["mode"])
        r["reached"] = "not attacked" if k is None else (k or "nothing")
    return sorted(out, key=lambda r: (list(WORKLOADS).index(r["workload"]), r["point"], mode_rank(r["mode"])))


def verdict(pts):
    """The goal on one set of points: the best safe scheme (zero exposure and
    the hostile device reached nothing) against the best deferred one."""
    best = max((r for r in pts if r["exposure_page_ms_per_m"] > 0), key=lambda r: r["pct_of_off"], default=None)
    safe = max((r for r in pts if r["exposure_page_ms_per_m"] == 0 and r["reached"] == "nothing"),
               key=lambda r: r["pct_of_off"], default=None)
    if not best or not safe:
        unsafe = ", ".join(f"{r['mode']} (device reached {r['reached']})" for r in pts
                           if r["exposure_page_ms_per_m"] == 0 and r["reached"] != "nothing")
        return ("goal not testable (needs a deferred scheme and a safe one: zero exposure and "
                "nothing reached by the hostile device" + (f"; not safe: {unsafe}" if unsafe else "") + ")")
    share = analysis.ratio_of_medians(safe["pct_of_off"], best["pct_of_off"], 100)
    goal = TARGETS["plane_safe_share_of_deferred_pct"]
    return (f"goal {'met' if share >= goal else 'not met'}: the best safe scheme, {safe['mode']}, "
            f"reaches {safe['pct_of_off']} % of off, {share:.0f} % of the best deferred scheme "
            f"({best['mode']}, {best['pct_of_off']} %)")


def figure(out, workload, name, wrows):
    # A log axis has no 0: zero exposure is drawn on the floor line, where
    # off's corner (100 %, nothing protected yet nothing exposed by design) sits.
    floor = 1.0
    keys = list(dict.fromkeys(r["point"] for r in wrows))
    dat = plot.data(os.path.join(out, f"plane-{name}.dat"), "".join(
        "".join(f"{r['pct_of_off']} {max(r['exposure_page_ms_per_m'], floor)} {r['mode']} "
                f"{r['pct_min']} {r['pct_max']}\n" for r in wrows if r["point"] == k) + "\n\n" for k in keys))
    plots = ",".join(f"'{dat}' index {i} using 1:2:4:5 with xerrorbars pt 7 ps 1.5 title '{k}',"
                     f"'' index {i} using 1:2:3 with labels offset 1,0.6 notitle" for i, k in enumerate(keys))
    title = workload.replace("_", "\\_")
    return plot.figure(out, f"plane-{name}.png", (800, 600),
                       " set logscale y;"
                       "set xlabel 'throughput, % of off (no IOMMU); bars: min-max over repetitions';"
                       "set ylabel 'exposure, page*ms per 10^6 unmaps';"
                       f"set title '{title}: safety vs performance (TCG); floor line = 0 exposure';"
                       "set arrow from 100, graph 0 to 100, graph 1 nohead dt 2;"
                       f"set label 'off (no IOMMU)' at 100, {floor} point pt 6 ps 2 offset -1,1.2 right;"
                       f"set xrange [0:110]; set yrange [{floor / 2}:*]; set offsets 0, 0, graph 0.15, 0;"
                       f"set key outside bottom center; plot {plots}", [dat])


def section(out, prows):
    if not prows:
        return []
    write_csv(os.path.join(out, "plane.csv"), prows)
    lines = ["## Safety and performance together", "",
             "x = throughput as % of `off` (no IOMMU: no protection at all) in the same series and "
             "repetition (network series with `baseline = off`: against the `off` run right before), "
             "y = exposure, page·ms per million unmaps (for every unmap, the time until the "
             "invalidation covering it completed, from the guest's flush-queue age histogram; NIC "
             "buffers count one page per unmap). Each point is the median over its n repetitions "
             "with the min–max in brackets. Exposure needs the guest counters (`vtd-run "
             "--counters`), whose timestamps cost each unmap (a strict unmap about 8 % under "
             "icount, docs/kernel-series.md; the deterministic rrloop figure 3–4.5 %, "
             "docs/bench.md). dma_map_benchmark and fio take throughput from the same "
             "counters-on runs; a network point takes it from a series without counters where "
             "the run has one (*series*) and its exposure from the counters-on runs of the same "
             "job, NIC, vCPUs and clock (*exposure from*). Exposure is one component of safety, "
             "the deferred window; *device reached* is what the hostile device read or wrote "
             "through the scheme in the attack runs (legacy configuration, section 'What a hostile "
             "device reached'; kinds a–d; runs with write-only leaves where there are any; "
             "'not attacked' without such runs). A scheme counts as "
             "safe only when it has zero exposure and the device reached nothing. The goal the "
             f"figures test: a safe scheme at >= {TARGETS['plane_safe_share_of_deferred_pct']} % "
             "of the best deferred scheme's throughput.", ""]
    for w, name in WORKLOADS.items():
        wrows = [r for r in prows if r["workload"] == w]
        if not wrows:
            continue
        lines += [f"### {w}", "",
                  "| point | scheme | series | n | % of off, median [min–max] | "
                  "deferred window: exposure, page·ms per 10^6 unmaps, median [min–max] | "
                  "exposure from | device reached |",
                  "|---|---|---|---|---|---|---|---|"]
        for r in wrows:
            lines.append(f"| {r['point']} | {r['mode']} | {r['series']} | {r['n']} | {r['pct_of_off']} "
                         f"[{r['pct_min']}–{r['pct_max']}] | {r['exposure_page_ms_per_m']} "
                         f"[{r['exposure_min']}–{r['exposure_max']}] | {r['exposure_from']} | "
                         f"{r['reached']} |")
        lines.append("")
        for key in dict.fromkeys(r["point"] for r in wrows):
            lines.append(f"- {key}: {verdict([r for r in wrows if r['point'] == key])}")
        lines += ["", f"![safety and performance, {w}]({figure(out, w, name, wrows)})", ""]
    return lines
