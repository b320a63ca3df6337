"""The run record: what one vtd-run boot produced, as written to --json,
stored by vtd-bench as raw/<point>.json and read by vtd-report, vtd-compare
and the tests. Fields are set by the runner once; readers take them as
they are and never recover one by parsing a command line.

    rec = record.load(path)          # RecordError with the cause if unusable
    rec.devices, rec.net, rec.iommu_opts["x-audit"], rec.scheme, rec.result
    rec.write(path)
"""

import dataclasses
import json
from dataclasses import dataclass, field

from .names import NICS

# 1: before the field existed (up to this change); 2: devices, iommu_opts and
# scheme added. Bump when a field changes meaning; load() upgrades older ones.
VERSION = 2


class RecordError(Exception):
    pass


@dataclass
class Record:
    job: str
    mode: str
    cpus: int
    record_version: int = VERSION
    status: int = None              # the guest job's exit status
    params: dict = field(default_factory=dict)   # job parameters, key=value
    icount: bool = False
    vmode: str = "legacy"
    kernel_variant: str = "patched"  # patched, stock or custom
    devices: list = field(default_factory=lambda: ["edu"])  # behind the IOMMU, in order
    net: str = None                 # NIC backend (user, tap, hub); None without a NIC
    iommu_opts: dict = field(default_factory=dict)  # intel-iommu properties as passed
    scheme: str = None              # iommu.dma_scheme the guest read back; None: no such file
    result: dict = None             # the guest job's JSON
    device_counters: dict = None    # x-counters at shutdown (--counters)
    host_load: dict = None          # --host-load: output, CPU shares
    trace_counts: dict = None       # --trace-count: lines per event
    failure: dict = None            # part, message, tail, exit
    kernel_warnings: list = field(default_factory=list)
    kernel_splats: dict = field(default_factory=dict)
    wall_s: float = 0
    versions: dict = field(default_factory=dict)
    qemu_cmdline: list = field(default_factory=list)
    host: dict = field(default_factory=dict)
    qemu_exit: dict = None
    binaries_sha256: dict = None
    pinned: dict = None
    point: dict = None              # the bench point (vtd-bench)

    def to_dict(self):
        """The JSON object; fields that are None are left out."""
        return {k: v for k, v in dataclasses.asdict(self).items() if v is not None}

    def write(self, path):
        with open(path, "w") as f:
            f.write(json.dumps(self.to_dict(), indent=1) + "\n")

    def nic(self):
        """The first NIC behind the IOMMU, or None."""
        return next((d for d in self.devices if d in NICS), None)


FIELDS = {f.name for f in dataclasses.fields(Record)}


def _upgrade_v1(d):
    """A record written before version 2 (for example the committed results
    in docs/results): derive the new fields from its command line, once,
    here. Records of version 2 carry them from the runner."""
    cmd = d.get("qemu_cmdline", [])
    driver = {"edu": "edu", "virtio-net-pci": "virtio-net", "e1000e": "e1000e", "nvme": "nvme"}
    args = [a for p, a in zip(cmd, cmd[1:]) if p == "-device"]
    d["devices"] = [driver[a.split(",")[0]] for a in args if a.split(",")[0] in driver]
    iommu = next((a for a in args if a.startswith("intel-iommu,")), "")
    d["iommu_opts"] = dict(kv.partition("=")[::2] for kv in iommu.split(",")[1:])
    if "net" not in d:
        back = {"user": "user", "tap": "tap", "hubport": "hub"}
        d["net"] = next((back.get(a.split(",")[0]) for p, a in zip(cmd, cmd[1:]) if p == "-netdev"), None)
    d["scheme"] = (d.get("result") or {}).get("dma_scheme")
    d["record_version"] = 2
    return d


def from_dict(d, what="record"):
    if not isinstance(d, dict) or not {"job", "mode", "cpus"} <= set(d):
        raise RecordError(f"{what} is not a run record (no job, mode and cpus)")
    v = d.get("record_version", 1)
    if not isinstance(v, int) or v > VERSION:
        raise RecordError(f"{what} has record_version {v!r}; this checkout reads up to {VERSION}")
    if v == 1:
        d = _upgrade_v1(dict(d))
    unknown = set(d) - FIELDS
    if unknown:
        raise RecordError(f"{what} has unknown field(s) {', '.join(sorted(unknown))}")
    return Record(**d)


def load(path):
    """The record in a JSON file; RecordError naming the file and the cause."""
    try:
        with open(path) as f:
            d = json.load(f)
    except (OSError, json.JSONDecodeError) as e:
        raise RecordError(f"cannot read run record {path}: {e}") from None
    return from_dict(d, path)


def flatten(value, prefix=""):
    """(path, text) pairs for the shell's record loader (tests/lib/tap.sh):
    every leaf by its dotted path, and every dict and list whole, as Python
    prints them; booleans True/False, null None."""
    if isinstance(value, dict):
        items = value.items()
    elif isinstance(value, list):
        items = enumerate(value)
    else:
        yield prefix, str(value)
        return
    if prefix:
        yield prefix, str(value)
    for k, v in items:
        yield from flatten(v, f"{prefix}.{k}" if prefix else str(k))
