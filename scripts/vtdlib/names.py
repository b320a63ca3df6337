"""Names shared between the guest's counters, the device's counters and
the runner: invalidation descriptors, NICs and kernel reports."""

import re

# Guest counter name (kernel-patches, docs/kernel-series.md) -> device path
# in the x-counters JSON (docs/accounting.md), or a tuple of paths to add
# where the device splits what the guest counts as one (PASID-IOTLB:
# all-in-PASID and page-selective).
DESCRIPTORS = {
    "cc_global": ("qi", "context_cache", "global"),
    "cc_domain": ("qi", "context_cache", "domain"),
    "cc_device": ("qi", "context_cache", "device"),
    "iotlb_global": ("qi", "iotlb", "global"),
    "iotlb_domain": ("qi", "iotlb", "domain"),
    "iotlb_page": ("qi", "iotlb", "page"),
    "iotlb_page_pages": ("qi", "iotlb", "pages"),
    "dev_tlb": ("qi", "device_iotlb"),
    "iec_global": ("qi", "iec", "global"),
    "iec_index": ("qi", "iec", "index"),
    "wait": ("qi", "wait", "total"),
    "pasid_cache": ("qi", "pasid_cache"),
    "piotlb": (("qi", "pasid_iotlb", "pasid"), ("qi", "pasid_iotlb", "page")),
    "pasid_dev_tlb": ("qi", "pasid_device_iotlb"),
}


def dig(counters, path):
    """The device count at a DESCRIPTORS path (summed for a tuple of paths)."""
    if isinstance(path[0], tuple):
        return sum(dig(counters, p) for p in path)
    for k in path:
        counters = counters[k]
    return counters


def guest_equals_device(guest, device, only_present=False):
    """Every descriptor type the guest counted equals what the device processed."""
    return all(guest.get(n) == dig(device, p) for n, p in DESCRIPTORS.items()
               if not only_present or n in guest)


# The NICs among the devices vtd-run can put behind the IOMMU.
NICS = ("virtio-net", "virtio-net-ats", "e1000e")

# Kernel reports that mean something went wrong even if the job succeeded.
# Each console line is given the kind of the first pattern it matches, so the
# specific kinds come before the generic "BUG:" and "WARNING:" they print.
# Patterns match the header line of a report, so a report counts once (one
# with two headers, a page fault's "BUG:" and "Oops:", under both). The
# console carries reports from KERN_WARNING up (vtd-run's LOGLEVEL);
# kmemleak's list is printed by the guest's /init after an aged double scan
# (guest/init). Lines with a kind go into the record as kernel_warnings,
# counts per kind as kernel_splats (tests/host/test-splats.sh has a sample
# line of each kind).
SPLATS = [
    ("KASAN", r"\bKASAN: "),
    ("UBSAN", r"\bUBSAN: "),
    ("lockdep", r"WARNING: (possible (circular|recursive) locking|inconsistent lock state|"
                r"possible irq lock inversion|\S+-safe -> \S+-unsafe lock order|"
                r"suspicious RCU usage|bad (unlock balance|contention)|held lock freed|"
                r"\S+ still has locks held|lock held when returning to user space|"
                r"[Nn]ested lock was not taken|chain_key collision)|"
                r"BUG: (MAX_\S+ too low|looking up invalid subclass|key \S+ has not been registered)"),
    ("atomic sleep", r"BUG: (sleeping function called from invalid context|scheduling while atomic)"),
    ("RCU stall", r"INFO: rcu\S* .*detected .*stall"),
    ("soft lockup", r"BUG: soft lockup - CPU#"),
    ("hard lockup", r"[Hh]ard LOCKUP"),
    ("hung task", r"INFO: task .+ blocked for more than \d+ seconds"),
    ("kmemleak", r"unreferenced object 0x[0-9a-f]+ \(size"),
    # kmemleak's own warnings (and it switching itself off: leaks would go unseen).
    ("kmemleak error", r"kmemleak: (Cannot |Kernel memory leak detector disabled|"
                       r"Found object by alias|.*unknown object|.*[Ff]ailed)"),
    ("general protection fault", r"general protection fault"),
    ("Oops", r"\bOops: "),
    ("panic", r"Kernel panic - not syncing"),
    ("BUG", r"\bBUG: |kernel BUG at "),
    ("WARNING", r"\bWARNING: "),
]
_SPLAT_RES = [(kind, re.compile(rx)) for kind, rx in SPLATS]


def splat_kind(line):
    """The kind of kernel report a console line starts, or None."""
    for kind, rx in _SPLAT_RES:
        if rx.search(line):
            return kind
    return None


# Register dumps say little in a short excerpt; the report line, the faulting
# function (RIP) and the call trace say what broke.
_REGISTER_LINE = re.compile(r"\] (R(?!IP)[A-Z0-9]{2}: |RSP: |FS: |CS: |CR2: |DR[0-9]: |Code: )")


def first_report(text, n=16):
    """The first kernel report in a console log: its first n lines without
    register dumps, or [] if there is none."""
    lines = [ln.rstrip() for ln in text.splitlines()]
    for i, ln in enumerate(lines):
        if splat_kind(ln):
            return [x for x in lines[i:] if x.strip() and not _REGISTER_LINE.search(x)][:n]
    return []
