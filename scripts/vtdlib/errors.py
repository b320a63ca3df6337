"""Error helpers: one way for every tool to stop with a cause."""

import os
import sys

PROG = os.path.basename(sys.argv[0]) if sys.argv and sys.argv[0] not in ("", "-c") else "vtd"


def fail(msg, code=1):
    """Stop with 'PROG: error: msg' on stderr."""
    print(f"{PROG}: error: {msg}", file=sys.stderr)
    sys.exit(code)


def log(msg):
    print(f"[{PROG}] {msg}", file=sys.stderr, flush=True)


# Which part of a run failed: the first line of every failure message of
# vtd-run and the "failure" field of its record, so a failed bench point says it.
PART_RUNNER, PART_GUEST, PART_LOAD, PART_QEMU, PART_PARSE, PART_TIMEOUT = (
    "runner", "guest job", "load generator", "QEMU", "runner parse", "timeout")


class RunFailure(Exception):
    """A run that produced no usable record: which part failed, what happened,
    and what that part printed last."""

    def __init__(self, part, message, tail=(), code=3):
        super().__init__(message)
        self.part, self.message, self.tail, self.code = part, message, list(tail), code

    def as_dict(self):
        return {"part": self.part, "message": self.message, "tail": self.tail, "exit": self.code}

    def print(self):
        print(f"{PROG}: error: [{self.part}] {self.message}", file=sys.stderr)
        for ln in self.tail:
            print(f"{PROG}:   | {ln}", file=sys.stderr)
