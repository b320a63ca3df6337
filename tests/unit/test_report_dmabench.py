"""report.dmabench (summary, one-definition rule, the 1-page table and its
figure), report.scaling and report.sweep on records with known numbers."""

import contextlib
import io
import os
import unittest

from report_fixtures import TempDir, dma, stock_dma

from vtdlib import readers
from vtdlib.report import dmabench, scaling, sweep


def summary(recs):
    return dmabench.summarise(readers.dmabench_rows(recs))


class Summary(unittest.TestCase):
    def test_median_min_max_per_point_in_mode_order(self):
        s = summary([dma("d", "strict", 1, 3000, 10, rep=1), dma("d", "strict", 1, 1000, 10, rep=2),
                     dma("d", "strict", 1, 2000, 10, rep=3), dma("d", "off", 1, 100, 10)])
        self.assertEqual([x["mode"] for x in s], ["off", "strict"])
        self.assertEqual((s[1]["n"], s[1]["unmap_us_median"], s[1]["unmap_us_min"], s[1]["unmap_us_max"]),
                         (3, 2.0, 1.0, 3.0))
        self.assertEqual(s[1]["ops_source"], readers.OPS_MEASURED)


class Table(unittest.TestCase):
    def test_ratio_to_strict_of_the_same_thread_count_and_figure(self):
        with TempDir() as out:
            lines = dmabench.section(out, summary([dma("d", "strict", 2, 4000, 10), dma("d", "percpu", 2, 1000, 10),
                                                   dma("d", "percpu", 1, 1000, 10)]))
            self.assertTrue(os.path.getsize(os.path.join(out, "dmabench-unmap.png")) > 0)
            self.assertEqual(os.listdir(out), ["dmabench-unmap.png"])  # no data file left
        self.assertIn("| 2 | 2 | percpu | 1.0 | 1.0–1.0 | 0.5 | 0.25 |", lines)
        self.assertIn("| 1 | 1 | percpu | 1.0 | 1.0–1.0 | 0.5 | – |", lines)
        self.assertIn("![unmap latency](dmabench-unmap.png)", lines)

    def test_mixed_definitions_fail_naming_the_table(self):
        s = summary([dma("d", "strict", 1, 4000, 10), stock_dma("d", "percpu", 1, 0.5, 1.0, None)])
        err = io.StringIO()
        with TempDir() as out, self.assertRaises(SystemExit), contextlib.redirect_stderr(err):
            dmabench.section(out, s)
        self.assertIn("table 'dma_map_benchmark, 1 page on edu' compares rows measured in different ways "
                      "(ops_source: ops / elapsed vs threads / (map + unmap mean))", err.getvalue())

    def test_nothing_without_plain_points(self):
        self.assertEqual(dmabench.section("/nonexistent", summary([dma("d", "strict", 1, 1, 1, variant="x")])), [])


class Scaling(unittest.TestCase):
    def test_growth_from_the_fewest_to_the_most_vcpus(self):
        s = summary([dma("d", "percpu", 1, 1000, 100000), dma("d", "percpu", 4, 2500, 300000),
                     dma("d", "global", 1, 1000, 100000), dma("d", "global", 2, 4000, 1)])
        rows = scaling.rows(s)
        with TempDir() as out:
            lines = scaling.section(out, rows)
            self.assertTrue(os.path.exists(os.path.join(out, "scaling.png")))
        self.assertIn("| percpu | 100000 | 1.00 | – | – | 300000 | 2.50 | 2.50× |", lines)
        self.assertIn("| global | 100000 | 1.00 | 1 | 4.00 | – | – | – |", lines)

    def test_one_vcpu_count_is_no_curve(self):
        self.assertEqual(scaling.rows(summary([dma("d", "percpu", 2, 1, 1), dma("d", "strict", 2, 1, 1)])), [])


class Sweep(unittest.TestCase):
    def test_rise_over_the_cost_zero_point(self):
        def at(cost, unmap_ns):
            return dma("q", "strict", 1, unmap_ns, 10, iommu_opts={readers.QI_COST_PROP: str(cost)})
        rows = sweep.rows(summary([at(0, 2000), at(4000, 6500), dma("d", "strict", 1, 1, 1)]))
        with TempDir() as out:
            lines = sweep.section(out, rows)
            self.assertTrue(os.path.exists(os.path.join(out, "qi-cost-sweep.png")))
        self.assertIn("| 1 | 1 | strict | 4 | 6.5 | 0.5 | 10 | 4.5 |", lines)
        self.assertIn("| 1 | 1 | strict | 0 | 2.0 | 0.5 | 10 | 0.0 |", lines)


if __name__ == "__main__":
    unittest.main()
