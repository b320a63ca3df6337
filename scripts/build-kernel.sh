#!/usr/bin/env bash
# Build the guest kernel: pinned Linux 6.12 + kernel-patches/series, configured
# as tinyconfig + configs/kernel/testbed.config. The result is cached under a
# key that hashes the lock file, the patches and the config fragments.
#   build-kernel.sh [--debug|--stock] [--tree]   prints the directory holding bzImage
# --tree: also make the variant's shared build tree hold that build again
# (another series or config may have been built in it since), as the guest
# modules need (scripts/build-modules.sh); the rebuilt bzImage (the same
# inputs; only the build counter differs) replaces the cached one.
# --stock builds the same pinned source and configuration without the series
# (options the series itself adds are left out), as the baseline that the
# default patched path is compared against (docs/kernel-series.md).
. "$(dirname "$0")/common.sh"
build_lock kernel

variant=release
frags=("$TOP/configs/kernel/testbed.config")
series=$TOP/kernel-patches/series
tree=false
for arg; do
  case "$arg" in
    --debug) variant=debug; frags+=("$TOP/configs/kernel/debug.config") ;;
    --stock) variant=stock; series=/dev/null ;;
    --tree) tree=true ;;
    *) die "unknown option '$arg' (use --debug or --stock, and --tree)" ;;
  esac
done

key=$(side_key 'LINUX' "$TOP/kernel-patches" "${frags[@]}")
OUT=$CACHE/kernel-$variant-$key
TREE=$CACHE/linux-$LINUX_VERSION-$variant
if [ -f "$OUT/bzImage" ] && { ! $tree || cmp -s "$TREE/arch/x86/boot/bzImage" "$OUT/bzImage"; }; then
  echo "$OUT"; exit 0
fi

"$TOP/scripts/fetch-sources.sh" linux
PRISTINE=$CACHE/src/linux-$LINUX_VERSION
if [ ! -d "$TREE" ]; then
  say "copying pristine Linux tree"
  cp -a "$PRISTINE" "$TREE.tmp" && mv "$TREE.tmp" "$TREE"
fi

patches=()
while read -r p; do
  case "$p" in ''|'#'*) continue ;; esac
  [ -f "$TOP/kernel-patches/$p" ] || die "kernel-patches/series names $p, which does not exist"
  patches+=("$TOP/kernel-patches/$p")
done <"$series"
apply_series "$TREE" "$PRISTINE" "$(side_key 'LINUX' "$series" "${patches[@]}")" "${patches[@]}"

# The stock kernel lacks the options that the series adds to Kconfig.
if [ $variant = stock ]; then
  series_opts=$(sed -n 's/^+config \([A-Z0-9_]*\)$/CONFIG_\1/p' "$TOP"/kernel-patches/0*.patch | sort -u)
  mkdir -p "$TREE/.vtd"
  cat "${frags[@]}" | { [ -z "$series_opts" ] && cat || grep -vwF -f <(echo "$series_opts"); } \
    >"$TREE/.vtd/stock.config"
  frags=("$TREE/.vtd/stock.config")
fi

use_ccache
# A fixed build identity so ccache hits across trees and rebuilds.
export KBUILD_BUILD_TIMESTAMP='Thu Jan  1 00:00:00 UTC 2015' KBUILD_BUILD_USER=vtd KBUILD_BUILD_HOST=testbed
K=(make -C "$TREE" -j"$JOBS" CC="ccache gcc" HOSTCC=gcc)

# Options a fragment asks for that the final .config does not have.
config_mismatches() {
  local cfg=$1 l o; shift
  grep -h '^CONFIG_' "$@" | while IFS= read -r l; do
    grep -qxF "$l" "$cfg" || echo "${l%%=*}"
  done
  grep -h '^# CONFIG_.* is not set' "$@" | while IFS= read -r l; do
    o=${l#\# }; o=${o%% *}
    if grep -q "^$o=" "$cfg"; then echo "$o"; fi
  done
}

cfgkey=$(side_key 'LINUX' "${frags[@]}")
if [ "$(cat "$TREE/.vtd-config" 2>/dev/null)" != "$cfgkey" ]; then
  say "configuring Linux ($variant): tinyconfig + ${frags[*]##*/}"
  "${K[@]}" tinyconfig >/dev/null
  (cd "$TREE" && scripts/kconfig/merge_config.sh -m .config "${frags[@]}" >/dev/null)
  "${K[@]}" olddefconfig >/dev/null
  # Every option the fragments ask for must have survived olddefconfig.
  bad=$(config_mismatches "$TREE/.config" "${frags[@]}")
  [ -z "$bad" ] || die "kernel config did not take: $(echo $bad) (missing dependency?)"
  echo "$cfgkey" >"$TREE/.vtd-config"
fi

say "building bzImage ($variant) in $TREE (cold: ~12 min on 2 cores)"
"${K[@]}" bzImage >"$TREE/build.log" 2>&1 ||
  { grep -E 'error|Error' "$TREE/build.log" | head -20 >&2; die "kernel build failed; see $TREE/build.log"; }

if [ -f "$OUT/bzImage" ]; then   # --tree: the same inputs, built again
  cmp -s "$TREE/arch/x86/boot/bzImage" "$OUT/bzImage" || {
    cp "$TREE/arch/x86/boot/bzImage" "$TREE/.config" "$TREE/System.map" "$OUT/"
    rm -rf "$OUT/modules"; }
  echo "$OUT"; exit 0
fi
mkdir -p "$OUT.tmp/include/linux"
cp "$TREE/arch/x86/boot/bzImage" "$TREE/.config" "$TREE/System.map" "$OUT.tmp/"
# The benchmark's user tool comes from the same (patched) tree. It only needs
# the ioctl ABI header, not the kernel's include/ (whose headers clash).
cp "$TREE/include/linux/map_benchmark.h" "$OUT.tmp/include/linux/"
gcc -static -O2 -Wall -I"$OUT.tmp/include" -o "$OUT.tmp/dma_map_benchmark" \
  "$TREE/tools/testing/selftests/dma/dma_map_benchmark.c" ||
  die "building the static dma_map_benchmark tool failed"
rm -rf "$OUT"; mv "$OUT.tmp" "$OUT"
# Keep the four newest builds of this variant; older keys are dead inputs.
ls -dt "$CACHE"/kernel-$variant-*/ | tail -n +5 | xargs -r rm -rf
echo "$OUT"
