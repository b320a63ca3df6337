#!/usr/bin/env bash
# Build the testbed QEMU for coverage-guided fuzzing: the same pinned tree,
# qemu-patches/ and our hw/i386 sources as build-qemu.sh, configured with
# clang, libFuzzer (--enable-fuzzing), ASan and UBSan, into its own build
# directory of the shared cache tree (docs/fuzzing.md).
#   build-fuzz.sh   -> BUILD/qemu-fuzz-x86_64 (BUILD = the cache tree's build-fuzz/)
# Line coverage comes from libFuzzer's -print_coverage (tests/fuzz/vtd-fuzz
# --coverage), so no separate coverage build is needed.
# Prints the build directory on stdout.
. "$(dirname "$0")/common.sh"
build_lock qemu

variant=build-fuzz
extra=(--enable-asan --enable-ubsan)
[ $# -eq 0 ] || die "usage: build-fuzz.sh (no arguments)"
command -v clang >/dev/null || die "clang not found: run scripts/install-deps.sh"
rt=$(clang -print-file-name=libclang_rt.fuzzer-x86_64.a 2>/dev/null || true)
[ -e "$rt" ] || rt=$(clang --print-runtime-dir 2>/dev/null)/libclang_rt.fuzzer-x86_64.a
[ -e "$rt" ] || die "libFuzzer runtime not found for clang: install libclang-rt-14-dev"

prepare_qemu_tree
BUILD=$TREE/$variant

use_ccache
cfgkey=$(inputs_hash "$LOCK" "$TOP/configs/devices")-${variant}-$(clang --version | head -1 | tr -c 'A-Za-z0-9.\n' _)
if [ "$(cat "$BUILD/.vtd-config" 2>/dev/null)" != "$cfgkey" ]; then
  say "configuring QEMU ($variant)"
  rm -rf "$BUILD"; mkdir -p "$BUILD"
  (cd "$BUILD" && ../configure --python=/usr/bin/python3 --target-list=x86_64-softmmu --without-default-features \
     --without-default-devices --with-devices-x86_64=vtd-testbed --enable-tcg \
     --enable-slirp --enable-fdt=system --disable-docs --disable-werror \
     --disable-install-blobs --disable-tools --cc=clang --cxx=clang++ \
     --enable-fuzzing "${extra[@]}" >"$BUILD/configure.log" 2>&1) ||
    die "QEMU configure failed; see $BUILD/configure.log"
  echo "$cfgkey" >"$BUILD/.vtd-config"
fi

say "building qemu-fuzz-x86_64 in $BUILD"
ninja -C "$BUILD" -j"$JOBS" qemu-fuzz-x86_64 >"$BUILD/ninja.log" 2>&1 ||
  { tail -30 "$BUILD/ninja.log" >&2; die "QEMU fuzzer build failed; see $BUILD/ninja.log"; }

# generic-fuzz boots q35 without -L: firmware goes where the binary looks.
data=$BUILD/qemu-bundle/usr/local/share/qemu
# shellcheck disable=SC2086
link_firmware "$data" ${VTD_FIRMWARE_DIRS:-/usr/share/qemu /usr/share/seabios /usr/lib/ipxe/qemu}
[ -e "$data/bios-256k.bin" ] || die "firmware missing (bios-256k.bin): install seabios qemu-system-data"
echo "$BUILD"
