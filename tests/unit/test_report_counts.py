"""report.invalidations (per 1000 unmaps, guest = device, figure) and
report.trace (device counters vs trace lines)."""

import os
import unittest

from report_fixtures import TempDir, device_like, dma

from vtdlib.names import DESCRIPTORS
from vtdlib.report import invalidations, trace


def counted(mode, rep, page, waits, glob=0, dev_page=None):
    g = dict(dict.fromkeys(DESCRIPTORS, 0), unmaps=1000, iotlb_page=page, iotlb_global=glob, wait=waits)
    return dma("c", mode, 1, 1000, 1, rep=rep, counters=g,
               device=device_like(g, **({} if dev_page is None else {"iotlb_page": dev_page})))


class Invalidations(unittest.TestCase):
    def test_medians_agreement_and_figure(self):
        recs = [counted("strict", 1, 1000, 1000), counted("strict", 2, 1002, 1000),
                counted("percpu", 1, 0, 4, glob=4), counted("percpu", 2, 0, 6, glob=6, dev_page=1)]
        with TempDir() as out:
            lines = invalidations.section(out, recs)
            self.assertEqual(sorted(os.listdir(out)), ["invalidations.csv", "invalidations.png"])
        self.assertIn("| c | 1 | strict | 1001.00 | 1000.00 | yes |", lines)
        self.assertIn("| c | 1 | percpu | 5.50 | 5.00 | **NO** |", lines)

    def test_runs_without_counters_give_nothing(self):
        self.assertEqual(invalidations.section("/nonexistent", [dma("c", "strict", 1, 1, 1)]), [])


class Trace(unittest.TestCase):
    def rows(self, trace_wait):
        return [{"threads": 1, "rep": 1, "what": w, "device": d, "trace": t}
                for w, d, t in (("descriptors", 10, 10), ("IOTLB page-selective", 5, 5),
                                ("IOTLB global", 0, 0), ("wait (SW)", 5, trace_wait))]

    def test_agreement(self):
        lines = trace.section(self.rows(5))
        self.assertIn("1 runs counted both ways; **all counts agree exactly**.", lines)
        self.assertEqual(trace.mismatches(self.rows(5)), [])

    def test_mismatch_named(self):
        self.assertIn("1 runs counted both ways; **1 MISMATCHES**.", trace.section(self.rows(4)))
        self.assertEqual(len(trace.mismatches(self.rows(4))), 1)


if __name__ == "__main__":
    unittest.main()
