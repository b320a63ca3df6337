#!/usr/bin/env bash
# Boot the testbed guest in each IOMMU mode and check, from inside the guest,
# that DMA remapping is what the mode says, and that the DMA benchmark runs.
. "$(dirname "$0")/../lib/tap.sh"
T=$(mktemp -d); trap 'rm -rf "$T"' EXIT

boot() { # name vtd-run-args...
  local n=$1; shift
  "$VTD_RUN" --timeout 120 --json "$T/$n.json" "$@" >/dev/null 2>"$T/$n.err" ||
    { diag "vtd-run $* failed:"; sed 's/^/#   /' "$T/$n.err"; return 1; }
}
# Type of the IOMMU group holding vendor:device, from a run record.
gtype() { jget "$T/$1.json" "next((g['type'] for g in r['result']['iommu_groups'].values() if (g['vendor'],g['device'])==('$2','$3')), 'none')"; }
is() { [ "$1" = "$2" ] || { diag "got '$1', want '$2'"; return 1; }; }

EDU="0x1234 0x11e8"
check "lazy: boots" boot lazy --mode lazy info
check "lazy: one DMAR unit is active" is "$(jget "$T/lazy.json" "r['result']['dmar_units']")" 1
check "lazy: edu sits in a DMA-FQ (deferred) domain" is "$(gtype lazy $EDU)" DMA-FQ

check "strict: boots" boot strict --mode strict info
check "strict: edu sits in a DMA (strict) domain" is "$(gtype strict $EDU)" DMA

check "off: boots" boot off --mode off info
check "off: no DMAR unit, no IOMMU groups" is \
  "$(jget "$T/off.json" "(r['result']['dmar_units'], len(r['result']['iommu_groups']))")" "(0, 0)"

check "virtio-net (iommu_platform) + e1000e + nvme boot behind the IOMMU" \
  boot nics --mode lazy --device virtio-net --device e1000e --device nvme info
check "virtio-net is translated (DMA-FQ)" is "$(gtype nics 0x1af4 0x1041)" DMA-FQ
check "e1000e is translated (DMA-FQ)" is "$(gtype nics 0x8086 0x10d3)" DMA-FQ
check "nvme is translated (DMA-FQ)" is "$(gtype nics 0x1b36 0x0010)" DMA-FQ

for m in strict lazy off; do
  check "$m: dma_map_benchmark runs on edu, 2 threads" \
    boot "bench-$m" --mode "$m" dmabench threads=2 seconds=1
  check "$m: benchmark reports 2 threads and a positive map latency" is \
    "$(jget "$T/bench-$m.json" "(r['result']['threads'], r['result']['map_us'] > 0)")" "(2, True)"
done
done_testing
