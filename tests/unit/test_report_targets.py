"""report.targets and report.sg against published.json: verdicts on known
numbers, and that the limits come from the data file."""

import unittest
from unittest import mock

from report_fixtures import dma, mc

from vtdlib import readers
from vtdlib.report import dmabench, netsummary, published, scaling, sg, targets


def summary(recs):
    return dmabench.summarise(readers.dmabench_rows(recs))


def sg_rows():
    return sg.rows(summary([dma("sg", "strict", 2, 0, 1, map_ns=100000, map_kind="sg-page", granule=8192),
                            dma("sg", "strict", 2, 0, 1, map_ns=5000, map_kind="sg", granule=8192)]))


class Targets(unittest.TestCase):
    def test_growth_memcached_and_seed003(self):
        sc = scaling.rows(summary([dma("d", "percpu", 1, 1000, 1), dma("d", "percpu", 4, 2500, 1),
                                   dma("d", "global", 1, 1000, 1), dma("d", "global", 4, 10000, 1)]))
        net = netsummary.summarise(readers.network_rows(
            [mc("off", 4, 1000), mc("percpu", 4, 950), mc("global", 4, 400), mc("strict", 4, 300)]))
        lines = targets.section(sc, net, sg_rows())
        self.assertIn("| unmap latency 4 vs 1 vCPU(s), percpu | ≤ 3× at 16 vs 1 | 2.50× | met |", lines)
        self.assertIn("| unmap latency 4 vs 1 vCPU(s), global | ≥ 20× at 16 vs 1 | 10.00× | missed |", lines)
        self.assertIn("| mc at 4 vCPU(s), percpu % of off | ≥ 90% at 16 vCPUs | 95.0% | met |", lines)
        self.assertIn("| mc at 4 vCPU(s), global % of off | ≤ 50% at 16 vCPUs | 40.0% | met |", lines)
        self.assertIn("| mc at 4 vCPU(s), lowest scheme | strict | strict (30.0%) | met |", lines)
        self.assertIn("| seed 003, 32 MiB batched / per-page, strict | ≤ 0.10 | 0.050 | met |", lines)

    def test_limits_are_read_from_the_data(self):
        t = dict(published.TARGETS, sg_batched_over_per_page=dict(published.TARGETS["sg_batched_over_per_page"],
                                                                  limit=0.01, stated="≤ 0.01"))
        with mock.patch.object(targets, "TARGETS", t):
            self.assertIn("| seed 003, 32 MiB batched / per-page, strict | ≤ 0.01 | 0.050 | missed |",
                          targets.section([], [], sg_rows()))

    def test_nothing_measured_no_section(self):
        self.assertEqual(targets.section([], [], []), [])


class Published(unittest.TestCase):
    def test_data_loaded(self):
        self.assertEqual(published.SEED003[32768], (3832.979, 210.468))
        self.assertTrue(published.met(0.05, "≤", 0.1) and not published.met(5, "≥", 20))


class ScatterGather(unittest.TestCase):
    def test_ratio_beside_the_seed(self):
        lines = sg.section(sg_rows())
        self.assertIn("| strict | 32768 KiB | 100.0 | 5.0 | 0.050 | 3832.979 → 210.468 | 0.055 |", lines)

    def test_size_the_seed_did_not_measure(self):
        rows = sg.rows(summary([dma("sg", "strict", 2, 0, 1, map_ns=3000, map_kind="sg", granule=2)]))
        self.assertIn("| strict | 8 KiB | None | 3.0 | – | – | – |", sg.section(rows))


if __name__ == "__main__":
    unittest.main()
