#!/usr/bin/env bash
# Each scheme of the kernel series (iommu.dma_scheme=) boots, runs 1-page
# dma_map_benchmark on edu at 1 and 2 threads, and its guest counters
# (/sys/kernel/debug/iommu/scal) tell it apart from every other scheme:
# strict flushes every unmap and queues nothing; a shared queue flushes as
# "full", per-CPU queues as "all queues", each within bounds set by the
# 255-entry ring, the unmaps and the guest's CPUs; the rbtree-only schemes
# never hit the IOVA caches, the others mostly do. Live IOVAs return to
# their baseline, a CPU taken offline with entries queued leaves none
# behind, and the run-time switch follows the documented rules under load.
#   tests/guest/test-schemes.sh [SCHEME...]     (default: strict and every deferred
#                                               scheme, vtdlib.schemes: the one list)
. "$(dirname "$0")/../lib/tap.sh"
T=$(mktemp -d); trap 'rm -rf "$T"' EXIT
SECS=${SECONDS_PER_RUN:-2}
schemes=("$@")
[ ${#schemes[@]} -gt 0 ] ||
  read -ra schemes < <(vtdpy -c 'from vtdlib.schemes import DEFERRED; print("strict", *DEFERRED)')
[ ${#schemes[@]} -gt 1 ] || { echo "Bail out! no scheme list from vtdlib.schemes"; exit 1; }

grep -q '^CONFIG_IOMMU_SCAL_STATS=y' "$TOP/build/kernel/.config" 2>/dev/null || {
  skip "scheme tests" "kernel built without the counters of kernel-patches/"; done_testing; exit; }

# Each scheme through --mode like every other run (strict is upstream's
# iommu.strict=1, which reads back as 'default'). The job switches the
# counters on and resets them just before the run. The record goes into the
# array R_<name>.
run() { # name mode job-params...
  local out=$1 mode=$2; shift 2
  "$VTD_RUN" --mode "$mode" --timeout 180 \
    --json "$T/$out.json" dmabench counters=1 seconds="$SECS" "$@" >/dev/null 2>"$T/$out.err" ||
    { diag "vtd-run failed:"; diag_file "$T/$out.err"; return 1; }
  load_record "R_${out//-/_}" "$T/$out.json"
}
# Fields are read where a check uses them, through rv/rn (tests/lib/tap.sh):
# a missing one fails that check by name, never reads as "" or 0.
r() { rv "R_${1//-/_}" "$2"; }
num() { rn "R_${1//-/_}" "$2"; }                    # an integer field
lacks() { ! has "R_${1//-/_}" "$2" || { diag "$1: $2 = $(r "$1" "$2")"; return 1; }; }
c() { num "$1" "result.guest_counters.$2"; }         # a guest counter
opt() { rd "R_${1//-/_}" "$2"; }                    # diagnostics only, "-" if missing
# What the guest must read back for a mode (vtdlib.schemes).
expected_scheme() { vtdpy -c 'import sys; from vtdlib.schemes import scheme_expected; print(scheme_expected(sys.argv[1]))' "$1"; }

for scheme in "${schemes[@]}"; do
  for t in 1 2; do
    n=$scheme-t$t
    check "$n: boots and runs the benchmark" run "$n" "$scheme" threads=$t || continue
    [ "$(opt "$n" kernel_warnings)" = "[]" ] || diag "$n: $(opt "$n" kernel_splats) $(opt "$n" kernel_warnings | cut -c1-300)"
    check "$n: no kernel warning, lockdep or KASAN report" test "$(r "$n" kernel_warnings)" = "[]"
    check "$n: no suspected memory leak (kmemleak, debug kernels)" lacks "$n" kernel_splats.kmemleak
    check "$n: iommu.dma_scheme reads back $(expected_scheme "$scheme")" \
      test "$(r "$n" scheme)" = "$(expected_scheme "$scheme")"
    # Each check reads the counters it uses (k NAME), so a missing one fails
    # that check by name; diagnostics and descriptions read them with kd,
    # which shows a missing one as "-". cpus: the queues a per-CPU layout
    # can fill, the guest's CPUs as it reported them.
    k() { c "$n" "$1"; }
    kd() { opt "$n" "result.guest_counters.$1"; }
    cpus() { num "$n" result.cpus; }
    unmaps=$(kd unmaps) queued=$(kd fq_queued) strict=$(kd flush_strict)
    full=$(kd flush_full) allq=$(kd flush_all_queues) timer=$(kd flush_timer)
    page=$(kd iotlb_page) dom=$(kd iotlb_domain) rc=$(kd iova_alloc_rcache) rb=$(kd iova_alloc_rbtree)
    diag "$n unmap_ns=$(opt "$n" result.unmap_ns) cpus=$(opt "$n" result.cpus) unmaps=$unmaps" \
      "queued=$queued strict=$strict full=$full all_queues=$allq timer=$timer iotlb_page=$page" \
      "iotlb_domain=$dom rcache=$rc rbtree=$rb"
    check "$n: benchmark unmapped" test "$(k unmaps)" -gt 0
    check "$n: one wait descriptor per submission" test "$(k wait)" = "$(k qi_submit_sync)"
    # Each 1-page map allocates one IOVA, from a per-CPU cache or the rbtree.
    check "$n: an IOVA allocated per mapping ($rc + $rb >= $unmaps)" \
      test $(( $(k iova_alloc_rcache) + $(k iova_alloc_rbtree) )) -ge "$(k unmaps)"
    case $scheme in
    strict)
      check "$n: every unmap flushed synchronously, nothing queued" \
        test "$(k flush_strict)" = "$(k unmaps)" -a "$(k fq_queued)" = 0
      check "$n: no deferred flush of any cause" \
        test $(( $(k flush_full) + $(k flush_all_queues) + $(k flush_timer) )) = 0
      check "$n: one page-selective IOTLB descriptor per 1-page unmap" test "$(k iotlb_page)" = "$(k unmaps)"
      ;;
    *)
      check "$n: every unmap deferred" test "$(k fq_queued)" = "$(k unmaps)" -a "$(k flush_strict)" = 0
      # Counted over the run plus the job's 0.5 s settling time.
      check "$n: timer flushes <= one per 10 ms ($timer)" test "$(k flush_timer)" -le $((SECS * 100 + 60))
      check "$n: one domain IOTLB flush per deferred flush, no page flush" \
        test "$(k iotlb_domain)" = $(( $(k flush_full) + $(k flush_all_queues) + $(k flush_timer) )) \
          -a "$(k iotlb_page)" = 0
      ;;
    esac
    # Queue layout, from the flush cause: a full shared queue counts
    # flush_full, a full per-CPU queue flush_all_queues. A ring holds 255
    # entries, so between two flushes at most 255 (shared) or 255 per CPU
    # (per-CPU) unmaps can be queued: that bounds the flushes from below.
    # Each full-queue flush needs 255 new entries in one ring, but for one
    # partial fill per CPU: that bounds them from above.
    case $scheme in
    global|rcache)
      check "$n: one shared queue: no per-CPU queue flush ($allq)" test "$(k flush_all_queues)" = 0
      check "$n: shared 255-entry queue: full flushes >= unmaps/255 - timer - 1 ($full)" \
        test "$(k flush_full)" -ge $(( $(k unmaps) / 255 - $(k flush_timer) - 1 ))
      check "$n: full flushes <= unmaps/255 + CPUs ($full)" \
        test "$(k flush_full)" -le $(( $(k unmaps) / 255 + $(cpus) ))
      ;;
    percpu-fq|percpu)
      check "$n: per-CPU queues: no shared-queue flush ($full)" test "$(k flush_full)" = 0
      check "$n: 255-entry queue per CPU: flushes >= unmaps/(255*CPUs) - timer - 1 ($allq)" \
        test "$(k flush_all_queues)" -ge $(( $(k unmaps) / (255 * ($(cpus) ? $(cpus) : 1)) - $(k flush_timer) - 1 ))
      check "$n: full-queue flushes <= unmaps/255 + CPUs ($allq)" \
        test "$(k flush_all_queues)" -le $(( $(k unmaps) / 255 + $(cpus) ))
      ;;
    esac
    # IOVA caches: used by the schemes that cache (strict keeps upstream's),
    # bypassed by the rbtree-only ones.
    case $scheme in
    global|percpu-fq)
      check "$n: IOVA caches bypassed: no cache hit ($rc), all from the rbtree" \
        test "$(k iova_alloc_rcache)" = 0 -a "$(k iova_alloc_rbtree)" -ge "$(k unmaps)" ;;
    *)
      check "$n: IOVA caches used: hits > 0 and most allocations ($rc vs rbtree $rb)" \
        test "$(k iova_alloc_rcache)" -gt 0 -a "$(k iova_alloc_rcache)" -gt "$(k iova_alloc_rbtree)" ;;
    esac
    # A queue still full after its own flush wraps and loses 256 entries: an
    # upstream leak that fq_overflow counts (kernel-patches/extra fixes it).
    over=$(kd fq_overflow)
    [ "$over" = 0 ] || diag "$n: $over flush-queue overflows, 256 IOVAs leaked by each (upstream)"
    check "$n: live IOVAs back to baseline but for overflows ($(opt "$n" result.iova_live_before) -> $(kd iova_live))" \
      test $(( $(k iova_live) - $(num "$n" result.iova_live_before) )) = $(( $(k fq_overflow) * 256 ))
  done
  if [ "$scheme" != strict ]; then
    n=$scheme-unplug
    check "$n: CPU 1 offlined right after a 2-thread run" run "$n" "$scheme" threads=2 unplug=1 &&
      check "$n: no queued entry left behind" test \
        $(( $(c "$n" fq_queued) - $(c "$n" fq_flushed) )) = $(( $(c "$n" fq_overflow) * 256 ))
  fi
done

# The run-time switch, in one boot: percpu, then "global" written under load.
# d PHASE0 PHASE1 COUNTER: how much COUNTER grew from one snapshot to the next.
# Phase "boot" is the job's start, where it reset the counters (scal_start):
# 0, by definition, not by a missing field.
sw() { rv R_switch "result.$1"; }
swn() { rn R_switch "result.$1"; }
d() { echo $(( $(swn "$2.counters.$3") - $(if [ "$1" = boot ]; then echo 0; else swn "$1.counters.$3"; fi) )); }
ph() { sw "$1.dma_scheme"; }
run_switch() {
  "$VTD_RUN" --mode percpu --timeout 240 --json "$T/switch.json" \
    schemeswitch threads=2 seconds="$SECS" >/dev/null 2>"$T/switch.err" && load_record R_switch "$T/switch.json"
}
# Per phase: the queue layout from the flush cause, bounded below like the
# runs above (unmaps/255, per CPU for per-CPU queues, less timer flushes).
#   layout PHASE0 PHASE1 shared|percpu
layout() {
  local u t full allq cpus
  u=$(d "$1" "$2" unmaps) t=$(d "$1" "$2" flush_timer)
  full=$(d "$1" "$2" flush_full) allq=$(d "$1" "$2" flush_all_queues)
  cpus=$(swn cpus)
  [ "$cpus" -gt 0 ] || { diag "switch: no CPU count"; return 1; }
  diag "switch $1 -> $2: unmaps=$u full=$full all_queues=$allq timer=$t"
  # Fewer unmaps than fill every queue twice cannot tell the layouts apart.
  [ "$u" -ge $((2 * 255 * cpus)) ] || { diag "too few unmaps ($u) to tell the queue layout"; return 1; }
  case $3 in
  shared) [ "$allq" = 0 ] && [ "$full" -ge $((u / 255 - t - 1)) ] ;;
  percpu) [ "$full" = 0 ] && [ "$allq" -ge $((u / (255 * cpus) - t - 1)) ] ;;
  esac
}
if check "switch: percpu boot, 'global' written while the benchmark runs" run_switch; then
  diag "switch: strict refused with '$(sw write_strict_error)'; rcache hits per phase" \
    "$(d before during iova_alloc_rcache) $(d during after iova_alloc_rcache) $(d after rebuilt iova_alloc_rcache)"
  check "switch: no kernel report (WARNING, lockdep, KASAN, leak ...)" test "$(r switch kernel_warnings)" = "[]"
  check "switch: the write of 'global' succeeded and reads back" \
    test "$(sw write_global_rc)" = 0 -a "$(ph during)" = global
  check "switch: 'strict' refused at run time (EBUSY), the scheme unchanged" \
    test "$(sw write_strict_rc)" != 0 -a "$(sw write_strict_error)" = "Device or resource busy" -a "$(ph after)" = global
  check "switch: an unknown scheme refused" test "$(sw write_nonsense_rc)" != 0
  check "switch: before, per-CPU caches hit" test "$(swn before.counters.iova_alloc_rcache)" -gt 0
  check "switch: before, per-CPU queues" layout boot before percpu
  check "switch: after, the IOVA path is rbtree-only at once (no cache hit)" \
    test "$(d during after iova_alloc_rcache)" = 0 -a "$(d during after iova_alloc_rbtree)" -gt 0
  check "switch: after, the live domain keeps its per-CPU queues" layout during after percpu
  check "switch: once the domain is set up again, one shared queue" layout after rebuilt shared
  check "switch: ... and still no cache hit" test "$(d after rebuilt iova_alloc_rcache)" = 0
else
  diag_file "$T/switch.err"
fi
done_testing
