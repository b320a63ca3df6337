"""vtd-run's options: its parser, and its one check of them, used by vtd-run
to start and by vtd-bench to check every point of an experiment before the
first boot (check() raises instead of exiting).

    a = parse(argv)              # argparse namespace; exits 2 on a bad option
    a = check(argv)              # the same, ArgError with argparse's message
    p = point_of(a)              # the run's typed point.Point
"""

import argparse
import os
import re

from .names import NICS
from .paths import BUILD
from .point import Point
from .qemucmd import DEVICES, NETDEVS
from .schemes import MODES, VMODES

USAGE = """Boot one testbed guest, run one job in it, print the result as JSON.

    vtd-run [options] [JOB] [key=value ...]

JOB is one of the guest jobs in guest/jobs.sh (info, dmabench, shell, ...);
key=value pairs become vtd.key=value on the kernel command line and are read
by the job. The guest's exit status is the runner's exit status.

Examples:
    vtd-run --mode strict --cpus 2 dmabench threads=2 seconds=2
    vtd-run --mode lazy --counters --json out.json dmabench
    vtd-run --dry-run --device virtio-net info
"""


class ArgError(Exception):
    """An option vtd-run would refuse, with argparse's message."""


class _Parser(argparse.ArgumentParser):
    raise_errors = False

    def error(self, message):
        if self.raise_errors:
            raise ArgError(message)
        super().error(message)


def parse(argv, raise_errors=False):
    """vtd-run's namespace of argv, checked; exits 2 (or raises ArgError)."""
    p = _Parser(
        prog="vtd-run", description=USAGE.split("\n\n")[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="\n".join(USAGE.split("\n")[2:]))
    p.raise_errors = raise_errors
    p.add_argument("job", nargs="?", default="info", help="guest job (default: info)")
    p.add_argument("params", nargs="*", metavar="key=value", help="job parameters")
    p.add_argument("--mode", choices=sorted(MODES), default="lazy",
                   help="IOMMU mode on the kernel command line (default: lazy)")
    p.add_argument("--cpus", type=int, default=2, help="vCPUs (default: 2)")
    p.add_argument("--mem", default="1G", help="guest memory (default: 1G)")
    p.add_argument("--device", action="append", choices=sorted(DEVICES),
                   help="device behind the IOMMU, repeatable (default: edu)")
    p.add_argument("--net", choices=sorted(NETDEVS), default="user",
                   help="NIC backend: user (slirp, default), tap (in a network namespace "
                        "the runner creates; needs root or unprivileged user namespaces) or "
                        "hub (two or more NICs joined inside QEMU, nothing on the host)")
    p.add_argument("--pin", metavar="auto|CPU,...",
                   help="pin vCPU n to the n-th host CPU of the list, QEMU's other threads "
                        "(main loop = NIC backend) to the next and the --host-load command to "
                        "the one after, reusing the list round-robin; auto: the CPUs this "
                        "runner may use. The map goes into the record")
    p.add_argument("--forward", default="", metavar="PORT[+N][,...]",
                   help="guest TCP ports the host load uses (first NIC): forwarded from free "
                        "127.0.0.1 ports with --net user, reached at 10.0.2.15 with --net tap; "
                        "PORT+N means N ports from PORT")
    p.add_argument("--host-load", metavar="CMD",
                   help="run CMD on the host once the guest prints VTD-READY; it gets "
                        "VTD_SERVERS=127.0.0.1:port,... for the --forward ports; its output "
                        "(JSON if it parses) goes into the record; then the guest is told to finish")
    p.add_argument("--hostile", nargs="?", const="", metavar="PROPS",
                   help="add the hostile DMA device in the domain of the first --device of "
                        "kind --hostile-on: -device vtd-hostile,victim=dev<n>[,PROPS] (the n-th "
                        "--device has the id dev<n>; PROPS: PROP=VALUE,...; put it before the "
                        "job or write --hostile=PROPS); implies --counters, which carry its "
                        "report (docs/attack.md)")
    p.add_argument("--hostile-on", choices=sorted(DEVICES), default="edu", metavar="DEVICE",
                   help="the --device whose domain --hostile joins (default edu; e.g. "
                        "virtio-net, nvme: a compromised NIC or SSD)")
    p.add_argument("--iommu-opt", action="append", default=[],
                   help="extra intel-iommu property, e.g. x-accounting=on")
    p.add_argument("--counters", action="store_true",
                   help="enable device accounting and add its counters to the record")
    p.add_argument("--trace-count", metavar="PATTERN",
                   help="count upstream trace events matching PATTERN (e.g. 'vtd_inv_desc*') "
                        "into the record: the trace-based way to count, for comparison")
    p.add_argument("--vmode", choices=list(VMODES), default="legacy",
                   help="vIOMMU configuration: legacy (second-stage tables, caching-mode=off; "
                        "default), caching (caching-mode=on, where Linux forces strict unless a "
                        "deferred scheme is chosen) or scalable-fl (scalable mode, guest on "
                        "first-stage tables); docs/bench.md")
    p.add_argument("--icount", action="store_true",
                   help="deterministic timing: -icount shift=0,sleep=off (one vCPU thread)")
    p.add_argument("--append", action="append", default=[], help="extra kernel command line")
    p.add_argument("--qemu-opt", action="append", default=[],
                   help="extra QEMU arguments (split like a shell)")
    p.add_argument("--qemu", default=os.environ.get("VTD_QEMU", os.path.join(BUILD, "qemu-system-x86_64")))
    p.add_argument("--kernel", default=os.environ.get("VTD_KERNEL", os.path.join(BUILD, "bzImage")),
                   help="guest kernel: a bzImage path, or 'stock' for the same pinned Linux built "
                        "without kernel-patches/ (build/kernel-stock, the baseline of the default path)")
    p.add_argument("--initrd", default=os.environ.get("VTD_INITRD"),
                   help="initramfs (default: build/initramfs.cpio.gz; for job fio "
                        "build/initramfs-fio.cpio.gz, which adds fio and its libraries)")
    p.add_argument("--timeout", type=float, default=300,
                   help="kill the guest after this many seconds (default: 300)")
    p.add_argument("--json", metavar="FILE", help="also write the run record here")
    p.add_argument("--console", metavar="FILE", help="write the guest console here")
    p.add_argument("--verbose", "-v", action="store_true", help="echo the guest console")
    p.add_argument("--dry-run", action="store_true", help="print the QEMU command line and exit")
    a = p.parse_args(argv)
    if a.initrd is None:
        a.initrd = os.path.join(BUILD, "initramfs-fio.cpio.gz" if a.job == "fio" else "initramfs.cpio.gz")
    # Which kernel, for the record: the testbed's, stock, or one given by path.
    a.kernel_variant = "patched" if a.kernel == os.path.join(BUILD, "bzImage") else "custom"
    if a.kernel == "stock":
        a.kernel, a.kernel_variant = os.path.join(BUILD, "kernel-stock", "bzImage"), "stock"
    if a.cpus < 1 or a.cpus > 64:
        p.error("--cpus must be in 1..64")
    if a.timeout <= 0:
        p.error("--timeout must be positive")
    try:
        ports = []
        for x in filter(None, a.forward.split(",")):
            base, _, n = x.partition("+")
            ports += range(int(base), int(base) + int(n or 1))
        a.forward = ports
    except ValueError:
        p.error("--forward takes PORT or PORT+N items, comma-separated")
    a.device = a.device or ["edu"]
    nics = [d for d in a.device if d in NICS]
    if (a.forward or a.host_load) and not nics:
        p.error("--forward/--host-load need a NIC: add --device virtio-net or --device e1000e")
    if a.net == "tap" and not nics:
        p.error("--net tap needs a NIC: add --device virtio-net or --device e1000e")
    if a.net == "hub" and len(nics) < 2:
        p.error("--net hub joins NICs to each other: give two, e.g. "
                "--device virtio-net --device virtio-net")
    if a.net == "hub" and (a.forward or a.host_load):
        p.error("--net hub reaches nothing on the host: the load runs in the guest (job rrloop)")
    if a.pin:
        try:
            a.pin = (sorted(os.sched_getaffinity(0)) if a.pin == "auto"
                     else [int(x) for x in a.pin.split(",")])
        except ValueError:
            p.error("--pin takes 'auto' or host CPU numbers, comma-separated")
        if not a.pin or not set(a.pin) <= os.sched_getaffinity(0):
            p.error(f"--pin: CPUs {a.pin} are not all among the usable "
                    f"{sorted(os.sched_getaffinity(0))}")
    for kv in a.params:
        if not re.fullmatch(r"[A-Za-z0-9_]+=[^\s]*", kv):
            p.error(f"job parameter '{kv}' is not key=value (no spaces)")
    for kv in a.iommu_opt:
        if not re.fullmatch(r"[A-Za-z0-9_.-]+=[^,\s]*", kv):
            p.error(f"--iommu-opt '{kv}' is not PROP=VALUE")
    if a.hostile is not None:
        if a.hostile_on not in a.device:
            p.error(f"--hostile sits in {a.hostile_on}'s domain (--hostile-on): add --device {a.hostile_on}")
        if a.hostile and not re.fullmatch(r"[A-Za-z0-9_.-]+=[^,\s]*(,[A-Za-z0-9_.-]+=[^,\s]*)*", a.hostile):
            p.error(f"--hostile '{a.hostile}' is not PROP=VALUE[,...] (a job name after "
                    "--hostile is taken as its PROPS: put --hostile before the job)")
        a.counters = True
    return a


def check(argv):
    """parse(argv) without exiting: ArgError with the message vtd-run would print."""
    return parse(argv, raise_errors=True)


def point_of(a):
    """The typed point of a parsed run."""
    return Point(a.job, mode=a.mode, cpus=a.cpus, vmode=a.vmode,
                 params=dict(kv.split("=", 1) for kv in a.params), devices=list(a.device),
                 net=a.net if any(d in NICS for d in a.device) else None,
                 icount=a.icount, kernel_variant=a.kernel_variant)
