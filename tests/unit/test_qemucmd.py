"""Golden QEMU command lines per mode, vmode and device: qemucmd.command
is a pure function of vtd-run's parsed options (no QEMU needed). A golden
line changes only with a deliberate change of what QEMU is asked to run."""

import shlex
import unittest

import vtdtest  # noqa: F401  (import path)
from vtdlib import qemucmd, runargs
from vtdlib.schemes import MODES, VMODES

PATHS = ["--qemu", "QEMU", "--kernel", "KERNEL", "--initrd", "INITRD"]

# name: (vtd-run arguments, the QEMU command line)
GOLDEN = {
    "strict_4cpus": (['--mode', 'strict', '--cpus', '4', 'dmabench', 'threads=4'],
        'QEMU'
        ' -M q35'
        ' -accel tcg,thread=multi'
        ' -smp 4'
        ' -m 1G'
        ' -nodefaults'
        ' -no-reboot'
        ' -display none'
        ' -monitor none'
        ' -serial stdio'
        ' -name vtd-testbed,debug-threads=on'
        ' -device intel-iommu,intremap=on,caching-mode=off'
        ' -device edu,id=dev0'
        ' -kernel KERNEL'
        ' -initrd INITRD'
        " -append 'console=ttyS0 loglevel=5 panic=-1 oops=panic no_timer_check intel_iommu=on iommu.strict=1 vtd.run=dmabench vtd.threads=4'"),
    "icount_counters_caching_percpu": (['--icount', '--counters', '--vmode', 'caching', '--mode', 'percpu', 'info'],
        'QEMU'
        ' -M q35'
        ' -accel tcg'
        ' -icount shift=0,sleep=off'
        ' -rtc base=2020-01-01T00:00:00,clock=vm'
        ' -smp 2'
        ' -m 1G'
        ' -nodefaults'
        ' -no-reboot'
        ' -display none'
        ' -monitor none'
        ' -serial stdio'
        ' -name vtd-testbed,debug-threads=on'
        ' -device intel-iommu,intremap=on,caching-mode=on,x-accounting=on,x-counters-file=COUNTERS'
        ' -device edu,id=dev0'
        ' -kernel KERNEL'
        ' -initrd INITRD'
        " -append 'console=ttyS0 loglevel=5 panic=-1 oops=panic no_timer_check intel_iommu=on iommu.strict=0 iommu.dma_scheme=percpu iommu.scal_stats=1 vtd.run=info'"),
    "scalable_fl_devtlb": (['--vmode', 'scalable-fl', '--mode', 'lazy', '--iommu-opt', 'device-iotlb=on', 'dmabench'],
        'QEMU'
        ' -M q35'
        ' -accel tcg,thread=multi'
        ' -smp 2'
        ' -m 1G'
        ' -nodefaults'
        ' -no-reboot'
        ' -display none'
        ' -monitor none'
        ' -serial stdio'
        ' -name vtd-testbed,debug-threads=on'
        ' -device intel-iommu,intremap=on,caching-mode=off,x-scalable-mode=on,x-flts=on,device-iotlb=on'
        ' -device edu,id=dev0'
        ' -kernel KERNEL'
        ' -initrd INITRD'
        " -append 'console=ttyS0 loglevel=5 panic=-1 oops=panic no_timer_check intel_iommu=on iommu.strict=0 vtd.run=dmabench'"),
    "hub_e1000e_icount": (['--net', 'hub', '--device', 'e1000e', '--device', 'e1000e', '--icount', 'rrloop'],
        'QEMU'
        ' -M q35'
        ' -accel tcg'
        ' -icount shift=0,sleep=off'
        ' -rtc base=2020-01-01T00:00:00,clock=vm'
        ' -smp 2'
        ' -m 1G'
        ' -nodefaults'
        ' -no-reboot'
        ' -display none'
        ' -monitor none'
        ' -serial stdio'
        ' -name vtd-testbed,debug-threads=on'
        ' -device intel-iommu,intremap=on,caching-mode=off'
        ' -netdev hubport,id=net0,hubid=0'
        ' -device e1000e,id=dev0,netdev=net0,romfile='
        ' -netdev hubport,id=net1,hubid=0'
        ' -device e1000e,id=dev1,netdev=net1,romfile='
        ' -kernel KERNEL'
        ' -initrd INITRD'
        " -append 'console=ttyS0 loglevel=5 panic=-1 oops=panic no_timer_check intel_iommu=on iommu.strict=0 vtd.run=rrloop'"),
    "hub_virtio_ats": (['--net', 'hub', '--device', 'virtio-net-ats', '--device', 'virtio-net-ats', 'rrloop'],
        'QEMU'
        ' -M q35'
        ' -accel tcg,thread=multi'
        ' -smp 2'
        ' -m 1G'
        ' -nodefaults'
        ' -no-reboot'
        ' -display none'
        ' -monitor none'
        ' -serial stdio'
        ' -name vtd-testbed,debug-threads=on'
        ' -device intel-iommu,intremap=on,caching-mode=off'
        ' -device pcie-root-port,id=rp0,chassis=1,slot=1'
        ' -netdev hubport,id=net0,hubid=0'
        ' -device virtio-net-pci,id=dev0,bus=rp0,netdev=net0,disable-legacy=on,iommu_platform=on,ats=on,romfile=,ioeventfd=off,tx=timer,x-txtimer=1000'
        ' -device pcie-root-port,id=rp1,chassis=2,slot=2'
        ' -netdev hubport,id=net1,hubid=0'
        ' -device virtio-net-pci,id=dev1,bus=rp1,netdev=net1,disable-legacy=on,iommu_platform=on,ats=on,romfile=,ioeventfd=off,tx=timer,x-txtimer=1000'
        ' -kernel KERNEL'
        ' -initrd INITRD'
        " -append 'console=ttyS0 loglevel=5 panic=-1 oops=panic no_timer_check intel_iommu=on iommu.strict=0 pcie_ports=compat vtd.run=rrloop'"),
    "tap_virtio_off": (['--net', 'tap', '--device', 'virtio-net', '--mode', 'off', 'memcached'],
        'QEMU'
        ' -M q35'
        ' -accel tcg,thread=multi'
        ' -smp 2'
        ' -m 1G'
        ' -nodefaults'
        ' -no-reboot'
        ' -display none'
        ' -monitor none'
        ' -serial stdio'
        ' -name vtd-testbed,debug-threads=on'
        ' -device intel-iommu,intremap=on,caching-mode=off'
        ' -netdev tap,id=net0,ifname=vtdtap0,script=no,downscript=no,vhost=off'
        ' -device virtio-net-pci,id=dev0,netdev=net0,disable-legacy=on,iommu_platform=on,ats=on,romfile='
        ' -kernel KERNEL'
        ' -initrd INITRD'
        " -append 'console=ttyS0 loglevel=5 panic=-1 oops=panic no_timer_check intel_iommu=off vtd.run=memcached'"),
    "user_forward_load": (['--device', 'virtio-net', '--forward', '11211', '--host-load', 'x', 'memcached'],
        'QEMU'
        ' -M q35'
        ' -accel tcg,thread=multi'
        ' -smp 2'
        ' -m 1G'
        ' -nodefaults'
        ' -no-reboot'
        ' -display none'
        ' -monitor none'
        ' -serial stdio'
        ' -name vtd-testbed,debug-threads=on'
        ' -device intel-iommu,intremap=on,caching-mode=off'
        ' -netdev user,id=net0,hostfwd=tcp:127.0.0.1:40000-:11211,hostfwd=tcp:127.0.0.1:40001-:9999'
        ' -device virtio-net-pci,id=dev0,netdev=net0,disable-legacy=on,iommu_platform=on,ats=on,romfile='
        ' -kernel KERNEL'
        ' -initrd INITRD'
        " -append 'console=ttyS0 loglevel=5 panic=-1 oops=panic no_timer_check intel_iommu=on iommu.strict=0 vtd.run=memcached'"),
    "nvme_global": (['--device', 'nvme', '--mode', 'global', 'fio'],
        'QEMU'
        ' -M q35'
        ' -accel tcg,thread=multi'
        ' -smp 2'
        ' -m 1G'
        ' -nodefaults'
        ' -no-reboot'
        ' -display none'
        ' -monitor none'
        ' -serial stdio'
        ' -name vtd-testbed,debug-threads=on'
        ' -device intel-iommu,intremap=on,caching-mode=off'
        ' -drive if=none,id=nvme0,file=null-co://,format=raw'
        ' -device nvme,id=dev0,drive=nvme0,serial=vtd0'
        ' -kernel KERNEL'
        ' -initrd INITRD'
        " -append 'console=ttyS0 loglevel=5 panic=-1 oops=panic no_timer_check intel_iommu=on iommu.strict=0 iommu.dma_scheme=global vtd.run=fio'"),
    "hostile_on_nic": (['--device', 'virtio-net', '--hostile', 'write=on', '--hostile-on', 'virtio-net', 'attack'],
        'QEMU'
        ' -M q35'
        ' -accel tcg,thread=multi'
        ' -smp 2'
        ' -m 1G'
        ' -nodefaults'
        ' -no-reboot'
        ' -display none'
        ' -monitor none'
        ' -serial stdio'
        ' -name vtd-testbed,debug-threads=on'
        ' -device intel-iommu,intremap=on,caching-mode=off,x-accounting=on,x-counters-file=COUNTERS'
        ' -netdev user,id=net0'
        ' -device virtio-net-pci,id=dev0,netdev=net0,disable-legacy=on,iommu_platform=on,ats=on,romfile='
        ' -device vtd-hostile,victim=dev0,write=on'
        ' -kernel KERNEL'
        ' -initrd INITRD'
        " -append 'console=ttyS0 loglevel=5 panic=-1 oops=panic no_timer_check intel_iommu=on iommu.strict=0 iommu.scal_stats=1 vtd.run=attack'"),
    "shadow_append_qemu_opt": (['--mode', 'shadow', '--append', 'intel_iommu=sl_wo', '--qemu-opt', '-d guest_errors', 'info'],
        'QEMU'
        ' -M q35'
        ' -accel tcg,thread=multi'
        ' -smp 2'
        ' -m 1G'
        ' -nodefaults'
        ' -no-reboot'
        ' -display none'
        ' -monitor none'
        ' -serial stdio'
        ' -name vtd-testbed,debug-threads=on'
        ' -device intel-iommu,intremap=on,caching-mode=off'
        ' -device edu,id=dev0'
        ' -d guest_errors'
        ' -kernel KERNEL'
        ' -initrd INITRD'
        " -append 'console=ttyS0 loglevel=5 panic=-1 oops=panic no_timer_check intel_iommu=on iommu.strict=0 iommu.dma_scheme=shadow vtd.run=info intel_iommu=sl_wo'"),
}


def command(argv):
    """The command line of vtd-run argv: host ports numbered from 40000 in
    --forward order (then the control port), the counters file COUNTERS."""
    a = runargs.parse(PATHS + argv)
    props = qemucmd.iommu_props(a, "COUNTERS" if a.counters else None)
    ports = {g: 40000 + i for i, g in enumerate(a.forward + ([9999] if a.host_load else []))}
    return shlex.join(qemucmd.command(a, props, ports))


class GoldenTest(unittest.TestCase):
    def test_golden_lines(self):
        for name, (argv, want) in GOLDEN.items():
            with self.subTest(name):
                self.assertEqual(command(argv), want)

    def test_every_mode_puts_its_kernel_line(self):
        for mode, kernel in MODES.items():
            with self.subTest(mode):
                self.assertIn(f"no_timer_check {kernel} vtd.run=info", command(["--mode", mode, "info"]))

    def test_every_vmode_sets_its_properties(self):
        for vmode, (props, _) in VMODES.items():
            with self.subTest(vmode):
                want = ",".join(f"{k}={v}" for k, v in {"intremap": "on", **props}.items())
                self.assertIn(f"-device intel-iommu,{want} ", command(["--vmode", vmode, "info"]))

    def test_every_device_gets_id_dev_n(self):
        for n, dev in enumerate(qemucmd.DEVICES):
            with self.subTest(dev):
                line = command(["--device", "edu", "--device", dev, "info"])
                self.assertIn("id=dev1", line)

    def test_iommu_opt_wins_over_vmode(self):
        """The later of two same properties wins, as in QEMU: --iommu-opt after --vmode's."""
        a = runargs.parse(PATHS + ["--vmode", "caching", "--iommu-opt", "caching-mode=off", "info"])
        self.assertEqual(qemucmd.iommu_props(a, None)["caching-mode"], "off")


if __name__ == "__main__":
    unittest.main()
