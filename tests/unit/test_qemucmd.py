"""Golden QEMU command lines per mode, vmode and device: qemucmd.command
is a pure function of vtd-run's parsed options (no QEMU needed). The
golden lines are in qemucmd.golden; one changes only with a deliberate
change of what QEMU is asked to run."""

import os
import shlex
import unittest

import vtdtest  # noqa: F401  (import path)
from vtdlib import qemucmd, runargs
from vtdlib.schemes import MODES, VMODES

PATHS = ["--qemu", "QEMU", "--kernel", "KERNEL", "--initrd", "INITRD"]


def goldens():
    """{name: (vtd-run arguments, QEMU command line)} of qemucmd.golden."""
    out, name = {}, None
    with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "qemucmd.golden")) as f:
        for line in f:
            if line.startswith("["):
                name = line.strip()[1:-1]
            elif line.startswith("args: "):
                args = shlex.split(line[6:])
            elif line.startswith("qemu: "):
                out[name] = (args, line[6:].rstrip("\n"))
    return out


def command(argv):
    """The command line of vtd-run argv: host ports numbered from 40000 in
    --forward order (then the control port), the counters file COUNTERS."""
    a = runargs.parse(PATHS + argv)
    props = qemucmd.iommu_props(a, "COUNTERS" if a.counters else None)
    ports = {g: 40000 + i for i, g in enumerate(a.forward + ([9999] if a.host_load else []))}
    return shlex.join(qemucmd.command(a, props, ports))


class GoldenTest(unittest.TestCase):
    def test_golden_lines(self):
        cases = goldens()
        self.assertGreaterEqual(len(cases), 10)
        for name, (argv, want) in cases.items():
            with self.subTest(name):
                self.assertEqual(command(argv), want)

    def test_every_mode_puts_its_kernel_line(self):
        for mode, kernel in MODES.items():
            with self.subTest(mode):
                self.assertIn(f"no_timer_check {kernel} vtd.run=info", command(["--mode", mode, "info"]))

    def test_every_vmode_sets_its_properties(self):
        for vmode, (props, _) in VMODES.items():
            with self.subTest(vmode):
                want = ",".join(f"{k}={v}" for k, v in {"intremap": "on", **props}.items())
                self.assertIn(f"-device intel-iommu,{want} ", command(["--vmode", vmode, "info"]))

    def test_every_device_gets_id_dev_n(self):
        for n, dev in enumerate(qemucmd.DEVICES):
            with self.subTest(dev):
                line = command(["--device", "edu", "--device", dev, "info"])
                self.assertIn("id=dev1", line)

    def test_iommu_opt_wins_over_vmode(self):
        """The later of two same properties wins, as in QEMU: --iommu-opt after --vmode's."""
        a = runargs.parse(PATHS + ["--vmode", "caching", "--iommu-opt", "caching-mode=off", "info"])
        self.assertEqual(qemucmd.iommu_props(a, None)["caching-mode"], "off")


if __name__ == "__main__":
    unittest.main()
