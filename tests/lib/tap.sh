# Minimal TAP producer for shell tests; source it.
#   check "description" command...   -> ok/not ok, runs the command; returns
#                                       its verdict, so "check ... || continue"
#                                       and "if check ...; then" work
#   skip "description" "reason"      -> ok N - description # SKIP reason
#   skip_all "reason"                -> 1..0 # SKIP reason, and exit 0
#   done_testing                     -> trailing plan, exit 1 if any failed
#
# How tests/run-tests judges a program (qtests the same way):
# - it must print a plan (1..N) and run exactly N tests; a program that stops
#   early, prints no plan or two plans fails;
# - it must exit 0 unless a test failed; a program that was not built, is not
#   executable, or runs past its time limit fails;
# - a skip (ok # SKIP, not ok # TODO, or a whole-program 1..0 # SKIP) counts
#   as a failure unless the test declares that it may happen: the reason then
#   starts with "allowed:", e.g. skip "as nobody" "allowed: no setpriv".
#   Declare only what the host may legitimately lack; a testbed part that is
#   missing or broken (a kernel without the counters) is a failure.
TAP_N=0 TAP_FAILED=0
echo "TAP version 13"
check() {
  local desc=$1; shift
  TAP_N=$((TAP_N + 1))
  if "$@"; then echo "ok $TAP_N - $desc"; return 0; fi
  echo "not ok $TAP_N - $desc"; TAP_FAILED=$((TAP_FAILED + 1)); return 1
}
skip() { TAP_N=$((TAP_N + 1)); echo "ok $TAP_N - $1 # SKIP $2"; }
skip_all() { [ "$TAP_N" -eq 0 ] || { echo "Bail out! skip_all after $TAP_N tests"; exit 1; }
  echo "1..0 # SKIP $1"; exit 0; }
diag() { echo "# $*"; }
done_testing() { echo "1..$TAP_N"; [ "$TAP_FAILED" -eq 0 ]; }

TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
VTD_RUN=$TOP/scripts/vtd-run
# jq-free JSON field access: jget FILE python-expression-on-r
jget() { python3 -c "import json,sys; r=json.load(open(sys.argv[1])); print($2)" "$1"; }
