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

boot() { # name vtd-run-args...
  local n=$1; shift
  "$VTD_RUN" --timeout 180 --counters --iommu-opt x-audit=on --json "$T/$n.json" "$@" \
    >/dev/null 2>"$T/$n.err" ||
    { diag "vtd-run $* failed:"; sed 's/^/#   /' "$T/$n.err"; return 1; }
}
# Evaluate a Python expression on run record r; m = module result, a = audit.
val() { jget "$T/$1.json" "(lambda m, a: $2)(r['result']['module'], r['device_counters']['audit'])"; }
is() { [ "$1" = "$2" ] || { diag "got '$1', want '$2'"; return 1; }; }
true_() { is "$1" True; }

check "strict: job stale runs with x-audit=on" boot strict --mode strict stale rounds=$ROUNDS len=$LEN
check "strict: $ROUNDS rounds had the write after the unmap" is "$(val strict "m['armed']")" $ROUNDS
check "strict: no write landed in an unmapped page" is "$(val strict "(m['landed'], m['clean'])")" "(0, $ROUNDS)"
check "strict: the IOMMU faulted the writes" true_ "$(val strict "r['result']['dmar_write_faults'] >= 1")"
# Strict's only window is inside dma_unmap_page() (PTE cleared, invalidation
# not yet done): a write there is real and counted, and the module calls
# its round early. Armed rounds (write after the unmap) never go stale.
check "strict: audit enabled, stale DMAs only from rounds that raced the unmap (early)" is \
  "$(val strict "(a['enabled'], a['stale']['translations'] <= m['early'])")" "(True, True)"
diag "strict: $(val strict "m")"

check "lazy: job stale runs with x-audit=on" boot lazy --mode lazy stale rounds=$ROUNDS len=$LEN
check "lazy: a stale write landed after the unmap" true_ "$(val lazy "m['landed'] >= 1")"
check "lazy: audit counted every landed write, and only those" is \
  "$(val lazy "(a['stale']['translations'], a['stale']['writes'], a['stale']['bytes'])")" \
  "$(val lazy "(m['landed'], m['landed'], m['landed'] * $LEN)")"
check "lazy: the audit's first sample is the page the module saw written" true_ \
  "$(val lazy "a['samples'][0]['write'] and a['samples'][0]['stale_target'] == m['first_phys'] and a['samples'][0]['kind'] == 'gone'")"
check "lazy: window (unmap -> write) <= ${FQ_TIMEOUT_MS} ms timer + ${DRAIN_MS} ms drain" true_ \
  "$(val lazy "0 < m['landed_window_max_ns'] <= ($FQ_TIMEOUT_MS + $DRAIN_MS) * 10**6")"
check "lazy: the entry age bounds the window (age >= window)" true_ \
  "$(val lazy "a['stale']['age_min_ns'] >= m['window_min_ns']")"
diag "lazy: module $(val lazy "m")"
diag "lazy: audit stale $(val lazy "a['stale']['translations']") age ms min/max" \
  "$(val lazy "(a['stale']['age_min_ns'] / 1e6, a['stale']['age_max_ns'] / 1e6)")"
done_testing
