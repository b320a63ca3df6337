#!/usr/bin/env bash
# iommu.dma_scheme=shadow (kernel-patches 0011): strict protection by copying
# through pools that stay mapped, one per direction with its permissions.
# Its mappings carry the right bytes, and only those, on every path (edu's
# own DMA: single and scatterlist, both directions, partial writes, syncs,
# two CPUs at once; the same cases under strict), the device reaches a
# DMA_FROM_DEVICE mapping only to write and a DMA_TO_DEVICE one only to
# read, syncs beyond or after a mapping are refused, the counters match
# what the module and the benchmark asked for, map and unmap invalidate
# nothing in steady state (counted on both sides), a mapping that does not
# fit falls back to strict and is counted, and edu's writes after unmap go
# into the pool, never into a page the kernel got back.
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

# What each edu_dmacheck case proves (guest/modules/edu_dmacheck); every one
# expects the same bytes under strict and shadow. The deliberate break of
# patch 0011 that made each fail under shadow is in brackets.
declare -A CASE=(
  [to_device]="edu reads the 300 mapped bytes at an odd offset"
  [from_device]="edu's 300 bytes land at an odd offset, every other byte kept"
  [bidirectional]="one mapping read and written"
  [sync]="edu's write seen after dma_sync_single_for_cpu, before the unmap"
  [partial]="a partly written DMA_FROM_DEVICE buffer keeps the caller's bytes where edu did not write [copy-in skipped for DMA_FROM_DEVICE]"
  [sg]="dma_map_sg both ways: each entry holds edu's bytes, the unwritten end the caller's [no copy-back at unmap on the scatterlist path]"
  [sg_sync]="dma_sync_sg_for_cpu shows the part written before it"
  [stale_unreadable]="edu reading a buffer's IOVA after its unmap gets none of its bytes [pool not cleared at unmap]"
  [to_unwritable]="edu cannot write a DMA_TO_DEVICE mapping [every pool mapped read/write]"
  [sync_overrun]="a sync larger than its mapping changes no byte beyond it [sync not clamped to the mapping]"
  [sync_unmapped]="a sync after the unmap changes nothing [lookup ignores the bitmap and unmap keeps the size]"
  [cpus]="two CPUs map at once, each its own bytes, and get them back [no pool lock in map]"
)
# counts GOT WANT: space-separated numbers (a missing field is no number),
# equal, and the first one wanted (what the test programmed) not zero, so
# that nothing done cannot pass as 0 = 0.
counts() {
  local re='^[0-9]+( [0-9]+)*$'
  [[ $1 =~ $re && $2 =~ $re ]] || { diag "not numbers: got '$1', want '$2'"; return 1; }
  [ "${2%% *}" -gt 0 ] || { diag "nothing to count: want '$2'"; return 1; }
  is "$1" "$2"
}

for m in strict shadow; do
  n=check-$m
  check "$m: edu moves the right bytes through streaming mappings (edu_dmacheck)" run $n "$m" dmacheck
  for k in to_device from_device bidirectional sync partial sg sg_sync stale_unreadable to_unwritable \
           sync_overrun sync_unmapped cpus; do
    check "$m: dmacheck $k: ${CASE[$k]}" is "$(r $n "result.module.$k")" 1
  done
  check "$m: dmacheck ran to its end, its threads on 2 CPUs" \
    is "$(r $n result.module.error) $(r $n result.module.nr_cpus)" "0 2"
done
# Write-only is asked for DMA_FROM_DEVICE (strict's mappings and shadow's
# pool alike), but Linux 6.12's VT-d driver sets bit 0 of every leaf entry
# (DMA_FL_PTE_PRESENT, the second-stage read bit), so edu reads both here.
# shadow must never let it read more than strict does.
check "shadow: edu reads a DMA_FROM_DEVICE mapping only where strict lets it (strict $(r check-strict result.module.from_readable), shadow $(r check-shadow result.module.from_readable))" \
  test "$(r check-shadow result.module.from_readable)" -le "$(r check-strict result.module.from_readable)"
# With intel_iommu=sl_wo (kernel-patches 0012) VT-d keeps write-only leaves
# write-only: then edu reads a DMA_FROM_DEVICE mapping under neither scheme,
# shadow's DMA_FROM_DEVICE pool being write-only like strict's mappings,
# and every other case still holds.
for m in strict shadow; do
  n=wo-$m
  check "$m, intel_iommu=sl_wo: edu_dmacheck runs" run $n "$m" --append intel_iommu=sl_wo dmacheck
  check "$m, intel_iommu=sl_wo: edu cannot read a DMA_FROM_DEVICE mapping [every pool mapped read/write]" \
    is "$(r $n result.module.from_readable)" 0
  check "$m, intel_iommu=sl_wo: every other dmacheck case holds, no error" \
    is "$(for k in "${!CASE[@]}" error; do r $n "result.module.$k"; done | tr '\n' ' ')" "$(printf '1 %.0s' "${!CASE[@]}")0 "
done
# shadow's counters against what the module asked for (its own tally):
# maps (each scatterlist entry one), bytes mapped or synced for the device,
# bytes unmapped or synced for the CPU where the device may write (a sync is
# counted up to its mapping's end), the two misuses.
n=check-shadow
diag "$n: module $(r $n result.module)"
diag "$n: shadow_maps=$(g $n shadow_maps) fallbacks=$(g $n shadow_fallbacks) no_pool=$(g $n shadow_no_pool)" \
  "refused=$(g $n shadow_refused) bytes in/out=$(g $n shadow_bytes_to_dev)/$(g $n shadow_bytes_from_dev)"
# The ISA bridge's group (00:1f.0 with SATA and SMBus) has 0-16 MiB mapped
# directly for the floppy (CONFIG_INTEL_IOMMU_FLOPPY_WA): no IOVA for the
# pools there, so that domain maps strictly, counted, and its setup does not
# fail (before, it did, and the devices kept direct DMA on a translating domain).
check "shadow: the one domain without room for pools (ISA bridge's group) counted, still a DMA domain" \
  eval 'counts "$(g $n shadow_no_pool)" 1 && is "$(r $n "result.iommu_groups.0000:00:1f.0.type")" DMA'
check "shadow: every dmacheck mapping through the pools, none fell back [shadow branch off in map]" \
  counts "$(g $n shadow_maps) $(g $n shadow_fallbacks)" "$(r $n result.module.maps) 0"
check "shadow: bytes copied in = bytes the module mapped or synced for the device [copy-in skipped for DMA_FROM_DEVICE]" \
  counts "$(g $n shadow_bytes_to_dev)" "$(r $n result.module.bytes_in)"
check "shadow: bytes copied out = bytes it unmapped or synced for the CPU [sync not clamped; no copy-back on the sg path]" \
  counts "$(g $n shadow_bytes_from_dev)" "$(r $n result.module.bytes_out)"
check "shadow: the sync beyond a mapping and the sync after an unmap refused, counted [either check removed]" \
  counts "$(g $n shadow_refused)" "$(r $n result.module.refusals)"

for t in 1 2; do
  n=bench-t$t
  check "shadow, $t thread(s): benchmark runs, the scheme reads back" run $n shadow dmabench threads=$t seconds=1
  check "$n: the guest reads back scheme shadow" is "$(r $n scheme)" shadow
  u=$(g $n unmaps)
  diag "$n: unmaps=$u shadow_maps=$(g $n shadow_maps) fallbacks=$(g $n shadow_fallbacks)" \
    "copies in/out=$(g $n shadow_copies_to_dev)/$(g $n shadow_copies_from_dev)" \
    "device IOTLB page/domain/global=$(dev $n qi.iotlb.page)/$(dev $n qi.iotlb.domain)/$(dev $n qi.iotlb.global)"
  # The benchmark's own count of map+unmap pairs is what the counters must show.
  ops=$(r $n result.ops)
  check "$n: each of the benchmark's $ops maps from the pool and unmapped, none fell back" \
    counts "$(g $n shadow_maps) $u $(g $n shadow_fallbacks)" "$ops $ops 0"
  # dma_map_benchmark maps DMA_BIDIRECTIONAL: one page copied in per map and out per unmap.
  check "$n: one 4 KiB copy in per map, one out per unmap ($ops of each)" \
    counts "$(g $n shadow_copies_to_dev) $(g $n shadow_bytes_to_dev) $(g $n shadow_copies_from_dev) $(g $n shadow_bytes_from_dev)" \
    "$ops $((ops * 4096)) $ops $((ops * 4096))"
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

# edu_stale: writes timed to land after the unmap. With shadow each round's
# page is copied into the pool, which stays mapped: the late write goes
# through (no DMAR fault, unlike strict) and lands in the pool, never in
# the victim page the kernel got back (unlike a flush queue).
n=stale
check "shadow: stale-write rounds run with x-audit=on (edu_stale)" \
  run $n shadow --iommu-opt x-audit=on stale rounds=3 tries=12
diag "$n: $(r $n result.module) dmar_write_faults=$(r $n result.dmar_write_faults)"
check "$n: rounds armed, each late write went through (no DMAR fault) and none landed in the page [shadow branch off in map]" \
  test "$(r $n result.module.armed)" -gt 0 -a "$(r $n result.module.landed)" = 0 -a "$(r $n result.dmar_write_faults)" = 0
check "$n: the audit saw no DMA through a stale translation (the pool stays mapped)" \
  is "$(dev $n audit.enabled) $(dev $n audit.stale.translations)" "True 0"
done_testing
