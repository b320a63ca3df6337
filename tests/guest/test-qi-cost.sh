#!/usr/bin/env bash
# Invalidation cost model seen from the guest (docs/qi-cost.md): under
# -icount (deterministic time), strict-mode 1-page unmap latency rises by the
# configured page-selective IOTLB cost x page-selective invalidations per
# unmap, within 5%, at two cost settings. The per-unmap invalidation shape
# (one 1-page PSI + one wait per unmap) is checked with the device counters.
# Then under MTTCG, where only a lower bound holds: without icount QEMU's
# virtual clock is the host clock, so each strict unmap still waits at least
# the charged cost, but TCG and host load add an unbounded amount on top.
. "$(dirname "$0")/../lib/tap.sh"
T=$(mktemp -d); trap 'rm -rf "$T"' EXIT

# Costs in ns: large enough that dma_map_benchmark's 0.1 us rounding and the
# guest's status-poll granularity stay well inside the 5% band.
COSTS=${QI_COST_TEST_COSTS:-"4000 8000"}
SECONDS_RUN=${QI_COST_TEST_SECONDS:-1}

run() { # name vtd-run-args...
  local n=$1; shift
  "$VTD_RUN" --timeout 240 --counters --json "$T/$n.json" "$@" >/dev/null 2>"$T/$n.err" ||
    { diag "vtd-run $* failed:"; sed 's/^/#   /' "$T/$n.err"; return 1; }
}
bench() { # name cost [extra vtd-run args]
  local n=$1 c=$2; shift 2
  run "$n" --mode strict --cpus 1 --iommu-opt "x-qi-cost-iotlb-page-ns=$c" "$@" \
    dmabench threads=1 seconds="$SECONDS_RUN"
}

# Every unmap is one 1-page PSI and one wait: PSIs = waits (boot adds a few
# dozen waits), all PSIs with AM=0, no domain/global IOTLB flushes.
shape_ok() {
  vtdpy - "$T/$1.json" "$1" <<'EOF'
import sys
from vtdlib import record
q = record.load(sys.argv[1]).device_counters['qi']
psi, waits = q['iotlb']['page'], q['wait']['sw']
print(f"# {sys.argv[2]}: psi {psi} waits {waits} psi/unmap {psi / max(waits, 1):.4f}")
sys.exit(0 if psi > 10000 and q['iotlb']['am_hist'][0] == psi and
         0 <= waits - psi < 100 and q['iotlb']['domain'] == 0 else 1)
EOF
}
# |(unmap(cost) - unmap(0)) - cost * psi_per_unmap| <= 5% of the expected rise
rise_ok() { # name cost_ns
  vtdpy - "$T/base.json" "$T/$1.json" "$2" <<'EOF'
import sys
from vtdlib import record
b, r = (record.load(p) for p in sys.argv[1:3])
cost_us = int(sys.argv[3]) / 1000
q = r.device_counters['qi']
per_unmap = q['iotlb']['page'] / q['wait']['sw']
expect = cost_us * per_unmap
rise = r.result['unmap_us'] - b.result['unmap_us']
err = (rise - expect) / expect
print(f"# cost {cost_us} us: unmap {b.result['unmap_us']} -> {r.result['unmap_us']} us, "
      f"rise {rise:.2f} us, expected {expect:.3f} us, error {100 * err:+.1f}%")
sys.exit(0 if abs(err) <= 0.05 else 1)
EOF
}

check "icount: strict baseline (costs 0) runs" bench base 0 --icount
check "icount: baseline unmap = 1 PSI (AM 0) + 1 wait" shape_ok base
for c in $COSTS; do
  check "icount: strict, PSI cost $c ns runs" bench "c$c" "$c" --icount
  check "icount: PSI cost $c ns keeps the invalidation shape" shape_ok "c$c"
  check "icount: unmap latency rises by $c ns x PSIs/unmap (+-5%)" rise_ok "c$c" "$c"
done

# MTTCG: the engine completes a wait no earlier than the charged cost of
# QEMU_CLOCK_VIRTUAL, which without icount is the host clock, and the guest
# clock follows the same host time: every strict unmap lasts at least
# cost x PSIs/unmap, and its rise over a run without cost is at least that
# (the poll lag, docs/qi-cost.md, only adds). The baseline is taken twice,
# around the cost run, and the lower one is used: a baseline slowed by the
# host would otherwise eat into the rise. Tolerance: the mean unmap time is
# truncated to whole ns (unmap_ns) or to 0.1 us twice (unmap_us: per unmap
# and for the mean), plus 1% of the cost for the guest clock's calibration
# against the host clock at boot.
c=${COSTS##* }
mt_bound_ok() { # name cost_ns baseline-names... (none: absolute floor)
  vtdpy - "$T" "$@" <<'EOF2'
import sys
from vtdlib import record
d, name, cost, bases = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4:]
def unmap_ns(n):
    r = record.load(f"{d}/{n}.json").result
    if r.get('unmap_ns'):
        return r['unmap_ns'], 1
    return round(r['unmap_us'] * 1000), 200
r = record.load(f"{d}/{name}.json")
q = r.device_counters['qi']
per_unmap = q['iotlb']['page'] / q['wait']['sw']
u, trunc = unmap_ns(name)
base = min(unmap_ns(b)[0] for b in bases) if bases else 0
floor = cost * per_unmap
tol = trunc + 0.01 * floor
what = f", rise over the lower baseline ({base} ns) {u - base} ns" if bases else ""
print(f"# MTTCG cost {cost} ns: unmap {u} ns{what}, "
      f"floor {floor:.0f} ns (cost x {per_unmap:.4f} PSIs/unmap), tolerance {tol:.0f} ns")
sys.exit(0 if u - base >= floor - tol else 1)
EOF2
}
check "MTTCG: strict baseline (costs 0) runs" bench mt-base 0
check "MTTCG: strict, PSI cost $c ns runs" bench "mt-c$c" "$c"
check "MTTCG: strict baseline again (after the cost run) runs" bench mt-base2 0
check "MTTCG: PSI cost $c ns keeps the invalidation shape" shape_ok "mt-c$c"
check "MTTCG: unmap latency >= $c ns x PSIs/unmap" mt_bound_ok "mt-c$c" "$c"
check "MTTCG: unmap latency rises by >= $c ns x PSIs/unmap over the lower baseline" \
  mt_bound_ok "mt-c$c" "$c" mt-base mt-base2

# The MTTCG calibration (docs/qi-cost.md) runs and yields a usable scale.
check "vtd-calibrate measures icount vs MTTCG and prints x-qi-cost-scale" bash -c \
  "'$TOP/scripts/vtd-calibrate' --runs 1 --json '$T/cal.json' >/dev/null 2>'$T/cal.err'"
# What a right calibration gives, S = round(100 x U_m / U_i) (docs/qi-cost.md):
# - S > 100. Under icount (shift=0) the guest's time is its instruction
#   count at 1 ns each, and an MMIO exit costs it one instruction; under
#   MTTCG its time is host time, in which TCG runs guest code far below
#   1e9 instructions/s and every MMIO exit of the unmap path (the IQT write,
#   the status polls) costs host microseconds. So U_m > U_i on any host. An
#   S <= 100 is the ratio inverted (U_i / U_m), the runs swapped, or the
#   factor not made a percentage (U_m / U_i, a few).
# - S <= 2000. Measured: U_i = 1.6-1.8 us; U_m = 2.2-4.0 us on the shared
#   2-core host (this test), 6.4 us at load 7 (docs/qi-cost.md): S of 120
#   to 400. 2000 leaves 5x the worst for a busier host; above it the units
#   were mixed (ns taken for us: x1000) or the reference was no baseline.
# - U_m is what this test's own MTTCG baselines (mt-base, mt-base2: the
#   same job, strict, 1 vCPU, costs 0, minutes earlier on the same host)
#   measured, within a factor of 3 either way: MTTCG runs of it spread by up
#   to 2x here (2.2 to 4.0 us). An MTTCG reference taken with an
#   invalidation cost left on is 5-8x a baseline (cost 8 us: 19.6 us
#   against 2.7 us), and so is one slowed by a different workload.
# - Its icount reference U_i is this test's own icount baseline (strict,
#   1 vCPU, costs 0: deterministic) within 5 % + 0.2 us (measured 1.70 us
#   against 1.83 us: the calibration runs 2 s without device counters, the
#   baseline 1 s with them), and S is what its own U_m and U_i give.
cal_ok() {
  vtdpy - "$T" <<'EOF3'
import json, sys
from vtdlib import record
d = sys.argv[1]
c = json.load(open(f"{d}/cal.json"))
s, ui, um = c["x_qi_cost_scale"], c["icount_unmap_us"], c["mttcg_unmap_us_median"]
def unmap_us(n):
    r = record.load(f"{d}/{n}.json").result
    return r["unmap_ns"] / 1000 if r.get("unmap_ns") else r["unmap_us"]
bi = unmap_us("base")
mt = [unmap_us("mt-base"), unmap_us("mt-base2")]
print(f"# scale {s}: MTTCG median {um} us / icount {ui} us; this test's icount baseline {bi} us, "
      f"MTTCG baselines {mt[0]} and {mt[1]} us")
bad = []
if not (isinstance(s, int) and 100 < s <= 2000):
    bad.append(f"scale {s} outside (100, 2000]")
if ui <= 0 or s != round(100 * um / ui):
    bad.append(f"scale {s} is not round(100 x {um} / {ui})")
if abs(ui - bi) > 0.05 * bi + 0.2:
    bad.append(f"icount reference {ui} us is not this test's icount baseline {bi} us (5 % + 0.2 us)")
if not min(mt) / 3 <= um <= max(mt) * 3:
    bad.append(f"MTTCG reference {um} us is not within 3x of this test's MTTCG baselines {mt} us")
for m in bad:
    print(f"# {m}")
sys.exit(1 if bad else 0)
EOF3
}
check "calibration scale is plausible for TCG (100, 2000]; its runs match this test's baselines (icount 5 %, MTTCG 3x)" cal_ok
diag "calibration: $(cat "$T/cal.json" 2>/dev/null | tr -d '\n ')"
done_testing
