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
#   tests/guest/test-schemes.sh [SCHEME...]     (default: all five)
. "$(dirname "$0")/../lib/tap.sh"
T=$(mktemp -d); trap 'rm -rf "$T"' EXIT
SECS=${SECONDS_PER_RUN:-2}
schemes=("$@")
[ ${#schemes[@]} -gt 0 ] || schemes=(strict global percpu-fq rcache percpu)

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
r() { rv "R_${1//-/_}" "$2"; }
lacks() { local -n R=R_${1//-/_}; [ -z "${R[$2]+set}" ] || { diag "$1: $2 = ${R[$2]}"; return 1; }; }
c() { r "$1" "result.guest_counters.$2"; }
# What the guest must read back for a mode (vtdlib.schemes).
expected_scheme() { vtdpy -c 'import sys; from vtdlib.schemes import scheme_expected; print(scheme_expected(sys.argv[1]))' "$1"; }

for scheme in "${schemes[@]}"; do
  for t in 1 2; do
    n=$scheme-t$t
    check "$n: boots and runs the benchmark" run "$n" "$scheme" threads=$t || continue
    [ "$(r "$n" kernel_warnings)" = "[]" ] || diag "$n: $(r "$n" kernel_splats) $(r "$n" kernel_warnings | cut -c1-300)"
    check "$n: no kernel warning, lockdep or KASAN report" test "$(r "$n" kernel_warnings)" = "[]"
    check "$n: no suspected memory leak (kmemleak, debug kernels)" lacks "$n" kernel_splats.kmemleak
    check "$n: iommu.dma_scheme reads back $(expected_scheme "$scheme")" \
      test "$(r "$n" scheme)" = "$(expected_scheme "$scheme")"
    unmaps=$(c "$n" unmaps) queued=$(c "$n" fq_queued) strict=$(c "$n" flush_strict)
    full=$(c "$n" flush_full) allq=$(c "$n" flush_all_queues) timer=$(c "$n" flush_timer)
    page=$(c "$n" iotlb_page) dom=$(c "$n" iotlb_domain) rc=$(c "$n" iova_alloc_rcache)
    rb=$(c "$n" iova_alloc_rbtree) qi=$(c "$n" qi_submit_sync) wait=$(c "$n" wait)
    over=$(c "$n" fq_overflow) live1=$(c "$n" iova_live)
    live0=$(r "$n" result.iova_live_before)
    # The queues a per-CPU layout can fill: the guest's CPUs, as it reported them.
    cpus=$(r "$n" result.cpus)
    diag "$n unmap_ns=$(r "$n" result.unmap_ns) cpus=$cpus unmaps=$unmaps" \
      "queued=$queued strict=$strict full=$full all_queues=$allq timer=$timer iotlb_page=$page" \
      "iotlb_domain=$dom rcache=$rc rbtree=$rb"
    check "$n: benchmark unmapped" test "${unmaps:-0}" -gt 0
    check "$n: one wait descriptor per submission" test "$wait" = "$qi"
    # Each 1-page map allocates one IOVA, from a per-CPU cache or the rbtree.
    check "$n: an IOVA allocated per mapping ($rc + $rb >= $unmaps)" test $((rc + rb)) -ge "$unmaps"
    case $scheme in
    strict)
      check "$n: every unmap flushed synchronously, nothing queued" \
        test "$strict" = "$unmaps" -a "$queued" = 0
      check "$n: no deferred flush of any cause" test $((full + allq + timer)) = 0
      check "$n: one page-selective IOTLB descriptor per 1-page unmap" test "$page" = "$unmaps"
      ;;
    *)
      check "$n: every unmap deferred" test "$queued" = "$unmaps" -a "$strict" = 0
      # Counted over the run plus the job's 0.5 s settling time.
      check "$n: timer flushes <= one per 10 ms ($timer)" test "$timer" -le $((SECS * 100 + 60))
      check "$n: one domain IOTLB flush per deferred flush, no page flush" \
        test "$dom" = $((full + allq + timer)) -a "$page" = 0
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
      check "$n: one shared queue: no per-CPU queue flush ($allq)" test "$allq" = 0
      check "$n: shared 255-entry queue: full flushes >= unmaps/255 - timer - 1 ($full)" \
        test "$full" -ge $((unmaps / 255 - timer - 1))
      check "$n: full flushes <= unmaps/255 + CPUs ($full)" test "$full" -le $((unmaps / 255 + cpus))
      ;;
    percpu-fq|percpu)
      check "$n: per-CPU queues: no shared-queue flush ($full)" test "$full" = 0
      check "$n: 255-entry queue per CPU: flushes >= unmaps/(255*CPUs) - timer - 1 ($allq)" \
        test "$allq" -ge $((unmaps / (255 * cpus) - timer - 1))
      check "$n: full-queue flushes <= unmaps/255 + CPUs ($allq)" test "$allq" -le $((unmaps / 255 + cpus))
      ;;
    esac
    # IOVA caches: used by the schemes that cache (strict keeps upstream's),
    # bypassed by the rbtree-only ones.
    case $scheme in
    global|percpu-fq)
      check "$n: IOVA caches bypassed: no cache hit ($rc), all from the rbtree" \
        test "$rc" = 0 -a "$rb" -ge "$unmaps" ;;
    *)
      check "$n: IOVA caches used: hits > 0 and most allocations ($rc vs rbtree $rb)" \
        test "$rc" -gt 0 -a "$rc" -gt "$rb" ;;
    esac
    # A queue still full after its own flush wraps and loses 256 entries: an
    # upstream leak that fq_overflow counts (kernel-patches/extra fixes it).
    [ "$over" = 0 ] || diag "$n: $over flush-queue overflows, $((over * 256)) IOVAs leaked (upstream)"
    check "$n: live IOVAs back to baseline but for overflows ($live0 -> $live1)" \
      test $((live1 - live0)) = $((over * 256))
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
sw() { rv R_switch "result.$1"; }
d() { echo $(( $(sw "$2.counters.$3") - ${R_switch[result.$1.counters.$3]:-0} )); }
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
  cpus=$(sw cpus)
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
  check "switch: before, per-CPU caches hit" test "$(sw before.counters.iova_alloc_rcache)" -gt 0
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
