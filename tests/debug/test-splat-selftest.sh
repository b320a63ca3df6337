#!/usr/bin/env bash
# Self-test of make check-kernel-debug: the check can see what it promises to
# fail on. One boot of the debug kernel loads the test-only module
# vtd_selftest_splat (guest job "splat") to WARN once and leak one object;
# scripts/vtd-run must report exactly that warning as kind WARNING and the
# leaked object as kind kmemleak (found by /init's aged double scan).
#   VTD_KERNEL=<debug bzImage> VTD_INITRD=<its initramfs> tests/debug/test-splat-selftest.sh
# Run by make check-kernel-debug before the scheme tests; not part of make
# check (the release kernel has no kmemleak).
. "$(dirname "$0")/../lib/tap.sh"
T=$(mktemp -d); trap 'rm -rf "$T"' EXIT

kernel=${VTD_KERNEL:-}
if ! grep -qx CONFIG_DEBUG_KMEMLEAK=y "$(dirname "$kernel")/.config" 2>/dev/null; then
  check "VTD_KERNEL is a debug kernel (scripts/build-kernel.sh --debug)" false
  diag "VTD_KERNEL='$kernel' has no .config with CONFIG_DEBUG_KMEMLEAK=y beside it"
  done_testing; exit
fi

# TCG with KASAN boots slowly; the job itself takes seconds.
boot() {
  "$VTD_RUN" --timeout 600 --json "$T/r.json" --console "$T/console" splat warn=1 leak=1 \
    >/dev/null 2>"$T/err" || { diag "vtd-run failed:"; diag_file "$T/err"; return 1; }
}
# A Python condition on the run record r.
rec() { jget "$T/r.json" "sys.exit(0 if ($1) else print('#', r['kernel_splats'], r['kernel_warnings'][:6]) or 1)"; }
start=$SECONDS
check "debug kernel boots and loads the trigger (warn=1 leak=1)" boot
# No record (vtd-run failed, or exited 0 without writing it) is a failure
# of its own: the checks below would have nothing to read.
check "the run wrote its record" load_record S "$T/r.json" || { done_testing; exit 1; }
diag "boot + job + kmemleak scans: $((SECONDS - start)) s; kernel reported: $(rv S kernel_splats)"

# Reports of one kind; a kind absent from kernel_splats (which must be there) is 0.
kind() { if has S "kernel_splats.$1"; then rv S "kernel_splats.$1"; else rv S kernel_splats >/dev/null && echo 0; fi; }
check "the deliberate WARN() is reported, once, as kind WARNING" test "$(kind WARNING)" = 1
check "the WARNING is the trigger's" \
  rec "any('WARNING:' in l and 'vtd_selftest_splat' in l for l in r['kernel_warnings'])"
check "the leaked object is reported as kind kmemleak" test "$(kind kmemleak)" -ge 1
# Its hex dump shows the text the module wrote into it.
check "one kmemleak report is the trigger's object (hex dump 'vtd-selftest-leak')" \
  grep -q 'vtd-selftest-lea' "$T/console"
check "nothing else reported (the trigger's WARNING and leak only)" \
  rec "r['kernel_splats'] == {'WARNING': 1, 'kmemleak': 1}"
done_testing
