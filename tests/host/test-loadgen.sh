#!/usr/bin/env bash
# The load generators on loopback: Debian's sockperf through scripts/load-sockperf
# (one sockperf server per connection, as the guest's jobs rr and rrloop run
# them), and memcaslap (through scripts/load-memcaslap) against a local memcached.
. "$(dirname "$0")/../lib/tap.sh"
T=$(mktemp -d)
pids=()
# SIGKILL: a sockperf server blocked in recvfrom ignores SIGTERM.
trap '{ kill -9 "${pids[@]}"; wait; } 2>/dev/null; rm -rf "$T"' EXIT
LS=$TOP/scripts/load-sockperf
port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
servers() { # N: start N sockperf servers (pids in pids), their VTD_SERVERS in $SRV
  local i p
  SRV=
  for ((i = 0; i < $1; i++)); do
    p=$(port)
    sockperf server --tcp -i 127.0.0.1 -p "$p" >/dev/null 2>&1 & pids+=($!)
    SRV+=${SRV:+,}127.0.0.1:$p
  done
  sleep 0.5
}

servers 4
mkdir "$T/logs"
check "sockperf: 4 connections, 2 s window after 1 s warm-up" bash -c \
  "VTD_SERVERS=$SRV VTD_SOCKPERF_LOGS='$T/logs' timeout 60 '$LS' 2 1 64 >'$T/rr.json'"
check "sockperf: one JSON object with the fields vtd-report reads" \
  jget "$T/rr.json" "r['tool'] == 'sockperf' and r['connections'] == 4 and r['message_bytes'] == 64 and r['seconds'] == 2 or sys.exit(1)"
check "sockperf: tps is transactions over the window" \
  jget "$T/rr.json" "r['transactions'] > 0 and abs(r['tps'] * r['seconds'] / r['transactions'] - 1) < 0.001 or sys.exit(1)"
# The same figures recounted from sockperf's full logs: per connection the
# replies received in the 2 s that start 0.6 s after its first logged request
# (sockperf drops the first 0.4 s itself), nearest-rank percentiles over all.
recount() {
  python3 - "$T/rr.json" "$T"/logs/log.* <<'PY'
import json, math, sys
r = json.load(open(sys.argv[1]))
rtt = []
for f in sys.argv[2:]:
    rows = [[float(x) for x in l.split(",")] for l in open(f) if l[:1].isdigit()]
    ws = rows[0][1] + 0.6
    rtt += [x[3] for x in rows if ws <= x[2] < ws + 2]
rtt.sort()
want = {"p%d" % q: rtt[math.ceil(q * len(rtt) / 100) - 1] for q in (50, 90, 99)}
print("# recount: %d transactions, %s; load-sockperf: %d, %s" % (len(rtt), want, r["transactions"], r["latency_us"]))
sys.exit(not (len(sys.argv) == 6 and len(rtt) == r["transactions"] and want == r["latency_us"]))
PY
}
check "sockperf: transactions and p50/p90/p99 (full round trip) recount from the 4 full logs" recount
check "sockperf: latency percentiles are ordered" \
  jget "$T/rr.json" "0 < r['latency_us']['p50'] <= r['latency_us']['p90'] <= r['latency_us']['p99'] or sys.exit(1)"
dead=$(port)
check "sockperf: a port without a server is an error naming sockperf and the port, not a hang" bash -c \
  "VTD_SERVERS=127.0.0.1:$dead timeout 60 '$LS' 1 0 >/dev/null 2>'$T/dead'; [ \$? -eq 1 ] &&
   grep -q 'load-sockperf: sockperf client for 127.0.0.1:$dead: no reply measured: ERROR: Can.t connect' '$T/dead'"
dies() { # the second of two servers is killed 3 s into the run (sockperf sleeps 2 s before it measures)
  servers 2
  (sleep 3; kill -9 "${pids[-1]}") &
  VTD_SERVERS=$SRV timeout 60 "$LS" 2 1 >/dev/null 2>"$T/dies"
  [ $? -eq 1 ] && grep -q "sockperf client for ${SRV#*,} exited with status 7: ERROR: A connection was forcibly closed" "$T/dies" ||
    { sed 's/^/#   /' "$T/dies"; return 1; }
}
check "sockperf: a server that dies mid-run is an error naming sockperf and the port" dies
check "load-sockperf: bad arguments are named" bash -c \
  "VTD_SERVERS=127.0.0.1:1 '$LS' 1s 2>&1 | grep -q \"SECONDS, WARMUP and BYTES must be numbers, got '1s'\""
check "load-sockperf without servers says so" bash -c \
  "VTD_SERVERS= '$LS' 2>&1 | grep -q 'VTD_SERVERS is empty'"

m=$(port)
memcached -u root -l 127.0.0.1 -p "$m" -U 0 -t 1 & pids+=($!)
sleep 0.5
check "memcaslap (seed-000 mix) against memcached on loopback" bash -c \
  "VTD_SERVERS=127.0.0.1:$m '$TOP/scripts/load-memcaslap' 2 8 1 >'$T/mc.json'"
check "memcaslap reports transactions" jget "$T/mc.json" "r['tps'] > 0 and r['ops'] > 0 or sys.exit(1)"
# The server saw at least what the client counted (plus the warm-up), ~10% of it SETs.
st=$(printf 'stats\r\nquit\r\n' | timeout 5 python3 -c '
import socket,sys; s=socket.create_connection(("127.0.0.1",int(sys.argv[1]))); s.sendall(b"stats\r\n")
d=b""
while not d.endswith(b"END\r\n"): d+=s.recv(65536)
print(d.decode())' "$m")
gets=$(echo "$st" | sed -n 's/^STAT cmd_get \([0-9]*\).*/\1/p' | tr -d '\r')
sets=$(echo "$st" | sed -n 's/^STAT cmd_set \([0-9]*\).*/\1/p' | tr -d '\r')
check "memcached served at least the ops memcaslap counted" \
  jget "$T/mc.json" "${gets:-0} + ${sets:-0} >= r['ops'] or sys.exit(1)"
check "SET share is about 10%" python3 -c "import sys; s=${sets:-0}/max(1, ${gets:-0}+${sets:-0}); sys.exit(not 0.05 < s < 0.2)"
check "load-memcaslap without servers says so" bash -c \
  "VTD_SERVERS= '$TOP/scripts/load-memcaslap' 2>&1 | grep -q 'VTD_SERVERS is empty'"
done_testing
