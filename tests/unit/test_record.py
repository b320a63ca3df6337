"""The run record (vtdlib.record): the point stored once, the run's facts
once; every committed record (docs/results) loads through the upgrade and
reads as it did."""

import glob
import json
import os
import unittest

import vtdtest
from vtdlib import record
from vtdlib.point import Point
from vtdlib.record import Record, RecordError

def read(path):
    with open(path) as f:
        return json.load(f)


COMMITTED = sorted(p for p in glob.glob(os.path.join(vtdtest.TOP, "docs", "results", "**", "raw", "*.json"),
                                        recursive=True))


class CommittedTest(unittest.TestCase):
    def test_every_committed_record_loads(self):
        self.assertGreater(len(COMMITTED), 300)
        for path in COMMITTED:
            with self.subTest(os.path.relpath(path, vtdtest.TOP)):
                rec = record.load(path)
                self.assertIsInstance(rec.point, Point)
                self.assertEqual(rec.record_version, record.VERSION)

    def test_committed_records_read_as_written(self):
        """A version 2 record's fields read back as they are in the file (the
        report reads them), the bench's point dict included."""
        v2 = [p for p in COMMITTED if read(p).get("record_version") == 2]
        self.assertTrue(v2)
        for path in v2:
            with self.subTest(os.path.relpath(path, vtdtest.TOP)):
                d = read(path)
                view = record.load(path).to_dict()
                for k, v in d.items():
                    if k == "point":
                        self.assertEqual(view["point"], dict({"pair": None}, **v))
                    elif k != "record_version":
                        self.assertEqual(view[k], v, k)

    def test_stored_once_and_round_trip(self):
        """Written as version 3: the point once, no axis repeated at the top,
        the scheme only in the guest's result; read back, the same record."""
        for path in COMMITTED[::25]:
            with self.subTest(os.path.relpath(path, vtdtest.TOP)):
                rec = record.load(path)
                d = rec.stored()
                self.assertEqual(d["record_version"], 3)
                self.assertFalse({"job", "mode", "cpus", "vmode", "params", "devices", "scheme"} & set(d))
                self.assertEqual(rec.scheme, (rec.result or {}).get("dma_scheme"))
                self.assertEqual(record.from_dict(json.loads(json.dumps(d))).to_dict(), rec.to_dict())


class UpgradeTest(vtdtest.ScratchCase):
    def test_version_1_from_its_command_line(self):
        d = {"job": "memcached", "mode": "strict", "cpus": 2, "result": {"dma_scheme": "default"},
             "qemu_cmdline": ["qemu", "-device", "intel-iommu,intremap=on,caching-mode=off",
                              "-netdev", "tap,id=net0", "-device", "virtio-net-pci,id=dev0,netdev=net0"]}
        rec = record.from_dict(d)
        self.assertEqual((rec.devices, rec.net, rec.scheme, rec.iommu_opts),
                         (["virtio-net"], "tap", "default", {"intremap": "on", "caching-mode": "off"}))

    def test_version_2_bench_point(self):
        d = {"record_version": 2, "job": "dmabench", "mode": "percpu", "cpus": 4, "params": {"threads": "4"},
             "point": {"series": "s", "mode": "percpu", "variant": None, "cpus": 4, "threads": 4, "rep": 2,
                       "iommu_opts": "x-a=1", "vary": {}}, "status": 0}
        rec = record.from_dict(d)
        self.assertEqual((rec.point.series, rec.point.rep, rec.point.opt_set, rec.point["threads"]),
                         ("s", 2, "x-a=1", 4))
        self.assertEqual(rec.stored()["point"]["series"], "s")

    def test_refusals(self):
        for d, msg in (([], "not a run record"), ({"job": "x"}, "no job, mode and cpus"),
                       ({"record_version": 99, "point": {}}, "record_version 99; this checkout reads up to 3"),
                       ({"record_version": 3, "point": {"job": "x"}, "colour": 1}, r"unknown field\(s\) colour"),
                       ({"record_version": 3}, "no usable point"),
                       ({"job": "x", "mode": "m", "cpus": 1, "colour": 1}, "no field.*colour")):
            with self.subTest(msg):
                with self.assertRaisesRegex(RecordError, msg):
                    record.from_dict(d)
        with self.assertRaisesRegex(RecordError, "cannot read run record"):
            record.load(self.write("bad.json", "{"))

    def test_constructor_and_setters_keep_the_readers_api(self):
        """Record(job, mode, cpus, point=dict, axes..., facts...) as the report's tests build it."""
        r = Record("dmabench", "strict", 2, vmode="caching", devices=["nvme"], wall_s=5,
                   point={"series": "s", "mode": "strict", "cpus": 2, "threads": 1, "rep": 1})
        r.devices, r.iommu_opts = ["virtio-net"], {"device-iotlb": "on"}
        r.point = dict(r.point.legacy(), variant="stock")
        self.assertEqual((r.job, r.vmode, r.devices, r.nic(), r.point["variant"], r.params),
                         ("dmabench", "caching", ["virtio-net"], "virtio-net", "stock", {"threads": "1"}))
        r.write(self.write("r.json", ""))
        back = record.load(os.path.join(self.tmp, "r.json"))
        self.assertEqual(back.to_dict(), r.to_dict())
        with self.assertRaisesRegex(TypeError, "no field.*colour"):
            Record("x", colour=1)

    def test_flatten_for_the_shell(self):
        got = dict(record.flatten({"a": {"b": [1, True]}, "c": None}))
        self.assertEqual(got, {"a": "{'b': [1, True]}", "a.b": "[1, True]", "a.b.0": "1", "a.b.1": "True",
                               "c": "None"})


if __name__ == "__main__":
    unittest.main()
