#!/usr/bin/env bash
# Device-IOTLB (ATS) end to end (docs/configurations.md): intel-iommu
# device-iotlb=on and two virtio-net NICs with ats=on behind PCIe root ports
# (a device on q35's root bus is not PCI Express, so it has no ATS
# capability; vtd-run --device virtio-net-ats), joined on a hub and loaded by the guest's own request/response
# job. The guest enables ATS (read back from config space) and sends one
# device-IOTLB invalidation with every IOTLB one for those NICs; guest =
# device for every descriptor type in each vIOMMU configuration; the
# device-IOTLB cost class is charged on the engine's timeline. With
# device-iotlb off (upstream's default) nothing of this happens.
. "$(dirname "$0")/../lib/tap.sh"
T=$(mktemp -d); trap 'rm -rf "$T"' EXIT

# Two virtio-net-ats NICs (vtd-run: virtio-net, ats=on, each behind a root
# port) on a hub; the record goes into the array R_<name>.
run() { # name vtd-run-args...
  local n=$1; shift
  "$VTD_RUN" --counters --timeout 240 --json "$T/$n.json" --net hub --device virtio-net-ats --device virtio-net-ats \
    "$@" rrloop seconds=1 warmup=1 >/dev/null 2>"$T/$n.err" ||
    { diag "vtd-run $* failed:"; diag_file "$T/$n.err"; return 1; }
  load_record "R_$n" "$T/$n.json"
}
r() { rv "R_$1" "$2"; }
g() { r "$1" "result.guest_counters.$2"; }
# ATS as the guest left it: each NIC's, then how many other devices have it.
ats() {
  local -n R=R_$1
  local k nics=() others=0
  for k in "${!R[@]}"; do
    [[ $k == result.iommu_groups.*.ats ]] || continue
    if [ "${R[${k%.ats}.vendor]}" = 0x1af4 ]; then nics+=("${R[$k]}")
    elif [ "${R[$k]}" = True ]; then others=$((others + 1)); fi
  done
  echo "${nics[*]} others:$others"
}
# ecap bit 2 (DT, VT-d spec 11.4.3): the device-IOTLB capability the guest read.
dt() { echo $(( $(r "$1" result.vtd_ecap) >> 2 & 1 )); }
counts() { diag "$1: unmaps=$(g "$1" unmaps) iotlb_page=$(g "$1" iotlb_page) iotlb_domain=$(g "$1" iotlb_domain)" \
  "piotlb=$(g "$1" piotlb) dev_tlb=$(g "$1" dev_tlb) flush_map=$(g "$1" flush_map) flush_strict=$(g "$1" flush_strict)"; }

check "device-iotlb off: boots, NICs loaded" run off --mode strict
check "device-iotlb off: no DT capability, ATS enabled nowhere" \
  is "$(dt off) $(ats off)" "0 False False others:0"
check "device-iotlb off: no device-IOTLB invalidation, guest and device" \
  is "$(g off dev_tlb) $(r off device_counters.qi.device_iotlb)" "0 0"

check "legacy + ATS, strict: boots, NICs loaded" run legacy --mode strict --iommu-opt device-iotlb=on
counts legacy
check "legacy + ATS: the guest read DT and enabled ATS on the two NICs only" \
  is "$(dt legacy) $(ats legacy)" "1 True True others:0"
check "legacy + ATS: one device-IOTLB invalidation per page-selective IOTLB one" \
  test "$(g legacy dev_tlb)" -gt 100 -a "$(g legacy dev_tlb)" = "$(g legacy iotlb_page)"
check "legacy + ATS: guest = device, every descriptor type" agree "$T/legacy.json"

check "legacy + ATS, lazy: boots, NICs loaded" run lazy --mode lazy --iommu-opt device-iotlb=on
counts lazy
check "legacy + ATS, lazy: the deferred domain flushes carry device-IOTLB ones" \
  test "$(g lazy dev_tlb)" -gt 0 -a "$(g lazy iotlb_page)" = 0
check "legacy + ATS, lazy: guest = device, every descriptor type" agree "$T/lazy.json"

check "caching + ATS: boots, NICs loaded" run caching --vmode caching --mode strict --iommu-opt device-iotlb=on
counts caching
check "caching + ATS: forced strict; map-side flushes invalidate the IOTLB only" \
  is "$(r caching result.vtd_batching) $(g caching dev_tlb) $(g caching iotlb_page)" \
  "forced-strict $(g caching flush_strict) $(( $(g caching flush_map) + $(g caching flush_strict) ))"
check "caching + ATS: guest = device, every descriptor type" agree "$T/caching.json"

check "scalable-fl + ATS: boots, NICs loaded" run scalable --vmode scalable-fl --mode strict --iommu-opt device-iotlb=on
counts scalable
check "scalable-fl + ATS: ATS on the NICs; one device-IOTLB per PASID-based IOTLB invalidation" \
  is "$(ats scalable) $(g scalable dev_tlb)" "True True others:0 $(g scalable piotlb)"
check "scalable-fl + ATS: guest = device, every descriptor type" agree "$T/scalable.json"

# Charged: under -icount on one vCPU (no other submitter to queue behind),
# the guest's time in qi_submit_sync per submission rises by the device-IOTLB
# cost x device-IOTLB descriptors per submission.
C=20000
check "icount, 1 vCPU, device-IOTLB cost 0: runs" run c0 --icount --cpus 1 --mode strict --iommu-opt device-iotlb=on
check "icount, 1 vCPU, device-IOTLB cost $C ns: runs" \
  run c1 --icount --cpus 1 --mode strict --iommu-opt device-iotlb=on --iommu-opt x-qi-cost-devtlb-ns=$C
check "device-IOTLB cost charged: spin per submission rises by $C ns x dev_tlb/submission (+-5%)" \
  vtdpy - "$T/c0.json" "$T/c1.json" $C <<'EOF'
import sys
from vtdlib import record
g0, g1 = (record.load(p).result["guest_counters"] for p in sys.argv[1:3])
per = lambda g: g["qi_spin_ns"] / g["qi_submit_sync"]
expect = int(sys.argv[3]) * g1["dev_tlb"] / g1["qi_submit_sync"]
rise = per(g1) - per(g0)
print(f"# spin per submission {per(g0):.0f} -> {per(g1):.0f} ns: rise {rise:.0f}, expected {expect:.0f} "
      f"({100 * (rise - expect) / expect:+.1f}%)")
sys.exit(abs(rise - expect) > 0.05 * expect)
EOF
done_testing
