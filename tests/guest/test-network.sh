#!/usr/bin/env bash
# The network workloads through a NIC behind the IOMMU: memcached + memcaslap
# and vtd-rr over a tap in the runner's own network namespace, and over slirp;
# the host-side CPU shares that the bottleneck check reads are recorded.
. "$(dirname "$0")/../lib/tap.sh"
T=$(mktemp -d); trap 'rm -rf "$T"' EXIT

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
for f in mc rr user; do [ -s "$T/$f.err" ] && sed 's/^/# /' "$T/$f.err" | tail -3; done
done_testing
