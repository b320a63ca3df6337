#!/usr/bin/env bash
# scripts/vtd-run names every kind of kernel report it must catch (SPLATS in
# scripts/vtdlib/names.py): one console line of each kind, as Linux 6.12 prints it, is given
# that kind, and ordinary boot lines none. The guest side, that a real
# warning and leak reach the console and are caught, is the self-test of
# make check-kernel-debug (tests/debug/test-splat-selftest.sh).
. "$(dirname "$0")/../lib/tap.sh"

# kind<TAB>console line; kind "-" for lines that are no report.
samples=$(cat <<'LINES'
WARNING	[    5.120000] WARNING: CPU: 1 PID: 97 at vtd_selftest_splat.c:60 vtd_selftest_splat_init+0x3e/0xff0 [vtd_selftest_splat]
BUG	[    2.000000] BUG: unable to handle page fault for address: ffffffffc0201000
BUG	[    2.000000] kernel BUG at mm/slub.c:1234!
KASAN	[    3.000000] BUG: KASAN: slab-use-after-free in iommu_dma_unmap_page+0x1c/0x200
KASAN	[    3.000000] KASAN: null-ptr-deref in range [0x0000000000000010-0x0000000000000017]
UBSAN	[    3.000000] UBSAN: array-index-out-of-bounds in drivers/iommu/dma-iommu.c:812:17
lockdep	[    4.000000] WARNING: possible circular locking dependency detected
lockdep	[    4.000000] WARNING: inconsistent lock state
lockdep	[    4.000000] WARNING: possible recursive locking detected
lockdep	[    4.000000] WARNING: possible irq lock inversion dependency detected
lockdep	[    4.000000] WARNING: HARDIRQ-safe -> HARDIRQ-unsafe lock order detected
lockdep	[    4.000000] WARNING: suspicious RCU usage
lockdep	[    4.000000] WARNING: bad unlock balance detected!
lockdep	[    4.000000] WARNING: held lock freed!
lockdep	[    4.000000] WARNING: kworker/0:1/12 still has locks held!
lockdep	[    4.000000] BUG: MAX_LOCKDEP_ENTRIES too low!
atomic sleep	[    4.000000] BUG: sleeping function called from invalid context at mm/slab_common.c:1000
atomic sleep	[    4.000000] BUG: scheduling while atomic: swapper/0/1/0x00000002
RCU stall	[   30.000000] rcu: INFO: rcu_preempt self-detected stall on CPU
RCU stall	[   30.000000] rcu: INFO: rcu_preempt detected stalls on CPUs/tasks:
RCU stall	[   30.000000] rcu: INFO: rcu_preempt detected expedited stalls on CPUs/tasks: { 1-... } 21 jiffies s: 93 root: 0x2/.
RCU stall	[   30.000000] INFO: rcu_tasks detected stalls on tasks:
soft lockup	[   50.000000] watchdog: BUG: soft lockup - CPU#1 stuck for 22s! [dma_map_benchma:80]
hard lockup	[   50.000000] watchdog: Watchdog detected hard LOCKUP on cpu 1
hung task	[  150.000000] INFO: task kworker/u4:2:45 blocked for more than 120 seconds.
kmemleak	unreferenced object 0xffff888004a1c200 (size 64):
kmemleak error	vtd-init: kmemleak: scan failed (kmemleak off?)
kmemleak error	[    1.000000] kmemleak: Kernel memory leak detector disabled
kmemleak error	[    1.000000] kmemleak: Freeing unknown object at 0xffff888004a1c200
general protection fault	[    6.000000] Oops: general protection fault, probably for non-canonical address 0xdffffc0000000002: 0000 [#1] PREEMPT SMP KASAN
Oops	[    6.000000] Oops: Oops: 0002 [#1] PREEMPT SMP
panic	[    6.000000] Kernel panic - not syncing: Fatal exception
-	[    0.000000] kasan: KernelAddressSanitizer initialized (generic)
-	[    0.000000] kmemleak: Kernel memory leak detector initialized (mem pool available: 15768)
-	[    0.100000] Lock dependency validator: Copyright (c) 2006 Red Hat, Inc., Ingo Molnar
-	[    0.200000] DMAR: Intel(R) Virtualization Technology for Directed I/O
-	vtd-init: kmemleak: 0 suspected leak(s) (two scans in 4.2 s)
-	CONFIG_DEBUG_KMEMLEAK=y
LINES
)

# The kinds the runner reports, one per sample line ("-" for none).
got=$(cut -f2 <<<"$samples" | vtdpy -c '
import sys
from vtdlib.names import splat_kind
for line in sys.stdin:
    print(splat_kind(line.rstrip("\n")) or "-")
') || { check "scripts/vtdlib/names.py loads" false; done_testing; exit; }

n=0
while IFS=$'\t' read -r want line; do
  n=$((n + 1))
  is=$(sed -n "${n}p" <<<"$got")
  [ "$is" = "$want" ] || diag "classified as '$is': $line"
  check "$want: ${line:0:72}" test "$is" = "$want"
done <<<"$samples"

# Every kind of the table has a sample above, so none goes untested.
kinds=$(vtdpy -c 'from vtdlib.names import SPLATS; print("\n".join(k for k, _ in SPLATS))')
untested=$(comm -23 <(sort <<<"$kinds") <(cut -f1 <<<"$samples" | sort -u) | tr '\n' ' ')
check "every kind of the table has a sample${untested:+ (missing: $untested)}" test -z "$untested"
done_testing
