"""report.stale: stale DMAs per million unmaps (audit or module), the
survival bins, CSVs and figure."""

import os
import unittest

from report_fixtures import TempDir, dma, point

from vtdlib import readers
from vtdlib.record import Record
from vtdlib.report import dmabench, stale


def run(mode, rep, landed, points, audit=None):
    dev = {"audit": {"enabled": True, "stale": {"translations": audit, "age_min_ns": 1e8, "age_max_ns": 1.5e8}}} \
        if audit is not None else None
    return Record("stale", mode, 1, point=point("st", mode, 1, rep=rep), device_counters=dev,
                  result={"module": {"tries": 1000, "armed": 1000, "landed": landed, "clean": 1000 - landed,
                                     "early": 0, "landed_window_max_ns": 1.2e6, "points": points}})


class Stale(unittest.TestCase):
    def test_rates_bins_and_figure(self):
        recs = [run("strict", 1, 0, [[100, 0], [1500, 0]], audit=0),
                run("percpu", 1, 2, [[100, 1], [500, 1], [1500, 0]], audit=3),
                run("percpu", 2, 1, [[2500, 1]], audit=2)]
        s = stale.summarise(readers.stale_rows(recs))
        self.assertEqual([x["mode"] for x in s], ["strict", "percpu"])
        self.assertEqual((s[1]["stale_dmas"], s[1]["counted_by"], s[1]["stale_per_million_unmaps"]),
                         (5, "audit", 2500))
        self.assertEqual(s[1]["survival"], {0.0: (1.0, 2), 1.0: (0.0, 1), 2.0: (1.0, 1)})
        summ = dmabench.summarise(readers.dmabench_rows([dma("d", "percpu", 1, 1000, 5000)]))
        with TempDir() as out:
            lines = stale.section(out, recs, summ)
            self.assertEqual(sorted(os.listdir(out)), ["stale-summary.csv", "stale-window.png", "stale.csv"])
        self.assertIn("| percpu | 2 | 2000 | 2000 | 3 | 5 (audit) | 2500 | 1.20 | 150.0 |", lines)
        self.assertIn("| strict | 1 | 1000 | 1000 | 0 | 0 (audit) | 0 | – | – |", lines)

    def test_without_audit_the_module_counts(self):
        s = stale.summarise(readers.stale_rows([run("lazy", 1, 4, [])]))
        self.assertEqual((s[0]["stale_dmas"], s[0]["counted_by"]), (4, "module"))


if __name__ == "__main__":
    unittest.main()
