"""Where things are: the checkout, its build links and results."""

import os
import tempfile

TOP = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SCRIPTS = os.path.join(TOP, "scripts")
BUILD = os.path.join(TOP, "build")
RESULTS = os.path.join(TOP, "results")


def script(name):
    return os.path.join(SCRIPTS, name)


def no_machine_paths(s):
    """s with the checkout spelled $TOP and the temporary directory $TMPDIR,
    for what goes into a record (no machine paths in results)."""
    return s.replace(TOP, "$TOP").replace(tempfile.gettempdir(), "$TMPDIR")


def qemu_python():
    """The folder holding QEMU's own Python package (qemu.qmp, qemu.machine):
    the device bundle's copy (build/qemu-python), else the python/ tree of the
    pinned QEMU source the build unpacked (beside build/qemu, its build
    directory). None if neither is there."""
    for d in (os.path.join(BUILD, "qemu-python"),
              os.path.join(os.path.dirname(os.path.realpath(os.path.join(BUILD, "qemu"))), "python")):
        if os.path.isfile(os.path.join(d, "qemu", "qmp", "__init__.py")):
            return d
    return None
