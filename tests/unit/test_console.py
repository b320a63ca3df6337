"""The guest's console as vtd-run reads it (vtdlib.console): the result
between its markers, kernel messages taken out of it, the exit status, and
QEMU's own error at start."""

import unittest

import vtdtest  # noqa: F401  (import path)
from vtdlib import console
from vtdlib.console import Console


def feed(text, name="qemu-system-x86_64"):
    c = Console(name)
    for line in text.splitlines(keepends=True):
        c.feed(line)
    return c


BOOT = "[    0.000000] Linux version 6.12.95\n[    1.000000] Run /init as init process\n"


class ResultTest(unittest.TestCase):
    def test_result_ready_and_status(self):
        c = feed(BOOT + "VTD-READY\nVTD-RESULT-BEGIN\n{\"ops\": 3,\n \"x\": 1}\nVTD-RESULT-END\nVTD-EXIT 0\n")
        self.assertEqual(c.result, "{\"ops\": 3,\n \"x\": 1}\n")
        self.assertTrue(c.ready)
        self.assertEqual(c.status, 0)
        self.assertIsNone(c.start_error)

    def test_kernel_message_between_result_lines(self):
        c = feed("VTD-RESULT-BEGIN\n{\"a\": 1,\n[    6.294488] hrtimer: interrupt took 1 ns\n\"b\": 2}\n"
                 "VTD-RESULT-END\nVTD-EXIT 3\n")
        self.assertEqual(c.result, "{\"a\": 1,\n\"b\": 2}\n")
        self.assertEqual(c.status, 3)

    def test_kernel_message_in_the_middle_of_a_line(self):
        c = feed("VTD-RESULT-BEGIN\n{\"a\": [    6.294488] hrtimer: interrupt took 1 ns\n1}\nVTD-RESULT-END\n")
        self.assertEqual(c.result, "{\"a\": 1}\n")

    def test_no_markers_no_result(self):
        c = feed(BOOT + "VTD-RESULT-BEGIN\n{\"a\": 1}\n")
        self.assertIsNone(c.result)
        self.assertIsNone(c.status)

    def test_said_skips_kernel_lines_and_markers(self):
        c = feed(BOOT + "dmabench: no edu device\nVTD-EXIT 2\n")
        self.assertEqual(c.said(), ["dmabench: no edu device"])


class StartErrorTest(unittest.TestCase):
    def test_missing_rom_is_a_start_error(self):
        c = feed("rom: file linuxboot_dma.bin   : error Failed to open file\n")
        self.assertRegex(c.start_error, "^rom: file linuxboot_dma.bin")

    def test_qemu_error_before_the_guest(self):
        c = feed("qemu-system-x86_64: -device foo: Device 'foo' not found\n")
        self.assertIn("Device 'foo' not found", c.start_error)

    def test_warnings_are_no_error(self):
        c = feed("qemu-system-x86_64: warning: hub 0 is not connected to host network\n" + BOOT)
        self.assertIsNone(c.start_error)

    def test_qemu_messages_after_the_guest_started_are_no_start_error(self):
        """The VT-d model reports guest faults at run time; those are the guest's business."""
        c = feed(BOOT + "qemu-system-x86_64: vtd_iommu_translate: detected translation failure\n")
        self.assertIsNone(c.start_error)

    def test_the_binary_name_counts(self):
        self.assertIsNone(feed("qemu-other: failed\n").start_error)
        self.assertIsNotNone(feed("qemu-other: failed\n", "qemu-other").start_error)


class ReportsTest(unittest.TestCase):
    def test_splats_counted_by_kind(self):
        lines, kinds = console.splats(BOOT + "[ 2.0] WARNING: CPU: 0 PID: 1 at x.c:1 f+0x1\n"
                                      "[ 3.0] BUG: KASAN: use-after-free in g\n")
        self.assertEqual(len(lines), 2)
        self.assertEqual(kinds, {"WARNING": 1, "KASAN": 1})

    def test_excerpt_starts_at_the_first_report(self):
        text = BOOT + "[ 2.0] BUG: kernel NULL pointer dereference\n[ 2.1] RIP: 0010:f+0x1\n" \
            "[ 2.2] RAX: 0000\n[ 2.3] Kernel panic - not syncing: Fatal\n"
        ex = console.excerpt(text)
        self.assertEqual(ex[:3], ["first kernel report:", "[ 2.0] BUG: kernel NULL pointer dereference",
                                  "[ 2.1] RIP: 0010:f+0x1"])
        self.assertNotIn("[ 2.2] RAX: 0000", ex[:5])   # registers left out of the report's head
        self.assertEqual(console.excerpt("a\n\nb\n"), ["a", "b"])

    def test_trace_counts(self):
        self.assertEqual(console.count_trace(["12@1.5:vtd_inv_desc x\n", "vtd_inv_desc y\n", "noise\n",
                                              "vtd_inv_qi_tail 3\n"]),
                         {"vtd_inv_desc": 2, "vtd_inv_qi_tail": 1})


if __name__ == "__main__":
    unittest.main()
