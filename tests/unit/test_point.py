"""The typed experiment point (vtdlib.point) and vtd-run's parser that makes it."""

import unittest

import vtdtest  # noqa: F401  (import path)
from vtdlib import runargs
from vtdlib.point import Point


class PointTest(unittest.TestCase):
    def test_parser_makes_one_typed_point(self):
        a = runargs.parse(["--mode", "strict", "--cpus", "4", "--vmode", "caching", "--net", "tap",
                           "--device", "virtio-net", "--icount", "memcached", "threads=2", "conns=8"])
        p = runargs.point_of(a)
        self.assertEqual(p, Point("memcached", mode="strict", cpus=4, vmode="caching",
                                  params={"threads": "2", "conns": "8"}, devices=["virtio-net"],
                                  net="tap", icount=True, kernel_variant="patched"))
        self.assertEqual(p.threads, 2)
        self.assertEqual(p.nic(), "virtio-net")

    def test_no_nic_no_net(self):
        """The NIC backend is an axis only where there is a NIC."""
        p = runargs.point_of(runargs.parse(["--net", "user", "info"]))
        self.assertIsNone(p.net)
        self.assertEqual(p.devices, ["edu"])

    def test_round_trip(self):
        p = Point("dmabench", mode="percpu", series="s", rep=2, vary={"granule": "16"}, opt_set="a=1")
        self.assertEqual(Point.from_dict(p.to_dict()), p)
        self.assertNotIn("pair", p.to_dict())     # placement left out when unset
        self.assertIn("net", p.to_dict())         # axes always there

    def test_unknown_field_is_refused(self):
        with self.assertRaisesRegex(ValueError, "unknown field.*colour"):
            Point.from_dict({"job": "info", "colour": "red"})

    def test_bench_keys_read_as_before(self):
        """vtd-report reads the bench's old point dict keys."""
        p = Point("dmabench", mode="global", cpus=4, params={"threads": "4"}, series="dma", rep=3,
                  opt_set="x-qi-cost-preset=typical", vary={})
        self.assertEqual((p["series"], p["mode"], p["cpus"], p["threads"], p["rep"], p["iommu_opts"]),
                         ("dma", "global", 4, 4, 3, "x-qi-cost-preset=typical"))
        self.assertIsNone(p.get("pair"))
        self.assertEqual(p.get("variant", "-"), "-")
        with self.assertRaises(KeyError):
            p["job"]
        self.assertEqual(set(p.legacy()), {"series", "mode", "variant", "cpus", "threads", "rep",
                                           "iommu_opts", "vary", "pair"})
        self.assertIsNone(Point("info").legacy())

    def test_placed_from_old_dict(self):
        p = Point("dmabench").placed({"series": "s", "mode": "strict", "cpus": 1, "threads": 1,
                                      "rep": 1, "iommu_opts": None, "vary": {}, "variant": None})
        self.assertEqual((p.mode, p.cpus, p.params, p.series), ("strict", 1, {"threads": "1"}, "s"))
        with self.assertRaisesRegex(ValueError, "unknown field colour"):
            Point("info").placed({"colour": 1})


class ParserTest(unittest.TestCase):
    """runargs.check: vtd-run's refusals as exceptions, for the bench's check."""

    def refuses(self, argv, message):
        with self.assertRaisesRegex(runargs.ArgError, message):
            runargs.check(argv)

    def test_refusals(self):
        self.refuses(["--mode", "percpu_fq", "info"], "invalid choice: 'percpu_fq'")
        self.refuses(["--cpus", "99", "info"], r"--cpus must be in 1\.\.64")
        self.refuses(["--no-such-flag", "info"], "unrecognized arguments: --no-such-flag")
        self.refuses(["info", "threads"], "is not key=value")
        self.refuses(["--net", "hub", "--device", "e1000e", "info"], "joins NICs to each other")
        self.refuses(["--forward", "80", "info"], "need a NIC")
        self.refuses(["--hostile", "--hostile-on", "nvme", "attack"], "add --device nvme")
        self.refuses(["--iommu-opt", "x", "info"], "is not PROP=VALUE")

    def test_hostile_implies_counters(self):
        self.assertTrue(runargs.check(["--hostile", "write=on", "attack"]).counters)
        self.refuses(["--hostile", "attack"], "put --hostile before the job")


if __name__ == "__main__":
    unittest.main()
