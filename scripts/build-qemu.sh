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

# Upstream's qtest + every qtest of ours (tests/qtest/vtd-*-test.c).
mapfile -t targets < <(echo qemu-system-x86_64; qtest_targets "$TOP")
[ $# -gt 0 ] && targets=("$@")

build_qemu_variant "$variant" "" "${extra[@]}" -- "${targets[@]}"
echo "$BUILD"
