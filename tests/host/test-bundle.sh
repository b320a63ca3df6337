#!/usr/bin/env bash
# The device bundle (make device-bundle) is self-contained: everything runs
# inside its own root (chroot), where nothing of this host's files is visible
# but /dev, /proc and /sys; also unpacked from the .tar.gz by an unprivileged user.
. "$(dirname "$0")/../lib/tap.sh"
T=$(mktemp -d); trap 'rm -rf "$T"' EXIT
B=$T/device-bundle

check "make-device-bundle.sh builds the folder and the .tar.gz" bash -c \
  "'$TOP/scripts/make-device-bundle.sh' '$B' >/dev/null 2>'$T/make.err' && test -x '$B/run' -a -s '$B.tar.gz'"
check "manifest names the pinned versions and checksums" bash -c \
  "grep -q '^QEMU_VERSION=' '$B/MANIFEST' && grep -q ' bzImage$' '$B/MANIFEST' && grep -q ' qemu-system-x86_64$' '$B/MANIFEST'"
# Every shared library any program in the root asks for is in the root.
missing=$(cd "$B/rootfs" && find usr vtd -type f \( -perm -u+x -o -name '*.so*' \) -print0 |
  xargs -0 file | awk -F: '/ELF.*dynamic/{print $1}' | while read -r f; do
    readelf -d "$f" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p' | while read -r lib; do
      [ -e usr/lib/x86_64-linux-gnu/"$lib" ] || [ -e usr/lib/"$lib" ] || [ -e usr/lib64/"$lib" ] ||
        echo "$f:$lib"
    done
  done | sort -u)
check "no program in the root needs a library from outside it" test -z "$missing"
[ -z "$missing" ] || diag "missing: $missing"
check "the root cannot see this host's files (chroot)" bash -c \
  "'$B/run' exec sh -c 'test ! -e /etc/os-release && test ! -e $TOP && test -e /proc/self && test -c /dev/null'"

check "run check: boots a strict guest with device counters inside the root" bash -c "'$B/run' check >'$T/check.json' 2>'$T/check.err'"
load_record C "$T/check.json"
check "check: one page invalidation per strict unmap, counted by the device (${C[result.ops]} ops)" \
  test "${C[status]}" = 0 -a "${C[result.ops]:-0}" -gt 0 -a "${C[device_counters.qi.iotlb.page]}" = "${C[result.ops]}"
check "tap network + memcaslap inside the root" bash -c \
  "'$B/run' exec scripts/vtd-run --net tap --mode off --cpus 1 --device virtio-net --forward 11211 \
   --host-load 'scripts/load-memcaslap 2 16 1' --timeout 150 --json results/mc.json memcached >/dev/null 2>'$T/mc.err'"
load_record MC "$B/results/mc.json"
check "tap: memcaslap transactions came back" test "${MC[host_load.result.tps]:-0}" -gt 0
check "tap network + sockperf (request/response, 2 connections) inside the root" bash -c \
  "'$B/run' exec scripts/vtd-run --net tap --mode off --cpus 1 --device virtio-net --forward 12865+2 \
   --host-load 'scripts/load-sockperf 1 1' --timeout 150 --json results/rr.json rr conns=2 >/dev/null 2>'$T/rr.err'"
load_record RR "$B/results/rr.json"
check "tap: sockperf transactions on 2 connections came back" \
  test "${RR[host_load.result.tool]} ${RR[host_load.result.connections]}" = "sockperf 2" -a "${RR[host_load.result.transactions]:-0}" -gt 0

cat >"$T/tiny.ini" <<'INI'
[tiny]
job = dmabench
modes = strict percpu
params = seconds=1
repetitions = 1
timeout = 120
INI
check "run bench with an experiment from outside the bundle: records + report" bash -c \
  "'$B/run' bench '$T/tiny.ini' >/dev/null 2>'$T/bench.err' && ls '$B'/results/*/raw/tiny-percpu-c2-t1-r1.json >/dev/null &&
   grep -q '| 2 | 1 | percpu |' '$B'/results/*/report.md"
check "run with a bad command prints its usage and exits 2" bash -c \
  "out=\$('$B/run' nonsense 2>&1); [ \$? -eq 2 ] && echo \"\$out\" | grep -q 'run check'"

if id nobody >/dev/null 2>&1 && command -v setpriv >/dev/null; then
  mkdir "$T/user" && chown nobody "$T/user" && chmod 755 "$T"
  check "unprivileged user: unpack the .tar.gz and run check (user namespaces)" \
    setpriv --reuid=nobody --regid=nogroup --clear-groups sh -c \
    "cd '$T/user' && tar -xzf '$B.tar.gz' && device-bundle/run check >check.json 2>check.err"
else
  skip "unprivileged user: unpack and run check" "no 'nobody' user or setpriv"
fi
for f in make check mc rr bench; do [ -s "$T/$f.err" ] && tail -2 "$T/$f.err" | sed 's/^/# /'; done
done_testing
