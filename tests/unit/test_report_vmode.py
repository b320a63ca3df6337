"""report.vmode: invalidations per map and unmap per configuration, and
the deterministic network figure per configuration (same-repetition
ratios, batching named where VT-d changed it)."""

import os
import unittest

from report_fixtures import TempDir, device_like, dma, rrloop

from vtdlib.report import vmode


def net(series, vm, pts):
    return [rrloop(m, t, series=series, vmode=vm, batching=b) for m, t, b in pts]


class Vmode(unittest.TestCase):
    def test_network_per_configuration(self):
        recs = net("rl", "legacy", (("off", 10000, "upstream"), ("strict", 7000, "upstream"))) + \
            net("rlc", "caching", (("off", 10000, "upstream"), ("strict", 5000, "forced-strict"),
                                   ("percpu", 8000, "kept"))) + \
            net("rlx", "legacy", (("percpu", 8500, "upstream"),))  # no off: left out
        with TempDir() as out:
            lines = vmode.section(out, recs)
            self.assertEqual(os.listdir(out), ["vmode-network.csv"])  # no dmabench rows: no vmode.csv
        self.assertIn("| legacy | rl | 1 | 10000 | 70.0 | – |", lines)
        self.assertIn("| caching | rlc | 1 | 10000 | 50.0 (forced-strict) | 80.0 (kept) |", lines)
        self.assertFalse(any(ln.startswith("| legacy | rlx") for ln in lines))

    def test_dmabench_per_configuration(self):
        g = {"unmaps": 1000, "iotlb_page": 2000, "flush_map": 1000}
        recs = [dma("v", "strict", 1, 3000, 1, counters=g, device=device_like(g), vmode="caching"),
                dma("v", "strict", 1, 2000, 1, counters={"unmaps": 1000, "iotlb_page": 1000},
                    device=device_like({"iotlb_page": 999}), vmode="legacy")]
        with TempDir() as out:
            lines = vmode.section(out, recs)
        self.assertIn("| caching | 1 | 1 | strict | 1.0 | 1.0 | 3.0 |  | yes |", lines)
        self.assertIn("| legacy | 1 | 1 | strict | 0.0 | 1.0 | 2.0 |  | NO |", lines)

    def test_one_configuration_is_no_section(self):
        with TempDir() as out:
            self.assertEqual(vmode.section(out, net("rl", "legacy", (("off", 1, "upstream"),))), [])


if __name__ == "__main__":
    unittest.main()
