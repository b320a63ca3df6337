#!/usr/bin/env bash
# scripts/qemu-series.sh without building QEMU: which files of ours each
# patch brings (each patch must build alone, so a unit comes with the
# patch that first names it, and a file no patch names is an error), and
# the rule by which a checkpatch.pl report fails the export. The export
# and the per-commit build (qemu-series.sh check) run before posting
# (docs/upstream.md, "Posting the QEMU series"): too long for make check.
. "$(dirname "$0")/../lib/tap.sh"
T=$(mktemp -d); trap 'rm -rf "$T"' EXIT
S=$TOP/scripts/qemu-series.sh

"$S" files >"$T/plan" 2>"$T/err"; rc=$?
brings() { # PATCH-NUMBER FILE: FILE comes with that patch
  awk -v n="$1" -v f="$2" 'substr($1, 1, 4) == n { for (i = 2; i <= NF; i++) if ($i == f) ok = 1 } END { exit !ok }' "$T/plan" ||
    { diag "$2 is not brought by patch $1:"; diag_file "$T/plan"; return 1; }
}
check "every file of ours is brought by a patch" is "$rc $(cat "$T/err")" "0 "
first_naming() {
  brings 0005 hw/i386/vtd-stats.c && brings 0005 tests/qtest/vtd-qtest-stats.c &&
    brings 0007 hw/i386/vtd-audit.c && brings 0002 tests/qtest/vtd-fuzz-regsize-test.c
}
check "the accounting patch brings the front end, the audit patch the audit" first_naming
# A unit the accounting patch would need from a later one would not build there.
early_includes() {
  local f bad=0
  for f in $(awk 'substr($1, 1, 4) <= "0005" { $1 = ""; print }' "$T/plan"); do
    if grep -n '#include "vtd-\(audit\|qi-cost\|hostile\)\.h"' "$TOP/$f"; then
      diag "$f (brought by 0005 or earlier) includes a later unit"; bad=1
    fi
  done
  return $bad
}
check "no file of the first five patches includes a later unit" early_includes

# A copy of what the script reads, with one file no patch names.
mkdir -p "$T/top"
cp -a "$TOP/scripts" "$TOP/qemu-patches" "$TOP/configs" "$T/top/"
mkdir -p "$T/top/hw" "$T/top/tests"
cp -a "$TOP/hw/i386" "$T/top/hw/" && cp -a "$TOP/tests/qtest" "$T/top/tests/"
echo '/* orphan */' >"$T/top/hw/i386/vtd-orphan.c"
orphan() { ! "$T/top/scripts/qemu-series.sh" files >/dev/null 2>"$T/err" && grep -q 'vtd-orphan.c is named by no patch' "$T/err" ||
  { diag_file "$T/err"; return 1; }; }
check "a file of ours that no patch names is an error, by name" orphan

report() { printf '%s\n' "$@" >"$T/report"; "$S" checkpatch-errors "$T/report" 2>"$T/err"; }
macro='ERROR: Macros with complex values should be enclosed in parenthesis
#1171: FILE: hw/i386/vtd-qi-cost.h:70:
+#define VTD_QI_COST_PROPERTIES                                          \'
other='ERROR: trailing statements should be on next line
#157: FILE: tests/qtest/vtd-fuzz-regsize-test.c:57:
+    case 1: qtest_writeb(qts, IOMMU_BASE + off, v); break;'
warn='WARNING: added, moved or deleted file(s):'
total='total: 1 errors, 1 warnings, 264 lines checked'
check "checkpatch: a property-list macro's error and warnings pass" report "$macro" "" "$warn" "" "$total"
other_fails() { ! report "$other" "" "$total" && grep -q 'trailing statements' "$T/err"; }
check "checkpatch: any other error fails, and is printed" other_fails
unfinished_fails() { ! report "$warn"; }
check "checkpatch: a report without its total line (checkpatch did not finish) fails" unfinished_fails
done_testing
