#!/usr/bin/env bash
# The load generators on loopback: our vtd-rr client/server, and memcaslap
# (through scripts/load-memcaslap) against a local memcached.
. "$(dirname "$0")/../lib/tap.sh"
T=$(mktemp -d)
pids=()
trap 'kill "${pids[@]}" 2>/dev/null; rm -rf "$T"' EXIT
RR=$("$TOP/scripts/build-tools.sh")/vtd-rr
port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

p=$(port)
"$RR" server -p "$p" & pids+=($!)
sleep 0.5
check "vtd-rr: 4 connections, 2 s window" bash -c "'$RR' client -s 127.0.0.1:$p -c 4 -t 2 -w 0 -m 64 >'$T/rr.json'"
check "vtd-rr: counts transactions and tps agrees with them" \
  jget "$T/rr.json" "r['transactions'] > 0 and abs(r['tps'] * r['seconds'] / r['transactions'] - 1) < 0.001 or sys.exit(1)"
check "vtd-rr: latency percentiles are ordered" \
  jget "$T/rr.json" "r['latency_us']['p50'] <= r['latency_us']['p90'] <= r['latency_us']['p99'] or sys.exit(1)"
check "vtd-rr: a dead server is an error (exit 1, named), not a hang" bash -c \
  "timeout 30 '$RR' client -s 127.0.0.1:$(port) -t 1 -w 0 >/dev/null 2>'$T/dead'; [ \$? -eq 1 ] &&
   grep -q '1 of 1 connections failed' '$T/dead'"
check "vtd-rr: bad option values are named" bash -c \
  "'$RR' client -s 127.0.0.1:1 -c 0 2>&1 | grep -q 'connections must be an integer in 1..1024'"

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
