"""Variants of one mode side by side (kernels, knobs), as ratios to the
first variant of the same point (MEDIANS). Variants may be different
kernels (patched, stock), and stock Linux prints only upstream's 0.1 µs
means: every row is put on those, and its ops/s derived from them, so that
no column holds two quantities."""

from .. import analysis
from ..readers import LAT_UPSTREAM, OPS_DERIVED
from .dmabench import same_definition


def section(summary):
    variants = [s for s in summary if s["variant"]]
    if not variants:
        return []
    lines = ["## Variants", "",
             "Median over repetitions; ratios to the first variant of the same thread count, "
             "taken in one interleaved run. Every row on upstream's `average map/unmap "
             "latency(us)` (0.1 µs means, which every variant prints, stock Linux included), "
             "and ops/s = threads / (map + unmap mean) for every row, derived the same way "
             "(stock Linux counts no operations).", "",
             "| vCPUs | threads | mode | variant | unmap µs | map µs | ops/s | ops/s ratio | unmap ratio |",
             "|---|---|---|---|---|---|---|---|---|"]
    rows = []
    for s in variants:
        lat = s["map_us_upstream_median"] + s["unmap_us_upstream_median"]
        rows.append(dict(s, ops=s["threads"] * 1e6 / lat if lat > 0 else 0,
                         ops_source=OPS_DERIVED, lat_source=LAT_UPSTREAM))
    same_definition("Variants", rows)
    for s in rows:
        base = next(x for x in rows if (x["series"], x["cpus"], x["threads"], x["mode"]) ==
                    (s["series"], s["cpus"], s["threads"], s["mode"]))
        orat = analysis.ratio_of_medians(s["ops"], base["ops"]) or 0
        urat = analysis.ratio_of_medians(s["unmap_us_upstream_median"], base["unmap_us_upstream_median"]) or 0
        lines.append(f"| {s['cpus']} | {s['threads']} | {s['mode']} | {s['variant']} | "
                     f"{s['unmap_us_upstream_median']:.1f} | {s['map_us_upstream_median']:.1f} | "
                     f"{s['ops']:.0f} | {orat:.3f} | {urat:.2f} |")
    return lines + [""]
