#!/usr/bin/env bash
# Install the Debian packages the testbed needs (build, guest userspace, bench).
# Idempotent: does nothing when everything is present. Needs root (or sudo).
set -euo pipefail

PKGS=(
  build-essential ccache git pkg-config python3 python3-venv dpkg-dev xz-utils cpio
  ninja-build libglib2.0-dev libpixman-1-dev libslirp-dev libfdt-dev flex bison
  bc libelf-dev libssl-dev
  busybox-static seabios qemu-system-data ipxe-qemu
  gnuplot-nox memcached libmemcached-tools iproute2 util-linux file
  sockperf  # TCP ping-pong request/response load (jobs rr, rrloop; scripts/load-sockperf)
  fio  # the storage workload, in the guest's initramfs-fio (job fio)
  perl  # TAP::Parser (the parser behind prove) for tests/run-tests
  clang libclang-rt-14-dev llvm  # make fuzz: libFuzzer + sanitizer runtimes, llvm-cov/llvm-profdata
)

missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

SUDO=
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || { echo "install-deps: need root to install: ${missing[*]}" >&2; exit 1; }
  SUDO=sudo
fi
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q >/dev/null || { echo "install-deps: apt-get update failed (no network to the Debian archive?)" >&2; exit 1; }
$SUDO apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null ||
  { echo "install-deps: apt-get install failed for: ${missing[*]}" >&2; exit 1; }
