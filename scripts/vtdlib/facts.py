"""Facts of a run that are not the point: the pinned versions, the
binaries' checksums and the host, for the record."""

import hashlib
import os
import platform

from .paths import TOP


def read_lock():
    """QEMU's and Linux's pinned versions: the lock the builds use,
    $VTD_LOCK or configs/sources.lock (scripts/common.sh's rule)."""
    lock = {}
    with open(os.environ.get("VTD_LOCK") or os.path.join(TOP, "configs", "sources.lock")) as f:
        for line in f:
            if "=" in line and not line.startswith("#"):
                k, v = line.strip().split("=", 1)
                lock[k] = v
    return {k: lock[k] for k in ("QEMU_VERSION", "LINUX_VERSION") if k in lock}


def file_sha256(path):
    """sha256 of a file (QEMU, kernel, initramfs), "" if unreadable."""
    h = hashlib.sha256()
    try:
        with open(path, "rb") as f:
            for block in iter(lambda: f.read(1 << 20), b""):
                h.update(block)
    except OSError:
        return ""
    return h.hexdigest()


def host_facts():
    facts = {"machine": platform.machine(), "cpus": os.cpu_count(),
             "kernel": platform.release(), "kvm": os.path.exists("/dev/kvm")}
    try:
        with open("/proc/loadavg") as f:
            facts["loadavg"] = f.read().split()[:3]
    except OSError:
        pass
    return facts
