"""One QEMU process, controlled through QEMU's own Python library from the
pinned source tree (qemu.machine for launch and shutdown, its qemu.qmp
client for every monitor conversation): paths.qemu_python() says where.

    m = Machine(cmd, workdir)
    m.launch()                  # RunFailure naming QEMU's output if it did not start
    for line in m.console(): ...  # QEMU's stdout and stderr (the serial console), live
    m.vcpu_threads()            # {thread id: vCPU index}, query-cpus-fast
    m.vcpu_states(system_map)   # where a hung guest's vCPUs are
    m.quit(timeout)             # QMP 'quit', SIGKILL if that does not end it
"""

import logging
import os
import signal
import sys
import threading
import time

from .errors import PART_QEMU, PART_RUNNER, RunFailure
from .paths import qemu_python
from .vcpus import vcpu_states

QMP_TIMEOUT_S = 5.0     # one monitor answer; no answer means QEMU's main loop is stuck
LAUNCH_TIMEOUT_S = 60.0  # from the start to the monitor's greeting (a second on an idle host)


def qemu_lib():
    """qemu.machine.QEMUMachine and VMLaunchFailure, imported from QEMU's source tree."""
    d = qemu_python()
    if d is None:
        raise RunFailure(PART_RUNNER, "QEMU's Python library (qemu.qmp, qemu.machine) is not "
                         "there: no build/qemu-python nor python/ beside build/qemu; run 'make build'",
                         code=1)
    if d not in sys.path:
        sys.path.insert(0, d)
    from qemu.machine import QEMUMachine
    from qemu.machine.machine import VMLaunchFailure
    # The library logs its steps; our failures say what went wrong.
    logging.getLogger("qemu").addHandler(logging.NullHandler())
    logging.getLogger("qemu").propagate = False
    return QEMUMachine, VMLaunchFailure


class Machine:
    """QEMU with a QMP connection over a socket pair; its stdout and stderr
    go to workdir/qemu.log, which console() follows."""

    def __init__(self, cmd, workdir):
        QEMUMachine, self._launch_failure = qemu_lib()

        class _VM(QEMUMachine):
            def set_qmp_timeout(self, t):
                self._qmp.settimeout(t)

        self.vm = _VM(cmd[0], args=cmd[1:], name="qemu", base_temp_dir=workdir, log_dir=workdir)
        self.log = os.path.join(workdir, "qemu.log")

    def launch(self, timeout=LAUNCH_TIMEOUT_S):
        """Start QEMU and connect its monitor (QEMU serves it once the
        machine is built: the vCPU threads exist when this returns). A QEMU
        that exits first, or does not answer within timeout (then killed),
        is a RunFailure with what it printed."""
        stalled, done = threading.Event(), threading.Event()

        def stall():
            pid = self.vm.get_pid()
            if pid and not done.is_set():
                stalled.set()
                os.kill(pid, signal.SIGKILL)
        timer = threading.Timer(timeout, stall)
        timer.start()
        try:
            self.vm.launch()
            done.set()
        except self._launch_failure as e:
            cause = e.__cause__
            if stalled.is_set():
                raise RunFailure(PART_QEMU, f"QEMU did not answer on its monitor within {timeout:.0f} s "
                                 "of its start; killed; it printed:",
                                 (e.output or "").strip().splitlines()[-15:] or ["(nothing)"]) from None
            if isinstance(cause, OSError) and e.exitcode is None:
                # e.g. a QEMU binary being relinked by a build
                raise RunFailure(PART_QEMU, f"cannot start {self.vm.binary}: {cause.strerror}") from None
            out = (e.output or "").strip().splitlines()
            raise RunFailure(PART_QEMU, f"guest ended without a result (QEMU exit {e.exitcode}): "
                             f"QEMU stopped at its start{' (' + type(cause).__name__ + ')' if cause else ''}; "
                             "it printed:", out[-15:] or ["(nothing)"]) from None
        finally:
            timer.cancel()
        self.vm.set_qmp_timeout(QMP_TIMEOUT_S)

    @property
    def pid(self):
        return self.vm.get_pid()

    def exitcode(self):
        """QEMU's exit status, None while it runs."""
        return self.vm.exitcode()

    def console(self, poll_s=0.05):
        """QEMU's output line by line as it comes, until QEMU has exited and
        all of it is read."""
        with open(self.log, errors="replace") as f:
            part = ""
            while True:
                line = f.readline()
                if line:
                    part += line
                    if part.endswith("\n"):
                        yield part
                        part = ""
                    continue
                if self.vm.exitcode() is not None:
                    rest = f.read()
                    if rest or part:
                        yield from (part + rest).splitlines(keepends=True)
                    return
                time.sleep(poll_s)

    def vcpu_threads(self):
        """{host thread id: vCPU index} from QMP's query-cpus-fast; under
        --icount one thread runs every vCPU and takes the first index."""
        tids = {}
        for c in self.vm.cmd("query-cpus-fast"):
            tids.setdefault(c["thread-id"], c["cpu-index"])
        return tids

    def hmp(self, command):
        """The text of one HMP command (through QMP); OSError or ValueError
        where QEMU did not answer."""
        try:
            return self.vm.cmd("human-monitor-command", command_line=command)
        except Exception as e:  # qemu.qmp's errors, asyncio's timeout
            raise ValueError(str(e) or type(e).__name__) from None

    def vcpu_states(self, system_map):
        """One line per vCPU of a guest that stopped making progress, or one
        line saying why QEMU did not tell."""
        try:
            return vcpu_states(self.hmp, system_map)
        except (OSError, ValueError) as e:
            return [f"QEMU's monitor did not tell where the vCPUs are ({e})"]

    def wait(self, timeout=60):
        """QEMU has exited (or is exiting on its own): collect it."""
        self.vm.wait(timeout=timeout)

    def quit(self, timeout):
        """QMP 'quit' (QEMU then shuts down as on a power-off and writes the
        device counters file); killed if it has not ended within timeout.
        True if it quit."""
        try:
            self.vm.shutdown(timeout=timeout)
            return True
        except Exception:  # AbnormalShutdown: qemu.machine killed it
            return False

    def kill(self):
        self.vm.kill()
