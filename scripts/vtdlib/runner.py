"""One vtd-run: boot the guest of a parsed configuration (runargs), follow
its console, serve its host load, and turn what happened into a record or
a RunFailure naming the part that failed.

    status = run(a, argv)
"""

import json
import os
import shlex
import sys
import tempfile
import threading
import time

from . import console as con
from .errors import (PART_GUEST, PART_LOAD, PART_PARSE, PART_QEMU, PART_RUNNER,
                     PART_TIMEOUT, RunFailure, log)
from .facts import file_sha256, host_facts, read_lock
from .hostload import (CONTROL_PORT, HostLoad, enter_netns, free_port, guest_address,
                       pin_plan, pin_threads, release_guest)
from .machine import Machine
from .paths import no_machine_paths
from .qemucmd import command, iommu_props
from .record import Record
from .runargs import point_of

# Once the guest has printed VTD-EXIT its result is complete: QEMU gets this
# long to power off, then it is told to quit and the result kept (the
# timeout no longer applies; before, a guest that finished just before it
# was voided).
EXIT_GRACE_S = float(os.environ.get("VTD_EXIT_GRACE_S", 30))


def _tempfile(prefix, suffix, keep):
    fd, path = tempfile.mkstemp(prefix=prefix, suffix=suffix)
    os.close(fd)
    if not keep:
        os.unlink(path)  # QEMU creates it
    return path


def run(a, argv):
    if a.net == "tap" and not a.dry_run:
        enter_netns(a.device, argv)
    counters_file = _tempfile("vtd-counters-", ".json", False) if a.counters else None
    props = iommu_props(a, counters_file)
    host_ports = {g: free_port() for g in a.forward + ([CONTROL_PORT] if a.host_load else [])}
    trace_file = _tempfile("vtd-trace-", ".log", True) if a.trace_count else None
    cmd = command(a, props, host_ports, trace_file)
    if a.dry_run:
        print(shlex.join(cmd))
        return 0
    for what, path in (("QEMU", a.qemu), ("kernel", a.kernel), ("initramfs", a.initrd)):
        if not os.path.exists(path):
            raise RunFailure(PART_RUNNER, f"{what} not found at {path}; run 'make build' first", code=1)
    if a.job == "shell":
        # Interactive: the console is the terminal; ctrl-a x quits.
        cmd[cmd.index("stdio")] = "mon:stdio"
        os.execv(cmd[0], cmd)
    log(f"booting {a.mode}, {a.cpus} vCPU(s), job {a.job} (timeout {a.timeout:.0f} s)")
    with tempfile.TemporaryDirectory(prefix="vtd-run-") as work:
        ran = Guest(a, host_ports).run(cmd, work)
    return finish(a, cmd, props, counters_file, trace_file, ran)


class Guest:
    """The running guest: QEMU, its console, the host load."""

    def __init__(self, a, host_ports):
        self.a, self.host_ports = a, host_ports
        self.console = con.Console(os.path.basename(a.qemu))
        self.load = self.load_rec = self.pinned = None
        self.killed_after_exit = False

    def _address(self, port):
        return guest_address(self.a.net, self.host_ports, port)

    def run(self, cmd, work):
        """Run QEMU to its end; returns self with qrc and wall set."""
        m = Machine(cmd, work)
        sink = open(self.a.console, "w") if self.a.console else None
        m.launch()
        self.reader = reader = threading.Thread(target=self._read, args=(m, sink), daemon=True)
        reader.start()
        try:
            if self.a.pin:
                plan = pin_plan(self.a.pin, self.a.cpus)
                self.pinned = pin_threads(m.pid, plan, m.vcpu_threads())
                if self.a.host_load:
                    self.pinned["load"] = plan["load"]
            self.wall = self._watch(m)
        finally:
            if m.exitcode() is None:
                m.kill()
            if self.load is not None and not self.load.done():
                self.load.stop(0)
        # QEMU has exited, so the console is at its end: let the reader see
        # every line (a short join could lose a VTD-EXIT still being parsed).
        reader.join(timeout=60)
        if reader.is_alive():
            log("console reader still busy 60 s after QEMU exited; parsing what it has")
        if sink:
            sink.close()
        self.qrc = m.exitcode()
        m.wait()
        return self

    def _read(self, m, sink):
        for line in m.console():
            self.console.feed(line)
            if sink:
                sink.write(line)
            if self.a.verbose:
                sys.stderr.write(line)

    def _watch(self, m):
        a, c = self.a, self.console
        start = last_note = time.monotonic()
        exit_seen = None
        while m.exitcode() is None:
            time.sleep(0.2)
            now = time.monotonic()
            if c.start_error:
                self._stop(m)
                raise RunFailure(PART_QEMU, f"QEMU failed at start: {c.start_error}; it printed:",
                                 con.tail_lines(c.text()))
            if a.host_load and c.ready and self.load is None:
                log("guest ready; starting host load")
                self.load = HostLoad(a.host_load, [self._address(g) for g in a.forward],
                                     pin_plan(a.pin, a.cpus), m.pid)
            if self.load is not None and self.load_rec is None and self.load.done():
                self.load_rec = self.load.finish(lambda: release_guest(
                    self._address(CONTROL_PORT), start + a.timeout, lambda: m.exitcode() is None))
                now = time.monotonic()
            if c.status is not None:
                # The guest has finished and said so: its result stands even if
                # the power-off outlasts the timeout; QEMU gets EXIT_GRACE_S.
                exit_seen = exit_seen or now
                if now - exit_seen > EXIT_GRACE_S:
                    log(f"QEMU still running {EXIT_GRACE_S:.0f} s after the guest's VTD-EXIT "
                        f"{c.status}; told to quit, result kept; the vCPUs were at:")
                    for ln in m.vcpu_states(self._system_map()):
                        log("  " + ln)
                    self.killed_after_exit = True
                    if not m.quit(timeout=10):
                        log("QEMU did not quit within 10 s; killed (no device counters)")
                    break
                continue
            if now - start > a.timeout:
                self._timed_out(m)
            if now - last_note >= 30:
                log(f"guest running, {now - start:.0f} s of at most {a.timeout:.0f} s")
                last_note = now
        if self.load is not None and self.load_rec is None:
            # QEMU ended while the load ran or before its end was noticed.
            self.load.stop(10)
            self.load_rec = self.load.finish(lambda: False)
        return time.monotonic() - start

    def _stop(self, m):
        """Kill QEMU and let the reader take its last lines."""
        m.kill()
        self.reader.join(timeout=10)

    def _system_map(self):
        return os.path.join(os.path.dirname(os.path.realpath(self.a.kernel)), "System.map")

    def _timed_out(self, m):
        a, c, load = self.a, self.console, self.load
        vcpus = m.vcpu_states(self._system_map())
        self._stop(m)
        doing = ("the host load was still running" if load is not None and self.load_rec is None
                 else "the guest was never released after the host load"
                 if self.load_rec is not None and not self.load_rec["released"]
                 else "the guest had printed its result but not VTD-EXIT"
                 if c.result is not None
                 else "the host load had finished; the guest had not reported"
                 if self.load_rec is not None
                 else "the guest never printed VTD-READY" if a.host_load
                 else "the job had not reported")
        raise RunFailure(PART_TIMEOUT, f"guest did not finish within {a.timeout:.0f} s "
                         f"(killed; {doing}); vCPUs and console:",
                         vcpus + con.excerpt(c.text()), 124)


def finish(a, cmd, props, counters_file, trace_file, g):
    """The record of a finished guest, or RunFailure naming the part that failed."""
    c = g.console
    text = c.text()
    if c.status is None:
        # QEMU exited on its own (a crash) or the guest powered off without
        # the contract's markers (a panic, a bad kernel).
        raise RunFailure(PART_QEMU, f"guest ended without a result (QEMU exit {g.qrc}); "
                         "console:", con.excerpt(text))
    warnings, kinds = con.splats(text)
    if kinds:
        log("kernel reported: " + ", ".join(f"{k} ({n})" for k, n in kinds.items()))
    rec = Record.of(
        point_of(a), status=c.status, iommu_opts={k: no_machine_paths(v) for k, v in props.items()},
        kernel_warnings=warnings, kernel_splats=kinds, wall_s=round(g.wall, 2), versions=read_lock(),
        qemu_cmdline=[no_machine_paths(x) for x in cmd], host=host_facts())
    if c.result is not None and c.result.strip():
        try:
            rec.result = json.loads(c.result)
        except json.JSONDecodeError as e:
            raise RunFailure(PART_PARSE, f"guest printed a malformed result ({e}):",
                             con.tail_lines(c.result))
    if counters_file:
        try:
            with open(counters_file) as f:
                rec.device_counters = json.load(f)
            os.unlink(counters_file)
        except (OSError, json.JSONDecodeError) as e:
            raise RunFailure(PART_PARSE, f"device counters not readable from {counters_file}: {e}")
    rec.qemu_exit = {"code": g.qrc, "killed_after_guest_exit": g.killed_after_exit}
    # Which binaries ran: a deterministic (--icount) figure repeats exactly
    # only with the same QEMU, kernel and initramfs; a rebuild moves it.
    rec.binaries_sha256 = {"qemu": file_sha256(a.qemu), "kernel": file_sha256(a.kernel),
                           "initrd": file_sha256(a.initrd)}
    if g.pinned is not None:
        if not g.pinned:
            log("--pin: QEMU's threads were not found; nothing pinned")
        rec.pinned = g.pinned
    if a.host_load:
        load = g.load_rec
        if load is None:
            raise RunFailure(PART_GUEST, f"the guest ended (status {c.status}) without printing "
                             "VTD-READY, so the host load did not run; it said:", c.said())
        if load["status"] and load["status"] < 0:
            raise RunFailure(PART_LOAD, f"host load killed (signal {-load['status']}) when QEMU "
                             f"ended: {a.host_load}; it printed:",
                             con.tail_lines(load.get("output", ""), 8))
        rec.host_load = load
        if load["status"]:
            raise RunFailure(PART_LOAD, f"host load failed (exit {load['status']}): "
                             f"{a.host_load}; it printed:", con.tail_lines(load.get("output", ""), 8))
    if c.status != 0:
        # The record is still written (the job's partial result may help), with
        # the failure in it and on stderr in the same form as every other.
        f = RunFailure(PART_GUEST, f"guest job '{a.job}' exited with status {c.status}; "
                       "it said:", c.said(), c.status)
        rec.failure = f.as_dict()
        f.print()
    if trace_file:
        with open(trace_file, errors="replace") as f:
            rec.trace_counts = con.count_trace(f)
        os.unlink(trace_file)
    if a.json:
        rec.write(a.json)
    print(json.dumps(rec.stored(), indent=1))
    log(f"guest exit status {c.status} after {g.wall:.1f} s")
    return c.status
