"""facts.read_lock: the versions a record states are those of the lock the
builds used ($VTD_LOCK, as scripts/common.sh reads it), else the repository's."""

import os
import tempfile
import unittest
from unittest import mock

from vtdlib import facts
from vtdlib.paths import TOP


class ReadLock(unittest.TestCase):
    def test_the_repositorys_lock_by_default(self):
        with mock.patch.dict(os.environ, {}, clear=False):
            os.environ.pop("VTD_LOCK", None)
            v = facts.read_lock()
        with open(os.path.join(TOP, "configs", "sources.lock")) as f:
            want = dict(ln.strip().split("=", 1) for ln in f if ln.startswith(("QEMU_VERSION=", "LINUX_VERSION=")))
        self.assertEqual(v, want)

    def test_vtd_lock_names_the_lock_in_use(self):
        with tempfile.NamedTemporaryFile("w", suffix=".lock") as f:
            f.write("# another pair\nQEMU_VERSION=1:10.2.2+ds-1\nLINUX_VERSION=7.2.11-1~bpo13+1\nQEMU_SUITE=sid\n")
            f.flush()
            with mock.patch.dict(os.environ, {"VTD_LOCK": f.name}):
                self.assertEqual(facts.read_lock(), {"QEMU_VERSION": "1:10.2.2+ds-1",
                                                     "LINUX_VERSION": "7.2.11-1~bpo13+1"})


if __name__ == "__main__":
    unittest.main()
