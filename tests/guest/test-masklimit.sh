#!/usr/bin/env bash
# IOVAs from the per-CPU caches respect the caller's limit: after a 64-bit
# run put ranges above 4 GiB in the caches (iommu.forcedac=1), a 32-bit run
# in the same boot maps only below 4 GiB, for each scheme that has the caches.
. "$(dirname "$0")/../lib/tap.sh"
T=$(mktemp -d); trap 'rm -rf "$T"' EXIT
for scheme in percpu rcache; do
  check "$scheme: 64-bit then 32-bit dma_map_benchmark in one boot" bash -c \
    "'$VTD_RUN' --mode $scheme --append iommu.forcedac=1 --json '$T/$scheme.json' masklimit >/dev/null 2>'$T/$scheme.err' ||
     { sed 's/^/# /' '$T/$scheme.err' | tail -5; exit 1; }"
  check "$scheme: the 64-bit run mapped above 4 GiB (the caches hold such ranges)" \
    jget "$T/$scheme.json" "int(r['result']['max_dma_addr_64'], 16) > 0xffffffff or sys.exit(1)"
  check "$scheme: the 32-bit run stayed below 4 GiB" \
    jget "$T/$scheme.json" "0 < int(r['result']['max_dma_addr_32'], 16) <= 0xffffffff or sys.exit(1)"
  check "$scheme: no mapping beyond the DMA mask in either run" \
    jget "$T/$scheme.json" "r['result']['mask_violations_64'] == r['result']['mask_violations_32'] == 0 or sys.exit(1)"
  diag "$scheme: $(jget "$T/$scheme.json" "(r['result']['max_dma_addr_64'], r['result']['max_dma_addr_32'])")"
done
done_testing
