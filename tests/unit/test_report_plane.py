"""report.plane: % of off (same repetition, or the paired neighbour for
network series) against exposure, the device reached, the goal's verdict."""

import os
import unittest

from report_fixtures import TempDir, attack_run, dma, gc, mc, rrloop

from vtdlib import readers
from vtdlib.report import hostile, plane


def dma_plane():
    """2 repetitions: strict 50/60 %, percpu 80/90 % with 102400/204800
    page*ms, shadow 78/76 %, no exposure."""
    recs = []
    for mode, ops, fq in (("off", (100000, 100000), ({}, {})), ("strict", (50000, 60000), ({}, {})),
                          ("percpu", (80000, 90000), ({"b1024": 100}, {"b2048": 100})),
                          ("shadow", (78000, 76000), ({}, {}))):
        for rep in (1, 2):
            recs.append(dma("pl", mode, 2, 1000, ops[rep - 1], threads=1, rep=rep,
                            counters=None if mode == "off" else gc(1000, **fq[rep - 1])))
    return recs


def rows(recs, attacks=()):
    return plane.rows(recs, readers.network_rows(recs), hostile.by_run(list(attacks)))


class Points(unittest.TestCase):
    def test_dma_points_and_reached(self):
        r = rows(dma_plane(), [attack_run("percpu", leaks=((1, 1e6), (3, 1e6))), attack_run("shadow")])
        by = {x["mode"]: x for x in r}
        self.assertEqual(list(by), ["strict", "percpu", "shadow"])
        self.assertEqual((by["strict"]["pct_of_off"], by["strict"]["pct_min"], by["strict"]["pct_max"]),
                         (55.0, 50.0, 60.0))
        self.assertEqual((by["percpu"]["exposure_page_ms_per_m"], by["percpu"]["exposure_min"],
                          by["percpu"]["exposure_max"]), (153600.0, 102400.0, 204800.0))
        self.assertEqual([x["reached"] for x in r], ["not attacked", "a c", "nothing"])

    def test_network_throughput_from_the_uncounted_series(self):
        # rl: throughput without counters; rlx: the counted runs give exposure only
        recs = [rrloop("off", 10000, series="rl"), rrloop("percpu", 9000, series="rl"),
                rrloop("percpu", 8500, series="rlx", counters=gc(2000, b64=1000))]
        [p] = rows(recs)
        self.assertEqual((p["workload"], p["series"], p["pct_of_off"], p["exposure_page_ms_per_m"],
                          p["exposure_from"]), ("request/response", "rl", 90.0, 32000.0, "rlx"))

    def test_a_counted_series_with_its_own_off_gives_exposure_only(self):
        # rly counts (lower throughput: the counters' cost) and has an off of its
        # own; rl has the same point without counters: one point, rl's 90 %
        recs = [rrloop("off", 10000, series="rl"), rrloop("percpu", 9000, series="rl"),
                rrloop("off", 10000, series="rly"), rrloop("percpu", 8000, series="rly", counters=gc(2000, b64=1000))]
        self.assertEqual([(p["series"], p["pct_of_off"], p["exposure_from"]) for p in rows(recs)],
                         [("rl", 90.0, "rly")])

    def test_memcached_paired_with_its_own_off(self):
        recs = []
        for i in (1, 2):
            recs += [mc("off", 2, 1000, rep=i, series="p", pair="strict"),
                     mc("strict", 2, 800, rep=i, series="p", pair="strict", counters=gc(1000)),
                     mc("off", 2, 2000, rep=i, series="p", pair="global"),
                     mc("global", 2, 1800, rep=i, series="p", pair="global", counters=gc(1000, b4=500))]
        r = rows(recs)
        self.assertEqual([(x["mode"], x["pct_of_off"], x["exposure_page_ms_per_m"], x["exposure_from"]) for x in r],
                         [("strict", 80.0, 0.0, "same runs"), ("global", 90.0, 2000.0, "same runs")])


class Verdict(unittest.TestCase):
    def test_goal_met_by_a_safe_scheme(self):
        r = rows(dma_plane(), [attack_run("shadow"), attack_run("percpu", leaks=((1, 1e6),))])
        self.assertEqual(plane.verdict(r), "goal met: the best safe scheme, shadow, reaches 77.0 % of off, "
                                           "91 % of the best deferred scheme (percpu, 85.0 %)")

    def test_not_testable_names_the_unsafe(self):
        r = rows(dma_plane(), [attack_run("shadow", leaks=((1, 1e6),)), attack_run("strict", leaks=((1, 1e6),))])
        v = plane.verdict(r)
        self.assertTrue(v.startswith("goal not testable"))
        self.assertIn("not safe: strict (device reached a), shadow (device reached a)", v)

    def test_section_table_and_figure(self):
        with TempDir() as out:
            lines = plane.section(out, rows(dma_plane(), [attack_run("shadow")]))
            self.assertEqual(sorted(os.listdir(out)), ["plane-dma_map_benchmark.png", "plane.csv"])
        self.assertIn("| 1 thread(s), 2 vCPU(s) [pl] | percpu | pl | 2 | 85.0 [80.0–90.0] | "
                      "153600.0 [102400.0–204800.0] | same runs | not attacked |", lines)
        self.assertEqual([ln for ln in lines if ln.startswith("### ")], ["### dma_map_benchmark"])


if __name__ == "__main__":
    unittest.main()
