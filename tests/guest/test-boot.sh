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

check "virtio-net (iommu_platform) + e1000e + nvme boot behind the IOMMU, each does DMA" \
  boot nics --mode lazy --counters --device virtio-net --device e1000e --device nvme dmasmoke
check "virtio-net sits in a DMA-FQ domain" is "$(gtype nics 0x1af4 0x1041)" DMA-FQ
check "e1000e sits in a DMA-FQ domain" is "$(gtype nics 0x8086 0x10d3)" DMA-FQ
check "nvme sits in a DMA-FQ domain" is "$(gtype nics 0x1b36 0x0010)" DMA-FQ
# The device side: the IOMMU translated each device's DMA and cached the
# result, counted per requester (x-counters "devices", by bus:dev.fn).
xlated() { # record vendor device
  jget "$T/$1.json" "next((lambda c: (c['translations'] > 0 and c['iotlb_inserts'] > 0) or
    sys.exit(f'{b}: {c}'))(r['device_counters']['devices'].get(b[5:],
      {'translations': 0, 'iotlb_inserts': 0}))
    for b, g in r['result']['iommu_groups'].items() if (g['vendor'], g['device']) == ('$2', '$3'))"
}
check "virtio-net: the IOMMU translated its DMA and filled the IOTLB" xlated nics 0x1af4 0x1041
check "e1000e: the IOMMU translated its DMA and filled the IOTLB" xlated nics 0x8086 0x10d3
check "nvme: the IOMMU translated its DMA and filled the IOTLB" xlated nics 0x1b36 0x0010
check "edu: boots with device counters and does DMA (stale job, 1 round)" \
  boot edu --mode strict --counters stale rounds=1 tries=2
check "edu: the IOMMU translated its DMA and filled the IOTLB" xlated edu 0x1234 0x11e8

for m in strict lazy off; do
  check "$m: dma_map_benchmark runs on edu, 2 threads" \
    boot "bench-$m" --mode "$m" dmabench threads=2 seconds=1
  check "$m: benchmark reports 2 threads and a positive map latency" is \
    "$(jget "$T/bench-$m.json" "(r['result']['threads'], r['result']['map_us'] > 0)")" "(2, True)"
done
done_testing
