"""The guest's console as vtd-run reads it, line by line: the result between
its markers, VTD-READY, VTD-EXIT's status, and QEMU's own error at start
(a line QEMU printed before the guest printed any).

    c = Console("qemu-system-x86_64")
    for line in lines: c.feed(line)
    c.result, c.status, c.ready, c.start_error, c.text()
"""

import re

from .names import first_report, splat_kind

BEGIN, END, READY = "VTD-RESULT-BEGIN", "VTD-RESULT-END", "VTD-READY"
EXIT_RE = re.compile(r"^VTD-EXIT (\d+)")
# A kernel message on the console ("[    6.294488] hrtimer: ..."): one may land
# between the result markers (KERN_WARNING reaches the console at loglevel 5)
# and is not part of the result.
KMSG_RE = re.compile(r"^\[\s*\d+\.\d+\] ")
# ... or in the middle of a result line: the kernel writes its message where
# the console's cursor is, after the job's text so far, and ends it with a
# newline; the job's text goes on on the next line. Printk's timestamp is
# "[%5lu.%06lu] "; a JSON result has no newline of its own after such text.
KMSG_MID_RE = re.compile(r"\[\s*\d+\.\d{6}\] [^\n]*\n")


def qemu_message_re(binary_name):
    """QEMU's own messages: 'qemu-system-x86_64: ...' (error_report) and
    the ROM loader's 'rom: ...'; warnings are not errors."""
    return re.compile(rf"^({re.escape(binary_name)}|rom): (?!.*\bwarning: )")


class Console:
    """The console so far and what it said."""

    def __init__(self, qemu_name="qemu-system-x86_64"):
        self.lines = []
        self.result = None          # the text between the markers (kernel messages taken out)
        self.status = None          # VTD-EXIT's status
        self.ready = False          # VTD-READY seen
        self.start_error = None     # QEMU's error line before the guest's first line
        self._guest_spoke = False
        self._inside = None
        self._qemu_re = qemu_message_re(qemu_name)

    def feed(self, line):
        self.lines.append(line)
        s = line.strip()
        if not self._guest_spoke and s:
            # Before the guest's first line, what QEMU prints is about its
            # start (a missing ROM, a bad option): the run cannot work.
            if self._qemu_re.match(s):
                self.start_error = self.start_error or s
            elif not re.match(r"^\S+: .*\bwarning: ", s):
                self._guest_spoke = True
        if s == BEGIN:
            self._inside = []
        elif s == END and self._inside is not None:
            self.result = KMSG_MID_RE.sub("", "".join(self._inside))
            self._inside = None
        elif self._inside is not None and not KMSG_RE.match(s):
            self._inside.append(line)
        if s == READY:
            self.ready = True
        m = EXIT_RE.match(s)
        if m:
            self.status = int(m.group(1))

    def text(self):
        return "".join(self.lines)

    def said(self, n=8):
        """What the job said on stderr: the lines that are neither kernel
        messages nor markers."""
        return [ln for ln in self.text().splitlines() if ln.strip() and not ln.startswith("[")
                and not ln.startswith("VTD-")][-n:]


def tail_lines(text, n=15):
    return [ln.rstrip() for ln in text.splitlines() if ln.strip()][-n:]


def excerpt(text):
    """What to show of a console that ended badly: the first kernel report's
    head (a panic's tail is registers and the panic line) and the last lines."""
    report = first_report(text)
    if not report:
        return tail_lines(text)
    return ["first kernel report:", *report, "console tail:", *tail_lines(text, 4)]


def splats(text):
    """Console lines that start a kernel report, and the count per kind."""
    lines = [ln.strip() for ln in text.splitlines() if splat_kind(ln)]
    kinds = {}
    for ln in lines:
        kinds[splat_kind(ln)] = kinds.get(splat_kind(ln), 0) + 1
    return lines, kinds


def count_trace(lines):
    """Lines per event name in a QEMU log-backend trace."""
    counts = {}
    event = re.compile(r"^(?:\d+@[\d.]+:)?([a-z0-9_]+) ")
    for line in lines:
        m = event.match(line)
        if m:
            counts[m.group(1)] = counts.get(m.group(1), 0) + 1
    return counts
