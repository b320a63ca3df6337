# Shared shell settings for the build scripts; source it, do not run it.
set -euo pipefail
TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
CACHE=${VTD_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/vtd-testbed}
LOCK=${VTD_LOCK:-$TOP/configs/sources.lock}
JOBS=${JOBS:-$(nproc)}
mkdir -p "$CACHE"

# Serialise builds of one kind: concurrent ninja/make in one tree corrupt it.
#   build_lock NAME   (held until the script exits)
build_lock() {
  exec 9>"$CACHE/$1.lock"
  flock -n 9 || { say "waiting for another $1 build to finish"; flock 9; }
}

die() { echo "$(basename "$0"): error: $*" >&2; exit 1; }
say() { echo "[$(basename "$0")] $*" >&2; }

# Hash of files/directories (content and names), for cache keys.
inputs_hash() {
  local f
  for f in "$@"; do
    if [ -d "$f" ]; then
      (cd "$f" && find . -type f -print0 | LC_ALL=C sort -z | xargs -0r sha256sum)
    elif [ -e "$f" ]; then
      sha256sum "$f"
    else
      echo "absent $f"
    fi
  done | sed "s#$TOP/##" | sha256sum | cut -c1-16
}

# Cache key of one side's build: the lock lines of that side (PREFIXES, e.g.
# 'LINUX' or 'QEMU|MESON') and the hash of its other inputs, so that moving
# the other side's pin rebuilds nothing here.
#   side_key PREFIXES FILE|DIR...
side_key() {
  local p=$1; shift
  { grep -E "^($p)_" "$LOCK"; inputs_hash "$@"; } | sha256sum | cut -c1-16
}

[[ "$JOBS" =~ ^[1-9][0-9]*$ ]] || die "JOBS='$JOBS' is not a positive number of parallel build jobs"
[ -f "$LOCK" ] || die "lock file $LOCK not found"
# shellcheck disable=SC1090
. "$LOCK"

# Bring TREE to "pristine + patches" without copying it anew: files that the
# previously applied series touched are restored from PRISTINE (or deleted when
# the series created them), then the new series is applied. Keeps mtimes of
# untouched files, so ninja/make rebuild only what the patches change.
#   apply_series TREE PRISTINE KEY PATCH...
apply_series() {
  local tree=$1 pristine=$2 key=$3; shift 3
  local state=$tree/.vtd-series
  [ "$(cat "$state.key" 2>/dev/null)" = "$key" ] && return 0
  if [ -f "$state.files" ]; then
    local f
    while IFS= read -r f; do
      if [ -e "$pristine/$f" ]; then cp -p "$pristine/$f" "$tree/$f"; else rm -f "$tree/$f"; fi
    done <"$state.files"
  fi
  : >"$state.files"
  local p
  for p in "$@"; do
    sed -n 's#^+++ b/\([^\t]*\).*#\1#p; s#^--- a/\([^\t]*\).*#\1#p' "$p" >>"$state.files"
    patch -d "$tree" -p1 -s --forward --no-backup-if-mismatch <"$p" ||
      die "patch $(basename "$p") does not apply to $(basename "$pristine")"
  done
  sort -u -o "$state.files" "$state.files"
  echo "$key" >"$state.key"
}

# ccache for every compiler call, cache kept beside the builds.
use_ccache() {
  export CCACHE_DIR=$CACHE/ccache CCACHE_MAXSIZE=${CCACHE_MAXSIZE:-5G}
  [ -d /usr/lib/ccache ] && export PATH=/usr/lib/ccache:$PATH
  return 0
}

# Link the data files of system firmware directories into DEST (the build
# tree's data directory), the first directory's file winning a name. An entry
# the build put there stays, even a link that leads nowhere yet (meson links
# outputs not built, such as trace-events-all, which Debian's QEMU also has in
# /usr/share/qemu). Links into DIRs from an earlier run are made anew, so one
# whose file went away is replaced.
#   link_firmware DEST DIR...
link_firmware() {
  local dest=$1 d f t; shift
  mkdir -p "$dest"
  for t in "$dest"/*; do
    [ -L "$t" ] || continue
    for d in "$@"; do
      case $(readlink "$t") in "$d"/*) rm -f "$t" ;; esac
    done
  done
  for d in "$@"; do
    for f in "$d"/*; do
      t=$dest/${f##*/}
      if [ -f "$f" ] && [ ! -e "$t" ] && [ ! -L "$t" ]; then ln -s "$f" "$t"; fi
    done
  done
}

# Put SRC's content at DEST (a file of the shared QEMU tree) if it differs,
# replacing a link; an equal file is left alone. A copy, not a link: the
# tree is shared by every checkout, and a link to a checkout whose file is
# older than the build's object would not make ninja rebuild, so the binary
# could hold another checkout's code. A changed file is newer than any object.
#   sync_into_tree SRC DEST
sync_into_tree() {
  [ ! -L "$2" ] && cmp -s "$1" "$2" && return 0
  rm -f "$2" && cp "$1" "$2.tmp" && mv "$2.tmp" "$2"
}

# The QEMU tree that build-qemu.sh and build-fuzz.sh build in: the pinned
# source + qemu-patches/, our hw/i386 and tests/qtest files copied in when
# they differ (so editing one is an incremental build). Sets QVER, PRISTINE
# and TREE.
#   prepare_qemu_tree
prepare_qemu_tree() {
  local patches f rel
  "$TOP/scripts/fetch-sources.sh" qemu
  QVER=${QEMU_VERSION#*:}
  PRISTINE=$CACHE/src/qemu-$QVER
  TREE=$CACHE/qemu-$QVER
  if [ ! -d "$TREE" ]; then
    say "copying pristine QEMU tree"
    cp -a "$PRISTINE" "$TREE.tmp" && mv "$TREE.tmp" "$TREE"
  fi
  shopt -s nullglob
  patches=()
  for f in "$TOP"/qemu-patches/*.patch; do
    case ${f##*/} in 0000-*) ;; *) patches+=("$f") ;; esac # 0000: the cover letter
  done
  apply_series "$TREE" "$PRISTINE" "$(side_key 'QEMU' "$TOP/qemu-patches")" "${patches[@]}"
  for f in "$TOP"/hw/i386/*.[ch] "$TOP"/tests/qtest/*.[ch]; do
    rel=${f#"$TOP"/}
    [ -e "$PRISTINE/$rel" ] && die "$rel would shadow an upstream file; give it a new name"
    sync_into_tree "$f" "$TREE/$rel" || die "cannot copy $rel into $TREE"
  done
  sync_into_tree "$TOP/configs/devices/x86_64-softmmu/vtd-testbed.mak" \
    "$TREE/configs/devices/x86_64-softmmu/vtd-testbed.mak" || die "cannot copy vtd-testbed.mak into $TREE"
}

# Configure flags every QEMU build of ours shares: x86_64 softmmu with only
# the devices of configs/devices/x86_64-softmmu/vtd-testbed.mak.
QEMU_CONFIGURE=(--python=/usr/bin/python3 --target-list=x86_64-softmmu --without-default-features
  --without-default-devices --with-devices-x86_64=vtd-testbed --enable-tcg
  --enable-slirp --enable-fdt=system --disable-docs --disable-werror
  --disable-install-blobs --disable-tools)

# Build QEMU in $TREE/VARIANT (what build-qemu.sh and build-fuzz.sh share):
# prepare the tree, configure with QEMU_CONFIGURE + EXTRA when the key (lock
# file, configs/devices, VARIANT, KEY) changed since the last configure, build
# TARGETS with ninja, and link the firmware where the binary looks for its
# data, so neither qtests, the runner nor generic-fuzz need -L. Sets BUILD.
#   build_qemu_variant VARIANT KEY EXTRA... -- TARGET...   (KEY may be empty)
build_qemu_variant() {
  local variant=$1 key=$2; shift 2
  prepare_qemu_tree
  BUILD=$TREE/$variant
  build_qemu_at "$TREE" "$BUILD" "$(side_key 'QEMU|MESON' "$TOP/configs/devices")-$variant${key:+-$key}" "$@"
}

# The configure, ninja and firmware steps of build_qemu_variant for any QEMU
# source tree SRC (qemu-series.sh builds its commits with it): BUILD is
# configured anew when CFGKEY is not the one it was configured with.
#   build_qemu_at SRC BUILD CFGKEY EXTRA... -- TARGET...
build_qemu_at() {
  local src=$1 build=$2 cfgkey=$3 data extra=(); shift 3
  while [ "$1" != -- ]; do extra+=("$1"); shift; done
  shift
  use_ccache
  if [ "$(cat "$build/.vtd-config" 2>/dev/null)" != "$cfgkey" ]; then
    say "configuring QEMU ($(basename "$build"))"
    rm -rf "$build"; mkdir -p "$build"
    (cd "$build" && "$src/configure" "${QEMU_CONFIGURE[@]}" "${extra[@]}" >"$build/configure.log" 2>&1) ||
      die "QEMU configure failed; see $build/configure.log"
    echo "$cfgkey" >"$build/.vtd-config"
  fi
  say "building $* in $build"
  ninja -C "$build" -j"$JOBS" "$@" >"$build/ninja.log" 2>&1 ||
    { tail -30 "$build/ninja.log" >&2; die "QEMU build ($(basename "$build")) failed; see $build/ninja.log"; }
  data=$build/qemu-bundle/usr/local/share/qemu
  # shellcheck disable=SC2086
  link_firmware "$data" ${VTD_FIRMWARE_DIRS:-/usr/share/qemu /usr/share/seabios /usr/lib/ipxe/qemu}
  [ -e "$data/bios-256k.bin" ] && [ -e "$data/efi-e1000e.rom" ] ||
    die "firmware missing (bios-256k.bin, efi-e1000e.rom): install seabios ipxe-qemu qemu-system-data"
}

# The qtests of a QEMU tree SRC as ninja targets: upstream's intel-iommu-test
# and every tests/qtest/vtd-*-test.c of SRC.
#   qtest_targets SRC
qtest_targets() {
  local t
  echo tests/qtest/intel-iommu-test
  for t in "$1"/tests/qtest/vtd-*-test.c; do
    [ -e "$t" ] && echo "tests/qtest/$(basename "$t" .c)"
  done
  return 0
}
