#!/usr/bin/env bash
# The default patched path costs what stock Linux costs. Under icount guest
# time is instructions, so one strict 1-page dma_map_benchmark run per kernel
# is deterministic, and the device counts its iterations exactly (one
# page-selective IOTLB descriptor per strict unmap): the time per map+unmap
# iteration of the patched kernel, every knob at its default (no scheme,
# counters off), is compared with build/kernel-stock (the same Linux and
# config fragment without kernel-patches/; make kernel builds it).
. "$(dirname "$0")/../lib/tap.sh"
T=$(mktemp -d); trap 'rm -rf "$T"' EXIT
SECS=2
# Patched/stock per iteration may exceed 1 by the series' own cost with its
# knobs off, measured under icount (docs/kernel-series.md, "Default path vs
# stock"): the benchmark's extensions outside the timed regions (+42 ns per
# iteration) and the compiled-in counter hooks (+38 ns: +27 unmap, +10 map),
# 2.4 % of a 3.3 us iteration. The counters switched on add 6.5 %.
LIMIT=1.04

# The record goes into the array R_<name>. --counters would switch the
# guest's counters on too; accounting alone keeps the guest at its defaults.
run() { # name vtd-run-args...
  local n=$1; shift
  "$VTD_RUN" --icount --cpus 1 --mode strict --timeout 240 --json "$T/$n.json" \
    --iommu-opt x-accounting=on --iommu-opt "x-counters-file=$T/$n.counters" "$@" \
    dmabench threads=1 seconds=$SECS >/dev/null 2>"$T/$n.err" ||
    { diag "vtd-run failed:"; diag_file "$T/$n.err"; return 1; }
  load_record "R_$n" "$T/$n.json"
}
# ns per iteration: the run's seconds over its strict unmaps as the device counted them.
iter_ns() { python3 -c "import json,sys; print(round($SECS * 1e9 / json.load(open(sys.argv[1]))['qi']['iotlb']['page'], 1))" "$T/$1.counters"; }

check "stock kernel was built (build/kernel-stock/bzImage)" test -f "$TOP/build/kernel-stock/bzImage"
check "stock: boots and runs the benchmark" run stock --kernel stock
check "patched: boots and runs the benchmark with every knob at its default" run patched
# (the job prints guest_counters null when they are off)
check "patched: no scheme chosen, guest counters off" \
  test "${R_patched[scheme]}/${R_patched[result.guest_counters]-None}" = default/None
check "stock: no scheme to read back" test "${R_stock[scheme]-none}" = none
check "the records name the kernels (stock, patched)" test \
  "${R_stock[kernel_variant]} ${R_patched[kernel_variant]}" = "stock patched"
s=$(iter_ns stock) p=$(iter_ns patched)
diag "ns per strict 1-page map+unmap iteration (icount): stock $s, patched $p," \
  "ratio $(python3 -c "print(round($p / $s, 4))"); upstream's unmap figure: stock" \
  "${R_stock[result.unmap_us]} us, patched ${R_patched[result.unmap_us]} us"
check "patched default path within $LIMIT x stock per iteration ($p vs $s ns)" \
  python3 -c "import sys; sys.exit(not $p <= $LIMIT * $s)"
done_testing
