#!/usr/bin/env bash
# The storage workload: Debian's fio in the guest (build/initramfs-fio), 4 KiB
# random reads at queue depth 32 from an emulated NVMe behind the IOMMU on
# QEMU's null block driver. strict invalidates once per I/O, the deferred
# percpu batches, shadow copies and invalidates nothing; guest = device.
. "$(dirname "$0")/../lib/tap.sh"
T=$(mktemp -d); trap 'rm -rf "$T"' EXIT
CMP=$TOP/scripts/vtd-compare

run() { # mode; the record into the array R_<mode>
  "$VTD_RUN" --mode "$1" --device nvme --counters --timeout 180 --json "$T/$1.json" \
    fio rw=randread bs=4k iodepth=32 seconds=1 >/dev/null 2>"$T/$1.err" ||
    { diag "vtd-run --mode $1 fio failed:"; diag_file "$T/$1.err"; return 1; }
  load_record "R_$1" "$T/$1.json"
}
r() { rv "R_$1" "result.$2"; }
g() { r "$1" "guest_counters.$2"; }

# The guest's counters stop when the job prints them; the NVMe driver's
# shutdown at poweroff then frees its MSI-X vectors: IEC index invalidations,
# each with its wait, that only the device counts. Those two may differ, by
# the same amount; everything else is exact.
agree_but_poweroff() {
  "$CMP" "$T/$1.json" >"$T/$1.cmp"
  awk '/<-- MISMATCH/ {d[$1] = $3 - $2; n++} END {
    exit !(n == 0 || (n == 2 && d["iec_index"] > 0 && d["iec_index"] == d["wait"])) }' "$T/$1.cmp" ||
    { sed 's/^/# /' "$T/$1.cmp"; return 1; }
}

for m in strict percpu shadow; do
  check "$m: fio runs on the NVMe namespace behind the IOMMU" run $m || continue
  diag "$m: iops=$(r $m iops) guest busy=$(r $m guest_cpu_busy) unmaps=$(g $m unmaps)" \
    "flush_strict=$(g $m flush_strict) iotlb_page=$(g $m iotlb_page) iotlb_domain=$(g $m iotlb_domain)" \
    "shadow_maps=$(g $m shadow_maps)"
  dev=$(r $m device)
  check "$m: reads done ($(r $m iops) IOPS), NVMe $dev in a translated domain" \
    eval '[ "$(r $m iops)" -gt 0 ] && [[ $(r $m "iommu_groups.0000:${dev#0000:}.type") == DMA* ]]'
  check "$m: guest = device, every descriptor type but the poweroff's interrupt-entry flushes" agree_but_poweroff $m
done
u=$(g strict unmaps)
check "strict: one page-selective invalidation per unmap ($u)" test "$(g strict iotlb_page)" = "$u" -a "$u" -gt 0
check "percpu: deferred: no page-selective invalidation, domain flushes << unmaps" \
  test "$(g percpu iotlb_page)" = 0 -a "$(( $(g percpu iotlb_domain) * 50 ))" -lt "$(g percpu unmaps)"
# fio's own count of reads (read_kib / 4 KiB) is what shadow must have
# copied out of the pool, 4 KiB each: at least that many, and no more than
# what the boot's partition scan and the driver's setup add (SLACK copies).
SLACK=64
reads_copied() { # read_kib maps copies bytes
  [[ "$1 $2 $3 $4" =~ ^[0-9]+\ [0-9]+\ [0-9]+\ [0-9]+$ ]] ||
    { diag "not numbers: read_kib '$1' maps '$2' copies '$3' bytes '$4'"; return 1; }
  local reads=$(($1 / 4))
  [ $reads -gt 0 ] && [ "$2" -ge $reads ] && [ "$3" -ge $reads ] && [ "$3" -le $((reads + SLACK)) ] &&
    [ "$4" -ge $((reads * 4096)) ] && [ "$4" -le $(((reads + SLACK) * 4096)) ] ||
    { diag "reads=$reads maps=$2 copies out=$3 bytes out=$4"; return 1; }
}
check "shadow: every I/O through the pool, no invalidation at all" \
  test "$(g shadow shadow_maps)" -ge "$(g shadow unmaps)" -a "$(g shadow shadow_fallbacks)" = 0 \
  -a "$(g shadow iotlb_page) $(g shadow iotlb_domain)" = "0 0"
check "shadow: one 4 KiB copy out of the pool per read fio counted ($(r shadow read_kib) KiB)" \
  reads_copied "$(r shadow read_kib)" "$(g shadow shadow_maps)" "$(g shadow shadow_copies_from_dev)" \
  "$(g shadow shadow_bytes_from_dev)"
done_testing
