# Guest jobs, sourced by /init. Each job_<name> prints one JSON object on
# stdout, diagnostics on stderr, and returns non-zero on failure.

# JSON helpers: keep values simple (numbers, words).
jstr() { printf '"%s"' "$(echo "$1" | sed 's/\\/\\\\/g; s/"/\\"/g')"; }

# Whether the kernel enabled ATS on PCI device DIR: the Enable bit (15) of
# the ATS Control register (offset 6) of the ATS extended capability (ID
# 0x000f), found by walking the extended capability list from 0x100.
ats_enabled() {
  off=256 n=0
  while [ "$off" -ge 256 ] && [ $n -lt 64 ]; do
    h=$(od -An -tu4 -j "$off" -N4 "$1/config" 2>/dev/null | tr -d ' ')
    [ -n "$h" ] && [ "$h" != 0 ] || break
    if [ $((h & 0xffff)) -eq 15 ]; then
      c=$(od -An -tu2 -j $((off + 6)) -N2 "$1/config" | tr -d ' ')
      [ $((c >> 15 & 1)) -eq 1 ] && { echo true; return; }
      break
    fi
    off=$((h >> 20)) n=$((n + 1))
  done
  echo false
}

# "bdf":{vendor, device, group, type, ats} for every PCI device with an IOMMU group, as a JSON object.
iommu_groups_json() {
  sep=
  printf '{'
  for d in /sys/bus/pci/devices/*; do
    [ -e "$d/iommu_group" ] || continue
    t=$(cat "$d/iommu_group/type" 2>/dev/null)
    printf '%s"%s":{"vendor":"%s","device":"%s","group":%s,"type":"%s","ats":%s}' "$sep" "${d##*/}" \
      "$(cat "$d/vendor")" "$(cat "$d/device")" "$(basename "$(readlink "$d/iommu_group")")" "$t" \
      "$(ats_enabled "$d")"
    sep=,
  done
  printf '}'
}

common_json() {
  # The kernel series' scheme (docs/kernel-series.md), when there is one.
  [ -r /sys/module/iommu/parameters/dma_scheme ] &&
    printf '"dma_scheme":"%s",' "$(cat /sys/module/iommu/parameters/dma_scheme)"
  # What VT-d made of the vIOMMU: its extended capabilities as the guest
  # reads them, and whether caching mode forced strict (kernel-patches 0009).
  [ -r /sys/class/iommu/dmar0/intel-iommu/ecap ] &&
    printf '"vtd_ecap":"0x%s",' "$(cat /sys/class/iommu/dmar0/intel-iommu/ecap)"
  b=upstream
  dmesg | grep -q 'batching disallowed due to virtualization' && b=forced-strict
  dmesg | grep -q 'batching kept under virtualization' && b=kept
  printf '"vtd_batching":"%s",' $b
  printf '"kernel":%s,"cmdline":%s,"cpus":%s,"dmar_units":%s,"iommu_groups":%s' \
    "$(jstr "$(uname -r)")" "$(jstr "$(cat /proc/cmdline)")" "$(grep -c ^processor /proc/cpuinfo)" \
    "$(ls /sys/class/iommu 2>/dev/null | wc -l)" "$(iommu_groups_json)"
}

job_info() {
  printf '{"job":"info",'; common_json; printf '}\n'
}

job_shell() {
  echo "vtd-testbed guest shell; 'exit' powers off."
  setsid cttyhack sh
}

# First PCI device with vendor:device (default: QEMU edu 1234:11e8).
find_pci() {
  for d in /sys/bus/pci/devices/*; do
    [ "$(cat "$d/vendor"):$(cat "$d/device")" = "$1" ] && { echo "${d##*/}"; return 0; }
  done
  return 1
}

bind_benchmark() {
  bdf=$1
  echo dma_map_benchmark >/sys/bus/pci/devices/"$bdf"/driver_override || return 1
  [ -e /sys/bus/pci/devices/"$bdf"/driver ] && echo "$bdf" >/sys/bus/pci/devices/"$bdf"/driver/unbind
  echo "$bdf" >/sys/bus/pci/drivers/dma_map_benchmark/bind
}

# Guest-side counters of the kernel series (/sys/kernel/debug/iommu/scal),
# as a JSON object; "null" on a kernel without them.
SCAL=/sys/kernel/debug/iommu/scal
# Counters switched on at boot (iommu.scal_stats=1) keep counting from boot,
# to match the device's; with vtd.counters=1 they count just this job.
# Otherwise they stay off: the default path is measured as users run it.
scal_start() {
  [ -d $SCAL ] || return 0
  [ "$(cat $SCAL/enable)" = 1 ] && return 0
  [ "${P_counters:-0}" = 1 ] || return 0
  echo 1 >$SCAL/enable && echo 1 >$SCAL/reset
}
scal_json() {
  [ -r $SCAL/counters ] && [ "$(cat $SCAL/enable)" = 1 ] || { printf null; return; }
  awk 'BEGIN{printf "{"} NF==2{printf "%s\"%s\":%s", sep, $1, $2; sep=","} END{printf "}"}' $SCAL/counters
}

# dma_map_benchmark on the edu device.
#   vtd.threads (1) vtd.seconds (2) vtd.granule (1 page) vtd.bits (64)
#   vtd.map (single | sg | sg-page: one scatterlist mapped batched or page by page)
#   vtd.counters=1: guest counters on for this run (off by default)
#   vtd.unplug=1: take CPU 1 offline right after the run (queued entries must drain)
job_dmabench() {
  bdf=$(find_pci 0x1234:0x11e8) || { echo "dmabench: no edu device (add -device edu)" >&2; return 1; }
  bind_benchmark "$bdf" || { echo "dmabench: cannot bind $bdf to dma_map_benchmark" >&2; return 1; }
  scal_start
  live0=$(awk '$1=="iova_live"{print $2}' $SCAL/counters 2>/dev/null)
  out=$(dma_map_benchmark -t "${P_threads:-1}" -s "${P_seconds:-2}" -g "${P_granule:-1}" \
        -b "${P_bits:-64}" ${P_map:+-m "$P_map"} 2>&1) || { echo "dmabench: $out" >&2; return 1; }
  echo "$out" >&2
  [ "${P_unplug:-0}" = 1 ] && echo 0 >/sys/devices/system/cpu/cpu1/online
  # Let the 10 ms flush timer retire what is still queued before counting.
  [ -d $SCAL ] && sleep 0.5
  field() { echo "$out" | sed -n "$1" | head -1; }
  map=$(field 's/^average map latency(us):\([0-9.]*\) .*/\1/p')
  unmap=$(field 's/^average unmap latency(us):\([0-9.]*\) .*/\1/p')
  [ -n "$map" ] && [ -n "$unmap" ] || { echo "dmabench: cannot parse benchmark output" >&2; return 1; }
  printf '{"job":"dmabench","device":"%s","threads":%s,"seconds":%s,"granule":%s,"map":"%s",' \
    "$bdf" "${P_threads:-1}" "${P_seconds:-2}" "${P_granule:-1}" "${P_map:-single}"
  printf '"map_us":%s,"unmap_us":%s,' "$map" "$unmap"
  # Finer figures from the extended benchmark (kernel-patches 0007), when the
  # kernel fills them in (the tool prints zeros on a stock kernel).
  ops=$(field 's/^total operations:\([0-9]*\) elapsed(ms):.*/\1/p')
  ms=$(field 's/^total operations:[0-9]* elapsed(ms):\([0-9.]*\).*/\1/p')
  if [ "${ops:-0}" -gt 0 ]; then
    printf '"ops":%s,"elapsed_ms":%s,' "$ops" "$ms"
    mns=$(field 's/^average latency(ns): map:\([0-9]*\) unmap:.*/\1/p')
    uns=$(field 's/^average latency(ns): map:[0-9]* unmap:\([0-9]*\).*/\1/p')
    [ -n "$mns" ] && printf '"map_ns":%s,"unmap_ns":%s,' "$mns" "$uns"
  fi
  printf '"guest_counters":%s,"iova_live_before":%s,' "$(scal_json)" "${live0:-null}"
  common_json
  printf '}\n'
}

# Bring up the first NIC as 10.0.2.15/24 with the host at 10.0.2.2: slirp's
# gateway (vtd-run --net user) or the runner's end of the tap (--net tap).
net_up() {
  ip link set lo up
  dev=$(ls /sys/class/net | grep -v '^lo$' | head -1)
  [ -n "$dev" ] || { echo "net: no network device (add --device virtio-net or e1000e)" >&2; return 1; }
  ip link set "$dev" up && ip addr add 10.0.2.15/24 dev "$dev" && ip route add default via 10.0.2.2
}

# Guest CPU time as "busy total" jiffies, summed over CPUs.
cpu_jiffies() { awk '/^cpu /{t=0; for(i=2;i<=NF;i++) t+=$i; print t-$5-$6, t}' /proc/stat; }

# Announce readiness, wait until the host-side load is done (it connects to
# port 9999), and leave the guest CPUs' busy share over that time in $BUSY.
serve_until_done() {
  set -- $(cpu_jiffies); b0=$1 t0=$2
  echo VTD-READY >/dev/console
  nc -l -p 9999 </dev/null >/dev/null
  set -- $(cpu_jiffies)
  BUSY=$(awk -v b=$(($1 - b0)) -v t=$(($2 - t0)) 'BEGIN{printf "%.3f", t ? b / t : 0}')
}

# Wait until every port given is listening, or fail naming the first that is not.
wait_listening() { # what port...
  what=$1; shift
  sleep 1
  for port in "$@"; do
    netstat -ltn | grep -q ":$port " ||
      { echo "$what: nothing listens on port $port: $(cat /tmp/$what.$port.err 2>/dev/null)" >&2; return 1; }
  done
}

# Canaries beside a workload (issue 22, docs/attack.md): with vtd.spray=1 the
# jobs memcached, rrloop and fio load canary_spray.ko before their load and
# stop it after, and their result gets its report as "module" and
# "sl_wo", for the host to join with what a hostile device in the NIC's or
# SSD's domain read (vtd-run --hostile --hostile-on virtio-net|nvme).
#   vtd.spray (0) vtd.spray_args ("": module parameters, comma-separated)
spray_start() {
  [ "${P_spray:-0}" = 1 ] || return 0
  ko=/lib/modules/canary_spray.ko
  [ -f "$ko" ] || { echo "spray: $ko missing (scripts/build-modules.sh)" >&2; return 1; }
  # shellcheck disable=SC2046
  insmod "$ko" $(echo "${P_spray_args:-}" | tr ',' ' ') ||
    { echo "spray: insmod canary_spray ${P_spray_args:-} failed" >&2; dmesg | tail -5 >&2; return 1; }
}
# Stop the sprayer; its report and the boot's sl_wo as JSON members
# (nothing without vtd.spray=1), in $SPRAY.
spray_stop() {
  SPRAY=
  [ "${P_spray:-0}" = 1 ] || return 0
  echo 1 >/sys/kernel/debug/canary_spray/stop &&
    res=$(cat /sys/kernel/debug/canary_spray/result) && [ -n "$res" ] ||
    { echo "spray: no result from canary_spray" >&2; return 1; }
  SPRAY="\"module\":$res,\"sl_wo\":$(sl_wo),"
}
# Whether second-level leaves are write-only (intel_iommu=sl_wo, kernel-patches 0012), as booted.
sl_wo() {
  if grep -Eq '(^| )intel_iommu=([^ ]*,)?sl_wo' /proc/cmdline; then echo true; else echo false; fi
}

# memcached as in seed 000: one single-threaded instance per vCPU, pinned,
# on ports 11211.., served until the host-side load generator is done, then
# per-instance stats and guest CPU busy share.
#   vtd.instances (= vCPUs)
job_memcached() {
  net_up || return 1
  n=${P_instances:-$(nproc)}
  ports=
  i=0
  while [ "$i" -lt "$n" ]; do
    port=$((11211 + i))
    taskset -c $((i % $(nproc))) memcached -u root -l 0.0.0.0 -p $port -U 0 -t 1 \
      -m 256 -c 4096 2>/tmp/memcached.$port.err &
    ports="$ports $port"
    i=$((i + 1))
  done
  wait_listening memcached $ports || return 1
  scal_start
  spray_start || return 1
  serve_until_done
  spray_stop || return 1
  gets=0 sets=0
  for port in $ports; do
    st=$(printf 'stats\r\nquit\r\n' | nc 127.0.0.1 "$port")
    g=$(echo "$st" | sed -n 's/^STAT cmd_get \([0-9]*\).*/\1/p')
    t=$(echo "$st" | sed -n 's/^STAT cmd_set \([0-9]*\).*/\1/p')
    [ -n "$g" ] && [ -n "$t" ] || { echo "memcached: no stats from port $port" >&2; return 1; }
    gets=$((gets + g)) sets=$((sets + t))
  done
  printf '{"job":"memcached","instances":%s,"cmd_get":%s,"cmd_set":%s,"guest_cpu_busy":%s,"guest_counters":%s,%s' \
    "$n" "$gets" "$sets" "$BUSY" "$(scal_json)" "$SPRAY"
  common_json
  printf '}\n'
}

# Start CONNS `sockperf server --tcp` on ADDR, ports 12865.. (one per
# connection: sockperf 3.7 answers only one of several clients of one
# server); their pids in $SPIDS (a server blocked in recvfrom ignores
# SIGTERM: stop them with SIGKILL), their ports in $SPORTS.
#   sockperf_servers JOB ADDR CONNS
sockperf_servers() {
  SPIDS='' SPORTS=''
  i=0
  while [ "$i" -lt "$3" ]; do
    port=$((12865 + i))
    sockperf server --tcp -i "$2" -p $port >"/tmp/$1.$port.err" 2>&1 &
    SPIDS="$SPIDS $!" SPORTS="$SPORTS $port"
    i=$((i + 1))
  done
  wait_listening "$1" $SPORTS
}

# TCP request/response servers (sockperf) on ports 12865.. for a host-side
# client (scripts/load-sockperf; vtd-run --forward 12865+CONNS).
#   vtd.conns (4)
job_rr() {
  net_up || return 1
  sockperf_servers rr 0.0.0.0 "${P_conns:-4}" || return 1
  scal_start
  serve_until_done
  printf '{"job":"rr","guest_cpu_busy":%s,"guest_counters":%s,' "$BUSY" "$(scal_json)"
  common_json
  printf '}\n'
}

# {"rx":N,"tx":N} packets of NIC $1 from /proc/net/dev on stdin.
nic_packets() {
  awk -v d="$1:" '$1 == d {printf "{\"rx\":%s,\"tx\":%s}", $3, $11; f=1} END{if (!f) printf "null"}'
}

# Request/response between two NICs of one guest, no host process involved
# (vtd-run --net hub: the NICs are joined inside QEMU). The first NIC serves
# (one sockperf server per connection, 10.0.3.1) in the initial network
# namespace; the second is moved into a namespace of its own where the
# clients run (load-sockperf, 10.0.3.2), so every request and response
# leaves through one NIC and arrives through the other, both behind the
# IOMMU. With --icount the clients' windows and latencies are virtual time:
# the figure is deterministic (docs/bench.md).
#   vtd.conns (4) vtd.bytes (64) vtd.seconds (1) vtd.warmup (1)
job_rrloop() {
  ip link set lo up
  set -- $(ls /sys/class/net | grep -v '^lo$')
  [ $# -ge 2 ] || { echo "rrloop: needs two NICs (vtd-run --net hub --device virtio-net --device virtio-net)" >&2; return 1; }
  srv=$1 cli=$2
  ip link set "$srv" up && ip addr add 10.0.3.1/24 dev "$srv" ||
    { echo "rrloop: cannot configure $srv" >&2; return 1; }
  # A process that holds the client's namespace; the NIC moves into it.
  unshare -n sleep 1000000 &
  ns=$!
  i=0
  while [ "$(readlink /proc/$ns/ns/net)" = "$(readlink /proc/self/ns/net)" ]; do
    i=$((i + 1)); [ $i -lt 100 ] || { echo "rrloop: unshare -n did not make a namespace (CONFIG_NET_NS?)" >&2; return 1; }
    sleep 0.01
  done
  ip link set "$cli" netns "$ns" &&
    nsenter -t "$ns" -n sh -c "ip link set lo up && ip link set $cli up && ip addr add 10.0.3.2/24 dev $cli" ||
    { echo "rrloop: cannot move $cli into a network namespace" >&2; kill $ns; return 1; }
  sockperf_servers rrloop 10.0.3.1 "${P_conns:-4}" || { kill $ns; kill -9 $SPIDS; return 1; }
  scal_start
  spray_start || { kill $ns; kill -9 $SPIDS; return 1; }
  set -- $(cpu_jiffies); b0=$1 t0=$2
  out=$(VTD_SERVERS=$(echo $SPORTS | sed 's/[0-9][0-9]*/10.0.3.1:&/g; s/ /,/g') nsenter -t "$ns" -n \
        load-sockperf "${P_seconds:-1}" "${P_warmup:-1}" "${P_bytes:-64}" 2>/tmp/rrloop.err)
  rc=$?
  set -- $(cpu_jiffies)
  spray_stop || rc=1
  # Packets each NIC moved, from its own namespace's /proc/net/dev.
  cpk=$(nsenter -t "$ns" -n cat /proc/net/dev | nic_packets "$cli")
  spk=$(nic_packets "$srv" </proc/net/dev)
  kill $ns; kill -9 $SPIDS
  [ $rc -eq 0 ] && [ -n "$out" ] || { echo "rrloop: client failed: $(cat /tmp/rrloop.err)" >&2; return 1; }
  busy=$(awk -v b=$(($1 - b0)) -v t=$(($2 - t0)) 'BEGIN{printf "%.3f", t ? b / t : 0}')
  printf '{"job":"rrloop","server_nic":"%s","client_nic":"%s","client":%s,"guest_cpu_busy":%s,' \
    "$srv" "$cli" "$out" "$busy"
  printf '"server_packets":%s,"client_packets":%s,%s' "$spk" "$cpk" "$SPRAY"
  printf '"guest_counters":%s,' "$(scal_json)"
  common_json
  printf '}\n'
}

# Load the edu test module MOD (guest/modules/MOD) with ARGS; leaves its JSON
# result in $res (its debugfs file, or its "MOD: result" kernel-log line) and
# edu's address in $bdf; JOB names the caller in errors.
#   edu_module JOB MOD [ARGS...]
edu_module() {
  job=$1 mod=$2; shift 2
  ko=/lib/modules/$mod.ko
  [ -f "$ko" ] || { echo "$job: $ko missing (scripts/build-modules.sh)" >&2; return 1; }
  bdf=$(find_pci 0x1234:0x11e8) || { echo "$job: no edu device (add -device edu)" >&2; return 1; }
  insmod "$ko" "$@" || { echo "$job: insmod $mod $* failed" >&2; dmesg | tail -5 >&2; return 1; }
  res=$(cat /sys/kernel/debug/"$mod"/result 2>/dev/null)
  [ -n "$res" ] || res=$(dmesg | sed -n "s/.*$mod: result //p" | tail -1)
  [ -n "$res" ] || { echo "$job: no result from $mod" >&2; dmesg | tail -5 >&2; return 1; }
  dmesg | grep "$mod" >&2
}

# Stale-translation window (issue 8): edu_stale.ko binds edu, lets it DMA
# through just-unmapped IOVAs and reports whether the writes landed
# (docs/stale-audit.md). Run with --iommu-opt x-audit=on --counters to
# have the device count the same DMAs.
#   vtd.rounds (5) vtd.tries (40) vtd.len (256) vtd.delay_us (96000)
#   vtd.sweep_step_us vtd.sweep_max_us (20000): module parameters
job_stale() {
  f0=$(dmesg | grep -c 'DMAR: \[DMA Write')
  args=
  for k in rounds tries len delay_us sweep_step_us sweep_max_us; do
    eval "v=\${P_$k:-}"
    [ -n "$v" ] && args="$args $k=$v"
  done
  # shellcheck disable=SC2086
  edu_module stale edu_stale $args || return 1
  faults=$(($(dmesg | grep -c 'DMAR: \[DMA Write') - f0))
  printf '{"job":"stale","device":"%s","module":%s,"dmar_write_faults":%s,' "$bdf" "$res" "$faults"
  common_json
  printf '}\n'
}

# Canaries for a hostile DMA device in edu's domain (issue 22, docs/attack.md):
# edu_canary.ko binds edu and, in rounds, plants canaries where no device may
# read (a: the rest of a sub-page buffer's page, b: a DMA_FROM_DEVICE page's
# contents, c: a page right after its unmap, d: an unmapped mapping's data)
# around edu's own DMA; "module" lists what it planted, for the host to join
# with what vtd-hostile read (vtd-run --hostile; tests/guest/test-attack.sh).
# DMAR faults: as logged by the guest (rate-limited), mostly the device's probes.
#   vtd.rounds (4) vtd.hold_ms (30) vtd.c_window_us (5000) vtd.small (256)
#   vtd.kinds (abcd) vtd.d_read (0) vtd.magic (vtdCnry!) vtd.plant (1): module parameters
job_attack() {
  r0=$(dmesg | grep -c 'DMAR: \[DMA Read') w0=$(dmesg | grep -c 'DMAR: \[DMA Write')
  args=
  for k in rounds hold_ms c_window_us small kinds d_read magic plant; do
    eval "v=\${P_$k:-}"
    [ -n "$v" ] && args="$args $k=$v"
  done
  # shellcheck disable=SC2086
  edu_module attack edu_canary $args || return 1
  wo=$(sl_wo)
  printf '{"job":"attack","device":"%s","module":%s,"sl_wo":%s,"dmar_read_faults":%s,"dmar_write_faults":%s,' \
    "$bdf" "$res" "$wo" $(($(dmesg | grep -c 'DMAR: \[DMA Read') - r0)) \
    $(($(dmesg | grep -c 'DMAR: \[DMA Write') - w0))
  common_json
  printf '}\n'
}

# Self-tests of the runner's kernel reports (make check-kernel-debug, issue
# 13; tests/host/test-runner.sh): the test-only module vtd_selftest_splat
# makes the kernel warn once, leak one object and/or oops, which
# scripts/vtd-run must then report (kinds WARNING and kmemleak, the leak after
# /init's aged kmemleak scans; an oops ends the guest, and the runner's error
# shows the report's head). Never loaded by another job.
#   vtd.warn=0|1 vtd.leak=0|1 vtd.oops=0|1
job_splat() {
  ko=/lib/modules/vtd_selftest_splat.ko
  [ -f "$ko" ] || { echo "splat: $ko missing (scripts/build-modules.sh)" >&2; return 1; }
  insmod "$ko" warn="${P_warn:-0}" leak="${P_leak:-0}" oops="${P_oops:-0}" ||
    { echo "splat: insmod warn=${P_warn:-0} leak=${P_leak:-0} oops=${P_oops:-0} failed" >&2; dmesg | tail -5 >&2; return 1; }
  printf '{"job":"splat","warn":%s,"leak":%s,"tainted":%s,' "${P_warn:-0}" "${P_leak:-0}" \
    "$(cat /proc/sys/kernel/tainted)"
  common_json
  printf '}\n'
}

# The caller's DMA limit under the IOVA caches: a 64-bit run (with
# iommu.forcedac=1 its IOVAs lie above 4 GiB) fills the caches, then a
# 32-bit run in the same boot must stay below 4 GiB (kernel-patches 0008
# reports the highest address mapped and mask violations).
job_masklimit() {
  bdf=$(find_pci 0x1234:0x11e8) || { echo "masklimit: no edu device" >&2; return 1; }
  bind_benchmark "$bdf" || { echo "masklimit: cannot bind $bdf" >&2; return 1; }
  printf '{"job":"masklimit",'
  for bits in 64 32; do
    out=$(dma_map_benchmark -t "${P_threads:-2}" -s "${P_seconds:-1}" -b $bits 2>&1) ||
      { echo "masklimit: $out" >&2; return 1; }
    line=$(echo "$out" | sed -n 's/^highest dma address:\(0x[0-9a-f]*\) mask violations:\([0-9]*\)/\1 \2/p')
    [ -n "$line" ] || { echo "masklimit: benchmark without address report (kernel-patches 0008)" >&2; return 1; }
    set -- $line
    printf '"max_dma_addr_%s":"%s","mask_violations_%s":%s,' $bits "$1" $bits "$2"
  done
  common_json
  printf '}\n'
}

# The run-time scheme switch (/sys/module/iommu/parameters/dma_scheme) under
# load, on a guest booted with iommu.dma_scheme=percpu and 2 vCPUs. Phases,
# each a 1-page dma_map_benchmark on edu with a counter snapshot after it:
#   before   percpu as booted
#   during   "global" written while the benchmark runs; then "strict" and
#            "nonsense" must be refused (strictness is per group at run time)
#   after    IOVA path switched at once, the queue layout still per-CPU
#   rebuilt  the device's DMA domain set up again: one shared queue
#   vtd.seconds (1) vtd.threads (2)
job_schemeswitch() {
  p=/sys/module/iommu/parameters/dma_scheme
  [ -w $p ] || { echo "schemeswitch: $p missing (kernel-patches 0002)" >&2; return 1; }
  [ -d $SCAL ] || { echo "schemeswitch: no counters (kernel-patches 0003)" >&2; return 1; }
  bdf=$(find_pci 0x1234:0x11e8) || { echo "schemeswitch: no edu device" >&2; return 1; }
  bind_benchmark "$bdf" || { echo "schemeswitch: cannot bind $bdf" >&2; return 1; }
  P_counters=1 scal_start
  bench() { dma_map_benchmark -t "${P_threads:-2}" -s "${1:-${P_seconds:-1}}" -b 64 >/dev/null 2>&1; }
  # Counters after a phase, once the 10 ms timer has retired what is queued.
  snap() { sleep 0.5; printf '"%s":{"dma_scheme":"%s","counters":%s},' "$1" "$(cat $p)" "$(scal_json)"; }
  printf '{"job":"schemeswitch","device":"%s",' "$bdf"
  bench || { echo "schemeswitch: benchmark failed (before)" >&2; return 1; }
  snap before
  bench $((${P_seconds:-1} * 2)) & pid=$!
  sleep 0.5
  echo global >$p 2>/tmp/sw.err; rc_global=$?
  echo strict >$p 2>/tmp/sw.err; rc_strict=$?; err_strict=$(sed 's/.*: //' /tmp/sw.err)
  echo nonsense >$p 2>/tmp/sw.err; rc_bad=$?
  wait $pid || { echo "schemeswitch: benchmark failed (during)" >&2; return 1; }
  printf '"write_global_rc":%s,"write_strict_rc":%s,"write_strict_error":%s,"write_nonsense_rc":%s,' \
    $rc_global $rc_strict "$(jstr "$err_strict")" $rc_bad
  snap during
  bench || { echo "schemeswitch: benchmark failed (after)" >&2; return 1; }
  snap after
  echo "$bdf" >/sys/bus/pci/drivers/dma_map_benchmark/unbind &&
    echo DMA >/sys/bus/pci/devices/"$bdf"/iommu_group/type &&
    echo DMA-FQ >/sys/bus/pci/devices/"$bdf"/iommu_group/type &&
    echo "$bdf" >/sys/bus/pci/drivers/dma_map_benchmark/bind ||
    { echo "schemeswitch: cannot set up $bdf's DMA domain again" >&2; return 1; }
  bench || { echo "schemeswitch: benchmark failed (rebuilt)" >&2; return 1; }
  snap rebuilt
  common_json
  printf '}\n'
}

# Make every NIC and NVMe disk do DMA once, so that a run with device
# counters shows each device's translations: each NIC in turn is brought up
# on slirp's 10.0.2.0/24 and pings the gateway; each NVMe namespace is read.
job_dmasmoke() {
  ip link set lo up
  printf '{"job":"dmasmoke","nics":{'
  sep=
  for dev in $(ls /sys/class/net | grep -v '^lo$'); do
    ip link set "$dev" up && ip addr add 10.0.2.15/24 dev "$dev" || return 1
    ping -c 2 -W 2 -I "$dev" 10.0.2.2 >/dev/null 2>&1; rc=$?
    ip addr flush dev "$dev"; ip link set "$dev" down
    printf '%s"%s":{"bdf":"%s","ping_rc":%s}' "$sep" "$dev" \
      "$(basename "$(readlink /sys/class/net/"$dev"/device)")" $rc
    sep=,
  done
  printf '},"disks":{'
  sep=
  for b in /sys/block/nvme*; do
    [ -e "$b" ] || continue
    dd if=/dev/"${b##*/}" of=/dev/null bs=4096 count=16 2>/dev/null; rc=$?
    printf '%s"%s":{"read_rc":%s}' "$sep" "${b##*/}" $rc
    sep=,
  done
  printf '},'
  common_json
  printf '}\n'
}

# The bytes edu's DMA moves through streaming mappings, checked by the
# edu_dmacheck module (guest/modules/edu_dmacheck): to and from the device at
# odd offsets, bidirectional, and after a sync before the unmap.
job_dmacheck() {
  scal_start
  edu_module dmacheck edu_dmacheck || return 1
  printf '{"job":"dmacheck","device":"%s","module":%s,"guest_counters":%s,' "$bdf" "$res" "$(scal_json)"
  common_json
  printf '}\n'
}

# fio on the first NVMe namespace (vtd-run --device nvme: QEMU's null block
# driver, so nothing reaches the host disk), O_DIRECT with libaio, reads.
# IOPS, and guest CPU per I/O from the busy share of all vCPUs.
#   vtd.rw (randread | read) vtd.bs (4k) vtd.iodepth (1) vtd.seconds (2)
#   vtd.counters=1: guest counters on for this run
job_fio() {
  command -v fio >/dev/null ||
    { echo "fio: not in this initramfs (vtd-run boots build/initramfs-fio.cpio.gz for it)" >&2; return 1; }
  ns=$(ls /sys/block | grep '^nvme.*n1$' | head -1)
  [ -n "$ns" ] || { echo "fio: no NVMe namespace (add --device nvme)" >&2; return 1; }
  bdf=$(basename "$(readlink -f /sys/block/"$ns"/device/device)")
  scal_start
  spray_start || return 1
  set -- $(cpu_jiffies); b0=$1 t0=$2
  out=$(fio --name=vtd --filename=/dev/"$ns" --direct=1 --ioengine=libaio --rw="${P_rw:-randread}" \
        --bs="${P_bs:-4k}" --iodepth="${P_iodepth:-1}" --runtime="${P_seconds:-2}" --time_based \
        --output-format=terse --terse-version=3 2>/tmp/fio.err) ||
    { echo "fio: $(cat /tmp/fio.err)" >&2; return 1; }
  set -- $(cpu_jiffies)
  spray_stop || return 1
  busy=$(awk -v b=$(($1 - b0)) -v t=$(($2 - t0)) 'BEGIN{printf "%.4f", t ? b / t : 0}')
  # terse v3: 6 read KiB, 7 KiB/s, 8 IOPS, 9 runtime ms; 88/89 usr/sys CPU %
  set -- $(echo "$out" | tail -1 | awk -F';' '{sub("%","",$88); sub("%","",$89); print $6, $7, $8, $9, $88, $89}')
  [ $# -eq 6 ] || { echo "fio: cannot parse its output: $out" >&2; return 1; }
  printf '{"job":"fio","device":"%s","namespace":"%s","rw":"%s","bs":"%s","iodepth":%s,' \
    "$bdf" "$ns" "${P_rw:-randread}" "${P_bs:-4k}" "${P_iodepth:-1}"
  printf '"read_kib":%s,"kib_per_s":%s,"iops":%s,"runtime_ms":%s,"fio_usr_pct":%s,"fio_sys_pct":%s,' "$@"
  printf '"guest_cpu_busy":%s,"guest_counters":%s,%s' "$busy" "$(scal_json)" "$SPRAY"
  common_json
  printf '}\n'
}
