"""vtd-compare: invalidation counts of one run, guest against device
exactly, or of two runs side by side (scripts/vtd-compare is the entry)."""

import sys

from . import counted, record
from .errors import fail
from .names import DESCRIPTORS, dig

def load(path):
    try:
        r = record.load(path)
    except record.RecordError as e:
        fail(str(e))
    if r.device_counters is None:
        fail(f"{path} has no device counters (run vtd-run with --counters)")
    return r


def guest_vs_device(path):
    r = load(path)
    guest = counted.guest_counters(r)
    if not guest:
        fail(f"{path} has no guest counters (a dmabench run on the patched kernel)")
    bad = 0
    print(f"{'descriptor':<18} {'guest':>12} {'device':>12}")
    for name, path_ in DESCRIPTORS.items():
        g, d = guest.get(name), dig(r.device_counters, path_)
        if g is None:
            fail(f"guest counter '{name}' missing")
        mark = "" if g == d else "   <-- MISMATCH"
        bad += g != d
        print(f"{name:<18} {g:>12} {d:>12}{mark}")
    print("all descriptor counts agree" if not bad else f"{bad} MISMATCH(ES)")
    return 1 if bad else 0


def side_by_side(pa, pb):
    a, b = load(pa), load(pb)
    ua = (counted.guest_counters(a) or {}).get("unmaps")
    ub = (counted.guest_counters(b) or {}).get("unmaps")
    per = ua and ub
    unit = "per million unmaps" if per else "absolute (no guest unmap counts)"
    print(f"device-counted descriptors, {unit}")
    print(f"{'descriptor':<18} {a.mode:>14} {b.mode:>14}")
    for name, path_ in DESCRIPTORS.items():
        va, vb = dig(a.device_counters, path_), dig(b.device_counters, path_)
        if per:
            va, vb = va * 1e6 / ua, vb * 1e6 / ub
        print(f"{name:<18} {va:>14.1f} {vb:>14.1f}")
    return 0


def main(argv, usage):
    """argv: one record or two; @usage printed otherwise (exit 2)."""
    if len(argv) == 1:
        return guest_vs_device(argv[0])
    if len(argv) == 2:
        return side_by_side(*argv)
    print(usage, file=sys.stderr)
    return 2
