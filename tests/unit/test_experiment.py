"""Experiment files turned into points (vtdlib.experiment), and every fault
found before the first boot, naming the series and the key."""

import unittest

import vtdtest
from vtdlib import experiment
from vtdlib.experiment import ExperimentError


class ExpandTest(vtdtest.ScratchCase):
    def load(self, text):
        return experiment.load(self.write("e.ini", text))

    def faults(self, text):
        with self.assertRaises(ExperimentError) as cm:
            self.load(text)
        return str(cm.exception).splitlines()

    def test_cross_product_in_run_order(self):
        """Repetition outermost, then vCPUs, threads, param.*, mode innermost."""
        pts = self.load("[d]\njob = dmabench\nmodes = off strict\ncpus = 1 2\nthreads = {cpus}\n"
                        "params = seconds=2\nparam.granule = 1 16\nrepetitions = 2\ntimeout = 60\n")
        self.assertEqual(len(pts), 2 * 2 * 2 * 2)
        self.assertEqual([p.name for p in pts[:5]],
                         ["d-off-granule1-c1-t1-r1", "d-strict-granule1-c1-t1-r1",
                          "d-off-granule16-c1-t1-r1", "d-strict-granule16-c1-t1-r1",
                          "d-off-granule1-c2-t2-r1"])
        p = pts[-1]
        self.assertEqual(p.argv, ["--mode", "strict", "--cpus", "2", "--timeout", "60.0", "dmabench",
                                  "threads=2", "seconds=2", "granule=16"])
        self.assertEqual((p.point.mode, p.point.cpus, p.point.threads, p.point.series, p.point.rep,
                          p.point.vary, p.point.params["granule"]), ("strict", 2, 2, "d", 2, {"granule": "16"}, "16"))

    def test_runner_variants_and_opt_sets(self):
        pts = self.load("[q]\njob = dmabench\nmodes = strict\ncpus = 2\nrunner = --counters --append x={cpus}\n"
                        "variants = a b\nvariant.a =\nvariant.b = --icount\n"
                        "iommu_opts = x-qi-cost-preset=typical x-a=1,x-b=2\n")
        self.assertEqual([p.name for p in pts],
                         ["q-strict-a-x-qi-cost-preset_typical-c2-t1-r1", "q-strict-b-x-qi-cost-preset_typical-c2-t1-r1",
                          "q-strict-a-x-a_1_x-b_2-c2-t1-r1", "q-strict-b-x-a_1_x-b_2-c2-t1-r1"])
        self.assertEqual(pts[3].argv[6:], ["--counters", "--append", "x=2", "--icount", "--iommu-opt", "x-a=1",
                                           "--iommu-opt", "x-b=2", "dmabench", "threads=1"])
        self.assertTrue(pts[1].point.icount)
        self.assertEqual((pts[3].point.variant, pts[3].point.opt_set), ("b", "x-a=1,x-b=2"))

    def test_baseline_pairs(self):
        pts = self.load("[p]\njob = memcached\nmodes = off strict global\nbaseline = off\n")
        self.assertEqual([(p.point.mode, p.point.pair) for p in pts],
                         [("off", "strict"), ("strict", "strict"), ("off", "global"), ("global", "global")])
        self.assertEqual(pts[0].name, "p-off-for-strict-c2-t1-r1")

    def test_bad_experiment_fails_before_any_boot(self):
        """The issue's experiment: every fault named with its series and key."""
        f = self.faults("[bad]\njob = dmabench\nmodes = strict percpu_fq\ncpus = 99\nrunner = --no-such-flag\n")
        self.assertEqual(len(f), 3, f)
        self.assertRegex(f[0], r"\[bad\] modes: .*invalid choice: 'percpu_fq'")
        self.assertRegex(f[1], r"\[bad\] cpus: --cpus must be in 1\.\.64")
        self.assertRegex(f[2], r"\[bad\] runner: unrecognized arguments: --no-such-flag")

    def test_each_series_and_key_named(self):
        f = self.faults("[a]\nmodes = lazy\nparams = threads\n[b]\nvariants = x\nvariant.x = --vmode nope\n"
                        "[c]\nrunner = --net hub\n[d]\ncolour = red\n[e]\niommu_opts = x-a\n"
                        "[f]\nrepetitions = many\n[g]\nmodes = off\nbaseline = off\n[h]\nvariants = y\n")
        want = [r"\[a\] params: .*is not key=value", r"\[b\] variant\.x: .*invalid choice: 'nope'",
                r"\[c\] runner: .*NICs to each other", r"\[d\]: unknown key\(s\) colour",
                r"\[e\] iommu_opts: entry 'x-a'", r"\[f\] repetitions: invalid literal",
                r"\[g\] baseline: .*needs other modes", r"\[h\] variants: variant 'y' has no"]
        self.assertEqual(len(f), len(want), f)
        for line, rx in zip(f, want):
            self.assertRegex(line, rx)

    def test_missing_and_empty_files(self):
        with self.assertRaisesRegex(ExperimentError, "experiment file /nonexistent.ini not found"):
            experiment.load("/nonexistent.ini")
        self.assertRegex(self.faults("; nothing\n")[0], "defines no series")

    def test_committed_experiments_expand(self):
        """Every committed experiment passes vtd-run's parser, point by point."""
        import glob
        import os
        files = glob.glob(os.path.join(vtdtest.TOP, "configs", "experiments", "*.ini"))
        self.assertTrue(files)
        for path in files:
            with self.subTest(os.path.basename(path)):
                self.assertTrue(experiment.load(path))


if __name__ == "__main__":
    unittest.main()
