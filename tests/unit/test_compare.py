"""vtdlib.compare (vtd-compare): guest = device per descriptor type, exit 1
on a mismatch; two runs per million unmaps."""

import contextlib
import io
import os
import unittest

from report_fixtures import TempDir, device_like, dma

from vtdlib import compare
from vtdlib.names import DESCRIPTORS


def record(out, name, dev_change=None, unmaps=1000):
    g = dict(dict.fromkeys(DESCRIPTORS, 0), unmaps=unmaps, iotlb_page=unmaps, wait=unmaps)
    path = os.path.join(out, name)
    dma("c", "strict", 1, 1, 1, counters=g, device=device_like(g, **(dev_change or {}))).write(path)
    return path


def run(*argv):
    o = io.StringIO()
    with contextlib.redirect_stdout(o), contextlib.redirect_stderr(io.StringIO()):
        rc = compare.main(list(argv), "usage")
    return rc, o.getvalue()


class Compare(unittest.TestCase):
    def test_agree(self):
        with TempDir() as out:
            rc, text = run(record(out, "a.json"))
        self.assertEqual(rc, 0)
        self.assertIn("all descriptor counts agree", text)

    def test_mismatch_marked_and_exit_1(self):
        with TempDir() as out:
            rc, text = run(record(out, "a.json", {"iotlb_page": 999}))
        self.assertEqual(rc, 1)
        self.assertIn("iotlb_page                 1000          999   <-- MISMATCH", text)

    def test_two_runs_per_million_unmaps(self):
        with TempDir() as out:
            rc, text = run(record(out, "a.json"), record(out, "b.json", unmaps=500))
        self.assertEqual(rc, 0)
        self.assertIn("iotlb_page              1000000.0      1000000.0", text)

    def test_usage(self):
        self.assertEqual(run()[0], 2)


if __name__ == "__main__":
    unittest.main()
