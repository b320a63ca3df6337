"""IOMMU modes and vIOMMU configurations: the one list every tool uses."""

# The schemes of kernel-patches/ (iommu.dma_scheme=, docs/kernel-series.md):
# the deferred ones, and shadow (strict protection by copying).
SCHEMES = ("global", "percpu-fq", "rcache", "percpu", "shadow")
# Those that defer the invalidation to a flush queue (shadow is strict by copying).
DEFERRED = tuple(s for s in SCHEMES if s != "shadow")

# Kernel command line per mode (vtd-run --mode). off/strict/lazy are
# upstream's modes, the rest the schemes; in report order.
MODES = {
    "off": "intel_iommu=off",
    "strict": "intel_iommu=on iommu.strict=1",
    "lazy": "intel_iommu=on iommu.strict=0",
    **{s: f"intel_iommu=on iommu.strict=0 iommu.dma_scheme={s}" for s in SCHEMES},
}
MODE_ORDER = list(MODES)


def mode_rank(mode):
    """Sort key: report order, unknown modes last."""
    return MODE_ORDER.index(mode) if mode in MODE_ORDER else len(MODE_ORDER)


def scheme_expected(mode):
    """What /sys/module/iommu/parameters/dma_scheme must read back on the
    patched kernel booted in this mode: the scheme, or upstream's 'default'."""
    return mode if mode in SCHEMES else "default"


# vIOMMU configurations (vtd-run --vmode): intel-iommu properties, extra
# kernel command line (docs/configurations.md).
VMODES = {
    "legacy": ({"caching-mode": "off"}, []),
    "caching": ({"caching-mode": "on"}, []),
    # Linux turns scalable mode on where the IOMMU has it and then prefers
    # first-stage tables: the default command line is upstream's choice.
    "scalable-fl": ({"caching-mode": "off", "x-scalable-mode": "on", "x-flts": "on"}, []),
}
