#!/usr/bin/env bash
# Build the guest initramfs: busybox-static + guest/init + guest/jobs.sh +
# dma_map_benchmark from the kernel build, memcached and sockperf (with
# scripts/load-sockperf, the request/response client job rrloop runs).
# Further host binaries can be added with their libraries (fio: its ~60
# libraries make the archive 4x larger, so only the fio runs boot that one).
#   build-initramfs.sh KERNEL_OUT_DIR OUTPUT.cpio.gz [BINARY...]
. "$(dirname "$0")/common.sh"
[ $# -ge 2 ] || die "usage: build-initramfs.sh KERNEL_OUT_DIR OUTPUT.cpio.gz [BINARY...]"
kout=$1 out=$2; shift 2
BUSYBOX=/bin/busybox
# ldd fails on a static binary: that is what we want.
{ [ -x "$BUSYBOX" ] && ! ldd "$BUSYBOX" >/dev/null 2>&1; } ||
  die "$BUSYBOX is missing or not static; install busybox-static"
[ -x "$kout/dma_map_benchmark" ] || die "$kout/dma_map_benchmark missing; run scripts/build-kernel.sh"

root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
mkdir -p "$root"/{bin,sbin,proc,sys,dev,tmp,etc,root}
cp "$BUSYBOX" "$root/bin/busybox"
ln -s busybox "$root/bin/sh"
cp "$TOP/guest/init" "$root/init"
cp "$TOP/guest/jobs.sh" "$root/jobs.sh"
chmod +x "$root/init"
cp "$kout/dma_map_benchmark" "$root/bin/"
# Out-of-tree test modules (guest/modules/), built for exactly this kernel;
# the tests need them, so a kernel tree that moved on is an error (it names
# the fix), not an initramfs without them.
mkdir -p "$root/lib/modules"
mods=$("$TOP/scripts/build-modules.sh" "$kout") || die "guest modules could not be built for $kout (see above)"
cp "$mods"/*.ko "$root/lib/modules/"
# Dynamically linked workload binaries from the host (Debian), with their
# libraries and loader at the same paths.
add_binary() {
  local b lib
  b=$(command -v "$1") || die "$1 not found; install it (scripts/install-deps.sh)"
  install -D "$b" "$root/bin/$1"
  for lib in $(ldd "$b" | grep -o '/[^ ]*'); do
    [ -e "$root$lib" ] || install -D "$(readlink -f "$lib")" "$root$lib"
  done
}
add_binary memcached
add_binary sockperf
cp "$TOP/scripts/load-sockperf" "$root/bin/"
for b in "$@"; do add_binary "$b"; done
echo 'root:x:0:0:root:/root:/bin/sh' >"$root/etc/passwd"
echo 'root:x:0:' >"$root/etc/group"
mkdir -p "$(dirname "$out")"
(cd "$root" && find . | LC_ALL=C sort | cpio -o -H newc --quiet -R 0:0 | gzip -1) >"$out.tmp"
mv "$out.tmp" "$out"
echo "$out"
