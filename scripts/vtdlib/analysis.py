"""Grouping, medians, intervals and ratios to a reference, for the report.

Every ratio to a reference (`off`, `strict`, the first variant) is taken by
one of three named pairing rules; a section says which one it uses:

    SAME_REP    each repetition against the reference of the same repetition
                (same_rep_ratios: one ratio per repetition, then their median)
    NEIGHBOUR   each run against the reference run paired with it: the one
                run right before it when the series has `baseline = off`,
                else the same repetition's (neighbour_ratios)
    MEDIANS     the median of the values over the median of the reference's
                (ratio_of_medians: one number, no spread)

Nothing here knows a record or a guest field: inputs are numbers and rows
(dicts) that vtdlib.readers made.
"""

import math
import statistics

SAME_REP = "median of same-repetition ratios"
NEIGHBOUR = "median of ratios to the paired neighbour"
MEDIANS = "ratio of medians"

median = statistics.median


def group(items, key):
    """{key(item): [items...]} in first-seen order."""
    out = {}
    for x in items:
        out.setdefault(key(x), []).append(x)
    return out


def same_rep_ratios(by_rep, ref_by_rep):
    """SAME_REP: value / reference per repetition both have ({rep: value}
    each; a reference of 0 or missing gives no ratio)."""
    return [t / ref_by_rep[i] for i, t in by_rep.items() if ref_by_rep.get(i)]


def neighbour_ratios(rows, r, value="tps"):
    """NEIGHBOUR: row r's point (series, cpus, mode), one ratio per
    repetition: each run's @value over the off run of its repetition whose
    `pair` is its own (the off run right before it, bench `baseline = off`)
    or unpaired."""
    out = []
    for x in rows:
        if (x["series"], x["cpus"], x["mode"]) != (r["series"], r["cpus"], r["mode"]):
            continue
        off = [o for o in rows if (o["series"], o["cpus"], o["rep"], o["mode"]) ==
               (x["series"], x["cpus"], x["rep"], "off") and o["pair"] in ("", x["pair"], "off")]
        if off and off[0][value]:
            out.append(x[value] / off[0][value])
    return out


def ratio_of_medians(value_median, ref_median, scale=1):
    """MEDIANS: one median over the reference's median, times @scale (100:
    in %); None without a (non-zero) reference."""
    return scale * value_median / ref_median if ref_median else None


def median_ci(xs, level=0.95):
    """Median and a distribution-free interval for it: the order statistics
    x(k), x(n+1-k) with the largest k whose coverage 1 - 2 P(Bin(n, 1/2) < k)
    is still >= level. Too few values for the level give [min, max] and the
    coverage that has (n = 5: 93.8 %, n >= 6: >= 95 %)."""
    xs = sorted(xs)
    n = len(xs)
    cover = lambda k: 1 - 2 * sum(math.comb(n, i) for i in range(k)) / 2 ** n  # noqa: E731
    k = 1
    while k + 1 <= n // 2 and cover(k + 1) >= level:
        k += 1
    return statistics.median(xs), xs[k - 1], xs[n - k], cover(k)


def spread_pct(ratios):
    """max/min - 1 of a set of ratios, in % (0 when they repeat exactly)."""
    return 100 * (max(ratios) / min(ratios) - 1)


def summary(xs):
    """(median, min, max) of a non-empty sequence."""
    xs = list(xs)
    return statistics.median(xs), min(xs), max(xs)
