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

[ $# -eq 0 ] || die "usage: build-fuzz.sh (no arguments)"
command -v clang >/dev/null || die "clang not found: run scripts/install-deps.sh"
rt=$(clang -print-file-name=libclang_rt.fuzzer-x86_64.a 2>/dev/null || true)
[ -e "$rt" ] || rt=$(clang --print-runtime-dir 2>/dev/null)/libclang_rt.fuzzer-x86_64.a
[ -e "$rt" ] || die "libFuzzer runtime not found for clang: install libclang-rt-14-dev"

# a new clang means a new configure
build_qemu_variant build-fuzz "$(clang --version | head -1 | tr -c 'A-Za-z0-9.\n' _)" \
  --cc=clang --cxx=clang++ --enable-fuzzing --enable-asan --enable-ubsan -- qemu-fuzz-x86_64
echo "$BUILD"
