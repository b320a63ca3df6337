#!/usr/bin/env bash
# Build the out-of-tree guest modules (guest/modules/*/) against the kernel
# tree that produced KERNEL_OUT_DIR/bzImage, into KERNEL_OUT_DIR/modules/.
#   build-modules.sh KERNEL_OUT_DIR      prints the modules directory
# A module must match its kernel exactly (vermagic, struct layouts), so when
# the shared tree no longer holds that bzImage's build (another patch series
# or config was built in it since), the tree is rebuilt for it first
# (build-kernel.sh --tree; ccache makes that quick), or, for a bzImage of
# other inputs than the checkout's, this refuses.
. "$(dirname "$0")/common.sh"
[ $# -eq 1 ] || die "usage: build-modules.sh KERNEL_OUT_DIR"
kout=$(cd "$1" && pwd -P)
[ -f "$kout/bzImage" ] || die "$kout/bzImage missing; run scripts/build-kernel.sh"
# kernel-<variant>-<key>, as build-kernel.sh names its output
variant=${kout##*/kernel-}; variant=${variant%%-*}
TREE=$CACHE/linux-$LINUX_VERSION-$variant
mods=$kout/modules
key=$(side_key 'LINUX' "$TOP/guest/modules")
if [ "$(cat "$mods/.key" 2>/dev/null)" = "$key" ]; then echo "$mods"; exit 0; fi

if ! cmp -s "$TREE/arch/x86/boot/bzImage" "$kout/bzImage"; then
  flag=; [ "$variant" = release ] || flag=--$variant
  say "$TREE holds another build: rebuilding it for $kout"
  [ "$("$TOP/scripts/build-kernel.sh" $flag --tree)" = "$kout" ] ||
    die "$kout is not the kernel of this checkout's inputs; rm -rf $kout and run scripts/build-kernel.sh"
fi
build_lock kernel   # the shared tree must not change while we build
cmp -s "$TREE/arch/x86/boot/bzImage" "$kout/bzImage" ||
  die "$TREE no longer holds the build of $kout/bzImage; rm -rf $kout and run scripts/build-kernel.sh"
grep -qx CONFIG_MODULES=y "$TREE/.config" || die "$kout was built without CONFIG_MODULES"

use_ccache
export KBUILD_BUILD_TIMESTAMP='Thu Jan  1 00:00:00 UTC 2015' KBUILD_BUILD_USER=vtd KBUILD_BUILD_HOST=testbed
K=(make -C "$TREE" -j"$JOBS" CC="ccache gcc" HOSTCC=gcc)
rm -rf "$mods.tmp"; mkdir -p "$mods.tmp/build"
# A bzImage-only build lacks scripts/module.lds; this adds it, nothing else.
"${K[@]}" modules_prepare >"$mods.tmp/build/prepare.log" 2>&1 ||
  { tail -20 "$mods.tmp/build/prepare.log" >&2; die "make modules_prepare failed in $TREE"; }
# guest/modules/include/ holds headers the modules share (edu.h).
cp -r "$TOP/guest/modules/include" "$mods.tmp/build/include"
for src in "$TOP"/guest/modules/*/; do
  name=$(basename "$src")
  [ "$name" = include ] && continue
  # Build in a copy: kbuild writes its objects next to the sources.
  cp -r "$src" "$mods.tmp/build/$name"
  say "building module $name against $TREE"
  "${K[@]}" M="$mods.tmp/build/$name" KBUILD_EXTRA_SYMBOLS="$TREE/vmlinux.symvers" modules >"$mods.tmp/build/$name.log" 2>&1 ||
    { tail -20 "$mods.tmp/build/$name.log" >&2; die "module $name failed to build"; }
  cp "$mods.tmp/build/$name"/*.ko "$mods.tmp/"
done
rm -rf "$mods.tmp/build"
echo "$key" >"$mods.tmp/.key"
rm -rf "$mods"; mv "$mods.tmp" "$mods"
echo "$mods"
