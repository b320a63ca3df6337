#!/usr/bin/env bash
# Guest-counted and device-counted invalidation descriptors agree exactly, per
# type and granularity, over one boot; a mismatch is caught.
. "$(dirname "$0")/../lib/tap.sh"
T=$(mktemp -d); trap 'rm -rf "$T"' EXIT
CMP=$TOP/scripts/vtd-compare

grep -q '^CONFIG_IOMMU_SCAL_STATS=y' "$TOP/build/kernel/.config" 2>/dev/null || {
  skip "guest vs device counts" "kernel built without the counters of kernel-patches/"; done_testing; exit; }

for m in strict lazy global; do
  check "$m: dmabench with counters on both sides" bash -c \
    "'$VTD_RUN' --mode $m --counters --json '$T/$m.json' dmabench threads=2 seconds=1 >/dev/null 2>'$T/$m.err' ||
     { sed 's/^/#   /' '$T/$m.err'; exit 1; }"
  check "$m: guest-counted = device-counted descriptors" bash -c "'$CMP' '$T/$m.json' >'$T/$m.cmp'"
  sed 's/^/# /' "$T/$m.cmp"
done
# The records' fields through rv/rn (tests/lib/tap.sh): a record that did not
# load, or a field missing from it, fails the check reading it by name.
check "strict: the run record loads" load_record S "$T/strict.json"
check "lazy: the run record loads" load_record L "$T/lazy.json"
within() { local d=$(( $2 - $3 )); [ "${d#-}" -le "$1" ] || { diag "$2 and $3 differ by more than $1"; return 1; }; }
check "strict: one page-selective IOTLB invalidation per unmap, device side ($(rd S device_counters.qi.iotlb.page) vs $(rd S result.guest_counters.unmaps) unmaps)" \
  within 64 "$(rn S device_counters.qi.iotlb.page)" "$(rn S result.guest_counters.unmaps)"
check "lazy: far fewer invalidations than unmaps, deferred ($(rd L device_counters.qi.iotlb.page) page + $(rd L device_counters.qi.iotlb.domain) domain vs $(rd L result.guest_counters.unmaps))" \
  test $(( ($(rn L device_counters.qi.iotlb.page) + $(rn L device_counters.qi.iotlb.domain)) * 50 )) \
    -lt "$(rn L result.guest_counters.unmaps)"
# net is absent from a record of a run without a NIC backend.
check "the record says what ran: devices, no NIC backend, the parsed IOMMU options" \
  test "$(rv S devices) $(if has S net; then rv S net; else echo none; fi) $(rv S iommu_opts.x-accounting) $(rv S iommu_opts.caching-mode)" = "['edu'] none on off"

cmdline=$(rv S qemu_cmdline)
check "the recorded command line names no machine path (\$TOP, \$TMPDIR)" \
  eval '[[ $cmdline == *"\$TMPDIR/vtd-counters-"* && $cmdline != *"$TOP"* && $cmdline != *"/tmp/"* ]]'
check "... nor do the recorded IOMMU options" \
  eval '[[ $(rv S iommu_opts.x-counters-file) == "\$TMPDIR/vtd-counters-"* ]]'

vtdpy - "$T/strict.json" "$T/bad.json" "$T/empty.json" <<'PY'
import sys
from vtdlib import record
r = record.load(sys.argv[1])
r.device_counters["qi"]["wait"]["total"] += 1
r.write(sys.argv[2])
record.Record(r.job, r.mode, r.cpus, result=r.result).write(sys.argv[3])
PY
check "a one-descriptor difference is reported and fails" bash -c \
  "! '$CMP' '$T/bad.json' >'$T/bad.out' && grep -q 'wait.*MISMATCH' '$T/bad.out'"
check "side by side per million unmaps: strict ~1e6 page invalidations, lazy far fewer" bash -c \
  "'$CMP' '$T/strict.json' '$T/lazy.json' | awk '\$1==\"iotlb_page\" {exit !(\$2 > 900000 && \$3 < 20000)}'"
check "a record without device counters is named" bash -c \
  "'$CMP' '$T/empty.json' 2>&1 | grep -q 'has no device counters'"
check "a file that is no run record is named" bash -c \
  "echo '{}' >'$T/none.json'; '$CMP' '$T/none.json' 2>&1 | grep -q 'is not a run record'"
done_testing
