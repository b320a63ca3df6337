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
  # A run or record that failed still runs the three checks below: each
  # then fails, naming the record or the field it could not read (tap.sh's
  # rule), instead of dropping out of the plan.
  load_record R "$T/$scheme.json"
  diag "$scheme: highest address mapped, 64-bit run $(rd R result.max_dma_addr_64), 32-bit run $(rd R result.max_dma_addr_32)"
  check "$scheme: the 64-bit run mapped above 4 GiB (the caches hold such ranges)" \
    test $(( $(rn R result.max_dma_addr_64) )) -gt $((0xffffffff))
  check "$scheme: the 32-bit run stayed below 4 GiB" \
    test $(( $(rn R result.max_dma_addr_32) )) -gt 0 -a $(( $(rn R result.max_dma_addr_32) )) -le $((0xffffffff))
  check "$scheme: no mapping beyond the DMA mask in either run" \
    test "$(rn R result.mask_violations_64) $(rn R result.mask_violations_32)" = "0 0"
done
done_testing
