#!/usr/bin/env bash
# tests/run-tests cannot lose a test: fake test programs, one case each beside
# a good one, in a temporary test directory (VTD_TESTS, VTD_QBUILD).
# KEEP=DIR keeps the cases (programs, logs, run-tests output) in DIR for reading.
. "$(dirname "$0")/../lib/tap.sh"
T=${KEEP:-$(mktemp -d)}; [ -n "${KEEP:-}" ] || trap 'rm -rf "$T"' EXIT
TAP_SH=$TOP/tests/lib/tap.sh

# A case: a test directory with host/test-good.sh (1 test, passes) and the
# programs the case adds.
newcase() { # name
  C=$T/$1; mkdir -p "$C/tests/host" "$C/tests/guest" "$C/tests/qtest" "$C/qbuild/tests/qtest"
  prog host/test-good.sh ". '$TAP_SH'; check 'true' true; done_testing"
}
prog() { # path-under-tests body  (executable shell script)
  printf '#!/usr/bin/env bash\n%s\n' "$2" >"$C/tests/$1"; chmod +x "$C/tests/$1"
}
# run-tests on the case; its exit code and closing line must be as given,
# and its output must match every further regex.
harness() { # exit-code "closing line" [regex...] (filter in $FILTER)
  local code=$1 last=$2 re; shift 2
  VTD_TESTS=$C/tests VTD_QBUILD=$C/qbuild VTD_TEST_LOGS=$C/logs \
    timeout 120 "$TOP/tests/run-tests" "${FILTER:-host/}" >"$C/out" 2>&1
  local rc=$?
  local ok=1
  [ "$rc" -eq "$code" ] || ok=0
  [ "$(tail -1 "$C/out")" = "$last" ] || ok=0
  for re in "$@"; do grep -qE -- "$re" "$C/out" || ok=0; done
  [ "$ok" -eq 1 ] && return 0
  diag "run-tests exited $rc (want $code), want last line '$last' and /$*/; output:"
  sed 's/^/#   /' "$C/out" | tail -15
  return 1
}

newcase good
check "a good program passes: 1 passed, exit 0" harness 0 "1 passed, 0 failed, 0 skipped"

newcase noplan
prog host/test-noplan.sh 'echo "ok 1 - a"; echo "ok 2 - b"'
check "no plan fails" harness 1 "3 passed, 1 failed, 0 skipped" "not ok - host/test-noplan.sh: no TAP plan"

newcase shortplan
prog host/test-short.sh 'echo 1..3; echo "ok 1 - a"; echo "ok 2 - b"'
check "a program that stops before its plan's end fails" harness 1 "3 passed, 1 failed, 0 skipped" \
  "not ok - host/test-short.sh: planned 3 tests, ran 2"

newcase stopped
prog host/test-stopped.sh ". '$TAP_SH'; check a true; check b true; exit 0"
check "a tap.sh program that exits before done_testing fails" harness 1 "3 passed, 1 failed, 0 skipped" \
  "test-stopped.sh: no TAP plan"

newcase twoplans
prog host/test-twoplans.sh 'echo 1..1; echo "ok 1 - a"; echo 1..1'
check "two plans fail" harness 1 "2 passed, 1 failed, 0 skipped" "More than one plan"

newcase sequence
prog host/test-seq.sh 'echo 1..2; echo "ok 1 - a"; echo "ok 3 - b"'
check "tests out of sequence fail" harness 1 "3 passed, 1 failed, 0 skipped" "out of sequence"

newcase notok
prog host/test-notok.sh ". '$TAP_SH'; check a true; check b false; done_testing"
check "a failed test fails, once" harness 1 "2 passed, 1 failed, 0 skipped" "^  not ok 2 - b"

newcase diag
prog host/test-diag.sh ". '$TAP_SH'; why() { diag 'got 3, want 4'; return 1; }; check 'sum' why; done_testing"
check "a failed check's own diagnostics are shown after it" harness 1 "1 passed, 1 failed, 0 skipped" \
  "^  not ok 1 - sum\$" "^  # got 3, want 4\$"

newcase exitcode
prog host/test-exit.sh 'echo 1..1; echo "ok 1 - a"; exit 3'
check "non-zero exit with every test ok fails" harness 1 "2 passed, 1 failed, 0 skipped" \
  "test-exit.sh: exited 3 although no test failed"

newcase bailout
prog host/test-bail.sh 'echo 1..2; echo "ok 1 - a"; echo "Bail out! no disk"'
check "Bail out! fails" harness 1 "2 passed, 1 failed, 0 skipped" "bailed out: no disk"

newcase nonexec
prog host/test-nonexec.sh 'echo 1..1; echo "ok 1 - a"'; chmod -x "$C/tests/host/test-nonexec.sh"
check "a non-executable program fails" harness 1 "1 passed, 1 failed, 0 skipped" \
  "test-nonexec.sh is not executable"

newcase dangling
ln -s "$C/nowhere.sh" "$C/tests/host/test-gone.sh"
check "a program whose link leads nowhere fails" harness 1 "1 passed, 1 failed, 0 skipped" \
  "test-gone.sh not found"

newcase skipall
prog host/test-skipall.sh ". '$TAP_SH'; skip_all 'kernel built without the counters'"
check "an undeclared whole-program skip fails" harness 1 "1 passed, 1 failed, 0 skipped" \
  "whole program skipped without 'allowed:'"

newcase skipall-ok
prog host/test-skipall.sh ". '$TAP_SH'; skip_all 'allowed: host has no setpriv'"
check "a declared whole-program skip counts as one skip" harness 0 "1 passed, 0 failed, 1 skipped" \
  "SKIP allowed: host has no setpriv"

newcase skip
prog host/test-skip.sh ". '$TAP_SH'; check a true; skip b 'kernel built without the counters'; done_testing"
check "an undeclared skip fails" harness 1 "2 passed, 1 failed, 0 skipped" "undeclared skip"

newcase skip-ok
prog host/test-skip.sh ". '$TAP_SH'; check a true; skip b 'allowed: no nobody user'; done_testing"
check "a declared skip counts as a skip" harness 0 "2 passed, 0 failed, 1 skipped"

newcase todo
prog host/test-todo.sh 'echo 1..1; echo "not ok 1 - a # TODO later"'
check "an undeclared TODO failure fails" harness 1 "1 passed, 1 failed, 0 skipped" "undeclared skip"

newcase timeout
prog host/test-slow.sh 'echo 1..1; sleep 60; echo "ok 1 - a"'
quick() { local start=$SECONDS; "$@" && [ $((SECONDS - start)) -lt 30 ]; }
VTD_TEST_TIMEOUT=2 check "a program past its time limit is stopped within 30 s and fails" \
  quick harness 1 "1 passed, 1 failed, 0 skipped" "test-slow.sh: timed out after 2s"

newcase noise
prog host/test-noise.sh 'echo "warning: on stderr first" >&2; echo "TAP version 13"; echo "ok 1 - a"; echo 1..1'
check "stderr before 'TAP version 13' does not upset the parser" harness 0 "2 passed, 0 failed, 0 skipped"

# qtests: expected are upstream's intel-iommu-test (as written, and again
# with our options on) and one per vtd-*-test.c.
newcase qtest
printf '#!/bin/sh\n[ "$1" = --tap ] || exit 9\necho "TAP version 13"; echo 1..1; echo "ok 1 /x86_64/fake"\n' \
  >"$C/qbuild/tests/qtest/intel-iommu-test"
cp "$C/qbuild/tests/qtest/intel-iommu-test" "$C/qbuild/tests/qtest/vtd-built-test"
chmod +x "$C"/qbuild/tests/qtest/*
touch "$C/tests/qtest/vtd-built-test.c" "$C/tests/qtest/vtd-lost-test.c"
FILTER=qtest/ check "a qtest with a source but no binary fails; built ones run with --tap" \
  harness 1 "3 passed, 1 failed, 0 skipped" \
  "qtest/vtd-lost-test: .*/vtd-lost-test not found \(not built\?\)" "^=== qtest/vtd-built-test" \
  "^=== qtest/intel-iommu-test\+our-options"

# tap.sh's rule for run records: a field read that finds nothing fails the
# check by name, though the read is in "$(...)" where the shell drops its
# status and '"" = ""' would pass; so does a record that did not load.
newcase missing-field
prog host/test-field.sh ". '$TAP_SH'; declare -A R=([scheme]=strict)
check 'scheme read' test \"\$(rv R scheme)\" = strict
check 'two missing fields compare equal' test \"\$(rv R result.wait)\" = \"\$(rv R result.qi)\"
u=\$(rv R result.unmaps)
check 'a missing field read before the check' test \$((u + 0)) = 0
load_record L /nonexistent/r.json
check 'an unchecked load, then a field of it' test \"\$(rv L scheme)\" = ''
check 'a field that is no integer, in arithmetic (rn)' test \$(( \$(rn R scheme) + 1 )) = 1
check 'the next check is clean' true
late=\$(rv R result.late)
done_testing"
check "a missing run-record field fails the check reading it, by name" \
  harness 1 "3 passed, 5 failed, 0 skipped" \
  "^  ok 1 - scheme read\$" \
  "^  not ok 2 - two missing fields compare equal\$" "^  # missing: rv: R has no field result.wait\$" \
  "^  # missing: rv: R has no field result.qi\$" \
  "^  not ok 3 - a missing field read before the check\$" "^  # missing: rv: R has no field result.unmaps\$" \
  "^  not ok 4 - an unchecked load, then a field of it\$" "^  # missing: load_record L /nonexistent/r.json: .*No such file" \
  "^  # missing: rv: no record loaded into L \(field scheme\)\$" \
  "^  not ok 5 - a field that is no integer, in arithmetic \(rn\)\$" "^  # missing: rn: R field scheme is 'strict', no integer\$" \
  "^  ok 6 - the next check is clean\$" \
  "^  not ok 7 - every field read after the last check was there\$" "^  # missing: rv: R has no field result.late\$"

newcase nomatch
FILTER=nosuchtest check "a pattern that matches no program fails" harness 1 \
  "run-tests: no test program matches 'nosuchtest'"
done_testing
