#!/usr/bin/env bash
# The host package's unit tests (tests/unit/test_*.py, Python's unittest),
# each test case one TAP line, so that make check counts every one of them.
# Also: python3 -m unittest discover -s tests/unit
exec python3 "$(dirname "$0")/../unit/run.py"
