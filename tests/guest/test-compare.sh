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
    "'$VTD_RUN' --mode $m --counters --json '$T/$m.json' dmabench threads=2 seconds=1 >/dev/null 2>'$T/$m.err'"
  check "$m: guest-counted = device-counted descriptors" bash -c "'$CMP' '$T/$m.json' >'$T/$m.cmp'"
  sed 's/^/# /' "$T/$m.cmp"
done
check "strict: one page-selective IOTLB invalidation per unmap (device side)" \
  jget "$T/strict.json" "abs(r['device_counters']['qi']['iotlb']['page'] - r['result']['guest_counters']['unmaps']) <= 64 or sys.exit(1)"
check "lazy: far fewer invalidations than unmaps (deferred)" \
  jget "$T/lazy.json" "r['device_counters']['qi']['iotlb']['page'] + r['device_counters']['qi']['iotlb']['domain'] < r['result']['guest_counters']['unmaps'] / 50 or sys.exit(1)"

check "the recorded command line names no machine path (\$TOP, \$TMPDIR)" \
  jget "$T/strict.json" "any('\$TMPDIR/vtd-counters-' in x for x in r['qemu_cmdline']) and not any('$TOP' in x or '/tmp/' in x for x in r['qemu_cmdline']) or sys.exit(1)"

python3 - "$T/strict.json" "$T/bad.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
r["device_counters"]["qi"]["wait"]["total"] += 1
json.dump(r, open(sys.argv[2], "w"))
PY
check "a one-descriptor difference is reported and fails" bash -c \
  "! '$CMP' '$T/bad.json' >'$T/bad.out' && grep -q 'wait.*MISMATCH' '$T/bad.out'"
check "side by side per million unmaps: strict ~1e6 page invalidations, lazy far fewer" bash -c \
  "'$CMP' '$T/strict.json' '$T/lazy.json' | awk '\$1==\"iotlb_page\" {exit !(\$2 > 900000 && \$3 < 20000)}'"
check "a record without device counters is named" bash -c \
  "echo '{}' >'$T/empty.json'; '$CMP' '$T/empty.json' 2>&1 | grep -q 'has no device counters'"
done_testing
