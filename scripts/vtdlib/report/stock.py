"""Default path vs stock: the patched kernel with every knob at its default
against the same Linux without kernel-patches/ (variants patched/stock), on
upstream's latency figure, which both print. Ratio per repetition
(SAME_REP); the verdict is whether its median is within the run's noise
(a verdict outside fails the report, build.py)."""

from .. import analysis


def points(rows):
    """{(series, cpus, threads, mode): {variant: {rep: unmap µs}}}."""
    pts = {}
    for r in rows:
        if r["variant"] in ("patched", "stock"):
            pts.setdefault((r["series"], r["cpus"], r["threads"], r["mode"]), {}) \
               .setdefault(r["variant"], {})[r["rep"]] = r["unmap_us_upstream"]
    return pts


def section(rows):
    """(lines, whether every point is within noise)."""
    pts = points(rows)
    if not pts:
        return [], True
    lines = ["## Default path vs stock", "",
             "1-page unmap, patched kernel with every knob at its default (no scheme, counters "
             "off) against the same Linux without kernel-patches/, interleaved in one run. "
             "Both on upstream's `average unmap latency(us)` (0.1 µs resolution). Ratio = "
             "patched / stock per repetition; noise = half the range of stock's own "
             "repetitions, relative, or one 0.1 µs step of each figure if larger.", "",
             "| series | vCPUs | threads | mode | stock µs (median) | patched µs (median) | "
             "ratio median | ratio range | noise | verdict |",
             "|---|---|---|---|---|---|---|---|---|---|"]
    ok = True
    for (s, c, t, m), v in sorted(pts.items()):
        reps = sorted(set(v.get("stock", {})) & set(v.get("patched", {})))
        if not reps:
            continue
        st = [v["stock"][i] for i in reps]
        pa = [v["patched"][i] for i in reps]
        ratios = analysis.same_rep_ratios({i: v["patched"][i] for i in reps}, v["stock"])
        if not ratios:
            continue
        med, pmed = analysis.median(st), analysis.median(pa)
        # Each figure is truncated to 0.1 µs, so their ratio is known to
        # within one step of each, relative.
        step = 0.1 / med + 0.1 / pmed if med and pmed else 1
        noise = max((max(st) - min(st)) / med / 2 if med else 0, step)
        rmed = analysis.median(ratios)
        within = abs(rmed - 1) <= noise
        ok = ok and within
        lines.append(f"| {s} | {c} | {t} | {m} | {med:.2f} | {pmed:.2f} | "
                     f"{rmed:.3f} | {min(ratios):.3f}–{max(ratios):.3f} | ±{noise:.3f} | "
                     f"{'within noise' if within else 'OUTSIDE noise'} |")
    return lines + [""], ok
