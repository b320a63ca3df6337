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
# Fields through tap.sh's rv/rn: a missing one fails the check reading it,
# by name. g: a guest counter (an integer); gd: one for diagnostics only.
r() { rv "R_${1//-/_}" "$2"; }
g() { rn "R_${1//-/_}" "result.guest_counters.$2"; }
gd() { rd "R_${1//-/_}" "result.guest_counters.$2"; }
gtype() { r "$1" "result.iommu_groups.$(r "$1" result.device).type"; }  # edu's (the benchmark's device)

# ecap bits (VT-d spec 11.4.3): scalable mode, first- and second-stage tables.
# ecap_has: 0 the bit is set, 1 it is clear, 2 no ecap to tell (a missing or
# malformed vtd_ecap, named): "not" must not turn that into a pass.
ecap_has() {
  local e
  e=$(r "$1" result.vtd_ecap) && [[ $e =~ ^0x[0-9a-fA-F]+$ ]] ||
    { diag "$1: vtd_ecap '$e' is no hex number"; return 2; }
  (( e >> $2 & 1 ))
}
SMTS=43 FLTS=47 SLTS=46
# not CMD: passes only on CMD's plain "no" (status 1), never on an error.
not() { "$@"; local rc=$?; [ $rc -eq 1 ] || { [ $rc -eq 0 ] || diag "not $*: status $rc"; return 1; }; }
first_stage_only() { ecap_has "$1" $SMTS && ecap_has "$1" $FLTS && not ecap_has "$1" $SLTS; }

check "legacy: boots, runs the benchmark" run legacy --vmode legacy --mode lazy
check "legacy: the record says legacy, batching as upstream, no map-side flush" \
  test "$(r legacy vmode) $(r legacy result.vtd_batching) $(g legacy flush_map)" = "legacy upstream 0"
check "legacy: no scalable mode in the capabilities the guest read" not ecap_has legacy $SMTS

check "caching: boots with the defaults, runs the benchmark" run caching --vmode caching --mode lazy
check "caching: Linux forced strict ('batching disallowed due to virtualization')" \
  is "$(r caching result.vtd_batching)" forced-strict
check "caching: edu in a strict (DMA) domain although lazy was asked for" is "$(gtype caching)" DMA
diag "caching: unmaps=$(gd caching unmaps) flush_map=$(gd caching flush_map) flush_strict=$(gd caching flush_strict) iotlb_page=$(gd caching iotlb_page)"
check "caching: one map-side flush per map ($(gd caching unmaps) unmaps = maps)" is "$(g caching flush_map)" "$(g caching unmaps)"
check "caching: page-selective descriptors = map-side + unmap-side flushes" \
  is "$(g caching iotlb_page)" "$(( $(g caching flush_map) + $(g caching flush_strict) ))"
check "caching: guest = device, every descriptor type" agree "$T/caching.json"

check "caching + percpu: boots, runs the benchmark" \
  run caching-percpu --vmode caching --mode percpu
check "caching + percpu: the guest runs scheme percpu" is "$(r caching-percpu scheme)" percpu
check "caching + percpu: the scheme kept batching ('batching kept under virtualization')" \
  is "$(r caching-percpu result.vtd_batching)" kept
check "caching + percpu: edu in a deferred (DMA-FQ) domain" is "$(gtype caching-percpu)" DMA-FQ
diag "caching + percpu: unmaps=$(gd caching-percpu unmaps) flush_map=$(gd caching-percpu flush_map) queued=$(gd caching-percpu fq_queued)" \
  "iotlb_page=$(gd caching-percpu iotlb_page) iotlb_domain=$(gd caching-percpu iotlb_domain)"
check "caching + percpu: every unmap deferred, every map flushed" \
  test "$(g caching-percpu fq_queued) $(g caching-percpu flush_map) $(g caching-percpu flush_strict)" = \
    "$(g caching-percpu unmaps) $(g caching-percpu unmaps) 0"
check "caching + percpu: page-selective descriptors only on the map side" \
  is "$(g caching-percpu iotlb_page)" "$(g caching-percpu flush_map)"
check "caching + percpu: guest = device, every descriptor type" agree "$T/caching-percpu.json"

check "scalable-fl: boots, runs the benchmark" run scalable --vmode scalable-fl --mode lazy
check "scalable-fl: the guest reads scalable mode and first-stage tables only" first_stage_only scalable
diag "scalable-fl: unmaps=$(gd scalable unmaps) piotlb=$(gd scalable piotlb) iotlb_page=$(gd scalable iotlb_page)" \
  "iotlb_domain=$(gd scalable iotlb_domain) pasid_cache=$(gd scalable pasid_cache)"
check "scalable-fl: invalidated with PASID-based IOTLB descriptors, no second-stage IOTLB ones" \
  test "$(g scalable piotlb)" -gt 0 -a "$(( $(g scalable iotlb_page) + $(g scalable iotlb_domain) ))" = 0
check "scalable-fl: guest = device, every descriptor type" agree "$T/scalable.json"
done_testing
