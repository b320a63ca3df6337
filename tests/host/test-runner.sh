#!/usr/bin/env bash
# The runner and build scripts fail fast with a one-line cause on bad input.
. "$(dirname "$0")/../lib/tap.sh"
T=$(mktemp -d); trap 'rm -rf "$T"' EXIT

fails_with() { # expected-exit-code regex command...
  local code=$1 re=$2; shift 2
  "$@" >"$T/out" 2>&1; local rc=$?
  [ "$rc" -eq "$code" ] && grep -qE "$re" "$T/out" ||
    { diag "exit $rc, output:"; sed 's/^/#   /' "$T/out" | head -25; return 1; }
}

check "dry-run prints a q35 command line with intel-iommu and the mode" \
  bash -c "'$VTD_RUN' --dry-run --mode strict --cpus 4 dmabench threads=4 |
           grep -q -- '-smp 4 .*intel-iommu,intremap=on,caching-mode=off.*iommu.strict=1 vtd.run=dmabench vtd.threads=4'"
check "dry-run with --icount uses deterministic timing" \
  bash -c "'$VTD_RUN' --dry-run --icount info | grep -q -- '-icount shift=0,sleep=off'"
check "unknown mode is rejected" fails_with 2 "invalid choice: 'fast'" "$VTD_RUN" --mode fast info
check "malformed job parameter is rejected" fails_with 2 "is not key=value" "$VTD_RUN" info threads
check "missing kernel is named" fails_with 1 "kernel not found at /nonexistent" \
  "$VTD_RUN" --kernel /nonexistent info
check "a guest still running at --timeout is killed, exit 124" fails_with 124 "did not finish within 2 s" \
  "$VTD_RUN" --timeout 2 info
# Asked of QEMU's monitor before the kill: a hung guest's vCPUs, where they were.
check "... the error says where each vCPU was (RIP, halted or running)" \
  eval 'grep -qE "vCPU 0: RIP=0x[0-9a-f]+.*, (halted|running)$" "$T/out" &&
        grep -qE "vCPU 1: RIP=0x[0-9a-f]+.*, (halted|running)$" "$T/out"'
check "... and each one's local APIC: timer, in-service and pending vectors, priority" \
  test "$(grep -cE "local APIC: LVTT .*; Timer .*; ISR .*; IRR .*; APR .* PPR " "$T/out")" = 2
# QEMU's own error at start (here its option ROM missing, as with Debian's
# qemu-system-data removed) fails the run at once, naming the cause; QEMU
# would otherwise wait in the BIOS until the timeout. A copy of QEMU away
# from its data finds only what -L gives it: the BIOS and kvmvapic.bin, no
# linuxboot_dma.bin.
mkdir -p "$T/fw" && cp -L "$TOP/build/qemu-system-x86_64" "$T/fw/" &&
  cp -L "$(find "$TOP/build/qemu/qemu-bundle/" -name bios-256k.bin)" \
    "$(find "$TOP/build/qemu/qemu-bundle/" -name kvmvapic.bin)" "$T/fw/"
quick() { local start=$SECONDS; "$@" && [ $((SECONDS - start)) -lt 30 ]; }
check "QEMU's error at start fails the run within 30 s, naming it (not the 200 s timeout)" \
  quick fails_with 3 "QEMU failed at start: rom: file linuxboot_dma.bin.*Failed to open file" \
  "$VTD_RUN" --timeout 200 --qemu "$T/fw/qemu-system-x86_64" --qemu-opt "-L $T/fw" info
check "a kernel that does not boot ends with a clear error" fails_with 3 "guest ended without a result" \
  "$VTD_RUN" --kernel "$TOP/configs/sources.lock" --timeout 60 info
# A crash: the error shows the report's head (what broke, where, the calls),
# not only the panic's registers at the console's end.
check "a guest that oopses ends with the report's head: the fault, RIP, the call trace" \
  fails_with 3 "guest ended without a result" "$VTD_RUN" --timeout 60 splat oops=1
for want in "first kernel report:" "BUG: kernel NULL pointer dereference" \
            "RIP: 0010:vtd_selftest_splat_init" "Call Trace:" "Kernel panic - not syncing"; do
  check "... the error shows '$want'" grep -qF "$want" "$T/out"
done
check "unknown guest job ends with the guest's status" fails_with 2 "unknown job 'nosuchjob'" \
  "$VTD_RUN" --timeout 60 -v nosuchjob

# Lock file problems stop the fetch with what to do.
cp "$TOP/configs/sources.lock" "$T/lock"
sed -i 's/^QEMU_ORIG_SHA256=.*/QEMU_ORIG_SHA256=0000/' "$T/lock"
check "checksum mismatch names the file and 'make relock'" fails_with 1 "checksum mismatch for qemu_.*orig.*make relock" \
  env VTD_LOCK="$T/lock" "$TOP/scripts/fetch-sources.sh" qemu
check "unknown fetch argument is rejected" fails_with 1 "unknown argument 'bogus'" \
  "$TOP/scripts/fetch-sources.sh" bogus
check "a bad JOBS value is named" fails_with 1 "JOBS='many' is not a positive number" \
  env JOBS=many "$TOP/scripts/build-qemu.sh"
check "make with a missing experiment file names it" fails_with 2 "experiment file /nonexistent.ini not found" \
  make -s -C "$TOP" -o build quick EXPERIMENT=/nonexistent.ini   # -o build: no build inside a test
done_testing
