"""report.fio: IOPS and guest CPU per I/O as % of off (ratio of medians),
with exposure."""

import os
import unittest

from report_fixtures import TempDir, gc, point

from vtdlib.record import Record
from vtdlib.report import fio


def run(mode, iops, busy, rep=1, counters=None):
    res = {"iops": iops, "runtime_ms": 1000, "guest_cpu_busy": busy, "cpus": 2, "rw": "randread",
           "bs": "8k", "iodepth": 32}
    if counters:
        res["guest_counters"] = counters
    return Record("fio", mode, 2, devices=["nvme"], point=point("fio", mode, 2, rep=rep), result=res)


class Fio(unittest.TestCase):
    def test_percent_of_off_and_exposure(self):
        # off: 10000 IOPS at 0.5 busy of 2 CPUs = 100 µs per I/O; strict 2000 and 200 µs
        recs = [run("off", 10000, 0.5), run("strict", 2000, 0.2, counters=gc(1000)),
                run("percpu", 8000, 0.5, rep=1, counters=gc(1000, b1024=100)),
                run("percpu", 9000, 0.5, rep=2, counters=gc(1000, b1024=100))]
        with TempDir() as out:
            lines = fio.section(out, recs)
            self.assertTrue(os.path.exists(os.path.join(out, "fio.csv")))
        self.assertIn("| randread | 8k | 32 | off | 10000 | 100.0 | 100.0 | 100 |  |", lines)
        self.assertIn("| randread | 8k | 32 | strict | 2000 | 20.0 | 200.0 | 200 | 0.0 |", lines)
        # CPU per I/O: median of 125 and 111.11; 100 entries < 1.024 ms, 2 pages per
        # 8k I/O, per 1000 unmaps: 204800
        self.assertIn("| randread | 8k | 32 | percpu | 8500 | 85.0 | 118.055 | 118 | 204800.0 |", lines)

    def test_no_fio_no_section(self):
        self.assertEqual(fio.section("/nonexistent", []), [])


if __name__ == "__main__":
    unittest.main()
