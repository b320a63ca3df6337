#!/usr/bin/env bash
# Build the testbed QEMU: pinned upstream tree + qemu-patches/ + our hw/i386 and
# tests/qtest sources, trimmed to configs/devices/x86_64-softmmu/vtd-testbed.mak.
#   build-qemu.sh [--sanitize] [ninja targets...]
# Prints the build directory on stdout.
. "$(dirname "$0")/common.sh"
build_lock qemu

variant=build
extra=()
if [ "${1:-}" = --sanitize ]; then variant=build-san; extra=(--enable-asan --enable-ubsan); shift; fi

prepare_qemu_tree
BUILD=$TREE/$variant

use_ccache
cfgkey=$(inputs_hash "$LOCK" "$TOP/configs/devices")-${variant}
if [ "$(cat "$BUILD/.vtd-config" 2>/dev/null)" != "$cfgkey" ]; then
  say "configuring QEMU ($variant)"
  rm -rf "$BUILD"; mkdir -p "$BUILD"
  (cd "$BUILD" && ../configure --python=/usr/bin/python3 --target-list=x86_64-softmmu --without-default-features \
     --without-default-devices --with-devices-x86_64=vtd-testbed --enable-tcg \
     --enable-slirp --enable-fdt=system --disable-docs --disable-werror \
     --disable-install-blobs --disable-tools "${extra[@]}" >"$BUILD/configure.log" 2>&1) ||
    die "QEMU configure failed; see $BUILD/configure.log"
  echo "$cfgkey" >"$BUILD/.vtd-config"
fi

# Upstream's qtest + every qtest of ours (tests/qtest/vtd-*-test.c).
targets=(qemu-system-x86_64 tests/qtest/intel-iommu-test)
for t in "$TOP"/tests/qtest/vtd-*-test.c; do targets+=("tests/qtest/$(basename "$t" .c)"); done
[ $# -gt 0 ] && targets=("$@")
say "building ${targets[*]} in $BUILD"
ninja -C "$BUILD" -j"$JOBS" "${targets[@]}" >"$BUILD/ninja.log" 2>&1 ||
  { tail -30 "$BUILD/ninja.log" >&2; die "QEMU build failed; see $BUILD/ninja.log"; }

# Firmware from Debian (the +ds source has no blobs) where the build tree's
# binary looks for its data, so neither qtests nor the runner need -L.
data=$BUILD/qemu-bundle/usr/local/share/qemu
# shellcheck disable=SC2086
link_firmware "$data" ${VTD_FIRMWARE_DIRS:-/usr/share/qemu /usr/share/seabios /usr/lib/ipxe/qemu}
[ -e "$data/bios-256k.bin" ] && [ -e "$data/efi-e1000e.rom" ] ||
  die "firmware missing (bios-256k.bin, efi-e1000e.rom): install seabios ipxe-qemu qemu-system-data"
echo "$BUILD"
