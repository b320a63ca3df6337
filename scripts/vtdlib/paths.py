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
