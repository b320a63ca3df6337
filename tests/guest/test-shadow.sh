#!/usr/bin/env bash
# iommu.dma_scheme=shadow (kernel-patches 0011): strict protection by copying
# through a pool that stays mapped. Its mappings carry the right bytes both
# ways (edu's own DMA, odd offsets, bidirectional, sync before unmap), map
# and unmap invalidate nothing in steady state (counted on both sides), a
# mapping that does not fit falls back to strict and is counted, and edu's
# writes after unmap never land in a page the kernel got back.
. "$(dirname "$0")/../lib/tap.sh"
T=$(mktemp -d); trap 'rm -rf "$T"' EXIT
CMP=$TOP/scripts/vtd-compare

# A run passes only without a kernel report (WARNING, KASAN, lockdep, leak,
# ...: scripts/vtd-run), so that make check-kernel-debug holds shadow to it.
# The record goes into the array R_<name>.
run() { # name mode [vtd-run options] job params...
  local n=$1 m=$2; shift 2
  "$VTD_RUN" --mode "$m" --counters --timeout 240 --json "$T/$n.json" "$@" \
    >/dev/null 2>"$T/$n.err" || { diag "vtd-run $* failed:"; diag_file "$T/$n.err"; return 1; }
  load_record "R_${n//-/_}" "$T/$n.json" || return 1
  [ "$(r "$n" kernel_warnings)" = "[]" ] || { diag "kernel reported: $(r "$n" kernel_warnings | cut -c1-300)"; return 1; }
}
r() { rv "R_${1//-/_}" "$2"; }
g() { r "$1" "result.guest_counters.$2"; }
dev() { r "$1" "device_counters.$2"; }

for m in strict shadow; do
  check "$m: edu moves the right bytes through streaming mappings (edu_dmacheck)" run "check-$m" "$m" dmacheck
  check "$m: to device, from device, bidirectional, sync before unmap all exact" \
    is "$(r "check-$m" result.module)" \
    "{'to_device': 1, 'from_device': 1, 'bidirectional': 1, 'sync': 1, 'error': 0}"
done
check "shadow: the dmacheck mappings went through the pool (4 maps, no fallback)" \
  is "$(g check-shadow shadow_maps) $(g check-shadow shadow_fallbacks)" "4 0"

for t in 1 2; do
  n=bench-t$t
  check "shadow, $t thread(s): benchmark runs, the scheme reads back" run $n shadow dmabench threads=$t seconds=1
  check "$n: the guest reads back scheme shadow" is "$(r $n scheme)" shadow
  u=$(g $n unmaps)
  diag "$n: unmaps=$u shadow_maps=$(g $n shadow_maps) fallbacks=$(g $n shadow_fallbacks)" \
    "copies in/out=$(g $n shadow_copies_to_dev)/$(g $n shadow_copies_from_dev)" \
    "device IOTLB page/domain/global=$(dev $n qi.iotlb.page)/$(dev $n qi.iotlb.domain)/$(dev $n qi.iotlb.global)"
  check "$n: every map from the pool, none fell back" test "$(g $n shadow_maps)" -ge "$u" -a "$(g $n shadow_fallbacks)" = 0
  # dma_map_benchmark maps DMA_BIDIRECTIONAL: one page copied in per map and out per unmap.
  check "$n: one 4 KiB copy in per map, one out per unmap" \
    test "$(g $n shadow_bytes_to_dev)" = $(( $(g $n shadow_copies_to_dev) * 4096 )) \
    -a "$(g $n shadow_copies_from_dev)" = "$u" -a "$(g $n shadow_bytes_from_dev)" = $((u * 4096))
  check "$n: no strict flush and no page-selective IOTLB invalidation, guest and device" \
    test "$(g $n flush_strict) $(g $n iotlb_page) $(dev $n qi.iotlb.page)" = "0 0 0"
  check "$n: guest = device, every descriptor type" bash -c "'$CMP' '$T/$n.json' >/dev/null"
done

# 2048 one-page entries mapped one by one: the 1024-page pool takes the
# first 1024, the rest fall back to strict mappings, each counted.
n=exhaust
check "shadow: a 2048-page scatterlist, entry by entry (sg)" run $n shadow dmabench threads=1 seconds=1 map=sg granule=2048
it=$(( $(g $n shadow_maps) / 1024 ))
diag "$n: shadow_maps=$(g $n shadow_maps) fallbacks=$(g $n shadow_fallbacks) flush_strict=$(g $n flush_strict) unmaps=$(g $n unmaps)"
check "$n: per list, 1024 entries in the pool and 1024 fallbacks ($it lists)" \
  test "$it" -gt 0 -a "$(g $n shadow_maps)" = $((it * 1024)) -a "$(g $n shadow_fallbacks)" = $((it * 1024))
check "$n: each fallback unmapped strictly: one page-selective invalidation each" \
  test "$(g $n flush_strict)" = $((it * 1024)) -a "$(g $n iotlb_page)" = $((it * 1024))

# edu_stale: writes timed to land after the unmap. With shadow they land in
# the pool, never in the victim page the kernel got back.
n=stale
check "shadow: stale-write rounds run with x-audit=on (edu_stale)" \
  run $n shadow --iommu-opt x-audit=on stale rounds=3 tries=12
diag "$n: $(r $n result.module)"
check "$n: rounds armed, no write landed in a page the kernel got back" \
  test "$(r $n result.module.armed)" -gt 0 -a "$(r $n result.module.landed)" = 0
check "$n: the audit saw no DMA through a stale translation (the pool stays mapped)" \
  is "$(dev $n audit.enabled) $(dev $n audit.stale.translations)" "True 0"
done_testing
