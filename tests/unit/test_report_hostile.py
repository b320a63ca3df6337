"""report.hostile: what the hostile device reached per configuration,
scheme, write-only leaves and workload; the per-scheme union the plane
takes."""

import contextlib
import io
import unittest

from report_fixtures import attack_run

from vtdlib.report import hostile


def att(*recs):
    return hostile.by_run(list(recs))


class Table(unittest.TestCase):
    def test_leaked_over_planted_markers_age_reached(self):
        lines = hostile.section(att(attack_run("strict", leaks=((1, 1e6), (1, 2e6), (1, 3e6))),
                                    attack_run("shadow"),
                                    attack_run("strict", "caching", leaks=((1, 1e6), (2, 4e6)), markers={"b": 1})))
        self.assertIn("| legacy | strict | yes | 1 | 3/8 | 0/4 | 0/4 | 0/4 | 0 | 2.0 | a |", lines)
        self.assertIn("| legacy | shadow | yes | 1 | 0/8 | 0/4 | 0/4 | 0/4 | 0 | – | nothing |", lines)
        self.assertIn("| caching | strict | yes | 1 | 1/8 | 1/4 | 0/4 | 0/4 | 1 | 2.5 | a b; wrote b |", lines)
        self.assertFalse(any("workload" in ln for ln in lines))

    def test_runs_of_one_scheme_are_summed(self):
        lines = hostile.section(att(attack_run("percpu", leaks=((1, 1e6),)), attack_run("percpu", leaks=((3, 5e6),))))
        self.assertIn("| legacy | percpu | yes | 2 | 1/16 | 0/8 | 1/8 | 0/8 | 0 | 3.0 | a c |", lines)

    def test_workloads_get_rows_of_their_own(self):
        lines = hostile.section(att(attack_run("percpu", leaks=((1, 1e6),)),
                                    attack_run("percpu", leaks=((3, 2e6),), job="memcached")))
        self.assertIn("| legacy | percpu | attack job | yes | 1 | 1/8 | 0/4 | 0/4 | 0/4 | 0 | 1.0 | a |", lines)
        self.assertIn("| legacy | percpu | memcached | yes | 1 | 0/8 | 0/4 | 1/4 | 0/4 | 0 | 2.0 | c |", lines)
        self.assertTrue(any(ln.startswith("| configuration | scheme | workload |") for ln in lines))

    def test_a_run_without_the_planted_list_fails_naming_it(self):
        r = attack_run("shadow")
        del r.result["module"]["canaries"]
        err = io.StringIO()
        with self.assertRaises(SystemExit), contextlib.redirect_stderr(err):
            hostile.by_run([r])
        self.assertIn("attack run shadow, legacy: no field 'canaries'", err.getvalue())

    def test_a_workload_without_canaries_says_spray(self):
        r = attack_run("percpu", job="rrloop")
        del r.result["module"]
        err = io.StringIO()
        with self.assertRaises(SystemExit), contextlib.redirect_stderr(err):
            hostile.by_run([r])
        self.assertIn("job rrloop ran beside the hostile device with no canaries planted (mode percpu): "
                      "give it the job parameter spray=1", err.getvalue())


class Reached(unittest.TestCase):
    def test_union_over_workloads_legacy_write_only_first(self):
        a = att(attack_run("percpu", leaks=((1, 1e6),)), attack_run("percpu", leaks=((3, 1e6),), job="fio"),
                attack_run("percpu", leaks=((2, 1e6),), sl_wo=False),
                attack_run("percpu", "caching", leaks=((4, 1e6),)), attack_run("shadow"),
                attack_run("strict", leaks=((2, 1e6),), sl_wo=False))
        self.assertEqual(hostile.reached(a, "percpu"), "a c")
        self.assertEqual(hostile.reached(a, "shadow"), "")
        self.assertEqual(hostile.reached(a, "strict"), "b")
        self.assertIsNone(hostile.reached(a, "global"))


if __name__ == "__main__":
    unittest.main()
