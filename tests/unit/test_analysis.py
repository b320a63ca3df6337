"""vtdlib.analysis: grouping, the median's interval and the three named
pairing rules, on numbers worked out by hand."""

import os
import sys
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "scripts"))

from vtdlib import analysis  # noqa: E402


def net(mode, rep, tps, pair="", series="s", cpus=2):
    return {"series": series, "cpus": cpus, "mode": mode, "rep": rep, "tps": tps, "pair": pair}


class Group(unittest.TestCase):
    def test_groups_in_first_seen_order(self):
        g = analysis.group([3, 1, 4, 1, 5, 9, 2, 6], lambda x: x % 3)
        self.assertEqual(list(g), [0, 1, 2])
        self.assertEqual(g[0], [3, 9, 6])
        self.assertEqual(g[1], [1, 4, 1])

    def test_summary_is_median_min_max(self):
        self.assertEqual(analysis.summary([5, 1, 3, 2]), (2.5, 1, 5))


class SameRep(unittest.TestCase):
    def test_each_repetition_against_its_own_reference(self):
        # rep 3 has no reference, rep 4's reference is 0: neither gives a ratio
        r = analysis.same_rep_ratios({1: 50, 2: 90, 3: 10, 4: 5}, {1: 100, 2: 100, 4: 0})
        self.assertEqual(r, [0.5, 0.9])

    def test_not_the_ratio_of_medians(self):
        # medians 60/100 = 0.6, but per repetition 0.5 and 1.0: median 0.75
        by, ref = {1: 50, 2: 70}, {1: 100, 2: 70}
        self.assertEqual(analysis.median(analysis.same_rep_ratios(by, ref)), 0.75)
        self.assertAlmostEqual(analysis.ratio_of_medians(analysis.median(by.values()),
                                                         analysis.median(ref.values())), 60 / 85)


class Neighbour(unittest.TestCase):
    def test_paired_with_the_off_run_of_its_own_pair(self):
        # rep 1 holds two off runs: strict's pair (1000) and global's (2000)
        rows = [net("off", 1, 1000, "strict"), net("strict", 1, 800, "strict"),
                net("off", 1, 2000, "global"), net("global", 1, 1800, "global"),
                net("off", 2, 1000, "strict"), net("strict", 2, 820, "strict"),
                net("off", 2, 2000, "global"), net("global", 2, 1900, "global")]
        self.assertEqual(analysis.neighbour_ratios(rows, rows[1]), [0.8, 0.82])
        self.assertEqual(analysis.neighbour_ratios(rows, rows[3]), [0.9, 0.95])

    def test_unpaired_rows_use_the_same_repetition(self):
        rows = [net("off", 1, 100), net("strict", 1, 50), net("off", 2, 200), net("strict", 2, 150)]
        self.assertEqual(analysis.neighbour_ratios(rows, rows[1]), [0.5, 0.75])

    def test_other_series_and_vcpus_are_not_paired(self):
        rows = [net("off", 1, 100, cpus=1), net("strict", 1, 50), net("off", 1, 400, series="t"),
                net("off", 1, 200)]
        self.assertEqual(analysis.neighbour_ratios(rows, rows[1]), [0.25])


class Medians(unittest.TestCase):
    def test_scaled_and_no_reference(self):
        self.assertEqual(analysis.ratio_of_medians(45, 90, 100), 50.0)
        self.assertIsNone(analysis.ratio_of_medians(45, 0))
        self.assertIsNone(analysis.ratio_of_medians(45, None))


class MedianInterval(unittest.TestCase):
    def test_six_values_give_min_max_at_96_9_percent(self):
        m, lo, hi, cov = analysis.median_ci([0.80, 0.81, 0.79, 0.82, 0.78, 0.806])
        self.assertAlmostEqual(m, 0.803)
        self.assertEqual((lo, hi), (0.78, 0.82))
        self.assertEqual(cov, 1 - 2 / 64)

    def test_five_values_cover_less_than_95(self):
        _, lo, hi, cov = analysis.median_ci([5, 1, 4, 2, 3])
        self.assertEqual((lo, hi, cov), (1, 5, 1 - 2 / 32))

    def test_twenty_values_take_inner_order_statistics(self):
        # n = 20: k = 6 is the largest with coverage >= 95 % (95.9 %); k = 7 has 88.5 %
        _, lo, hi, cov = analysis.median_ci(range(1, 21))
        self.assertEqual((lo, hi), (6, 15))
        self.assertAlmostEqual(cov, 0.9586, places=4)

    def test_spread(self):
        self.assertAlmostEqual(analysis.spread_pct([0.800, 0.804]), 0.5)
        self.assertEqual(analysis.spread_pct([0.9, 0.9]), 0)


if __name__ == "__main__":
    unittest.main()
