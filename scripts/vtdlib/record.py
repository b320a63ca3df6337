"""The run record: what one vtd-run boot produced, as written to --json,
stored by vtd-bench as raw/<point>.json and read by vtd-report, vtd-compare
and the tests. It holds the point once (point.Point: what was asked) and
the run's facts once (what happened); readers take them as they are and
never recover one by parsing a command line.

    rec = record.load(path)          # RecordError with the cause if unusable
    rec.point, rec.mode, rec.devices (the point's), rec.result, rec.scheme (the result's)
    rec.write(path)                  # the stored form, version 3
    rec.to_dict()                    # every field by name, the point's at the top

On disk (version 3): {"record_version": 3, "point": {...}, <run facts>}.
Versions 1 and 2 (the point's axes at the top, the bench's placement in a
"point" dict of its own) are upgraded on load.
"""

import json

from .point import AXES, LEGACY_KEYS, Point

# 1: before devices, iommu_opts and scheme; 2: those added; 3: the point
# stored once ("point": point.Point), run facts beside it. Bump when a field
# changes meaning; load() upgrades older ones.
VERSION = 3

# The run's facts, with their defaults (a callable makes a fresh one).
RUN_FIELDS = {
    "status": None,             # the guest job's exit status
    "iommu_opts": dict,         # intel-iommu properties as passed to QEMU
    "result": None,             # the guest job's JSON
    "device_counters": None,    # x-counters at shutdown (--counters)
    "host_load": None,          # --host-load: output, CPU shares
    "trace_counts": None,       # --trace-count: lines per event
    "failure": None,            # part, message, tail, exit
    "kernel_warnings": list,
    "kernel_splats": dict,
    "wall_s": 0,
    "versions": dict,
    "qemu_cmdline": list,       # the exact command line, without machine paths
    "host": dict,
    "qemu_exit": None,
    "binaries_sha256": None,
    "pinned": None,
}


class RecordError(Exception):
    pass


class Record:
    """A point and the facts of its run. Record(job, mode, cpus, **fields)
    takes the fields by their names as readers know them: the point's axes
    (vmode, params, devices, ...), the run's facts, and point= the bench's
    old point dict (series, rep, ...) or a Point."""

    record_version = VERSION

    def __init__(self, job=None, mode="lazy", cpus=2, point=None, **fields):
        axes = {k: fields.pop(k) for k in AXES if k in fields}
        unknown = set(fields) - set(RUN_FIELDS)
        if unknown:
            raise TypeError(f"Record has no field(s) {', '.join(sorted(unknown))}")
        if isinstance(point, Point):
            self._point = point
        else:
            self._point = Point(job, mode=mode, cpus=cpus, **axes)
            if point:
                self.point = point
        for k, default in RUN_FIELDS.items():
            setattr(self, k, fields[k] if k in fields else default() if callable(default) else default)

    @property
    def scheme(self):
        """iommu.dma_scheme as the guest read it back (its result's
        dma_scheme); None: no such file (the stock kernel) or no result."""
        return (self.result or {}).get("dma_scheme") if isinstance(self.result, dict) else None

    @classmethod
    def of(cls, point, **facts):
        return cls(point=point, **facts)

    @property
    def point(self):
        """The typed point; point["series"] etc. read the bench's old keys."""
        return self._point

    @point.setter
    def point(self, value):
        self._point = value if isinstance(value, Point) else self._point.placed(value)

    def nic(self):
        """The first NIC behind the IOMMU, or None."""
        return self._point.nic()

    def stored(self):
        """The JSON object written to disk: the point once, then the facts
        (those that are None left out)."""
        d = {"record_version": VERSION, "point": self._point.to_dict()}
        d.update((k, getattr(self, k)) for k in RUN_FIELDS if getattr(self, k) is not None)
        return d

    def to_dict(self):
        """Every field by the name readers know: the point's axes at the
        top, the bench's placement as "point" (as in version 2), the facts."""
        d = {k: getattr(self._point, k) for k in AXES if getattr(self._point, k) is not None}
        d["record_version"] = VERSION
        d.update((k, getattr(self, k)) for k in RUN_FIELDS if getattr(self, k) is not None)
        if self.scheme is not None:
            d["scheme"] = self.scheme
        if self._point.legacy() is not None:
            d["point"] = self._point.legacy()
        return d

    def write(self, path):
        with open(path, "w") as f:
            f.write(json.dumps(self.stored(), indent=1) + "\n")


def _point_property(name):
    return property(lambda self: getattr(self._point, name),
                    lambda self, v: setattr(self._point, name, v),
                    doc=f"the point's {name}")


for _name in AXES:
    setattr(Record, _name, _point_property(_name))


def _upgrade_v1(d):
    """A record written before version 2 (for example the committed results
    in docs/results): derive devices, iommu_opts and net from its command
    line, once, here."""
    cmd = d.get("qemu_cmdline", [])
    driver = {"edu": "edu", "virtio-net-pci": "virtio-net", "e1000e": "e1000e", "nvme": "nvme"}
    args = [a for p, a in zip(cmd, cmd[1:]) if p == "-device"]
    d["devices"] = [driver[a.split(",")[0]] for a in args if a.split(",")[0] in driver]
    iommu = next((a for a in args if a.startswith("intel-iommu,")), "")
    d["iommu_opts"] = dict(kv.partition("=")[::2] for kv in iommu.split(",")[1:])
    if "net" not in d:
        back = {"user": "user", "tap": "tap", "hubport": "hub"}
        d["net"] = next((back.get(a.split(",")[0]) for p, a in zip(cmd, cmd[1:]) if p == "-netdev"), None)
    d["record_version"] = 2
    return d


def _from_flat(d, what):
    """A version 2 record: the point's axes at the top, the bench's
    placement in "point"."""
    d = dict(d)
    d.pop("record_version", None)
    d.pop("scheme", None)   # the result's dma_scheme, read from there
    old = d.pop("point", None)
    if old is not None and (not isinstance(old, dict) or set(old) - set(LEGACY_KEYS)):
        raise RecordError(f"{what} has a point that is not the bench's ({old!r:.80})")
    try:
        return Record(d.pop("job"), d.pop("mode"), d.pop("cpus"), point=old, **d)
    except TypeError as e:
        raise RecordError(f"{what}: {e}") from None


def from_dict(d, what="record"):
    """A record from its JSON object, any version up to VERSION."""
    if not isinstance(d, dict):
        raise RecordError(f"{what} is not a run record (no JSON object)")
    v = d.get("record_version", 1)
    if not isinstance(v, int) or v > VERSION:
        raise RecordError(f"{what} has record_version {v!r}; this checkout reads up to {VERSION}")
    if v < 3:
        if not {"job", "mode", "cpus"} <= set(d):
            raise RecordError(f"{what} is not a run record (no job, mode and cpus)")
        return _from_flat(_upgrade_v1(dict(d)) if v == 1 else d, what)
    facts = {k: x for k, x in d.items() if k not in ("record_version", "point", "scheme")}
    unknown = set(facts) - set(RUN_FIELDS)
    if unknown:
        raise RecordError(f"{what} has unknown field(s) {', '.join(sorted(unknown))}")
    try:
        return Record.of(Point.from_dict(d["point"]), **facts)
    except (KeyError, TypeError, ValueError) as e:
        raise RecordError(f"{what} has no usable point ({e})") from None


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
