# Minimal TAP producer for shell tests; source it.
#   check "description" command...   -> ok/not ok, runs the command
#   skip "description" "reason"
#   done_testing                     -> trailing plan, exit 1 if any failed
TAP_N=0 TAP_FAILED=0
echo "TAP version 13"
check() {
  local desc=$1; shift
  TAP_N=$((TAP_N + 1))
  if "$@"; then echo "ok $TAP_N - $desc"
  else echo "not ok $TAP_N - $desc"; TAP_FAILED=$((TAP_FAILED + 1)); fi
}
skip() { TAP_N=$((TAP_N + 1)); echo "ok $TAP_N - $1 # SKIP $2"; }
diag() { echo "# $*"; }
done_testing() { echo "1..$TAP_N"; [ "$TAP_FAILED" -eq 0 ]; }

TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
VTD_RUN=$TOP/scripts/vtd-run
# jq-free JSON field access: jget FILE python-expression-on-r
jget() { python3 -c "import json,sys; r=json.load(open(sys.argv[1])); print($2)" "$1"; }
