#!/usr/bin/env python3
"""Run every tests/unit/test_*.py with unittest and print TAP (one line per
test case, the plan first), as tests/run-tests expects.
    python3 tests/unit/run.py [PATTERN]     (default test_*.py)
Plain `python3 -m unittest discover -s tests/unit` runs the same tests."""

import os
import sys
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.dont_write_bytecode = True


class TapResult(unittest.TestResult):
    def __init__(self):
        super().__init__()
        self.n = 0

    def _line(self, test, ok, directive="", diag=""):
        self.n += 1
        print(f"{'ok' if ok else 'not ok'} {self.n} - {test.id()}{directive}")
        for ln in diag.rstrip().splitlines():
            print(f"# {ln}")
        sys.stdout.flush()

    def addSuccess(self, test):
        self._line(test, True)

    def addFailure(self, test, err):
        super().addFailure(test, err)
        self._line(test, False, diag=self.failures[-1][1])

    def addError(self, test, err):
        super().addError(test, err)
        self._line(test, False, diag=self.errors[-1][1])

    def addSkip(self, test, reason):
        self._line(test, True, f" # SKIP {reason}")

    def addExpectedFailure(self, test, err):
        self._line(test, False, diag="expected failure: a known defect is no pass")

    def addUnexpectedSuccess(self, test):
        self._line(test, True)


def cases(suite):
    for t in suite:
        if isinstance(t, unittest.TestSuite):
            yield from cases(t)
        else:
            yield t


def main(argv):
    suite = unittest.defaultTestLoader.discover(HERE, pattern=argv[1] if len(argv) > 1 else "test_*.py",
                                                top_level_dir=HERE)
    tests = list(cases(suite))
    print("TAP version 13")
    print(f"1..{len(tests)}")
    result = TapResult()
    suite.run(result)   # a module that does not import is a failed case of its own
    print(f"# {result.n - len(result.failures) - len(result.errors)} passed, "
          f"{len(result.failures) + len(result.errors)} failed")
    return 0 if result.wasSuccessful() else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
