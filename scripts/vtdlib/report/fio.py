"""Storage: fio on NVMe, IOPS and guest CPU per I/O as % of off (MEDIANS),
with the exposure of each point."""

import os

from .. import analysis, readers
from ..schemes import mode_rank
from .published import NOTES
from .table import write_csv


def section(out, recs):
    rows = readers.fio_rows(recs)
    if not rows:
        return []
    write_csv(os.path.join(out, "fio.csv"), rows)
    lines = ["## Storage: fio on NVMe", "",
             "Emulated NVMe on QEMU's null block driver behind the IOMMU, O_DIRECT libaio reads "
             "(job fio); median over repetitions; wall-clock under MTTCG, so a ratio to off taken "
             "in this run, not hardware time. " + NOTES["fio"], "",
             "| rw | bs | iodepth | mode | IOPS | % of off | guest CPU µs per I/O | % of off | "
             "exposure, page·ms per 10^6 unmaps |", "|---|---|---|---|---|---|---|---|---|"]
    groups = analysis.group(rows, lambda r: (r["series"], r["rw"], r["bs"], r["iodepth"], r["mode"]))
    med = {k: (analysis.median(x["iops"] for x in v),
               analysis.median(x["cpu_us_per_io"] or 0 for x in v),
               analysis.median(x["exposure_page_ms_per_m"] for x in v)
               if all(x["exposure_page_ms_per_m"] != "" for x in v) else "")
           for k, v in groups.items()}
    for k in sorted(med, key=lambda k: (k[0], k[1], k[2], k[3], mode_rank(k[4]))):
        off = med.get(k[:4] + ("off",))
        iops, cpu, e = med[k]
        pi = f"{analysis.ratio_of_medians(iops, off[0], 100):.1f}" if off and off[0] else ""
        pc = f"{analysis.ratio_of_medians(cpu, off[1], 100):.0f}" if off and off[1] else ""
        lines.append(f"| {k[1]} | {k[2]} | {k[3]} | {k[4]} | {iops:.0f} | {pi} | {cpu} | {pc} | {e} |")
    return lines + [""]
