"""What the unit tests share: scripts/ on the import path (the host
package, scripts/vtdlib), the checkout's top and a scratch directory."""

import os
import sys
import tempfile
import unittest

TOP = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(TOP, "scripts"))
sys.dont_write_bytecode = True


class ScratchCase(unittest.TestCase):
    """A test with a temporary directory, self.tmp, removed afterwards."""

    def setUp(self):
        d = tempfile.TemporaryDirectory(prefix="vtd-unit-")
        self.addCleanup(d.cleanup)
        self.tmp = d.name

    def write(self, name, text):
        path = os.path.join(self.tmp, name)
        with open(path, "w") as f:
            f.write(text)
        return path
