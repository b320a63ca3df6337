"""report.build: the sections joined with one blank line between them, the
exit policy, the usage; and vtdlib.plot: a missing or failing gnuplot is an
error naming the package or gnuplot's message."""

import contextlib
import io
import os
import unittest
from unittest import mock

from report_fixtures import TempDir, attack_run, dma, rrloop, stock_dma

from vtdlib import plot
from vtdlib.report import build


def write(out, recs):
    os.mkdir(os.path.join(out, "raw"))
    for i, r in enumerate(recs):
        r.write(os.path.join(out, "raw", f"r{i}.json"))


def run(out):
    err = io.StringIO()
    with contextlib.redirect_stderr(err):
        try:
            rc = build.main([out])
        except SystemExit as e:
            rc = e.code
    return rc, err.getvalue()


class Join(unittest.TestCase):
    def test_one_blank_line_between_sections(self):
        self.assertEqual(build.join([["# a", ""], [], ["", "", "b", ""], ["c"]]), "# a\n\nb\n\nc\n")


class Build(unittest.TestCase):
    def test_report_of_a_small_run(self):
        with TempDir() as out:
            write(out, [dma("d", "strict", 1, 4000, 10), dma("d", "percpu", 1, 1000, 10)])
            rc, err = run(out)
            self.assertEqual(rc, 0, err)
            with open(os.path.join(out, "report.md")) as f:
                md = f.read()
            self.assertTrue(md.startswith("# vtd-testbed report\n"))
            self.assertIn("2 boots.", md)
            self.assertIn("| 1 | 1 | percpu | 1.0 | 1.0–1.0 | 0.5 | 0.25 |", md)
            for f in ("dmabench.csv", "dmabench-summary.csv", "summary.json", "dmabench-unmap.png"):
                self.assertTrue(os.path.exists(os.path.join(out, f)), f)

    def test_default_path_outside_noise_fails_after_writing(self):
        with TempDir() as out:
            write(out, [stock_dma("s", "strict", 1, 0.5, 2.6, "patched"), stock_dma("s", "strict", 1, 0.5, 2.0, "stock")])
            rc, err = run(out)
            self.assertEqual(rc, 1)
            self.assertIn("the default patched path is outside the run's noise of stock", err)
            self.assertTrue(os.path.exists(os.path.join(out, "report.md")))

    def test_attack_runs_give_no_throughput(self):
        with TempDir() as out:
            beside = rrloop("strict", 50)
            beside.device_counters = attack_run("strict", job="rrloop").device_counters
            beside.result["module"] = attack_run("strict").result["module"]
            write(out, [rrloop("off", 100), rrloop("strict", 80), beside])
            rc, err = run(out)
            self.assertEqual(rc, 0, err)
            with open(os.path.join(out, "network.csv")) as f:
                self.assertNotIn(",50,", f.read())  # the attack run's 50 transactions/s
            with open(os.path.join(out, "report.md")) as f:
                md = f.read()
            self.assertIn("3 boots.", md)
            self.assertIn("| legacy | strict | rrloop |", md)  # in the hostile section

    def test_usage(self):
        with TempDir() as out:
            rc, err = run(out)  # no raw/
        self.assertEqual((rc, err.strip()), (2, build.USAGE))


class Plot(unittest.TestCase):
    def test_missing_gnuplot_names_the_package(self):
        with mock.patch("shutil.which", return_value=None):
            with self.assertRaisesRegex(plot.PlotError, "install Debian's gnuplot-nox"):
                plot.require()
            with TempDir() as out:
                write(out, [dma("d", "strict", 1, 4000, 10)])
                rc, err = run(out)
                self.assertEqual(rc, 1)
                self.assertIn("gnuplot not found: install Debian's gnuplot-nox (or gnuplot)", err)
                self.assertEqual(os.listdir(out), ["raw"])  # stopped before writing anything

    def test_failing_script_is_an_error_and_data_files_go(self):
        with TempDir() as out:
            dat = plot.data(os.path.join(out, "x.dat"), "1 2\n")
            with self.assertRaisesRegex(plot.PlotError, "gnuplot failed"):
                plot.draw("no_such_command_xyz", [dat])
            self.assertFalse(os.path.exists(dat))


if __name__ == "__main__":
    unittest.main()
