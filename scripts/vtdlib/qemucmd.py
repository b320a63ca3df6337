"""The QEMU command line of a run, as a pure function of its configuration
(runargs' namespace): no file, process or clock is touched here, so the
unit tests hold golden lines per mode, vmode and device.

    props = iommu_props(a, counters_file)
    cmd = command(a, props, host_ports, trace_file)
"""

import shlex

from .names import NICS
from .schemes import MODES, VMODES

# Devices the bench can put behind the IOMMU. {n} is a per-device index,
# {netdev} the NIC's backend (NETDEVS).
DEVICES = {
    "edu": ["-device", "edu,id=dev{n}"],
    "virtio-net": ["-netdev", "{netdev}",
                   "-device", "virtio-net-pci,id=dev{n},netdev=net{n},disable-legacy=on,"
                   "iommu_platform=on,ats=on,romfile="],
    # A PCI Express virtio-net, so that ats=on gives it an ATS capability:
    # on q35's root bus a virtio device is conventional PCI, behind a root
    # port it is Express (docs/configurations.md, device-IOTLB).
    "virtio-net-ats": ["-device", "pcie-root-port,id=rp{n},chassis={c},slot={c}",
                       "-netdev", "{netdev}",
                       "-device", "virtio-net-pci,id=dev{n},bus=rp{n},netdev=net{n},disable-legacy=on,"
                       "iommu_platform=on,ats=on,romfile="],
    "e1000e": ["-netdev", "{netdev}",
               "-device", "e1000e,id=dev{n},netdev=net{n},romfile="],
    "nvme": ["-drive", "if=none,id=nvme{n},file=null-co://,format=raw",
             "-device", "nvme,id=dev{n},drive=nvme{n},serial=vtd{n}"],
}

# NIC backends. user: QEMU's slirp, guest ports forwarded from 127.0.0.1.
# tap: a tap device in a network namespace of the runner's own, the host end
# 10.0.2.2/24, the guest (guest/jobs.sh net_up) 10.0.2.15 reached directly;
# far cheaper per packet than slirp, so the guest's CPUs can be the bottleneck.
# vhost stays off: every DMA must go through the emulated IOMMU to be counted.
# hub: the NICs joined to each other on one QEMU hub and to nothing else, for
# a load generator inside the guest (job rrloop): every packet crosses the
# IOMMU twice and no host process takes part. virtio-net then transmits from
# a virtual-clock timer (HUB_VIRTIO_TX) instead of a main-loop bottom half, so
# under --icount when a packet arrives is a function of the guest's
# instruction count, not of host scheduling (docs/bench.md, deterministic).
NETDEVS = {
    "user": "user,id=net{n}{fwd}",
    "tap": "tap,id=net{n},ifname=vtdtap{n},script=no,downscript=no,vhost=off",
    "hub": "hubport,id=net{n},hubid=0",
}
# (ioeventfd=off: a kick is handled by the vCPU that writes it, not later by
# the main loop, which TCG would otherwise do.)
HUB_VIRTIO_TX = "ioeventfd=off,tx=timer,x-txtimer=1000"  # flush 1 us after the kick

# KERN_WARNING (4) and above reach the console: WARNING and lockdep print at
# that level, the rest above it. loglevel=N shows levels below N.
LOGLEVEL = 5


def iommu_props(a, counters_file):
    """intel-iommu properties in order, the later of two the same winning as
    in QEMU: interrupt remapping, the --vmode's, --iommu-opt, accounting."""
    props = {"intremap": "on", **VMODES[a.vmode][0]}
    props.update(kv.split("=", 1) for kv in a.iommu_opt)
    if counters_file:
        props.update({"x-accounting": "on", "x-counters-file": counters_file})
    return props


def accel(icount):
    """--icount: the guest's time is its instruction count; its wall-clock
    date is pinned too (RTC from the virtual clock, fixed base), so that the
    date seeding the guest's random numbers (TCP ports and sequence numbers,
    hash seeds, address layout) is the same in every run."""
    if icount:
        return ["-accel", "tcg", "-icount", "shift=0,sleep=off",
                "-rtc", "base=2020-01-01T00:00:00,clock=vm"]
    return ["-accel", "tcg,thread=multi"]


def device_args(devices, net, host_ports):
    """-device/-netdev arguments per device, in order; the first NIC of a
    --net user run forwards host_ports {guest port: host port}."""
    cmd, fwd_used = [], False
    for n, dev in enumerate(devices):
        fwd = ""
        if dev in NICS and not fwd_used and net == "user":
            fwd = "".join(f",hostfwd=tcp:127.0.0.1:{h}-:{g}" for g, h in host_ports.items())
            fwd_used = True
        netdev = NETDEVS[net].format(n=n, fwd=fwd)
        args = [x.format(n=n, c=n + 1, netdev=netdev) for x in DEVICES[dev]]
        if net == "hub" and dev.startswith("virtio-net"):
            args[-1] += "," + HUB_VIRTIO_TX
        cmd += args
    return cmd


def kernel_append(a):
    """The guest kernel's command line.
    no_timer_check: under TCG on a loaded host the IO-APIC timer probe can
    miss its window, which with interrupt remapping is a panic. With device
    counters, the guest's (kernel-patches) count from boot too, so the two
    can be compared over the same interval (scripts/vtd-compare)."""
    return ["console=ttyS0", f"loglevel={LOGLEVEL}", "panic=-1", "oops=panic", "no_timer_check",
            MODES[a.mode], *VMODES[a.vmode][1],
            *(["iommu.scal_stats=1"] if a.counters else []),
            # Root ports without port services: their interrupts would be
            # freed at power-off, after the guest read its counters.
            *(["pcie_ports=compat"] if "virtio-net-ats" in a.device else []),
            f"vtd.run={a.job}", *[f"vtd.{kv}" for kv in a.params], *a.append]


def command(a, props, host_ports, trace_file=None):
    """The QEMU command line (without the monitor, which machine adds)."""
    cmd = [a.qemu, "-M", "q35", *accel(a.icount), "-smp", str(a.cpus), "-m", a.mem,
           "-nodefaults", "-no-reboot", "-display", "none", "-monitor", "none",
           "-serial", "stdio", "-name", "vtd-testbed,debug-threads=on"]
    cmd += ["-device", "intel-iommu," + ",".join(f"{k}={v}" for k, v in props.items())]
    cmd += device_args(a.device, a.net, host_ports)
    if a.hostile is not None:
        victim = f"dev{a.device.index(a.hostile_on)}"
        cmd += ["-device", f"vtd-hostile,victim={victim}" + (f",{a.hostile}" if a.hostile else "")]
    if trace_file:
        cmd += ["-trace", f"enable={a.trace_count}", "-D", trace_file]
    for o in a.qemu_opt:
        cmd += shlex.split(o)
    cmd += ["-kernel", a.kernel, "-initrd", a.initrd, "-append", " ".join(kernel_append(a))]
    return cmd
