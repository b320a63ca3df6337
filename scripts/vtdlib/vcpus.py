"""Where the vCPUs of a guest that stopped making progress are: asked of
QEMU's monitor (QMP, HMP 'info registers -a') before the runner stops it,
each RIP named from the kernel's System.map when there is one."""

import bisect
import json
import os
import re
import socket
import time

_CPU_RE = re.compile(r"^CPU#(\d+)")
_RIP_RE = re.compile(r"\b[RE]IP=([0-9a-f]+)")   # EIP before long mode
_HLT_RE = re.compile(r"\bHLT=([01])")


def monitor_option(sock_path):
    """The QEMU option that opens the monitor socket the runner asks."""
    return ["-qmp", f"unix:{sock_path},server=on,wait=off"]


class _Monitor:
    """One QMP connection for every question: one deadline bounds them all,
    so a QEMU that stopped answering costs the caller `timeout` seconds once.
    Its methods raise OSError or ValueError."""

    def __init__(self, sock_path, timeout):
        self.deadline = time.monotonic() + timeout
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(timeout)
        self.sock.connect(sock_path)
        self.f = self.sock.makefile("rw")
        self._line()  # the greeting
        self._execute({"execute": "qmp_capabilities"})

    def _line(self):
        self.sock.settimeout(max(0.1, self.deadline - time.monotonic()))
        line = self.f.readline()
        if not line:
            raise ValueError("the monitor closed the connection")
        return json.loads(line)

    def _execute(self, cmd):
        self.f.write(json.dumps(cmd) + "\n")
        self.f.flush()
        while True:
            msg = self._line()
            if "error" in msg:
                raise ValueError(msg["error"].get("desc", "error"))
            if "return" in msg:
                return msg["return"]

    def hmp(self, command):
        """The text of one HMP command."""
        return self._execute({"execute": "human-monitor-command", "arguments": {"command-line": command}})

    def close(self):
        self.sock.close()


def _symbols(system_map):
    """Sorted (address, name) of the kernel's text symbols, [] without a map."""
    syms = []
    try:
        with open(system_map) as f:
            for line in f:
                p = line.split()
                if len(p) == 3 and p[1] in "tT":
                    syms.append((int(p[0], 16), p[2]))
    except OSError:
        return []
    syms.sort()
    return syms


def _name(addr, syms):
    i = bisect.bisect_right(syms, (addr, "\uffff")) - 1
    return f"{syms[i][1]}+{addr - syms[i][0]:#x}" if i >= 0 else "?"


def vcpu_states(sock_path, system_map, timeout=5.0):
    """One line per vCPU, 'vCPU n: RIP=... (function+off), halted|running',
    or one line saying why QEMU did not tell (its monitor is served by the
    main loop: no answer means QEMU itself is stuck)."""
    mon = None
    try:
        mon = _Monitor(sock_path, timeout)
        return _states(mon, system_map)
    except (OSError, ValueError) as e:
        return [f"QEMU's monitor did not tell where the vCPUs are ({e})"]
    finally:
        if mon:
            mon.close()


def _states(mon, system_map):
    text = mon.hmp("info registers -a")
    syms = _symbols(system_map) if system_map and os.path.exists(system_map) else []
    cpus, cpu = {}, None
    for ln in text.splitlines():
        m = _CPU_RE.match(ln)
        if m:
            cpu = cpus.setdefault(int(m.group(1)), {})
        r, h = _RIP_RE.search(ln), _HLT_RE.search(ln)
        if cpu is not None and r:
            cpu["rip"] = int(r.group(1), 16)
        if cpu is not None and h:
            cpu["halted"] = h.group(1) == "1"
    lines = []
    for n, c in sorted(cpus.items()):
        rip = c.get("rip")
        where = "RIP unknown" if rip is None else f"RIP={rip:#x}" + (f" ({_name(rip, syms)})" if syms else "")
        lines.append(f"vCPU {n}: {where}, " + {True: "halted", False: "running"}.get(c.get("halted"), "state unknown"))
        lines.append(f"  local APIC: {_lapic(mon, n)}")
    return lines or ["QEMU's monitor answered without registers"]


# 'info lapic N': the timer (a vCPU whose timer interrupts stopped), the
# in-service and pending vectors and the priority that gates them.
_LAPIC_KEEP = re.compile(r"^(LVTT|Timer|ISR|IRR)\s+(.*)|^(APR .*)")


def _lapic(mon, n):
    try:
        text = mon.hmp(f"info lapic {n}")
    except (OSError, ValueError) as e:
        return f"not read ({e})"
    parts = []
    for ln in text.splitlines():
        m = _LAPIC_KEEP.match(ln.strip())
        if m:
            parts.append(" ".join((f"{m.group(1)} {m.group(2)}" if m.group(1) else m.group(3)).split()))
    return "; ".join(parts) or "no state"
