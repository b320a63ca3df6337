# Minimal TAP producer for shell tests; source it.
#   check "description" command...   -> ok/not ok, runs the command; returns
#                                       its verdict, so "check ... || continue"
#                                       and "if check ...; then" work
#   skip "description" "reason"      -> ok N - description # SKIP reason
#   skip_all "reason"                -> 1..0 # SKIP reason, and exit 0
#   done_testing                     -> trailing plan, exit 1 if any failed
#   rv VAR FIELD                     -> a run record's field (load_record);
#                                       one that is missing fails the next
#                                       check by name (the rule, see rv)
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
# Field reads that found nothing since the last check (see rv below).
_tap_m=$(mktemp) && exec {_tap_fd}>>"$_tap_m" && rm -f "$_tap_m" ||
  { echo "Bail out! tap.sh: cannot make the missing-field file"; exit 1; }
TAP_MISSING=/proc/$$/fd/$_tap_fd; unset _tap_m
# What the command prints (its diagnostics) follows the test line, where TAP
# and tests/run-tests look for a failed test's reasons.
check() {
  local desc=$1 out verdict=0; shift
  TAP_N=$((TAP_N + 1))
  out=$(mktemp) || { echo "Bail out! check: mktemp failed"; exit 1; }
  "$@" >"$out" || verdict=1
  # A field read that found nothing (rv, load_record; below) since the last
  # check, in its arguments or in its command, fails it by name.
  if [ -s "$TAP_MISSING" ]; then
    verdict=1; sed 's/^/# missing: /' "$TAP_MISSING" >>"$out"; : >"$TAP_MISSING"
  fi
  if [ $verdict -eq 0 ]; then echo "ok $TAP_N - $desc"
  else echo "not ok $TAP_N - $desc"; TAP_FAILED=$((TAP_FAILED + 1)); fi
  cat "$out"; rm -f "$out"
  return $verdict
}
skip() { TAP_N=$((TAP_N + 1)); echo "ok $TAP_N - $1 # SKIP $2"; }
skip_all() { [ "$TAP_N" -eq 0 ] || { echo "Bail out! skip_all after $TAP_N tests"; exit 1; }
  echo "1..0 # SKIP $1"; exit 0; }
diag() { echo "# $*"; }
# diag_file FILE: a file as diagnostics, whole (vtd-run's errors are short and
# a crash's report head comes before the console tail).
diag_file() { sed 's/^/#   /' "$1"; }
done_testing() {
  if [ -s "$TAP_MISSING" ]; then   # read after the last check: fails on its own
    TAP_N=$((TAP_N + 1)) TAP_FAILED=$((TAP_FAILED + 1))
    echo "not ok $TAP_N - every field read after the last check was there"
    sed 's/^/# missing: /' "$TAP_MISSING"; : >"$TAP_MISSING"
  fi
  echo "1..$TAP_N"; [ "$TAP_FAILED" -eq 0 ]
}

TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
VTD_RUN=$TOP/scripts/vtd-run
# is GOT WANT: the two strings equal, or a diagnostic naming both.
is() { [ "$1" = "$2" ] || { diag "got '$1', want '$2'"; return 1; }; }
# agree RECORD: guest-counted = device-counted descriptors of every type
# (scripts/vtd-compare); the comparison table as diagnostics if not.
agree() { "$TOP/scripts/vtd-compare" "$1" >"$1.cmp" || { sed 's/^/# /' "$1.cmp"; return 1; }; }
# Python with scripts/ on its path (the host package, scripts/vtdlib), writing no bytecode.
vtdpy() { PYTHONDONTWRITEBYTECODE=1 PYTHONPATH="$TOP/scripts${PYTHONPATH:+:$PYTHONPATH}" python3 "$@"; }

# Run records (scripts/vtdlib/record.py), each read once, by one Python:
#   load_record VAR FILE  FILE through the record type into the associative
#                         array VAR: every field by its dotted path, e.g.
#                         result.guest_counters.unmaps,
#                         device_counters.qi.iotlb.page; dicts and lists
#                         also whole, as Python prints them; True/False/None.
#                         A file that is no record fails, with the cause.
#   rv VAR PATH           one field of a loaded record, printed
#   rn VAR PATH           one integer field (see rn below)
#   rd VAR PATH           a field for diagnostics and descriptions, "-" if
#                         missing; never in a verdict
#   has VAR PATH          whether the field is there (no output, no failure):
#                         only for a field that may legitimately be absent
# The rule: tests read fields only with rv (or helpers built on it), never as
# ${VAR[PATH]}. A field that is not there, or a record that did not load,
# cannot turn into an empty string or a 0: rv and load_record name it in
# $TAP_MISSING, and the next check fails with that name even where the shell
# drops the failure (rv in "$(...)", in a check's arguments, in a variable
# set before the check, in a helper the check runs). A read that no check
# follows fails in done_testing. $TAP_MISSING is a file whose name is
# already gone (opened, then unlinked: nothing to clean up), reached through
# the main shell's /proc/$$/fd, which subshells share.
# Other JSON (a load generator's output, a failed point): jget FILE EXPR
# evaluates a Python expression on the object r.
jget() { python3 -c "import json,sys; r=json.load(open(sys.argv[1])); print($2)" "$1"; }
load_record() {
  declare -gA "$1"
  local -n _rec=$1
  local k v err
  _rec=()
  err=$(mktemp) || { echo "Bail out! load_record: mktemp failed"; exit 1; }
  while IFS= read -r -d '' k && IFS= read -r -d '' v; do _rec[$k]=$v; done < <(vtdpy -c '
import sys
from vtdlib import record
try:
    r = record.load(sys.argv[1])
except record.RecordError as e:
    sys.exit(f"{e}")
sys.stdout.write("".join(f"{k}\0{v}\0" for k, v in record.flatten(r.to_dict())))' "$2" 2>"$err")
  if wait $! && [ ${#_rec[@]} -gt 0 ]; then rm -f "$err"; return 0; fi
  # No half record: VAR is gone, so every read of it fails too.
  echo "load_record $1 $2: $(tr '\n' ' ' <"$err")" >>"$TAP_MISSING"; rm -f "$err"
  unset -n _rec; unset "$1"
  return 1
}
rv() {
  if [[ $(declare -p "$1" 2>/dev/null) != "declare -A"* ]]; then
    echo "rv: no record loaded into $1 (field $2)" >>"$TAP_MISSING"; return 1
  fi
  local -n _rec=$1
  [ -n "${_rec[$2]+set}" ] || { echo "rv: $1 has no field $2" >>"$TAP_MISSING"; return 1; }
  printf '%s\n' "${_rec[$2]}"
}
# rn VAR PATH: an integer field (decimal or 0x hex, printed as read). One
# that is missing or no integer is named like rv's, and reads as 0 so that
# arithmetic around it ($(( $(rn ...) + 1 ))) still runs the check, which
# then fails by the rule; the 0 never decides a verdict.
rn() {
  local v
  v=$(rv "$1" "$2") || { echo 0; return 1; }
  [[ $v =~ ^(-?[0-9]+|0x[0-9a-fA-F]+)$ ]] ||
    { echo "rn: $1 field $2 is '$v', no integer" >>"$TAP_MISSING"; echo 0; return 1; }
  printf '%s\n' "$v"
}
# rd VAR PATH: a field for a diagnostic or a description, "-" when it is
# missing; it fails nothing, so it must never decide a verdict.
rd() { if has "$1" "$2"; then rv "$1" "$2"; else echo -; fi; }
has() {
  [[ $(declare -p "$1" 2>/dev/null) == "declare -A"* ]] || return 1
  local -n _rec=$1
  [ -n "${_rec[$2]+set}" ]
}
