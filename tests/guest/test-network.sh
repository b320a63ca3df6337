#!/usr/bin/env bash
# The network workloads through a NIC behind the IOMMU: memcached + memcaslap
# and sockperf over a tap in the runner's own network namespace, and over slirp;
# the host-side CPU shares that the bottleneck check reads are recorded.
. "$(dirname "$0")/../lib/tap.sh"
T=$(mktemp -d); trap 'rm -rf "$T"' EXIT

# How the runner ends a run, against a stand-in for QEMU (no guest; its
# monitor answers QMP, which vtd-run drives QEMU with): a guest
# that printed VTD-EXIT keeps its result even if QEMU outlives the timeout,
# and every failure names the part that failed and what it printed.
cat >"$T/fakeqemu" <<'PY'
#!/usr/bin/env python3
# A stand-in for QEMU: its monitor speaks QMP (greeting, qmp_capabilities,
# query-cpus-fast, human-monitor-command, quit) on the socket vtd-run hands
# it (-chardev socket,id=mon,fd=N); its console is stdout.
import json, os, re, socket, sys, threading, time
mode, args = os.environ["FAKE"], sys.argv[1:]
if mode == "qemu-error":
    print("qemu-system-x86_64: -device nosuch: 'nosuch' is not a valid device model name", flush=True)
    sys.exit(1)
counters = next((m.group(1) for a in args for m in [re.search(r"x-counters-file=([^,]*)", a)] if m), None)
fd = int(next(re.search(r"fd=(\d+)", a).group(1) for a in args if a.startswith("socket,id=mon,")))
mon = socket.socket(fileno=fd)
ready = threading.Event()
def send(msg):
    mon.sendall((json.dumps(msg) + "\n").encode())
def commands():  # JSON objects as they come; the client ends them with no newline
    buf, dec = "", json.JSONDecoder()
    while True:
        data = mon.recv(4096)
        if not data:
            return
        buf += data.decode()
        while buf.strip():
            try:
                obj, end = dec.raw_decode(buf.lstrip())
            except ValueError:
                break
            buf = buf.lstrip()[end:]
            yield obj, json.dumps(obj)
def serve():
    send({"QMP": {"version": {"qemu": {"major": 10, "minor": 0, "micro": 0}, "package": ""}, "capabilities": []}})
    for cmd, line in commands():
        name, ret = cmd["execute"], {}
        if name == "query-cpus-fast":
            ret = [{"cpu-index": 0, "thread-id": os.getpid()}]
        elif name == "human-monitor-command":
            ret = "CPU#0\nRIP=ffffffff81000000 RFL=00000246 HLT=1\n" if "registers" in line else "LVTT 0x000400ef\n"
        send({"return": ret, **({"id": cmd["id"]} if "id" in cmd else {})})
        if name == "qmp_capabilities":
            ready.set()
        # quit: QEMU writes its counters file and exits; hang-ignore-term not even then.
        if name == "quit" and mode != "hang-ignore-term":
            if counters:
                with open(counters, "w") as c:
                    c.write('{"qi": {"wait": 7}}')
            os._exit(0)
threading.Thread(target=serve, daemon=True).start()
ready.wait(10)
out = {
    # Powers off only when told to (QMP quit), writing its counters file then.
    "hang-after-exit": 'VTD-RESULT-BEGIN\n{"job":"info"}\nVTD-RESULT-END\nVTD-EXIT 0\n',
    "hang-ignore-term": 'VTD-RESULT-BEGIN\n{"job":"info"}\nVTD-RESULT-END\nVTD-EXIT 0\n',
    "job-failed": "rrloop: client failed: connection refused\nVTD-RESULT-BEGIN\nVTD-RESULT-END\nVTD-EXIT 1\n",
    "malformed": 'VTD-RESULT-BEGIN\n{"job":\nVTD-RESULT-END\nVTD-EXIT 0\n',
    # a kernel message written into the middle of the result line (CI, test-schemes)
    "kmsg-mid": 'VTD-RESULT-BEGIN\n{"job":"info","dev":"0x2918","[   14.016404] hrtimer: interrupt took '
                '2458972 ns\r\ngroup":2}\r\nVTD-RESULT-END\nVTD-EXIT 0\n',
    "load": "VTD-READY\n", "silent": "",
}[mode]
sys.stdout.write(out); sys.stdout.flush()
if mode == "load":
    time.sleep(2)
    sys.stdout.write('VTD-RESULT-BEGIN\n{"job":"rr"}\nVTD-RESULT-END\nVTD-EXIT 0\n')
elif mode in ("hang-after-exit", "hang-ignore-term", "silent"):
    time.sleep(600)
PY
chmod +x "$T/fakeqemu"
fake() { # FAKE-mode runner-args... -> exit status of the runner
  local mode=$1; shift
  FAKE=$mode VTD_EXIT_GRACE_S=2 "$VTD_RUN" --qemu "$T/fakeqemu" --kernel /dev/null --initrd /dev/null \
    "$@" >"$T/fake.out" 2>"$T/fake.err"
}
said() { grep -qF -- "$1" "$T/fake.err" || { diag_file "$T/fake.err"; return 1; }; }
# exits STATUS FAKE-mode runner-args...: the runner, against the stand-in,
# exits with STATUS (scripts/vtd-run: the guest job's own status when it
# reported one, 124 a timeout, 3 any other failed part), else named.
exits() {
  local want=$1 rc; shift
  fake "$@"; rc=$?
  [ "$rc" -eq "$want" ] || { diag "vtd-run exited $rc, want $want"; diag_file "$T/fake.err"; return 1; }
}
exit_kept() { exits 0 hang-after-exit --timeout 3 --json "$T/exit.json" info; }
exit_counters() { exits 0 hang-after-exit --counters --timeout 3 --json "$T/exitc.json" info &&
  said 'told to quit, result kept; the vCPUs were at:' && said 'vCPU 0: RIP=0xffffffff81000000' &&
  grep -q '"wait": 7' "$T/exitc.json"; }
exit_killed() { exits 3 hang-ignore-term --counters --timeout 3 info &&
  said 'did not quit within 10 s; killed' && said 'device counters not readable'; }
timed_out() { exits 124 silent --timeout 2 info &&
  said '[timeout] guest did not finish within 2 s (killed; the job had not reported)'; }
qemu_error() { exits 3 qemu-error info &&
  said '[QEMU] guest ended without a result (QEMU exit 1)' && said '| qemu-system-x86_64: -device nosuch'; }
job_failed() { exits 1 job-failed info &&
  said "[guest job] guest job 'info' exited with status 1" && said '| rrloop: client failed: connection refused'; }
malformed() { exits 3 malformed info && said '[runner parse] guest printed a malformed result'; }
kmsg_mid() { exits 0 kmsg-mid --json "$T/kmsg.json" info &&
  is "$(jget "$T/kmsg.json" 'r["result"]')" "{'job': 'info', 'dev': '0x2918', 'group': 2}"; }
load_failed() { exits 3 load --device virtio-net --forward 12865 --host-load 'echo boom; exit 7' info &&
  said '[load generator] host load failed (exit 7)' && said '| boom'; }
check "VTD-EXIT 0, then QEMU outlives --timeout: result kept, QEMU stopped after the grace" exit_kept
load_record X "$T/exit.json"
check "... and the record says QEMU was stopped after the guest's exit" \
  test "$(rv X result.job) $(rv X qemu_exit.killed_after_guest_exit)" = "info True"
# A guest whose power-off hangs (seen under TCG: a vCPU's timer lost, an RCU
# stall at power-off) still has its device counters: QMP's quit makes QEMU write them.
check "... with --counters: told to quit (QMP), the counters QEMU wrote then are in the record" exit_counters
check "... QEMU that ignores quit too is killed 10 s later: the run fails naming the counters" exit_killed
check "timeout: part 'timeout', what the guest was doing, exit 124" timed_out
check "QEMU start-up error: part 'QEMU' and QEMU's own message, exit 3" qemu_error
check "guest job failure: part 'guest job' and the job's message, exit 1 (the job's status)" job_failed
check "malformed result: part 'runner parse', exit 3" malformed
check "a kernel message in the middle of the result line is taken out, the result kept" kmsg_mid
check "host load failure: part 'load generator' and the load's output, exit 3" load_failed
check "--net hub with one NIC is refused by name" bash -c \
  "'$VTD_RUN' --dry-run --net hub --device virtio-net info 2>&1 | grep -q -- '--net hub joins NICs to each other'"
check "--net hub: two hub ports, virtio-net transmitting on a virtual-clock timer" bash -c \
  "'$VTD_RUN' --dry-run --net hub --device virtio-net --device virtio-net rrloop |
   grep -q -- '-netdev hubport,id=net0,hubid=0 -device virtio-net-pci,id=dev0,netdev=net0,.*ioeventfd=off,tx=timer,x-txtimer=1000 -netdev hubport,id=net1,hubid=0'"

# A run that fails says why: the runner's own report (its last lines).
run_or_say() { # errfile vtd-run-args...
  local err=$1; shift
  "$VTD_RUN" "$@" >/dev/null 2>"$err" ||
    { diag "vtd-run failed; its last lines:"; tail -15 "$err" | sed 's/^/#   /'; return 1; }
}
check "tap: memcached (1 vCPU, virtio-net, off) under memcaslap load" run_or_say "$T/mc.err" \
  --net tap --mode off --cpus 1 --device virtio-net --forward 11211 --timeout 150 \
  --host-load "$TOP/scripts/load-memcaslap 2 16 1" --json "$T/mc.json" memcached
load_record MC "$T/mc.json"
check "tap: the record names the NIC and its backend" test "$(rv MC devices) $(rv MC net)" = "['virtio-net'] tap"
check "tap: QEMU's NIC backend is the tap device" eval '[[ $(rv MC qemu_cmdline) == *"tap,id=net0,ifname=vtdtap0,"* ]]'
check "tap: memcaslap counted transactions ($(rd MC host_load.result.ops))" test "$(rn MC host_load.result.ops)" -gt 0
check "tap: guest memcached served at least what memcaslap counted" \
  test $(( $(rn MC result.cmd_get) + $(rn MC result.cmd_set) )) -ge "$(rn MC host_load.result.ops)"
shares() { # the vCPU thread and at least one other QEMU thread; load and guest shares in (0, 1]
  local k n=0
  has MC host_load.qemu_thread_cpu_share || { diag "no host_load.qemu_thread_cpu_share"; return 1; }
  for k in "${!MC[@]}"; do [[ $k == host_load.qemu_thread_cpu_share.* ]] && n=$((n + 1)); done
  [ "$n" -ge 2 ] || { diag "$n QEMU threads' shares: $(rv MC host_load.qemu_thread_cpu_share)"; return 1; }
  rv MC "host_load.qemu_thread_cpu_share.CPU 0/TCG" >/dev/null &&
    awk -v l="$(rv MC host_load.load_cpu_share)" -v g="$(rv MC result.guest_cpu_busy)" 'BEGIN {exit !(l > 0 && g > 0 && g <= 1)}'
}
check "host CPU shares recorded: the vCPU thread, the main loop, the load generator" shares
check "the host's own namespace has no tap device left" bash -c "! ip link show vtdtap0 >/dev/null 2>&1"

check "tap: sockperf (2 vCPUs, e1000e, strict) request/response, 4 guest servers" run_or_say "$T/rr.err" \
  --net tap --mode strict --device e1000e --forward 12865+4 --timeout 150 \
  --host-load "$TOP/scripts/load-sockperf 2 1" --json "$T/rr.json" rr
load_record RR "$T/rr.json"
check "rr: sockperf on 4 connections counted transactions, latency percentiles ordered" \
  awk -v t="$(rv RR host_load.result.tool)" -v c="$(rv RR host_load.result.connections)" \
    -v n="$(rv RR host_load.result.transactions)" -v p50="$(rv RR host_load.result.latency_us.p50)" \
    -v p99="$(rv RR host_load.result.latency_us.p99)" 'BEGIN {exit !(t == "sockperf" && c == 4 && n > 0 && p50 != "" && p50 <= p99)}'

check "user (slirp): memcached (2 vCPUs, virtio-net, strict) with forwarded ports" run_or_say "$T/user.err" \
  --mode strict --device virtio-net --forward 11211+2 --timeout 150 \
  --host-load "$TOP/scripts/load-memcaslap 2 16 1" --json "$T/user.json" memcached
load_record U "$T/user.json"
check "user: two instances served the load" test "$(rv U result.instances)" = 2 -a "$(rn U host_load.result.ops)" -gt 0

check "--net tap without a NIC is refused by name" bash -c \
  "'$VTD_RUN' --net tap info 2>&1 | grep -q -- '--net tap needs a NIC'"

# Deterministic network figure: 1 vCPU under icount, sockperf between two e1000e
# NICs of the guest joined on a QEMU hub, the cost model's typical invalidation
# costs on; each point twice. Under icount the figure is a function of the
# guest's instructions and the charged cost only, so the two runs' ratios to
# off must agree within 1 % (docs/bench.md states the measured spread).
DET="--icount --cpus 1 --net hub --device e1000e --device e1000e --iommu-opt x-qi-cost-preset=typical --timeout 400"
# Interleaved (off, strict, off, strict): a pair is one run of each, next to
# each other, as the bench takes its ratios.
for i in 1 2; do
  for m in off strict; do
    check "rrloop ($m, run $i): icount, in-guest load across two NICs" bash -c \
      "'$VTD_RUN' $DET --mode $m --json '$T/det-$m-$i.json' rrloop seconds=1 warmup=1 >/dev/null 2>'$T/det-$m-$i.err'"
  done
done
for r in off-1 off-2 strict-1 strict-2; do load_record "D_${r/-/_}" "$T/det-$r.json"; done
crossed() { # every NIC sent and received at least one packet per transaction
  local n k d p
  n=$(rn D_strict_1 result.client.transactions) && [ "$n" -gt 0 ] || return 1
  for k in server_packets client_packets; do for d in rx tx; do
    p=$(rn D_strict_1 "result.$k.$d") && [ "$p" -ge "$n" ] || { diag "$k $d $p < $n"; return 1; }
  done; done
}
check "rrloop: every transaction crossed both NICs (each sent and received at least one packet per transaction)" crossed
tps() { rv "D_$1" result.client.tps; }
same_binaries() { # the figure repeats only on one set of binaries (docs/bench.md)
  local r b v v1 ok=0
  for r in off_2 strict_1 strict_2; do for b in qemu kernel initrd; do
    v=$(rv "D_$r" "binaries_sha256.$b") && v1=$(rv D_off_1 "binaries_sha256.$b") && [ -n "$v" ] && [ "$v" = "$v1" ] ||
      { diag "$b changed between off run 1 and ${r/_/ run }"; ok=1; }
  done; done
  return $ok
}
check "rrloop: the four runs used the same QEMU, kernel and initramfs" same_binaries
check "rrloop: strict is slower than off (the IOMMU and its invalidation cost are on the path)" \
  awk -v o="$(tps off_1)" -v s="$(tps strict_1)" 'BEGIN { if (!(o > 0 && s > 0)) exit 1
    printf "# off %.0f tps, strict %.0f tps (%.1f %% of off)\n", o, s, 100 * s / o; exit !(s < o) }'
check "rrloop: the ratio strict/off repeats within 1 % between two runs" \
  awk -v o1="$(tps off_1)" -v s1="$(tps strict_1)" -v o2="$(tps off_2)" -v s2="$(tps strict_2)" 'BEGIN {
    if (!(o1 > 0 && s1 > 0 && o2 > 0 && s2 > 0)) exit 1
    r1 = s1 / o1; r2 = s2 / o2; d = 100 * (r1 / r2 - 1); if (d < 0) d = -d
    printf "# tps off %s %s, strict %s %s (run 1, run 2; one build repeats them exactly)\n", o1, o2, s1, s2
    printf "# run 1: %.3f %% of off, run 2: %.3f %% of off, difference %.3f %%\n", 100 * r1, 100 * r2, d
    exit !(d <= 1.0) }'
for f in mc rr user det-off-1 det-strict-1; do [ -s "$T/$f.err" ] && sed 's/^/# /' "$T/$f.err" | tail -3; done
done_testing
