"""The host side of a run: the --host-load command (started when the guest
is ready, measured, then the guest released), and --pin's placement of
QEMU's threads on host CPUs, the vCPU threads as QMP's query-cpus-fast
names them.

    plan = pin_plan(pins, cpus)
    pinned = pin_threads(qemu_pid, plan, vcpu_tids)
    load = HostLoad(cmd, servers, plan, qemu_pid); ...; rec = load.finish(release)
    enter_netns(devices, argv)    # --net tap: vtd-run again in a namespace with the taps
"""

import json
import os
import resource
import socket
import subprocess
import sys
import tempfile
import time

from .errors import PART_RUNNER, RunFailure, log
from .names import NICS
from .paths import script

CONTROL_PORT = 9999  # the guest waits for a connection here when the host load is done
GUEST_IP, HOST_IP = "10.0.2.15", "10.0.2.2"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def guest_address(net, host_ports, port):
    """Where the host reaches guest TCP port `port`."""
    return (GUEST_IP, port) if net == "tap" else ("127.0.0.1", host_ports[port])


def _per_thread(pid, read):
    """{thread name: sum of read(tid dir)} over the threads of process pid."""
    out = {}
    try:
        for tid in os.listdir(f"/proc/{pid}/task"):
            d = f"/proc/{pid}/task/{tid}"
            with open(f"{d}/comm") as f:
                name = f.read().strip()
            out[name] = out.get(name, 0) + read(d)
    except (OSError, ValueError, IndexError):
        pass
    return out


def thread_cpu(pid):
    """CPU seconds per thread name of process pid (QEMU names its threads
    with debug-threads=on: "CPU 0/TCG", the main loop is the process name)."""
    tick = os.sysconf("SC_CLK_TCK")

    def cpu(d):
        with open(f"{d}/stat") as f:
            st = f.read()
        fields = st[st.rindex(")") + 2:].split()
        return (int(fields[11]) + int(fields[12])) / tick
    return _per_thread(pid, cpu)


def thread_wait(pid):
    """Seconds each thread of process pid spent runnable but waiting for a
    host CPU (/proc/.../schedstat, second field), summed per thread name:
    how much the host's other load held QEMU's threads back."""
    def wait(d):
        with open(f"{d}/schedstat") as f:
            return int(f.read().split()[1]) / 1e9
    return _per_thread(pid, wait)


def pin_plan(pins, cpus):
    """--pin: host CPU per role: vCPU n (by index), QEMU's other threads
    ("main"), the load; the list reused round-robin. None without --pin."""
    if not pins:
        return None
    cpu = lambda i: pins[i % len(pins)]
    return {"vcpus": [cpu(n) for n in range(cpus)], "main": cpu(cpus), "load": cpu(cpus + 1)}


def pin_threads(pid, plan, vcpu_tids):
    """Pin QEMU's threads as planned: vCPU thread ids {tid: vCPU index} (one
    thread for all under --icount: the first index's CPU), every other
    thread to "main"; threads created later inherit the main thread's CPU.
    Returns {thread name: host CPU} as applied."""
    applied = {}
    try:
        tids = sorted(int(t) for t in os.listdir(f"/proc/{pid}/task"))
    except OSError:
        return applied
    for tid in tids:
        try:
            with open(f"/proc/{pid}/task/{tid}/comm") as f:
                name = f.read().strip()
            if tid in vcpu_tids:
                c = plan["vcpus"][vcpu_tids[tid]]
            else:
                c = plan["main"]
                name = f"{name} ({'main' if tid == pid else 'thread'})"
            os.sched_setaffinity(tid, {c})
            applied[name] = c
        except OSError:
            pass
    return applied


class HostLoad:
    """A --host-load command run while the guest serves it."""

    def __init__(self, cmd, servers, plan, qemu_pid):
        env = dict(os.environ, VTD_SERVERS=",".join("%s:%d" % s for s in servers))
        self.cmd, self.out = cmd, tempfile.TemporaryFile(mode="w+")
        self.before = resource.getrusage(resource.RUSAGE_CHILDREN)
        pin = (lambda: os.sched_setaffinity(0, {plan["load"]})) if plan else None
        self.proc = subprocess.Popen(cmd, shell=True, env=env, stdout=self.out,
                                     stderr=subprocess.STDOUT, text=True, preexec_fn=pin)
        self.start, self.qemu_pid = time.monotonic(), qemu_pid
        self.qemu_before, self.wait_before = thread_cpu(qemu_pid), thread_wait(qemu_pid)

    def done(self):
        return self.proc.poll() is not None

    def stop(self, timeout=10):
        """Wait for the load at most timeout seconds, then kill it."""
        try:
            self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()

    def finish(self, release):
        """The load's output and CPU time; then release() tells the guest to
        finish (True if it could)."""
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        self.out.seek(0)
        text = self.out.read()
        cpu = (after.ru_utime + after.ru_stime) - (self.before.ru_utime + self.before.ru_stime)
        wall = time.monotonic() - self.start
        # Who was busy while the load ran: the load generator and each QEMU
        # thread (vCPUs vs the main loop that runs the NIC backend), as shares
        # of one host CPU, to tell which of them limits the throughput.
        now = thread_cpu(self.qemu_pid)
        busy = {k: round((v - self.qemu_before.get(k, 0)) / wall, 3) for k, v in now.items()
                if v - self.qemu_before.get(k, 0) > 0}
        # ... and how long each waited for a host CPU while runnable (the share
        # of the window): high waits with no thread near a full core mean the
        # host's other load, not the guest or the backend, set the pace.
        waits = thread_wait(self.qemu_pid)
        rec = {"cmd": self.cmd, "status": self.proc.returncode, "wall_s": round(wall, 2),
               "cpu_s": round(cpu, 2), "load_cpu_share": round(cpu / wall, 3) if wall else 0,
               "qemu_thread_cpu_share": busy,
               "qemu_thread_wait_share": {k: round((v - self.wait_before.get(k, 0)) / wall, 3)
                                          for k, v in waits.items() if k in busy} if wall else {}}
        try:
            rec["result"] = json.loads(text)
        except json.JSONDecodeError:
            rec["output"] = text[-4000:]
        if self.proc.returncode:
            log(f"host load exited {self.proc.returncode}: {text.strip()[-300:]}")
        rec["released"] = release()
        return rec


def release_guest(address, deadline, alive):
    """Connect to the guest's control port until it answers (True), the
    deadline passes or alive() turns False."""
    while time.monotonic() < deadline and alive():
        try:
            socket.create_connection(address, timeout=2).close()
            return True
        except OSError:
            time.sleep(0.2)
    return False


def enter_netns(devices, argv):
    """--net tap: re-run vtd-run in a network namespace of its own and
    create the tap devices there; nothing outside the namespace changes."""
    if os.environ.get("VTD_NETNS") != str(os.getpid()):
        user = [] if os.geteuid() == 0 else ["--user", "--map-root-user"]
        os.environ["VTD_NETNS"] = str(os.getpid())  # exec keeps the pid
        try:
            os.execvp("unshare", ["unshare", *user, "--net", "--",
                                  sys.executable, script("vtd-run"), *argv])
        except OSError as e:
            raise RunFailure(PART_RUNNER, f"--net tap needs unshare (util-linux): {e}", code=1)
    # One tap per NIC, named by the NIC's device index (qemucmd.NETDEVS);
    # the host end of the first NIC's is the guest's gateway.
    taps = [f"vtdtap{n}" for n, d in enumerate(devices) if d in NICS]
    steps = [["ip", "link", "set", "lo", "up"]]
    for tap in taps:
        steps += [["ip", "tuntap", "add", "dev", tap, "mode", "tap"],
                  ["ip", "link", "set", tap, "up"]]
    steps += [["ip", "addr", "add", f"{HOST_IP}/24", "dev", taps[0]]]
    for step in steps:
        r = subprocess.run(step, capture_output=True, text=True)
        if r.returncode:
            raise RunFailure(PART_RUNNER, f"--net tap: '{' '.join(step)}' failed: {r.stderr.strip()} "
                             "(needs root, or unprivileged user namespaces, and /dev/net/tun)", code=1)
