"""Host side of a run (vtdlib.hostload, vtdlib.machine): the --pin plan,
pinning by the thread ids QMP names, and QEMU's library from its source tree."""

import os
import time
import unittest

import vtdtest
from vtdlib import hostload, machine, paths
from vtdlib.errors import RunFailure


class PinTest(unittest.TestCase):
    def test_plan_round_robin(self):
        """vCPU n on the n-th CPU of the list, then QEMU's other threads, then the load."""
        self.assertEqual(hostload.pin_plan([4, 5, 6], 2), {"vcpus": [4, 5], "main": 6, "load": 4})
        self.assertEqual(hostload.pin_plan([0], 3), {"vcpus": [0, 0, 0], "main": 0, "load": 0})
        self.assertIsNone(hostload.pin_plan(None, 2))

    def test_pin_threads_of_this_process(self):
        """This process as 'QEMU': its main thread is no vCPU, so it goes to main."""
        cpu = min(os.sched_getaffinity(0))
        before = os.sched_getaffinity(0)
        self.addCleanup(os.sched_setaffinity, 0, before)
        got = hostload.pin_threads(os.getpid(), {"vcpus": [cpu], "main": cpu, "load": cpu}, {})
        self.assertTrue(got)
        self.assertTrue(all(k.endswith(("(main)", "(thread)")) for k in got), got)
        self.assertEqual(os.sched_getaffinity(0), {cpu})

    def test_pin_names_vcpu_threads_by_qmp_tid(self):
        cpu = min(os.sched_getaffinity(0))
        before = os.sched_getaffinity(0)
        self.addCleanup(os.sched_setaffinity, 0, before)
        got = hostload.pin_threads(os.getpid(), {"vcpus": [cpu], "main": cpu, "load": cpu}, {os.getpid(): 0})
        with open(f"/proc/{os.getpid()}/comm") as f:
            self.assertIn(f.read().strip(), got)   # named as the vCPU thread: its comm, no suffix

    def test_guest_address(self):
        self.assertEqual(hostload.guest_address("tap", {}, 11211), ("10.0.2.15", 11211))
        self.assertEqual(hostload.guest_address("user", {11211: 40000}, 11211), ("127.0.0.1", 40000))


class LaunchTest(vtdtest.ScratchCase):
    """machine.Machine.launch against stand-ins for QEMU: one that stops at
    its start, one that never answers on its monitor."""

    def stand_in(self, body):
        path = self.write("qemu", "#!/bin/sh\n" + body + "\n")
        os.chmod(path, 0o755)
        return machine.Machine([path], self.tmp)

    def test_exit_at_start_names_what_it_printed(self):
        m = self.stand_in("echo 'qemu-system-x86_64: -device nosuch: not a valid device'; exit 1")
        with self.assertRaises(RunFailure) as cm:
            m.launch(timeout=30)
        self.assertRegex(cm.exception.message, r"QEMU exit 1\): QEMU stopped at its start")
        self.assertEqual(cm.exception.tail, ["qemu-system-x86_64: -device nosuch: not a valid device"])

    def test_no_monitor_answer_is_killed(self):
        m = self.stand_in("echo starting; exec sleep 600")
        start = time.monotonic()
        with self.assertRaises(RunFailure) as cm:
            m.launch(timeout=1)
        self.assertLess(time.monotonic() - start, 20)
        self.assertRegex(cm.exception.message, "did not answer on its monitor within 1 s")
        self.assertEqual(cm.exception.tail, ["starting"])


class QemuLibraryTest(unittest.TestCase):
    def test_library_from_the_qemu_source_tree(self):
        """qemu.machine and qemu.qmp come from QEMU's tree the build unpacked (make build)."""
        d = paths.qemu_python()
        self.assertIsNotNone(d, "no QEMU python/ tree: run make build")
        QEMUMachine, _ = machine.qemu_lib()
        self.assertTrue(QEMUMachine.__module__.startswith("qemu.machine"))
        import qemu.qmp
        self.assertTrue(os.path.realpath(qemu.qmp.__file__).startswith(os.path.realpath(d)))


if __name__ == "__main__":
    unittest.main()
