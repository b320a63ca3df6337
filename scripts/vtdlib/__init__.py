"""The host package: what vtd-run, vtd-bench, vtd-calibrate, vtd-report and
vtd-compare share, each of them a thin entry point over it. Standard
library only (and QEMU's own qemu.qmp/qemu.machine, from the pinned QEMU
source). Run side: point (the typed experiment point), runargs (vtd-run's
parser), experiment (ini -> checked points), qemucmd (the QEMU command
line), machine (QEMU through its library), console, hostload, runner,
facts, record (the run record). Report side: readers, counted, analysis,
plot, compare, attack, report/. Shared: schemes, names, paths, errors.
docs/host-package.md has the import graph."""
