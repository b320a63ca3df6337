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

# Replay one seed alone with the qtest log and two trace events on. generic-
# fuzz logs each guest-memory fill it makes as "write ADDR LEN DATA": a fill
# at the queue (0x100000) means the model read the queue. A translation of
# edu's IOVA 0x1000 to the data page 0x500000 needs root, context (scalable:
# PASID directory and entry) and three page-table levels from the patterns;
# a remapped MSI with vector 0x30 (data 0x4030) needs IRTE 0; the audit
# (x-audit=on) reports a second DMA served from the IOTLB after the input's
# new patterns remapped or unmapped the IOVA.
RQ='write 0x100000 0x[12]0 '
RT='vtd_dmar_translate dev 00:04.00 iova 0x1000 -> gpa 0x500000 '
RI='vtd_ir_remap_msi .* -> \(addr 0xfee00000, data 0x4030\)'
reaches() { # config seed regex what
  fuzz_config "$1" && QTEST_LOG=1 FUZZ_SERIALIZE_QTEST=1 \
    QEMU_FUZZ_ARGS="$QEMU_FUZZ_ARGS -trace enable=vtd_dmar_translate -trace enable=vtd_ir_remap_msi -trace enable=vtd_audit_stale" \
    "$B/qemu-fuzz-x86_64" --fuzz-target=generic-fuzz "$FZ/corpus/$FUZZ_SEEDS/$2" >"$T/replay.log" 2>&1 ||
    { diag "replay of $2 failed:"; grep -v g_timer "$T/replay.log" | tail -5 | sed 's/^/#   /'; return 1; }
  grep -Eq "$3" "$T/replay.log" ||
    { diag "$2 ($1): no '$3' ($4); fills and events seen:"
      grep -E '\] write 0x|^vtd_' "$T/replay.log" | sed 's/^.*\] //' | cut -c1-60 | head -8 | sed 's/^/#   /'; return 1; }
}
for s in qi-wait qi-cc qi-iotlb qi-devtlb qi-iec qi-wait-irq qi-full-batch qi-invalid qi-pasid-in-legacy; do
  check "legacy seed $s: the IOMMU reads its queue" reaches vtd "$s" "$RQ" "queue"
done
for s in translate-read translate-then-invalidate translate-dma-irq; do
  check "legacy seed $s: edu's DMA is translated to the data page" reaches vtd "$s" "$RT" "translation"
done
check "caching mode: translate-read translates too" reaches vtd-cm translate-read "$RT" "translation"
check "legacy seed audit-changed: the audit reports the IOTLB hit as changed" \
  reaches vtd audit-changed 'vtd_audit_stale domain 5 iova 0x1000 write 0 changed: cached 0x500000 now 0x501000 ' "audit"
check "legacy seed audit-gone: the audit reports the IOTLB hit as gone" \
  reaches vtd audit-gone 'vtd_audit_stale domain 5 iova 0x1000 write 0 gone: cached 0x500000 now 0x0 ' "audit"
check "legacy seed intremap-msi: edu's MSI is remapped through IRTE 0" reaches vtd intremap-msi "$RI" "IRTE"
for s in sm-qi-wait sm-qi-pasid sm-qi-legacy-types; do
  check "scalable seed $s: the IOMMU reads its 256-bit queue" reaches vtd-sm "$s" "$RQ" "queue"
done
check "scalable seed sm-translate-read: translated through the PASID entry" reaches vtd-sm sm-translate-read "$RT" "translation"
check "scalable seed sm-intremap-msi: the MSI is remapped" reaches vtd-sm sm-intremap-msi "$RI" "IRTE"

# Upstream's format (qemu-patches/0001: generic_fuzz_configs.h entries with
# upstream's options only): each target boots and the committed seeds drive
# it as they drive ours (same device layout).
upstream_reaches() { # target seed-dir seed
  QTEST_LOG=1 FUZZ_SERIALIZE_QTEST=1 "$B/qemu-fuzz-x86_64" --fuzz-target="generic-fuzz-$1" \
    "$FZ/corpus/$2/$3" >"$T/up.log" 2>&1 ||
    { diag "generic-fuzz-$1 on $3 failed:"; grep -v g_timer "$T/up.log" | tail -5 | sed 's/^/#   /'; return 1; }
  grep -Eq "$RQ" "$T/up.log" || { diag "generic-fuzz-$1: $3 did not make the IOMMU read its queue"; return 1; }
}
check "upstream-format target generic-fuzz-intel-iommu runs the legacy seeds" upstream_reaches intel-iommu legacy qi-iotlb
check "upstream-format target generic-fuzz-intel-iommu-cm runs the legacy seeds" upstream_reaches intel-iommu-cm legacy qi-iotlb
check "upstream-format target generic-fuzz-intel-iommu-sm runs the scalable seeds" upstream_reaches intel-iommu-sm scalable sm-qi-pasid

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
inited_cfg() { "$B/qemu-fuzz-x86_64" --fuzz-target=generic-fuzz -runs=0 "$@" 2>&1 |
  sed -n 's/.*INITED cov: \([0-9]*\).*/\1/p' | tail -1; }
inited() { fuzz_config vtd && inited_cfg "$@"; }
more_cov() { mkdir -p "$T/empty" && : >"$T/empty/e" && local a b
  a=$(inited "$FZ/corpus/legacy") b=$(inited "$T/empty")
  diag "initial coverage: seeds $a, one empty input $b"; [ -n "$a" ] && [ -n "$b" ] && [ "$a" -gt "$b" ]; }
check "the seed corpus covers more than an empty input" more_cov

# The committed minimal corpus (vtd-fuzz --minimize) starts a run past what
# the seeds alone reach: by more than 10 %, because a replay's coverage
# varies (inputs see the device state the ones before left): the seeds alone
# gave 3381-3522 edges, the seeds given twice 4 % more than once; the corpus
# of a 450 s run gave 17-26 % more.
min_cov() { local c a b
  for c in $FUZZ_CONFIGS; do
    [ -d "$FZ/min/$c" ] || { diag "no tests/fuzz/min/$c"; return 1; }
    fuzz_config "$c"; a=$(inited_cfg "$FZ/min/$c" "$FZ/corpus/$FUZZ_SEEDS") b=$(inited_cfg "$FZ/corpus/$FUZZ_SEEDS")
    diag "$c: initial coverage with tests/fuzz/min $a, seeds alone $b"
    [ -n "$a" ] && [ -n "$b" ] && [ "$a" -gt $((b * 11 / 10)) ] || return 1
  done; }
check "the committed minimal corpus of every configuration covers >10 % more than its seeds" min_cov

# A finding is reported: an RSS limit of 64 MB (below what QEMU with ASan
# needs) makes libFuzzer stop on the input it runs and save it as oom-*.
finding() {
  "$FZ/vtd-fuzz" --build "$B" --seconds 10 --configs vtd --out "$T/find" -- -rss_limit_mb=64 >"$T/find.out" 2>&1; local rc=$?
  sed 's/^/# /' "$T/find.out"
  [ $rc -eq 1 ] && grep -q "^fuzz total: .*, findings [1-9]" "$T/find.out"
}
check "a finding is saved, counted and fails the run" finding
done_testing
