# generic-fuzz configurations of the VT-d model; source it.
#   fuzz_config NAME   sets QEMU_FUZZ_ARGS, QEMU_FUZZ_OBJECTS, FUZZ_SEEDS
# FUZZ_CONFIGS lists the names. Every one: q35 with intel-iommu (queued
# invalidation and interrupt remapping, our accounting, the QI cost engine
# with the "typical" preset plus a per-class cost, the stale-translation
# audit), edu and an e1000e behind it. Fuzzed: the IOMMU's registers
# (0xfed90000), the devices' BARs and PCI config space, and every byte of
# guest memory the model reads (queue, root/context/PASID tables, page
# tables, IRTEs), which generic-fuzz fills with the input's DMA patterns.
FUZZ_CONFIGS="vtd vtd-cm vtd-sm"

fuzz_config() {
  local iommu=intel-iommu,intremap=on,x-accounting=on,x-qi-cost-preset=typical,x-qi-cost-wait-ns=2000,x-audit=on
  FUZZ_SEEDS=legacy
  case $1 in
    vtd) iommu+=,device-iotlb=on ;;
    # no preset charges resync-page: set it, so the domain walk that counts
    # the pages to resync (vtd_present_pages) runs on fuzzed tables
    vtd-cm) iommu+=,device-iotlb=on,caching-mode=on,x-qi-cost-resync-page-ns=100 ;;
    # QEMU 10.2: "PASID based device IOTLB is not supported", so no device-iotlb
    vtd-sm) iommu+=,x-scalable-mode=on,x-pasid-mode=on; FUZZ_SEEDS=scalable ;;
    *) echo "fuzz_config: unknown configuration '$1' (known: $FUZZ_CONFIGS)" >&2; return 1 ;;
  esac
  # Order matters to the seeds (tests/fuzz/vtd_seeds.py): edu is the first
  # fuzzable PCI device; the regions, in address order, end with the IOMMU.
  export QEMU_FUZZ_ARGS="-machine q35 -nodefaults -device $iommu -device edu,addr=04.0 -device e1000e,addr=05.0,romfile="
  export QEMU_FUZZ_OBJECTS="intel-iommu edu e1000e"
  # Each guest-memory range is filled once per command, as upstream's
  # predefined configurations do: a crash then replays from its input.
  export QEMU_AVOID_DOUBLE_FETCH=1
}
