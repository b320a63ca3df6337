"""report.netsummary, report.network and report.deterministic: ratios to
off under both rules, the interval, the bottleneck verdicts, the build
flag, on records with known numbers."""

import os
import unittest

from report_fixtures import TempDir, mc, rrloop

from vtdlib import readers
from vtdlib.report import deterministic, netsummary, network


def summarise(recs):
    rows = readers.network_rows(recs)
    return netsummary.summarise(rows), rows


def paired():
    """6 repetitions, off paired before strict: ratios 0.78..0.82; global's
    own off is 2000 (strict must not be divided by it)."""
    recs = []
    for i, t in enumerate([800, 810, 790, 820, 780, 806], 1):
        recs += [mc("off", 2, 1000, rep=i, series="pair", pair="strict"),
                 mc("strict", 2, t, rep=i, series="pair", pair="strict"),
                 mc("off", 2, 2000, rep=i, series="pair", pair="global"),
                 mc("global", 2, 1800, rep=i, series="pair", pair="global")]
    return recs


class Summary(unittest.TestCase):
    def test_paired_series_take_the_median_of_neighbour_ratios(self):
        s, _ = summarise(paired())
        st = next(o for o in s if o["mode"] == "strict")
        self.assertEqual((st["ratio_n"], st["ratio_median"], st["ratio_lo"], st["ratio_hi"]), (6, 0.803, 0.78, 0.82))
        self.assertEqual((st["pct_of_off"], st["ratio_coverage"]), (80.3, 0.9688))
        self.assertEqual(next(o for o in s if o["mode"] == "global")["pct_of_off"], 90.0)
        off = next(o for o in s if o["mode"] == "off")
        self.assertEqual((off["ratio_n"], off["pct_of_off"], network.ratio_cell(off)), (0, 100.0, "–"))

    def test_unpaired_series_take_the_ratio_of_medians(self):
        # off 1000/3000 (median 2000), strict 900/1500 (median 1200): 60 %,
        # although the same-repetition ratios are 0.9 and 0.5
        s, _ = summarise([mc("off", 1, 1000, rep=1), mc("off", 1, 3000, rep=2),
                          mc("strict", 1, 900, rep=1), mc("strict", 1, 1500, rep=2)])
        st = s[1]
        self.assertEqual((st["mode"], st["pct_of_off"], st["ratio_median"]), ("strict", 60.0, 0.7))

    def test_deterministic_spread(self):
        s, _ = summarise([rrloop("off", 10000, rep=1), rrloop("off", 10000, rep=2),
                          rrloop("strict", 8000, rep=1), rrloop("strict", 8040, rep=2)])
        self.assertEqual((s[1]["ratio_spread_pct"], s[1]["pct_of_off"], s[1]["tps_median"]), (0.5, 80.2, 8020))


class Tables(unittest.TestCase):
    def test_wall_clock_table_interval_cell_and_figure(self):
        s, rows = summarise(paired())
        with TempDir() as out:
            lines = network.section(out, s, rows)
            self.assertTrue(os.path.exists(os.path.join(out, "network-pct-of-off.png")))
        self.assertIn("| pair | virtio-net | 2 | strict | 803 | 780–820 | 80.3 | 80.3 [78.0–82.0] (96.9 %, n=6) | "
                      "0.90 | 0.90 | 0.30 | 0.20 |", lines)
        self.assertIn("![network throughput](network-pct-of-off.png)", lines)

    def test_deterministic_table_flags_two_builds(self):
        a, b = {"qemu": "a" * 64}, {"qemu": "d" * 64}
        s, rows = summarise([rrloop("off", 10000, rep=1, binaries=a), rrloop("off", 10000, rep=2, binaries=a),
                             rrloop("strict", 8000, rep=1, binaries=a), rrloop("strict", 8040, rep=2, binaries=b)])
        lines = deterministic.section(s, rows)
        self.assertIn("| det | virtio-net | 1 | strict | 8020 | 8000–8040 | 80.2 | 0.50 % | 90 | 120 | 1.00 |", lines)
        self.assertTrue(any(ln.startswith("**det ran on 2 different builds**") for ln in lines))
        self.assertFalse(any("## Network workloads" in ln for ln in network.wall_table(s)))


class Bottleneck(unittest.TestCase):
    def verdict(self, **kw):
        s, _ = summarise([mc("off", kw.pop("cpus", 4), 1000, **kw)])
        return network.bottleneck(s[0])

    def test_each_component(self):
        self.assertIn("QEMU's main loop (NIC backend) is saturated (0.95 cores): ratios void",
                      self.verdict(main_loop=0.95))
        self.assertIn("host contention: a vCPU thread waited 0.50 of the window", self.verdict(busy=0.3, wait=0.5))
        self.assertIn("guest-bound (guest CPUs 0.95 busy", self.verdict(busy=0.95))
        self.assertIn("nothing saturated (guest CPUs 0.50 busy", self.verdict(busy=0.5))


if __name__ == "__main__":
    unittest.main()
