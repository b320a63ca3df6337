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
    """One TAP line per test case, written when it stops: not ok if it or
    any of its subtests failed, with the tracebacks as diagnostics."""

    def __init__(self):
        super().__init__()
        self.n = self.bad = 0

    def startTest(self, test):
        super().startTest(test)
        self._diag, self._skip = [], None

    def stopTest(self, test):
        super().stopTest(test)
        self._emit(test)

    def _emit(self, test):
        self.n += 1
        self.bad += bool(self._diag)
        skip = f" # SKIP {self._skip}" if self._skip is not None and not self._diag else ""
        print(f"{'not ok' if self._diag else 'ok'} {self.n} - {test.id()}{skip}")
        for ln in "".join(self._diag).rstrip().splitlines():
            print(f"# {ln}")
        sys.stdout.flush()

    def addFailure(self, test, err):
        super().addFailure(test, err)
        self._diag.append(self.failures[-1][1])

    def addError(self, test, err):
        super().addError(test, err)
        if not hasattr(self, "_diag") or isinstance(test, unittest.suite._ErrorHolder):
            # a class or module fixture failed: no test is running, a line of its own
            self._diag, self._skip = [self.errors[-1][1]], None
            self._emit(test)
        else:
            self._diag.append(self.errors[-1][1])

    def addSubTest(self, test, subtest, err):
        super().addSubTest(test, subtest, err)
        if err is not None:
            self._diag.append(f"subtest {subtest._subDescription()}:\n" +
                              (self.failures or self.errors)[-1][1])

    def addSkip(self, test, reason):
        super().addSkip(test, reason)
        self._skip = reason

    def addExpectedFailure(self, test, err):
        super().addExpectedFailure(test, err)
        self._diag.append("expected failure: a known defect is no pass\n")


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
    print(f"# {result.n - result.bad} passed, {result.bad} failed")
    return 0 if result.wasSuccessful() else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
