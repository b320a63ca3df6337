"""Scatter-gather mapping, page by page vs batched, beside seed 003's
published iommu_map_sg() latencies (published.json)."""

from .published import SEED003


def rows(summary):
    return [s for s in summary if s["map"] in ("sg", "sg-page")]


def section(sg):
    if not sg:
        return []
    lines = ["## Scatter-gather mapping: page by page vs batched (seed 003)", "",
             "dma_map_benchmark maps one scatterlist of N single-page entries either through the "
             "batched `iommu_map_sg()` path (`sg`) or one page at a time (`sg-page`); median map "
             "latency in µs. Seed 003 measured `iommu_map_sg()` on an ARM SMMU (published, µs).", "",
             "| mode | size | per-page µs | batched µs | batched / per-page | seed 003 per-page → batched | seed ratio |",
             "|---|---|---|---|---|---|---|"]
    keys = sorted({(s["series"], s["mode"], s["cpus"], s["threads"], s["granule"]) for s in sg},
                  key=lambda k: (k[0], k[1], k[4]))
    for key in keys:
        def med(mp):
            x = [s for s in sg if (s["series"], s["mode"], s["cpus"], s["threads"], s["granule"], s["map"])
                 == key + (mp,)]
            return x[0]["map_us_median"] if x else None
        m, g = key[1], key[4]
        per, bat = med("sg-page"), med("sg")
        kib = g * 4
        pub = SEED003.get(kib)
        lines.append(f"| {m} | {kib} KiB | {per if per is not None else '–'} | {bat if bat is not None else '–'} | "
                     f"{bat / per:.3f} |" if per and bat else f"| {m} | {kib} KiB | {per} | {bat} | – |")
        lines[-1] += (f" {pub[0]} → {pub[1]} | {pub[1] / pub[0]:.3f} |" if pub else " – | – |")
    return lines + [""]
