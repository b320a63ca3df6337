"""An experiment point: what one guest boot is asked to measure, as one
typed object. vtd-run's parser makes it (runargs.point_of), the record
stores it once (record.Record.point), the bench adds where it sits in its
experiment (series, repetition, variant, ...), and readers take its fields.

    p = Point("dmabench", mode="strict", cpus=2, params={"threads": "2"})
    p.threads, p.nic(), p.to_dict(), Point.from_dict(d)
    p["series"]    # the bench's old point keys, for the report (LEGACY_KEYS)
"""

import dataclasses
from dataclasses import dataclass, field

from .names import NICS


@dataclass
class Point:
    job: str
    mode: str = "lazy"              # IOMMU mode on the kernel command line (schemes.MODES)
    cpus: int = 2                   # vCPUs
    vmode: str = "legacy"           # vIOMMU configuration (schemes.VMODES)
    params: dict = field(default_factory=dict)   # job parameters key -> value (str), in order
    devices: list = field(default_factory=lambda: ["edu"])  # behind the IOMMU, in order
    net: str = None                 # NIC backend (user, tap, hub); None without a NIC
    icount: bool = False            # deterministic timing (one vCPU thread)
    kernel_variant: str = "patched"  # patched, stock or custom
    # Where the bench placed it (None outside an experiment).
    series: str = None              # the experiment's section
    variant: str = None             # named variant of the QEMU side
    rep: int = None                 # repetition, from 1
    pair: str = None                # with a baseline: the mode this point is paired with
    vary: dict = None               # the param.NAME values of this point
    opt_set: str = None             # the iommu_opts entry of this point (PROP=VAL,...)

    @property
    def threads(self):
        """The job's thread count (its threads= parameter), None if not given."""
        t = self.params.get("threads")
        return int(t) if t is not None and str(t).isdigit() else t

    def nic(self):
        """The first NIC behind the IOMMU, or None."""
        return next((d for d in self.devices if d in NICS), None)

    def to_dict(self):
        """The JSON object; placement fields that are None are left out."""
        return {k: v for k, v in dataclasses.asdict(self).items()
                if v is not None or k in AXES}

    @classmethod
    def from_dict(cls, d):
        unknown = set(d) - FIELDS
        if unknown:
            raise ValueError(f"point has unknown field(s) {', '.join(sorted(unknown))}")
        return cls(**d)

    # The bench's point as vtd-report knew it before the point had a type:
    # a dict of series, mode, variant, cpus, threads, rep, iommu_opts (the
    # opt_set), vary and pair. Readable by key; placed() takes such a dict.
    def __getitem__(self, key):
        if key not in LEGACY_KEYS:
            raise KeyError(key)
        return getattr(self, LEGACY_KEYS[key])

    def get(self, key, default=None):
        v = self[key] if key in LEGACY_KEYS else None
        return default if v is None else v

    def legacy(self):
        """The bench's old point dict, or None outside an experiment."""
        return None if self.series is None else {k: self[k] for k in LEGACY_KEYS}

    def placed(self, old):
        """A copy placed as the old point dict `old` says (its mode, cpus and
        threads override the axes)."""
        p = dataclasses.replace(self, params=dict(self.params))
        for k, v in old.items():
            if k not in LEGACY_KEYS:
                raise ValueError(f"point has unknown field {k}")
            if k == "threads":
                if v is not None:
                    p.params["threads"] = str(v)
            else:
                setattr(p, LEGACY_KEYS[k], v)
        return p


FIELDS = {f.name for f in dataclasses.fields(Point)}
AXES = ("job", "mode", "cpus", "vmode", "params", "devices", "net", "icount", "kernel_variant")
LEGACY_KEYS = {"series": "series", "mode": "mode", "variant": "variant", "cpus": "cpus",
               "threads": "threads", "rep": "rep", "iommu_opts": "opt_set", "vary": "vary",
               "pair": "pair"}
