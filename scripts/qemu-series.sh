#!/usr/bin/env bash
# The QEMU series as commits: one per qemu-patches/ file, each with the
# files of ours (hw/i386/vtd-*, tests/qtest/vtd-*) that it is the first to
# name, so that each commit builds alone and the series can be posted
# (docs/upstream.md, "Posting the QEMU series").
#   qemu-series.sh files        which files of ours each patch brings
#   qemu-series.sh tree DIR     git tree of the pinned QEMU + the series in DIR
#   qemu-series.sh export DIR   tree, then DIR/patches (git format-patch, with
#                               qemu-patches/0000-cover-letter.patch) and
#                               QEMU's checkpatch.pl on every patch
#   qemu-series.sh check DIR    export, then build every commit (our device
#                               set) and run the qtests each commit has
#   qemu-series.sh save DIR     write DIR's commits back: qemu-patches/ (the
#                               diff without our files) and our files as at
#                               the tip; after editing the tree (rebase -i)
#   qemu-series.sh checkpatch-errors REPORT
#                               the ERRORs of a checkpatch.pl report that
#                               count (export's rule, below); fails if any
# A patch names a file of ours by the line it adds to hw/i386/meson.build
# ('vtd-x.c'), tests/qtest/meson.build (['vtd-x-test'], files('vtd-y.c')) or
# an #include "vtd-z.h" it adds; the headers those files include come with
# them. A file no patch names is an error.
. "$(dirname "$0")/common.sh"

usage() { die "usage: qemu-series.sh files | qemu-series.sh tree|export|check|save DIR | qemu-series.sh checkpatch-errors REPORT"; }
[ $# -ge 1 ] || usage
cmd=$1
case $cmd in files) [ $# -eq 1 ] || usage ;; *) [ $# -eq 2 ] || usage ;; esac
DIR=$(realpath -m "${2:-.}")
T=$DIR/tree
BASE_TAG=pristine

ours() { (cd "$TOP" && ls hw/i386/vtd-*.[ch] tests/qtest/vtd-*.[ch]); }
series_patches() { ls "$TOP"/qemu-patches/[0-9][0-9][0-9][0-9]-*.patch | grep -v /0000-; }

# Our files that PATCH names directly (see the header).
named_by() {
  local p=$1
  sed -n "/^+++ b\/hw\/i386\/meson.build/,/^diff /s/^+.*'\(vtd-[a-z0-9-]*\.c\)'.*/hw\/i386\/\1/p" "$p"
  sed -n '/^+++ b\/tests\/qtest\/meson.build/,/^diff /{/^+/p}' "$p" |
    grep -o "'vtd-[a-z0-9-]*'\]\|'vtd-[a-z0-9-]*\.c'" | tr -d "'" |
    sed -e 's/\]$/.c/' -e 's/^/tests\/qtest\//'
  sed -n 's/^+#include "\(vtd-[a-z0-9-]*\.h\)".*/\1/p' "$p" | while read -r h; do
    [ -e "$TOP/hw/i386/$h" ] && echo "hw/i386/$h"
  done
}

# FILES and the headers of ours they include, transitively.
with_headers() {
  local todo=("$@") f h dir seen=" "
  while [ ${#todo[@]} -gt 0 ]; do
    f=${todo[0]}; todo=("${todo[@]:1}")
    case $seen in *" $f "*) continue ;; esac
    seen="$seen$f "
    [ -e "$TOP/$f" ] || die "$f is named by a patch but is not in the repository"
    echo "$f"
    dir=$(dirname "$f")
    for h in $(sed -n 's/^#include "\(vtd-[a-z0-9-]*\.h\)".*/\1/p' "$TOP/$f"); do
      todo+=("$dir/$h")
    done
  done
}

# "PATCH FILE..." per patch: the files of ours it is the first to name.
# Fails on a file of ours that no patch names.
assign_files() {
  local p f added=" " files
  for p in $(series_patches); do
    files=()
    for f in $(with_headers $(named_by "$p" | sort -u)); do
      case $added in *" $f "*) continue ;; esac
      files+=("$f"); added="$added$f "
    done
    echo "$(basename "$p") ${files[*]}"
  done
  for f in $(ours); do
    case $added in *" $f "*) ;; *) die "$f is named by no patch of qemu-patches/ (add its meson line or #include to one)" ;; esac
  done
}

# A git repository of the pristine QEMU, made once per version in the cache
# (committing all of QEMU takes minutes); trees are local clones of it.
base_repo() {
  local v=${QEMU_VERSION#*:} b
  b=$CACHE/qemu-series-base-$v
  if [ ! -d "$b/.git" ]; then
    say "committing the pristine QEMU $v once, into $b"
    rm -rf "$b.tmp"
    cp -a "$CACHE/src/qemu-$v" "$b.tmp"
    git -C "$b.tmp" init -q
    git -C "$b.tmp" add -f -A . >/dev/null
    git -C "$b.tmp" -c user.name=vtd-testbed -c user.email=vtd-testbed@invalid \
      commit -q -m "QEMU $v (Debian $QEMU_VERSION)"
    git -C "$b.tmp" tag "$BASE_TAG"
    mv "$b.tmp" "$b"
  fi
  echo "$b"
}

make_tree() {
  local p f files msg plan base
  plan=$(assign_files) || exit 1
  "$TOP/scripts/fetch-sources.sh" qemu
  base=$(base_repo)
  rm -rf "$T"; mkdir -p "$DIR"
  git clone -q "$base" "$T" || die "cannot clone $base into $T"
  for p in $(series_patches); do
    git -C "$T" apply --index "$p" || die "$(basename "$p") does not apply exactly (git apply) to the previous commit"
    files=$(awk -v p="$(basename "$p")" '$1 == p {$1 = ""; print}' <<<"$plan")
    for f in $files; do
      [ -e "$T/$f" ] && die "$f would shadow an upstream file"
      cp "$TOP/$f" "$T/$f" && git -C "$T" add -f "$f"
    done
    msg=$(sed '/^diff --git /,$d' "$p")
    git -C "$T" -c user.name=vtd-testbed -c user.email=vtd-testbed@invalid \
      commit -q -m "$msg"
  done
  say "$(git -C "$T" rev-list --count "$BASE_TAG"..HEAD) commits in $T"
}

export_series() {
  local out=$DIR/patches p bad=0 cp rc
  rm -rf "$out"
  git -C "$T" format-patch -q --cover-letter -o "$out" "$BASE_TAG"..HEAD
  # the cover letter's text is ours; format-patch keeps its shortlog and stat
  python3 - "$out"/0000-cover-letter.patch "$TOP/qemu-patches/0000-cover-letter.patch" <<'EOF'
import sys
cover, ours = sys.argv[1], open(sys.argv[2]).read()
subject, _, body = ours.partition('\n\n')
s = open(cover).read()
s = s.replace('*** SUBJECT HERE ***', subject.strip())
s = s.replace('*** BLURB HERE ***', body.strip())
open(cover, 'w').write(s)
EOF
  cp=$T/scripts/checkpatch.pl
  for p in "$out"/0*.patch; do
    case $p in */0000-*) continue ;; esac
    # --no-signoff: whoever posts the series signs it (git format-patch -s)
    rc=0; (cd "$T" && perl "$cp" --no-signoff -q "$p" >"$p.checkpatch" 2>&1) || rc=$?
    [ $rc = 0 ] || checkpatch_errors "$p.checkpatch" || { say "checkpatch errors in $(basename "$p") (above)"; bad=1; }
    rm -f "$p.checkpatch"
  done
  [ $bad = 0 ] || die "QEMU's checkpatch.pl found errors"
  say "$(ls "$out" | wc -l) files in $out (cover letter + patches), no checkpatch error"
}

# REPORT is what checkpatch.pl -q printed when it did not exit 0 (quiet and
# clean, it prints nothing). Prints its ERROR blocks and fails if there is one,
# with one exception: "Macros with complex values" on a property-list
# macro (#define VTD_*_PROPERTIES), which cannot be parenthesised and
# which upstream's own (DEFINE_BLOCK_PROPERTIES, DEFINE_NIC_PROPERTIES)
# trip alike. Warnings (e.g. "Does MAINTAINERS need updating?") are
# QEMU's advice, not failures, as in QEMU's own CI.
#   checkpatch_errors REPORT
checkpatch_errors() {
  python3 - "$1" <<'EOF'
import re, sys
text = open(sys.argv[1]).read()
if '\ntotal: ' not in '\n' + text:
    sys.exit('checkpatch.pl did not run to its end:\n' + text[-2000:])
blocks = text.split('\n\n')
bad = [b for b in blocks if b.startswith('ERROR:') and not (
    b.startswith('ERROR: Macros with complex values') and
    re.search(r'^\+#define VTD_\w+_PROPERTIES\b', b, re.M))]
for b in bad:
    print(b + '\n', file=sys.stderr)
sys.exit(1 if bad else 0)
EOF
}

# Every commit builds with our device set, and its qtests pass.
check_series() {
  local b=$DIR/build c n=0 t tests=() total
  mkdir -p "$T/configs/devices/x86_64-softmmu"
  cp "$TOP/configs/devices/x86_64-softmmu/vtd-testbed.mak" "$T/configs/devices/x86_64-softmmu/"
  total=$(git -C "$T" rev-list --count "$BASE_TAG"..HEAD)
  for c in $(git -C "$T" rev-list --reverse "$BASE_TAG"..HEAD); do
    n=$((n + 1))
    git -C "$T" checkout -q "$c"
    mapfile -t tests < <(qtest_targets "$T")
    say "commit $n/$total: $(git -C "$T" log -1 --format=%s)"
    build_qemu_at "$T" "$b" series -- qemu-system-x86_64 "${tests[@]}"
    if grep -q 'warning:' "$b/ninja.log"; then grep 'warning:' "$b/ninja.log" >&2; die "commit $n builds with warnings"; fi
    for t in "${tests[@]}"; do
      QTEST_QEMU_BINARY=$b/qemu-system-x86_64 timeout 300 "$b/$t" >"$b/qtest.log" 2>&1 ||
        { tail -20 "$b/qtest.log" >&2; die "commit $n: $(basename "$t") failed"; }
    done
    say "  builds without warnings; qtests passed: ${tests[*]##*/}"
  done
  git -C "$T" checkout -q -
}

save_series() {
  local c n=0 name f excl=()
  [ -d "$T/.git" ] || die "no tree in $DIR (qemu-series.sh tree $2 first)"
  for f in $(ours); do excl+=(":!$f"); done
  for f in $(cd "$T" && git ls-files 'hw/i386/vtd-*' 'tests/qtest/vtd-*'); do excl+=(":!$f"); done
  find "$TOP/qemu-patches" -name '[0-9][0-9][0-9][0-9]-*.patch' ! -name '0000-*' -delete
  for c in $(git -C "$T" rev-list --reverse "$BASE_TAG"..HEAD); do
    n=$((n + 1))
    name=$(printf '%04d-%s.patch' "$n" "$(git -C "$T" log -1 --format=%f "$c" | cut -c1-60)")
    { git -C "$T" log -1 --format=%B "$c" | sed -e :a -e '/^\n*$/{$d;N;ba' -e '}'
      git -C "$T" diff "$c~1" "$c" -- . "${excl[@]}"; } >"$TOP/qemu-patches/$name"
  done
  for f in $(cd "$T" && git ls-files 'hw/i386/vtd-*' 'tests/qtest/vtd-*'); do
    cp "$T/$f" "$TOP/$f"
  done
  say "wrote $n patches to qemu-patches/ and our files from the tip of $T"
}

case $cmd in
  files) assign_files ;;
  checkpatch-errors) checkpatch_errors "$2" ;;
  tree) make_tree ;;
  export) make_tree; export_series ;;
  check) make_tree; export_series; check_series ;;
  save) save_series ;;
  *) usage ;;
esac
