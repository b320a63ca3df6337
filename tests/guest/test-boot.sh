#!/usr/bin/env bash
# Boot the testbed guest in each IOMMU mode and check, from inside the guest,
# that DMA remapping is what the mode says, and that the DMA benchmark runs.
. "$(dirname "$0")/../lib/tap.sh"
T=$(mktemp -d); trap 'rm -rf "$T"' EXIT

# Boot, and load the record into the array named after the run (R_<name>).
boot() { # name vtd-run-args...
  local n=$1; shift
  "$VTD_RUN" --timeout 120 --json "$T/$n.json" "$@" >/dev/null 2>"$T/$n.err" ||
    { diag "vtd-run $* failed:"; sed 's/^/#   /' "$T/$n.err"; return 1; }
  load_record "R_${n//-/_}" "$T/$n.json"
}
f() { rv "R_${1//-/_}" "$2"; }   # f name field.path
# The PCI address (result.iommu_groups key) of vendor:device in a run, or none.
bdf() { # name vendor device
  local -n R=R_${1//-/_}
  local k
  for k in "${!R[@]}"; do
    [[ $k == result.iommu_groups.*.vendor ]] || continue
    k=${k%.vendor}
    [ "${R[$k.vendor]} ${R[$k.device]}" = "$2 $3" ] && { echo "${k#result.iommu_groups.}"; return; }
  done
  echo none
}
# Type of the IOMMU group holding vendor:device.
gtype() { local b; b=$(bdf "$@"); [ "$b" = none ] && echo none || f "$1" "result.iommu_groups.$b.type"; }

EDU="0x1234 0x11e8"
check "lazy: boots" boot lazy --mode lazy info
check "lazy: one DMAR unit is active" is "$(f lazy result.dmar_units)" 1
check "lazy: edu sits in a DMA-FQ (deferred) domain" is "$(gtype lazy $EDU)" DMA-FQ

check "strict: boots" boot strict --mode strict info
check "strict: edu sits in a DMA (strict) domain" is "$(gtype strict $EDU)" DMA

check "off: boots" boot off --mode off info
check "off: no DMAR unit, no IOMMU groups" is "$(f off result.dmar_units) $(f off result.iommu_groups)" "0 {}"

check "virtio-net (iommu_platform) + e1000e + nvme boot behind the IOMMU, each does DMA" \
  boot nics --mode lazy --counters --device virtio-net --device e1000e --device nvme dmasmoke
check "virtio-net sits in a DMA-FQ domain" is "$(gtype nics 0x1af4 0x1041)" DMA-FQ
check "e1000e sits in a DMA-FQ domain" is "$(gtype nics 0x8086 0x10d3)" DMA-FQ
check "nvme sits in a DMA-FQ domain" is "$(gtype nics 0x1b36 0x0010)" DMA-FQ
# The device side: the IOMMU translated each device's DMA and cached the
# result, counted per requester (x-counters "devices", by bus:dev.fn).
xlated() { # name vendor device
  local b c t i
  b=$(bdf "$@") && [ "$b" != none ] || { diag "no $2:$3 in $1"; return 1; }
  c=device_counters.devices.${b#0000:}
  t=$(f "$1" "$c.translations") && i=$(f "$1" "$c.iotlb_inserts") &&
    [ "$t" -gt 0 ] && [ "$i" -gt 0 ] || { diag "$b: translations '$t', IOTLB inserts '$i'"; return 1; }
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
    "$(f "bench-$m" result.threads) $(awk "BEGIN {print ($(f "bench-$m" result.map_us) > 0)}")" "2 1"
done
done_testing
