#!/usr/bin/env bash
# Pack what the bench needs into one folder that runs on a bare x86-64 Linux
# host (no packages, no network): a small root holding QEMU (and its Python
# library qemu.qmp/qemu.machine, which vtd-run drives it with), the guest kernel
# and initramfs, firmware, Python, gnuplot and the shell tools the scripts call, each
# with the shared libraries and the loader it was linked against, plus our
# scripts and configs. scripts/device-bundle-run is its entry (./run).
#   make-device-bundle.sh [OUT]   (default build/device-bundle; also OUT.tar.gz)
# Needs `make build` first.
set -euo pipefail
. "$(dirname "$0")/common.sh"
OUT=$(realpath -m "${1:-$TOP/build/device-bundle}")
ROOT=$OUT/rootfs

for f in qemu-system-x86_64 bzImage initramfs.cpio.gz qemu/qemu-bundle; do
  [ -e "$TOP/build/$f" ] || die "build/$f is missing; run 'make build' first"
done
PY=/usr/bin/python3
[ -x $PY ] || die "$PY is missing (Debian package python3; scripts/install-deps.sh)"

rm -rf "$OUT" "$OUT.tar.gz"
mkdir -p "$ROOT"/usr/{bin,sbin,lib,lib64} "$ROOT"/{dev,proc,sys,tmp,root} "$ROOT/vtd/results"
# Debian's merged /usr: /bin, /lib... are links into /usr, here as there.
for d in bin sbin lib lib64; do ln -s usr/$d "$ROOT/$d"; done

# Copy a file to the same path in the root; a path through a link keeps its
# name (libz.so.1, /bin/sh) and gets the content of what it points to.
put() {
  local dst
  dst=$ROOT$(realpath "$(dirname "$1")")/$(basename "$1")
  [ -e "$dst" ] && return 0
  mkdir -p "$(dirname "$dst")"
  cp -L "$1" "$dst"
}
# Every library a program or shared object loads (ldd resolves the whole
# closure); the loader comes along as one of them.
put_libs() {
  ldd "$1" 2>/dev/null | awk '/=> \//{print $3} /^\t\/.*ld-linux/{print $1}' |
    while read -r lib; do put "$lib"; done
}
put_elf() { put "$1"; put_libs "$1"; }

say "programs and their libraries"
# The scripts' shebangs and subprocesses: python3, bash (load-memcaslap),
# /bin/sh (host load commands, load-sockperf), the tools the load scripts
# call, unshare + ip (vtd-run --net tap), memcaslap, sockperf; busybox
# (static) sets up the root (./run).
for p in "$PY" /usr/bin/env /bin/sh /usr/bin/bash /usr/bin/memcaslap /usr/bin/sockperf /usr/bin/unshare \
         /usr/sbin/ip /usr/bin/{cat,tr,wc,head,tail,grep,sed,mktemp,rm,timeout,sleep,mkdir,nproc,uname,ls,awk,sort}; do
  [ -x "$p" ] || die "$p is missing (scripts/install-deps.sh installs it)"
  put_elf "$p"
done
put /bin/busybox

say "gnuplot (vtd-report draws every figure with it) and a font for the figures"
gp=$(command -v gnuplot) || die "gnuplot is missing (Debian package gnuplot-nox; scripts/install-deps.sh)"
put_elf "$gp"
tar -C / -c usr/share/gnuplot etc/fonts usr/share/fonts/truetype/dejavu/DejaVuSans.ttf | tar -C "$ROOT" -x

say "Python standard library"
pyver=$($PY -c 'import sys; print("%d.%d" % sys.version_info[:2])')
stdlib=/usr/lib/python$pyver
tar -C / -c --exclude='__pycache__' --exclude="${stdlib#/}/test" --exclude="${stdlib#/}/idlelib" \
  --exclude="${stdlib#/}/tkinter" --exclude="${stdlib#/}/turtledemo" --exclude="${stdlib#/}/ensurepip" \
  --exclude="${stdlib#/}/lib2to3" --exclude="${stdlib#/}/pydoc_data" --exclude="${stdlib#/}/config-*" \
  --exclude='*_test*.so' --exclude='_tkinter*.so' --exclude='_dbm*.so' --exclude='_gdbm*.so' \
  --exclude='_sqlite3*.so' --exclude='nis*.so' --exclude='_curses*.so' --exclude='readline*.so' \
  --exclude='xxlimited*.so' --exclude='ossaudiodev*.so' "${stdlib#/}" | tar -C "$ROOT" -x
for so in "$ROOT$stdlib"/lib-dynload/*.so; do put_elf "${so#"$ROOT"}"; done

say "QEMU (stripped), firmware, guest kernel and initramfs"
V=$ROOT/vtd
mkdir -p "$V/build"
strip --strip-unneeded -o "$V/build/qemu-system-x86_64" "$(realpath "$TOP/build/qemu-system-x86_64")"
put_libs "$V/build/qemu-system-x86_64"
# QEMU looks for its data in <binary's folder>/qemu-bundle/<configured datadir>;
# only the firmware a q35 guest with our devices loads.
fw=$(cd "$TOP/build/qemu/qemu-bundle" && find . -name bios-256k.bin -printf '%h\n')
mkdir -p "$V/build/qemu-bundle/$fw"
for f in bios-256k.bin kvmvapic.bin linuxboot_dma.bin linuxboot.bin multiboot_dma.bin \
         efi-virtio.rom efi-e1000e.rom; do
  cp -L "$TOP/build/qemu/qemu-bundle/$fw/$f" "$V/build/qemu-bundle/$fw/"
done
cp -L "$TOP/build/bzImage" "$TOP/build/initramfs.cpio.gz" "$V/build/"
# QEMU's own Python library (qemu.qmp, qemu.machine), which vtd-run drives
# QEMU with: from the pinned source tree the build used, as build/qemu-python
# (scripts/vtdlib/paths.py qemu_python looks there first).
qpy=$(dirname "$(realpath "$TOP/build/qemu")")/python/qemu
[ -f "$qpy/qmp/__init__.py" ] && [ -f "$qpy/machine/__init__.py" ] ||
  die "QEMU's Python library is missing at $qpy; run 'make build' first"
mkdir -p "$V/build/qemu-python/qemu"
cp -r "$qpy/qmp" "$qpy/machine" "$V/build/qemu-python/qemu/"
cp -r "$TOP/scripts" "$TOP/configs" "$V/"
find "$V/scripts" -name __pycache__ -prune -exec rm -rf {} +
cp "$TOP/scripts/device-bundle-run" "$OUT/run"

say "manifest"
{
  echo "# vtd-testbed device bundle: what is inside (sha256)"
  echo "commit=$(git -C "$TOP" describe --always --dirty 2>/dev/null || echo unknown)"
  grep -E '^(QEMU|LINUX)_VERSION=' "$TOP/configs/sources.lock"
  echo "python=$pyver"
  (cd "$V/build" && sha256sum qemu-system-x86_64 bzImage initramfs.cpio.gz)
  echo "sockperf=$(dpkg-query -W -f='${Version}' sockperf)"
} >"$OUT/MANIFEST"

tar -C "$(dirname "$OUT")" -czf "$OUT.tar.gz" "$(basename "$OUT")"
say "$(du -sh "$OUT" | cut -f1) in $OUT; packed: $(du -h "$OUT.tar.gz" | cut -f1) $OUT.tar.gz"
echo "$OUT"
