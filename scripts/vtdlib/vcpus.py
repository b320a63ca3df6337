"""Where the vCPUs of a guest that stopped making progress are: the text of
HMP's 'info registers -a' and 'info lapic N' (asked through QMP by
machine.Machine before the runner stops QEMU) turned into one line per vCPU,
each RIP named from the kernel's System.map when there is one.

    lines = vcpu_states(hmp, system_map)   # hmp(command) -> text
"""

import bisect
import os
import re

_CPU_RE = re.compile(r"^CPU#(\d+)")
_RIP_RE = re.compile(r"\b[RE]IP=([0-9a-f]+)")   # EIP before long mode
_HLT_RE = re.compile(r"\bHLT=([01])")


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


def vcpu_states(hmp, system_map):
    """One line per vCPU, 'vCPU n: RIP=... (function+off), halted|running',
    and its local APIC's; hmp(command) gives an HMP command's text and
    raises OSError or ValueError where the monitor did not answer."""
    text = hmp("info registers -a")
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
        lines.append(f"  local APIC: {_lapic(hmp, n)}")
    return lines or ["QEMU's monitor answered without registers"]


# 'info lapic N': the timer (a vCPU whose timer interrupts stopped), the
# in-service and pending vectors and the priority that gates them.
_LAPIC_KEEP = re.compile(r"^(LVTT|Timer|ISR|IRR)\s+(.*)|^(APR .*)")


def _lapic(hmp, n):
    try:
        text = hmp(f"info lapic {n}")
    except (OSError, ValueError) as e:
        return f"not read ({e})"
    parts = []
    for ln in text.splitlines():
        m = _LAPIC_KEEP.match(ln.strip())
        if m:
            parts.append(" ".join((f"{m.group(1)} {m.group(2)}" if m.group(1) else m.group(3)).split()))
    return "; ".join(parts) or "no state"
