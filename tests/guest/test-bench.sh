#!/usr/bin/env bash
# The bench harness end to end on a tiny experiment: raw records, CSV, report,
# resumption that reruns only what is missing, and clear errors on bad input.
. "$(dirname "$0")/../lib/tap.sh"
T=$(mktemp -d); trap 'rm -rf "$T"' EXIT
BENCH=$TOP/scripts/vtd-bench
cat >"$T/tiny.ini" <<'INI'
[tiny]
job = dmabench
modes = strict lazy
threads = 1
params = seconds=1
repetitions = 1
timeout = 120
INI

check "tiny experiment runs" "$BENCH" "$T/tiny.ini" --out "$T/run" 2>"$T/log"
check "one raw record per point" test "$(ls "$T"/run/raw/*.json | wc -l)" -eq 2
check "CSV holds both modes" bash -c "cut -d, -f2 '$T/run/dmabench.csv' | sort | tr '\n' ' ' | grep -qx 'lazy mode strict '"
check "report.md has the table" grep -q '| 2 | 1 | strict |' "$T/run/report.md"
rm "$T/run/raw/tiny-lazy-c2-t1-r1.json"
# The output into a file, then grep: 'grep -q' on a pipe stops reading at its
# match, and the bench, still writing, died of SIGPIPE before the point ran.
check "resume reruns only the missing point" bash -c \
  "'$BENCH' --resume '$T/run' >'$T/resume.out' 2>&1; grep -q 'resuming: 1 of 2 points already done' '$T/resume.out'"
check "resumed point is back" test -f "$T/run/raw/tiny-lazy-c2-t1-r1.json" ||
  diag_file "$T/resume.out"
printf '[x]\nmodez = strict\n' >"$T/bad.ini"
check "unknown key in an experiment is named" bash -c \
  "'$BENCH' '$T/bad.ini' --out '$T/bad' 2>&1 | grep -q \"unknown key(s) modez\""
check "missing experiment file is named" bash -c \
  "'$BENCH' '$T/none.ini' 2>&1 | grep -q 'none.ini not found'"
check "a second run into the same directory is refused" bash -c \
  "'$BENCH' '$T/tiny.ini' --out '$T/run' 2>&1 | grep -q 'already holds a run; use --resume'"

# A failed point says which part failed and what it printed, and leaves
# raw/<point>.failed; a stand-in QEMU that refuses its command line.
printf '#!/bin/sh\necho "qemu-system-x86_64: -device nosuch: not a valid device model name"\nexit 1\n' >"$T/badqemu"
chmod +x "$T/badqemu"
cat >"$T/fails.ini" <<INI
[fails]
job = info
modes = strict
runner = --qemu $T/badqemu --kernel /dev/null --initrd /dev/null
INI
"$BENCH" "$T/fails.ini" --out "$T/fails" >/dev/null 2>"$T/fails.log"
check "a failed point names the part (QEMU) and its message on the bench's output" bash -c \
  "grep -qF 'failed: [QEMU] guest ended without a result (QEMU exit 1)' '$T/fails.log' &&
   grep -qF '| qemu-system-x86_64: -device nosuch: not a valid device model name' '$T/fails.log'"
check "... and in raw/<point>.failed" \
  jget "$T/fails/raw/fails-strict-c2-t1-r1.failed" "(r['part'] == 'QEMU' and 'nosuch' in r['tail'][-1]) or sys.exit(1)"
done_testing
