#!/usr/bin/env bash
# The build scripts' firmware step on a host that also has Debian's QEMU: the
# system data directory (/usr/share/qemu, here a fake one) holds files, such
# as trace-events-all, of which the QEMU build tree already has a link that
# leads nowhere yet (meson links outputs that were not built).
. "$(dirname "$0")/../lib/tap.sh"
T=$(mktemp -d); trap 'rm -rf "$T"' EXIT

Q=$T/usr/share/qemu S=$T/usr/share/seabios I=$T/usr/lib/ipxe/qemu
B=$T/build D=$T/build/qemu-bundle/usr/local/share/qemu
mkdir -p "$Q/keymaps" "$S" "$I" "$D"
for f in trace-events-all kvmvapic.bin bios-256k.bin; do echo "qemu $f" >"$Q/$f"; done
for f in bios-256k.bin vgabios.bin; do echo "seabios $f" >"$S/$f"; done
echo ipxe >"$I/efi-e1000e.rom"
ln -s "$B/trace/trace-events-all" "$D/trace-events-all"   # as meson leaves it, dangling

# link_firmware from scripts/common.sh, run as build-qemu.sh runs it (set -e).
link() { bash -c '. "$1/scripts/common.sh"; shift; link_firmware "$@"' _ "$TOP" "$D" "$Q" "$S" "$I" >"$T/out" 2>&1 ||
  { diag "link_firmware failed:"; sed 's/^/#   /' "$T/out"; return 1; }; }
points() { [ "$(readlink "$D/$1")" = "$2" ] || { diag "$1 -> $(readlink "$D/$1"), want $2"; return 1; }; }

check "a dangling link of the build's own does not stop the linking" link
check "the build's own link (trace-events-all) is kept, not replaced by the system's" \
  points trace-events-all "$B/trace/trace-events-all"
check "firmware files are linked from each directory" \
  eval 'points kvmvapic.bin "$Q/kvmvapic.bin" && points vgabios.bin "$S/vgabios.bin" && points efi-e1000e.rom "$I/efi-e1000e.rom"'
check "a name in two directories comes from the first" points bios-256k.bin "$Q/bios-256k.bin"
check "directories are not linked" points keymaps ""
links() { for f in "$D"/*; do echo "${f##*/} -> $(readlink "$f")"; done; }
rerun_same() { links >"$T/before" && link && links | diff "$T/before" - | sed 's/^/# /' && links | cmp -s "$T/before" -; }
check "a second run succeeds and changes nothing" rerun_same
rm "$Q/bios-256k.bin"
check "a link of an earlier run whose file went away is renewed from the next directory" \
  eval 'link && points bios-256k.bin "$S/bios-256k.bin"'
# Our hw/i386 and qtest files enter the shared QEMU tree by sync_into_tree:
# the tree must hold this checkout's content, and a change must be newer than
# the objects built from the old one, even when the checkout's file is older
# (a link to it would not make ninja rebuild: the binary kept the old code).
sync() { bash -c '. "$1/scripts/common.sh"; sync_into_tree "$2" "$3"' _ "$TOP" "$@"; }
W=$T/work; mkdir -p "$W"
echo "old code" >"$W/tree.c"; touch -d '2 hours ago' "$W/tree.c"
echo "new code" >"$W/mine.c"; touch -d '1 hour ago' "$W/mine.c"
touch "$W/tree.o"                           # built from "old code", now
check "a changed file older than the object: copied, and newer than the object" \
  eval 'sync "$W/mine.c" "$W/tree.c" && [ "$(cat "$W/tree.c")" = "new code" ] && [ "$W/tree.c" -nt "$W/tree.o" ]'
touch -d '30 minutes ago' "$W/tree.c"
check "an equal file is left alone (no rebuild)" \
  eval 'sync "$W/mine.c" "$W/tree.c" && [ "$W/tree.o" -nt "$W/tree.c" ]'
ln -sfn "$W/mine.c" "$W/link.c"
check "a link (as older trees had) becomes a file of its own" \
  eval 'sync "$W/mine.c" "$W/link.c" && [ ! -L "$W/link.c" ] && [ "$(cat "$W/link.c")" = "new code" ]'

# Each side's cache key reads only its own lines of the lock: moving the
# Linux pin must not reconfigure (rm -rf) the QEMU build, nor the QEMU pin
# rebuild the kernels.
key() { VTD_LOCK=$1 VTD_CACHE=$T/cache bash -c '. "$1/scripts/common.sh"; side_key "$2" "$1/configs/devices"' _ "$TOP" "$2"; }
grep -v '^LINUX_VERSION=' "$TOP/configs/sources.lock" >"$T/lock.base"
{ cat "$T/lock.base"; echo LINUX_VERSION=1; } >"$T/lock.l1"
{ cat "$T/lock.base"; echo LINUX_VERSION=2; } >"$T/lock.l2"
sed 's/^QEMU_VERSION=.*/QEMU_VERSION=9/' "$T/lock.l1" >"$T/lock.q9"
check "a Linux pin change leaves the QEMU key, a QEMU pin change the Linux key" \
  eval '[ "$(key "$T/lock.l1" "QEMU|MESON")" = "$(key "$T/lock.l2" "QEMU|MESON")" ] &&
        [ "$(key "$T/lock.l1" LINUX)" = "$(key "$T/lock.q9" LINUX)" ]'
check "... and each side's own pin change moves its key" \
  eval '[ "$(key "$T/lock.l1" LINUX)" != "$(key "$T/lock.l2" LINUX)" ] &&
        [ "$(key "$T/lock.l1" "QEMU|MESON")" != "$(key "$T/lock.q9" "QEMU|MESON")" ]'
done_testing
