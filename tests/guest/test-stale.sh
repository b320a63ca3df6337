#!/usr/bin/env bash
# The stale-translation window (issue 8), seen from both sides: edu_stale.ko
# in the guest lets edu write through just-unmapped IOVAs, and the device's
# x-audit counts the DMAs that went through a stale IOTLB entry.
#   strict: every such write faults, nothing lands, the audit counts at
#           most the writes that raced the unmap itself;
#   lazy:   writes land while the entry is stale, the audit counts each one
#           at the same guest-physical page, and the window the guest saw
#           (unmap done -> write done) stays within the 10 ms flush-queue
#           timer plus drain time.
. "$(dirname "$0")/../lib/tap.sh"
T=$(mktemp -d); trap 'rm -rf "$T"' EXIT
ROUNDS=3
LEN=256
FQ_TIMEOUT_MS=10    # IOVA_FQ_TIMEOUT in drivers/iommu/dma-iommu.c
DRAIN_MS=10         # flush + TCG scheduling slack on 2 shared host cores

# The record goes into the array R_<name>.
boot() { # name vtd-run-args...
  local n=$1; shift
  "$VTD_RUN" --timeout 180 --counters --iommu-opt x-audit=on --json "$T/$n.json" "$@" \
    >/dev/null 2>"$T/$n.err" ||
    { diag "vtd-run $* failed:"; sed 's/^/#   /' "$T/$n.err"; return 1; }
  load_record "R_$n" "$T/$n.json"
}
m() { rv "R_$1" "result.module.$2"; }          # the module's result
a() { rv "R_$1" "device_counters.audit.$2"; }  # the device's audit
le() { [ "$1" -le "$2" ] || { diag "$1 > $2"; return 1; }; }

check "strict: job stale runs with x-audit=on" boot strict --mode strict stale rounds=$ROUNDS len=$LEN
check "strict: $ROUNDS rounds had the write after the unmap" is "$(m strict armed)" $ROUNDS
check "strict: no write landed in an unmapped page" is "$(m strict landed) $(m strict clean)" "0 $ROUNDS"
check "strict: the IOMMU faulted the writes" le 1 "$(rv R_strict result.dmar_write_faults)"
# Strict's only window is inside dma_unmap_page() (PTE cleared, invalidation
# not yet done): a write there is real and counted, and the module calls
# its round early. Armed rounds (write after the unmap) never go stale.
check "strict: audit enabled" is "$(a strict enabled)" True
check "strict: stale DMAs only from rounds that raced the unmap (early)" \
  le "$(a strict stale.translations)" "$(m strict early)"
diag "strict: $(rv R_strict result.module)"

check "lazy: job stale runs with x-audit=on" boot lazy --mode lazy stale rounds=$ROUNDS len=$LEN
check "lazy: a stale write landed after the unmap" le 1 "$(m lazy landed)"
# (The audit counts translations, not bytes: docs/stale-audit.md.)
check "lazy: audit counted every landed write, and only those" is \
  "$(a lazy stale.translations) $(a lazy stale.writes)" "$(m lazy landed) $(m lazy landed)"
check "lazy: the audit's first sample is the page the module saw written" is \
  "$(a lazy samples.0.write) $(a lazy samples.0.stale_target) $(a lazy samples.0.kind)" "True $(m lazy first_phys) gone"
check "lazy: window (unmap -> write) <= ${FQ_TIMEOUT_MS} ms timer + ${DRAIN_MS} ms drain" eval \
  '[ "$(m lazy landed_window_max_ns)" -gt 0 ] && le "$(m lazy landed_window_max_ns)" $(( (FQ_TIMEOUT_MS + DRAIN_MS) * 1000000 ))'
check "lazy: the entry age bounds the window (age >= window)" \
  le "$(m lazy window_min_ns)" "$(a lazy stale.age_min_ns)"
diag "lazy: module $(rv R_lazy result.module)"
diag "lazy: audit stale $(a lazy stale.translations) age ns min/max $(a lazy stale.age_min_ns)/$(a lazy stale.age_max_ns)"
done_testing
