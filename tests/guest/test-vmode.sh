#!/usr/bin/env bash
# The vIOMMU configurations people deploy (vtd-run --vmode), each read back
# from the guest: caching mode, where Linux forces strict and also
# invalidates on every map (kernel-patches 0010 counts those apart), and
# where an explicit deferred iommu.dma_scheme= keeps batching (0009); and
# scalable mode with first-stage tables, invalidated with PASID-based
# descriptors. Guest-counted = device-counted descriptors in each.
. "$(dirname "$0")/../lib/tap.sh"
T=$(mktemp -d); trap 'rm -rf "$T"' EXIT

# The record goes into the array R_<name>.
run() { # name vtd-run-args...
  local n=$1; shift
  "$VTD_RUN" --counters --timeout 180 --json "$T/$n.json" "$@" dmabench threads=1 seconds=1 \
    >/dev/null 2>"$T/$n.err" || { diag "vtd-run $* failed:"; diag_file "$T/$n.err"; return 1; }
  load_record "R_${n//-/_}" "$T/$n.json"
}
r() { rv "R_${1//-/_}" "$2"; }
g() { r "$1" "result.guest_counters.$2"; }
gtype() { r "$1" "result.iommu_groups.$(r "$1" result.device).type"; }  # edu's (the benchmark's device)

# ecap bits (VT-d spec 11.4.3): scalable mode, first- and second-stage tables.
ecap_has() { (( $(r "$1" result.vtd_ecap) >> $2 & 1 )); }
SMTS=43 FLTS=47 SLTS=46
not() { ! "$@"; }
first_stage_only() { ecap_has "$1" $SMTS && ecap_has "$1" $FLTS && not ecap_has "$1" $SLTS; }

check "legacy: boots, runs the benchmark" run legacy --vmode legacy --mode lazy
check "legacy: the record says legacy, batching as upstream, no map-side flush" \
  test "$(r legacy vmode) $(r legacy result.vtd_batching) $(g legacy flush_map)" = "legacy upstream 0"
check "legacy: no scalable mode in the capabilities the guest read" not ecap_has legacy $SMTS

check "caching: boots with the defaults, runs the benchmark" run caching --vmode caching --mode lazy
check "caching: Linux forced strict ('batching disallowed due to virtualization')" \
  is "$(r caching result.vtd_batching)" forced-strict
check "caching: edu in a strict (DMA) domain although lazy was asked for" is "$(gtype caching)" DMA
u=$(g caching unmaps)
diag "caching: unmaps=$u flush_map=$(g caching flush_map) flush_strict=$(g caching flush_strict) iotlb_page=$(g caching iotlb_page)"
check "caching: one map-side flush per map ($u unmaps = maps)" is "$(g caching flush_map)" "$u"
check "caching: page-selective descriptors = map-side + unmap-side flushes" \
  is "$(g caching iotlb_page)" "$(( $(g caching flush_map) + $(g caching flush_strict) ))"
check "caching: guest = device, every descriptor type" agree "$T/caching.json"

check "caching + percpu: boots, runs the benchmark" \
  run caching-percpu --vmode caching --mode percpu
check "caching + percpu: the guest runs scheme percpu" is "$(r caching-percpu scheme)" percpu
check "caching + percpu: the scheme kept batching ('batching kept under virtualization')" \
  is "$(r caching-percpu result.vtd_batching)" kept
check "caching + percpu: edu in a deferred (DMA-FQ) domain" is "$(gtype caching-percpu)" DMA-FQ
u=$(g caching-percpu unmaps)
diag "caching + percpu: unmaps=$u flush_map=$(g caching-percpu flush_map) queued=$(g caching-percpu fq_queued)" \
  "iotlb_page=$(g caching-percpu iotlb_page) iotlb_domain=$(g caching-percpu iotlb_domain)"
check "caching + percpu: every unmap deferred, every map flushed" \
  test "$(g caching-percpu fq_queued) $(g caching-percpu flush_map) $(g caching-percpu flush_strict)" = "$u $u 0"
check "caching + percpu: page-selective descriptors only on the map side" \
  is "$(g caching-percpu iotlb_page)" "$(g caching-percpu flush_map)"
check "caching + percpu: guest = device, every descriptor type" agree "$T/caching-percpu.json"

check "scalable-fl: boots, runs the benchmark" run scalable --vmode scalable-fl --mode lazy
check "scalable-fl: the guest reads scalable mode and first-stage tables only" first_stage_only scalable
diag "scalable-fl: unmaps=$(g scalable unmaps) piotlb=$(g scalable piotlb) iotlb_page=$(g scalable iotlb_page)" \
  "iotlb_domain=$(g scalable iotlb_domain) pasid_cache=$(g scalable pasid_cache)"
check "scalable-fl: invalidated with PASID-based IOTLB descriptors, no second-stage IOTLB ones" \
  test "$(g scalable piotlb)" -gt 0 -a "$(( $(g scalable iotlb_page) + $(g scalable iotlb_domain) ))" = 0
check "scalable-fl: guest = device, every descriptor type" agree "$T/scalable.json"
done_testing
