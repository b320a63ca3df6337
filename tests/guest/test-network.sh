#!/usr/bin/env bash
# The network workloads through a NIC behind the IOMMU: memcached + memcaslap
# and vtd-rr over a tap in the runner's own network namespace, and over slirp;
# the host-side CPU shares that the bottleneck check reads are recorded.
. "$(dirname "$0")/../lib/tap.sh"
T=$(mktemp -d); trap 'rm -rf "$T"' EXIT

# How the runner ends a run, against a stand-in for QEMU (no guest): a guest
# that printed VTD-EXIT keeps its result even if QEMU outlives the timeout,
# and every failure names the part that failed and what it printed.
cat >"$T/fakeqemu" <<'SH'
#!/bin/sh
case "$FAKE" in
  hang-after-exit) printf 'VTD-RESULT-BEGIN\n{"job":"info"}\nVTD-RESULT-END\nVTD-EXIT 0\n'; exec sleep 600 ;;
  qemu-error) echo "qemu-system-x86_64: -device nosuch: 'nosuch' is not a valid device model name"; exit 1 ;;
  job-failed) printf 'rrloop: client failed: connection refused\nVTD-RESULT-BEGIN\nVTD-RESULT-END\nVTD-EXIT 1\n' ;;
  malformed) printf 'VTD-RESULT-BEGIN\n{"job":\nVTD-RESULT-END\nVTD-EXIT 0\n' ;;
  load) printf 'VTD-READY\n'; sleep 2; printf 'VTD-RESULT-BEGIN\n{"job":"rr"}\nVTD-RESULT-END\nVTD-EXIT 0\n' ;;
  silent) exec sleep 600 ;;
esac
SH
chmod +x "$T/fakeqemu"
fake() { # FAKE-mode runner-args... -> exit status of the runner
  local mode=$1; shift
  FAKE=$mode VTD_EXIT_GRACE_S=2 "$VTD_RUN" --qemu "$T/fakeqemu" --kernel /dev/null --initrd /dev/null \
    "$@" >"$T/fake.out" 2>"$T/fake.err"
}
said() { grep -qF -- "$1" "$T/fake.err" || { sed 's/^/#   /' "$T/fake.err"; return 1; }; }
exit_kept() { fake hang-after-exit --timeout 3 --json "$T/exit.json" info; }
timed_out() { fake silent --timeout 2 info; [ $? -eq 124 ] &&
  said '[timeout] guest did not finish within 2 s (killed; the job had not reported)'; }
qemu_error() { fake qemu-error info
  said '[QEMU] guest ended without a result (QEMU exit 1)' && said '| qemu-system-x86_64: -device nosuch'; }
job_failed() { fake job-failed info
  said "[guest job] guest job 'info' exited with status 1" && said '| rrloop: client failed: connection refused'; }
malformed() { fake malformed info; said '[runner parse] guest printed a malformed result'; }
load_failed() { fake load --device virtio-net --forward 12865 --host-load 'echo boom; exit 7' info
  said '[load generator] host load failed (exit 7)' && said '| boom'; }
check "VTD-EXIT 0, then QEMU outlives --timeout: result kept, QEMU killed after the grace" exit_kept
check "... and the record says QEMU was killed after the guest's exit" \
  jget "$T/exit.json" "(r['result']['job'] == 'info' and r['qemu_exit']['killed_after_guest_exit']) or sys.exit(1)"
check "timeout: part 'timeout', what the guest was doing, exit 124" timed_out
check "QEMU start-up error: part 'QEMU' and QEMU's own message" qemu_error
check "guest job failure: part 'guest job' and the job's message" job_failed
check "malformed result: part 'runner parse'" malformed
check "host load failure: part 'load generator' and the load's output" load_failed
check "--net hub with one NIC is refused by name" bash -c \
  "'$VTD_RUN' --dry-run --net hub --device virtio-net info 2>&1 | grep -q -- '--net hub joins NICs to each other'"
check "--net hub: two hub ports, virtio-net transmitting on a virtual-clock timer" bash -c \
  "'$VTD_RUN' --dry-run --net hub --device virtio-net --device virtio-net rrloop |
   grep -q -- '-netdev hubport,id=net0,hubid=0 -device virtio-net-pci,netdev=net0,.*ioeventfd=off,tx=timer,x-txtimer=1000 -netdev hubport,id=net1,hubid=0'"

check "tap: memcached (1 vCPU, virtio-net, off) under memcaslap load" bash -c \
  "'$VTD_RUN' --net tap --mode off --cpus 1 --device virtio-net --forward 11211 --timeout 150 \
   --host-load '$TOP/scripts/load-memcaslap 2 16 1' --json '$T/mc.json' memcached >/dev/null 2>'$T/mc.err'"
check "tap: the NIC's backend is the tap device" \
  jget "$T/mc.json" "any(x.startswith('tap,id=net0,ifname=vtdtap0') for x in r['qemu_cmdline']) or sys.exit(1)"
check "tap: memcaslap counted transactions" jget "$T/mc.json" "r['host_load']['result']['ops'] > 0 or sys.exit(1)"
check "tap: guest memcached served at least what memcaslap counted" \
  jget "$T/mc.json" "r['result']['cmd_get'] + r['result']['cmd_set'] >= r['host_load']['result']['ops'] or sys.exit(1)"
check "host CPU shares recorded: the vCPU thread, the main loop, the load generator" \
  jget "$T/mc.json" "('CPU 0/TCG' in r['host_load']['qemu_thread_cpu_share'] and \
  len(r['host_load']['qemu_thread_cpu_share']) >= 2 and 0 < r['host_load']['load_cpu_share'] and \
  0 < r['result']['guest_cpu_busy'] <= 1) or sys.exit(1)"
check "the host's own namespace has no tap device left" bash -c "! ip link show vtdtap0 >/dev/null 2>&1"

check "tap: vtd-rr (2 vCPUs, e1000e, strict) request/response" bash -c \
  "'$VTD_RUN' --net tap --mode strict --device e1000e --forward 12865 --timeout 150 \
   --host-load '$TOP/build/tools/vtd-rr client -s \$VTD_SERVERS -c 4 -t 2 -w 1' --json '$T/rr.json' rr >/dev/null 2>'$T/rr.err'"
check "rr: transactions counted, latency percentiles ordered" \
  jget "$T/rr.json" "(r['host_load']['result']['transactions'] > 0 and \
  r['host_load']['result']['latency_us']['p50'] <= r['host_load']['result']['latency_us']['p99']) or sys.exit(1)"

check "user (slirp): memcached (2 vCPUs, virtio-net, strict) with forwarded ports" bash -c \
  "'$VTD_RUN' --mode strict --device virtio-net --forward 11211+2 --timeout 150 \
   --host-load '$TOP/scripts/load-memcaslap 2 16 1' --json '$T/user.json' memcached >/dev/null 2>'$T/user.err'"
check "user: two instances served the load" \
  jget "$T/user.json" "(r['result']['instances'] == 2 and r['host_load']['result']['ops'] > 0) or sys.exit(1)"

check "--net tap without a NIC is refused by name" bash -c \
  "'$VTD_RUN' --net tap info 2>&1 | grep -q -- '--net tap needs a NIC'"

# Deterministic network figure: 1 vCPU under icount, vtd-rr between two e1000e
# NICs of the guest joined on a QEMU hub, the cost model's typical invalidation
# costs on; each point twice. Under icount the figure is a function of the
# guest's instructions and the charged cost only, so the two runs' ratios to
# off must agree within 1 % (docs/bench.md states the measured spread).
DET="--icount --cpus 1 --net hub --device e1000e --device e1000e --iommu-opt x-qi-cost-preset=typical --timeout 400"
for m in off strict; do
  for i in 1 2; do
    check "rrloop ($m, run $i): icount, in-guest load across two NICs" bash -c \
      "'$VTD_RUN' $DET --mode $m --json '$T/det-$m-$i.json' rrloop seconds=1 warmup=1 >/dev/null 2>'$T/det-$m-$i.err'"
  done
done
check "rrloop: every transaction crossed both NICs (each sent and received at least one packet per transaction)" \
  jget "$T/det-strict-1.json" "(lambda x, n: n > 0 and all(x[k][d] >= n for k in ('server_packets', 'client_packets') \
  for d in ('rx', 'tx')))(r['result'], r['result']['client']['transactions']) or sys.exit(1)"
check "rrloop: strict is slower than off (the IOMMU and its invalidation cost are on the path)" python3 -c "
import json, sys
t = lambda f: json.load(open(f))['result']['client']['tps']
o, s = t('$T/det-off-1.json'), t('$T/det-strict-1.json')
print(f'# off {o:.0f} tps, strict {s:.0f} tps ({100 * s / o:.1f} % of off)')
sys.exit(0 if s < o else 1)"
check "rrloop: the ratio strict/off repeats within 1 % between two runs" python3 -c "
import json, sys
t = lambda f: json.load(open(f))['result']['client']['tps']
r1 = t('$T/det-strict-1.json') / t('$T/det-off-1.json')
r2 = t('$T/det-strict-2.json') / t('$T/det-off-2.json')
d = 100 * abs(r1 / r2 - 1)
print(f'# run 1: {100 * r1:.3f} % of off, run 2: {100 * r2:.3f} % of off, difference {d:.3f} %')
sys.exit(0 if d <= 1.0 else 1)"
for f in mc rr user det-off-1 det-strict-1; do [ -s "$T/$f.err" ] && sed 's/^/# /' "$T/$f.err" | tail -3; done
done_testing
