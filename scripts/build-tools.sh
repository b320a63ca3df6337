#!/usr/bin/env bash
# Build our C tools (meson.build at the top) into build/tools; prints the directory.
. "$(dirname "$0")/common.sh"
B=$TOP/build/tools
mkdir -p "$TOP/build"
if [ ! -f "$B/build.ninja" ]; then
  meson setup "$B" "$TOP" >"$TOP/build/tools-setup.log" 2>&1 ||
    die "meson setup failed; see build/tools-setup.log"
fi
ninja -C "$B" >"$TOP/build/tools-build.log" 2>&1 ||
  { tail -20 "$TOP/build/tools-build.log" >&2; die "tool build failed; see build/tools-build.log"; }
echo "$B"
