#!/usr/bin/env bash
# Fetch the pinned QEMU, Linux and meson packages from the Debian archive into
# the cache, verify them against configs/sources.lock and unpack them.
#   fetch-sources.sh           fetch + verify + unpack (no-op when done)
#   fetch-sources.sh --relock  pin the newest served QEMU 10.2.x / Linux 6.12.x / meson
# The archive's host is read from the system's apt sources at run time; the
# system's apt state is never touched (private sources.list and lists/).
. "$(dirname "$0")/common.sh"

APT=$CACHE/apt
DL=$CACHE/downloads
SRC=$CACHE/src
mkdir -p "$APT/lists/partial" "$DL" "$SRC"

mirror() {
  local m
  m=$(sed -n 's#^URIs: *\([^ ]*\).*#\1#p' /etc/apt/sources.list.d/*.sources 2>/dev/null | grep -v security | head -1)
  [ -n "$m" ] || m=$(awk '$1=="deb" && $3 !~ /security/ {print $2; exit}' /etc/apt/sources.list 2>/dev/null)
  [ -n "$m" ] || die "cannot find a Debian mirror in /etc/apt/sources.list{,.d}"
  echo "$m"
}

APTOPT=(-o "Dir::Etc::SourceList=$APT/sources.list" -o Dir::Etc::SourceParts=/nonexistent
        -o "Dir::State::Lists=$APT/lists" -o Debug::NoLocking=1 -o APT::Sandbox::User=root)

apt_update() {
  local m; m=$(mirror)
  # Every suite a lock of this project or of its newer pairs names, so that
  # checkouts of different pairs sharing one cache read the same lists.
  local s
  for s in trixie trixie-backports sid; do printf 'deb-src %s %s main\n' "$m" "$s"; done >"$APT/sources.list.new"
  for s in bookworm-backports trixie-backports sid; do printf 'deb %s %s main\n' "$m" "$s"; done >>"$APT/sources.list.new"
  # Refresh at most once an hour, and at once when the suites changed.
  if ! cmp -s "$APT/sources.list.new" "$APT/sources.list"; then
    mv "$APT/sources.list.new" "$APT/sources.list"
    rm -f "$APT"/lists/*_Sources* "$APT"/lists/*_Packages* "$APT/updated.stamp"
  else
    rm -f "$APT/sources.list.new"
  fi
  # A stamp, not the lists' mtimes: an update that finds a list unchanged
  # (HTTP 304) leaves its old mtime, which made every call update again.
  if [ ! -e "$APT/updated.stamp" ] || [ -n "$(find "$APT/updated.stamp" -mmin +60)" ] ||
     [ -z "$(ls "$APT"/lists/*_Sources* 2>/dev/null | head -1)" ]; then
    say "updating private package lists"
    apt-get "${APTOPT[@]}" update -q >"$APT/update.log" 2>&1 ||
      die "apt-get update failed (see $APT/update.log); is the Debian archive reachable?"
    touch "$APT/updated.stamp"
  fi
}

check_sha() { # file expected
  local got; got=$(sha256sum "$1" | cut -d' ' -f1)
  [ "$got" = "$2" ] || die "checksum mismatch for $(basename "$1"): got $got, lock says $2; if the archive changed it on purpose, run 'make relock' and review configs/sources.lock"
}

gone() { die "$1 $2 is no longer in the Debian archive. Run 'make relock' to pin the newest one, then rebuild."; }

fetch_qemu() {
  local up=${QEMU_VERSION#*:}; up=${up%-*}
  local dsc=$DL/qemu_${QEMU_VERSION#*:}.dsc
  if [ ! -f "$dsc" ]; then
    say "downloading qemu $QEMU_VERSION source"
    (cd "$DL" && apt-get "${APTOPT[@]}" source --download-only -q "qemu=$QEMU_VERSION" >"$DL/qemu.log" 2>&1) ||
      { grep -q 'Unable to find\|Can not find version' "$DL/qemu.log" && gone qemu "$QEMU_VERSION"
        grep -q '404 *Not Found' "$DL/qemu.log" &&
          die "the archive lists qemu $QEMU_VERSION ($QEMU_SUITE) but its pool does not serve the files (404; see $DL/qemu.log); run 'make relock' to pin a version the mirror serves"
        die "downloading qemu source failed (see $DL/qemu.log)"; }
  fi
  check_sha "$dsc" "$QEMU_DSC_SHA256"
  check_sha "$DL/qemu_$up.orig.tar.xz" "$QEMU_ORIG_SHA256"
  check_sha "$DL/qemu_${QEMU_VERSION#*:}.debian.tar.xz" "$QEMU_DEBIAN_SHA256"
  if [ ! -f "$SRC/qemu-${QEMU_VERSION#*:}/.unpacked" ]; then
    say "unpacking qemu (with Debian's patches)"
    rm -rf "$SRC/qemu-${QEMU_VERSION#*:}"
    dpkg-source --no-check -x "$dsc" "$SRC/qemu-${QEMU_VERSION#*:}" >/dev/null ||
      die "dpkg-source failed to unpack $dsc"
    touch "$SRC/qemu-${QEMU_VERSION#*:}/.unpacked"
  fi
}

fetch_deb() { # package version sha
  local deb
  deb=$(ls "$DL/$1_${2#*:}"_*.deb 2>/dev/null | head -1 || true)
  if [ -z "$deb" ]; then
    say "downloading $1 $2"
    (cd "$DL" && apt-get "${APTOPT[@]}" download -q "$1=$2" >"$DL/$1.log" 2>&1) ||
      { grep -q "Version '.*' for '.*' was not found\|Unable to locate" "$DL/$1.log" && gone "$1" "$2"
        die "downloading $1 failed (see $DL/$1.log)"; }
    deb=$(ls "$DL/$1_"*.deb | head -1)
  fi
  check_sha "$deb" "$3"
  echo "$deb"
}

fetch_linux() {
  local deb; deb=$(fetch_deb "$LINUX_PACKAGE" "$LINUX_VERSION" "$LINUX_DEB_SHA256")
  if [ ! -f "$SRC/linux-$LINUX_VERSION/.unpacked" ]; then
    say "unpacking $LINUX_PACKAGE $LINUX_VERSION"
    rm -rf "$SRC/linux-$LINUX_VERSION" "$SRC/linux-deb"
    dpkg-deb -x "$deb" "$SRC/linux-deb"
    mkdir -p "$SRC/linux-$LINUX_VERSION"
    tar -xf "$SRC"/linux-deb/usr/src/linux-source-*.tar.xz -C "$SRC/linux-$LINUX_VERSION" --strip-components=1
    rm -rf "$SRC/linux-deb"
    touch "$SRC/linux-$LINUX_VERSION/.unpacked"
  fi
}

fetch_meson() {
  local have
  have=$(meson --version 2>/dev/null || echo 0)
  if dpkg --compare-versions "$have" ge 1.5; then return 0; fi
  local deb; deb=$(fetch_deb meson "$MESON_VERSION" "$MESON_DEB_SHA256")
  say "installing meson $MESON_VERSION (QEMU 10 needs >= 1.5; Debian 12 has 1.0)"
  dpkg -i "$deb" >/dev/null || die "dpkg -i $deb failed (run as root)"
}

newest() { # package kind(Sources|Packages) suite version-pattern
  apt-cache "${APTOPT[@]}" madison "$1" 2>/dev/null |
    awk -F' *[|] *' -v k="$2" -v s="$3" '$3 ~ (" " s "/main.* " k "$") {print $2}' | grep -E "$4" |
    sort -V | tail -1 || true
}

# The archive's index can list a version whose pool files the mirror does not
# serve (seen: QEMU 11.1.x listed in sid and trixie-backports, 404 on every
# file); fetch the small .dsc to tell.
served_src() { # package version
  local uri
  uri=$(apt-get "${APTOPT[@]}" source --print-uris -q "$1=$2" 2>/dev/null | sed -n "s/^'\([^']*\.dsc\)'.*/\1/p" | head -1)
  [ -n "$uri" ] && /usr/lib/apt/apt-helper download-file "$uri" "$APT/probe.dsc" >/dev/null 2>&1
}

# The newest QEMU of the series' line (10.2.x) from sid or trixie-backports
# that the mirror serves; a newer line that is served is named, not taken: the
# series must be ported first (docs/upstream.md).
relock_qemu() {
  local v
  for v in $(apt-cache "${APTOPT[@]}" madison qemu | awk -F' *[|] *' '$3 ~ / Sources$/ {print $2}' | sort -uVr); do
    case $v in
      1:10.2.*) ;;
      1:1[1-9].*)
        if served_src qemu "$v"; then say "note: qemu $v is served now; the series targets 10.2.x (port it: docs/upstream.md)"
        else say "note: qemu $v is listed but its files are not served (404)"; fi
        continue ;;
      *) continue ;;
    esac
    if served_src qemu "$v"; then echo "$v"; return 0; fi
    say "skipping qemu $v: listed but its files are not served (404)"
  done
}

relock() {
  local q l m
  q=$(relock_qemu) ; [ -n "$q" ] || die "no QEMU 10.2.x source served by the archive"
  local qsuite
  qsuite=$(apt-cache "${APTOPT[@]}" madison qemu | awk -F' *[|] *' -v v="$q" '$2==v && $3 ~ / Sources$/ {split($3,a," "); sub("/.*","",a[2]); print a[2]; exit}')
  l=$(newest linux-source-6.12 Packages bookworm-backports '^6\.12\.') ; [ -n "$l" ] || die "no linux-source-6.12 in the archive"
  m=$(newest meson Packages bookworm-backports '.') ; [ -n "$m" ] || die "no meson in bookworm-backports"
  sum_src() { apt-cache "${APTOPT[@]}" showsrc qemu | awk -v v="$q" -v f="$1" \
      '/^Version:/{cur=$2} /^Checksums-Sha256:/{p=1;next} /^[A-Z]/{p=0} p && cur==v && $3 ~ f {print $1; exit}'; }
  sum_deb() { apt-cache "${APTOPT[@]}" show "$1=$2" | awk '/^SHA256:/{print $2; exit}'; }
  local tmp; tmp=$(mktemp)
  sed -n '/^#/p' "$LOCK" >"$tmp"
  cat >>"$tmp" <<LOCKEOF
QEMU_SUITE=$qsuite
QEMU_VERSION=$q
QEMU_DSC_SHA256=$(sum_src '\.dsc$')
QEMU_ORIG_SHA256=$(sum_src 'orig\.tar')
QEMU_DEBIAN_SHA256=$(sum_src 'debian\.tar')
LINUX_SUITE=bookworm-backports
LINUX_PACKAGE=linux-source-6.12
LINUX_VERSION=$l
LINUX_DEB_SHA256=$(sum_deb linux-source-6.12 "$l")
MESON_SUITE=bookworm-backports
MESON_VERSION=$m
MESON_DEB_SHA256=$(sum_deb meson "$m")
LOCKEOF
  grep -q '=$' "$tmp" && { rm -f "$tmp"; die "could not read every checksum from the archive"; }
  mv "$tmp" "$LOCK"
  say "pinned qemu $q, linux $l, meson $m in configs/sources.lock"
}

apt_update
case "${1:-all}" in
  --relock) relock ;;
  all) fetch_meson; fetch_qemu; fetch_linux ;;
  qemu) fetch_meson; fetch_qemu ;;
  linux) fetch_linux ;;
  *) die "unknown argument '$1' (expected --relock, qemu, linux)" ;;
esac
