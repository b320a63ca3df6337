"""One list of modes, schemes and vmodes (vtdlib.schemes): the tests that
run every scheme read it from the package rather than spell it out."""

import glob
import os
import re
import unittest

import vtdtest
from vtdlib import schemes


class OneListTest(unittest.TestCase):
    def test_modes_hold_every_scheme_in_report_order(self):
        self.assertEqual(list(schemes.MODES), ["off", "strict", "lazy", *schemes.SCHEMES])
        self.assertEqual(schemes.DEFERRED, ("global", "percpu-fq", "rcache", "percpu"))
        self.assertEqual(schemes.scheme_expected("strict"), "default")
        self.assertEqual(schemes.scheme_expected("percpu"), "percpu")
        self.assertLess(schemes.mode_rank("strict"), schemes.mode_rank("shadow"))
        self.assertEqual(schemes.mode_rank("nope"), len(schemes.MODES))

    def test_no_test_spells_the_list_out(self):
        """A shell test with the deferred schemes written out as a list would
        miss a scheme added to the package."""
        listed = re.compile(r"\b" + r"\s+".join(map(re.escape, schemes.DEFERRED)) + r"\b")
        for path in glob.glob(os.path.join(vtdtest.TOP, "tests", "*", "test-*.sh")):
            with self.subTest(os.path.relpath(path, vtdtest.TOP)):
                with open(path) as f:
                    self.assertIsNone(listed.search(f.read()))


if __name__ == "__main__":
    unittest.main()
