#!/usr/bin/env bash
# Coverage-guided fuzzing of the VT-d model, the short run of make check
# (docs/fuzzing.md): the fuzzing build (scripts/build-fuzz.sh, cached), the
# committed seeds reach what they are named for, about a minute of fuzzing of
# every configuration ends with no finding, and a finding is reported.
#   VTD_FUZZ_BUILD=DIR    use this fuzzing build; VTD_FUZZ_SECONDS (default 60)
. "$(dirname "$0")/../lib/tap.sh"
T=$(mktemp -d); trap 'rm -rf "$T"' EXIT
FZ=$TOP/tests/fuzz
# shellcheck source=tests/fuzz/configs.sh
. "$FZ/configs.sh"

build() { B=${VTD_FUZZ_BUILD:-$("$TOP/scripts/build-fuzz.sh" 2>"$T/build.err")} &&
  [ -x "$B/qemu-fuzz-x86_64" ] || { diag "scripts/build-fuzz.sh failed:"; sed 's/^/#   /' "$T/build.err"; return 1; }; }
check "the fuzzing build (clang, libFuzzer, ASan, UBSan) exists" build || { done_testing; exit; }

fresh_seeds() { python3 "$FZ/vtd_seeds.py" "$T/seeds" && diff -r "$T/seeds" "$FZ/corpus" | sed 's/^/# /' &&
  diff -rq "$T/seeds" "$FZ/corpus" >/dev/null; }
check "the committed corpus is what tests/fuzz/vtd_seeds.py writes" fresh_seeds

# Replay one seed with the qtest log on: each DMA fill generic-fuzz makes is
# logged as "[DMA] ... write ADDR". A fill at an address means the model (or
# edu, through the IOMMU) read it: the queue at 0x100000, the data page at
# 0x500000 only when root, context (and PASID) entries and three page-table
# levels were walked, the IRTE at 0x600000 when an MSI was remapped.
reaches() { # config seed hexaddr what
  local c=$1 s=$2 a=$3
  fuzz_config "$c" && QTEST_LOG=1 "$B/qemu-fuzz-x86_64" --fuzz-target=generic-fuzz \
    "$FZ/corpus/$FUZZ_SEEDS/$s" >"$T/replay.log" 2>&1 ||
    { diag "replay of $s failed:"; tail -5 "$T/replay.log" | sed 's/^/#   /'; return 1; }
  grep -q "^\[DMA\].* write $a " "$T/replay.log" ||
    { diag "$s: no DMA fill at $a ($4); fills seen:"; grep '^\[DMA\]' "$T/replay.log" | awk '{print "#   " $4, $5}' | head -8; return 1; }
}
for s in qi-wait qi-cc qi-iotlb qi-devtlb qi-iec qi-wait-irq qi-full-batch; do
  check "legacy seed $s: the IOMMU reads its queue" reaches vtd "$s" 0x100000 "queue"
done
for s in translate-read translate-then-invalidate translate-dma-irq; do
  check "legacy seed $s: edu's DMA is translated to the data page" reaches vtd "$s" 0x500000 "data page"
done
check "caching-mode: translate-read translates too" reaches vtd-cm translate-read 0x500000 "data page"
check "legacy seed intremap-msi: edu's MSI is remapped through IRTE 0" reaches vtd intremap-msi 0x600000 "IRTE"
for s in sm-qi-wait sm-qi-pasid sm-qi-legacy-types; do
  check "scalable seed $s: the IOMMU reads its 256-bit queue" reaches vtd-sm "$s" 0x100000 "queue"
done
check "scalable seed sm-translate-read: translated through the PASID entry" reaches vtd-sm sm-translate-read 0x500000 "data page"
check "scalable seed sm-intremap-msi: the MSI is remapped" reaches vtd-sm sm-intremap-msi 0x600000 "IRTE"

# The short run: every configuration, VTD_FUZZ_SECONDS in all.
secs=${VTD_FUZZ_SECONDS:-60}
short_run() {
  "$FZ/vtd-fuzz" --build "$B" --seconds "$secs" --out "$T/run" >"$T/run.out" 2>&1; local rc=$?
  sed 's/^/# /' "$T/run.out"
  [ $rc -eq 0 ] && grep -q "^fuzz total: [1-9][0-9]* execs, findings 0$" "$T/run.out" &&
    [ "$(grep -c '^fuzz vtd[a-z-]*: [1-9][0-9]* execs' "$T/run.out")" -eq 3 ]
}
check "$secs s of fuzzing over vtd, vtd-cm, vtd-sm: every one runs, no finding" short_run

# The seeds start the fuzzer past the trivial paths: replaying them covers
# more than replaying one empty input.
inited() { fuzz_config vtd && "$B/qemu-fuzz-x86_64" --fuzz-target=generic-fuzz -runs=0 "$@" 2>&1 |
  sed -n 's/.*INITED cov: \([0-9]*\).*/\1/p' | tail -1; }
more_cov() { mkdir -p "$T/empty" && : >"$T/empty/e" && local a b
  a=$(inited "$FZ/corpus/legacy") b=$(inited "$T/empty")
  diag "initial coverage: seeds $a, one empty input $b"; [ -n "$a" ] && [ -n "$b" ] && [ "$a" -gt "$b" ]; }
check "the seed corpus covers more than an empty input" more_cov

# A finding is reported: a malloc limit of 1 MB makes libFuzzer stop on the
# first large allocation of an input and save it, as it saves a crash.
finding() {
  "$FZ/vtd-fuzz" --build "$B" --seconds 10 --configs vtd --out "$T/find" -- -malloc_limit_mb=1 >"$T/find.out" 2>&1; local rc=$?
  sed 's/^/# /' "$T/find.out"
  [ $rc -eq 1 ] && grep -q "^fuzz total: .*, findings [1-9]" "$T/find.out"
}
check "a finding is saved, counted and fails the run" finding
done_testing
