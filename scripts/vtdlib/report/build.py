"""Assemble the report: load raw/*.json, write the CSVs behind the tables,
call each section in reading order, join their lines into report.md, and
apply the exit policy (the default path outside stock's noise, or device
counters that disagree with the trace, fail the report after writing it)."""

import glob
import json
import os
import sys

from .. import counted, plot, readers, record
from ..errors import fail
from . import (dmabench, fio, hostile, invalidations, netsummary, network, plane, scaling, sg, stale,
               stock, sweep, targets, trace, variants, vmode)
from .table import write_csv

USAGE = "usage: vtd-report RESULT_DIR (a directory with raw/)"


def load(out):
    try:
        return [record.load(f) for f in sorted(glob.glob(os.path.join(out, "raw", "*.json")))]
    except record.RecordError as e:
        fail(str(e))


def header(recs):
    lines = ["# vtd-testbed report", "",
             "Published figures appear beside the run's own, with their sources in the repository's "
             "docs/published.md. The seeds are the papers this testbed started from: seed 000 is "
             "Omer Peleg's per-CPU invalidation and IOVA-cache series for Intel VT-d (USENIX ATC 2015, "
             "\"Utilizing the IOMMU Scalably\"), seed 002 James Bottomley on the safety cost of "
             "deferred flushing (2008), seed 003 Isaac Manjarres's batched `iommu_map_sg()` (2021).", ""]
    if recs:
        r0 = recs[0]
        lines += [f"QEMU {r0.versions.get('QEMU_VERSION')}, Linux {r0.versions.get('LINUX_VERSION')}, "
                  f"host: {r0.host.get('cpus')} CPUs, {r0.host.get('kernel')}; guests under TCG "
                  f"({'icount' if r0.icount else 'MTTCG'}). {len(recs)} boots.", ""]
    return lines


FOOTER = ["", "Raw records (command lines, console, host facts): `raw/`; CSV behind every "
          "table and figure: `*.csv`.", ""]


def join(sections):
    """One blank line between sections, whatever each one starts or ends with."""
    body = [ln for sec in sections for ln in ["", *sec, ""]]
    return "\n".join(ln for i, ln in enumerate(body) if ln or (i and body[i - 1])).strip() + "\n"


def build(out):
    """Write everything into @out; the exit status."""
    try:
        plot.require()
    except plot.PlotError as e:
        fail(str(e))
    every = load(out)
    # Attack runs feed the hostile section only.
    recs = [r for r in every if not readers.attacked(r)]
    rows = readers.dmabench_rows(recs)
    summary = dmabench.summarise(rows)
    write_csv(os.path.join(out, "dmabench.csv"), rows)
    write_csv(os.path.join(out, "dmabench-summary.csv"), summary)
    with open(os.path.join(out, "summary.json"), "w") as f:
        json.dump({"dmabench": summary}, f, indent=1)
    net_rows = readers.network_rows(recs)
    net = netsummary.summarise(net_rows)
    write_csv(os.path.join(out, "network.csv"), net_rows)
    write_csv(os.path.join(out, "network-summary.csv"), net)
    scale, sgr = scaling.rows(summary), sg.rows(summary)
    stock_lines, stock_ok = stock.section(rows)
    agree = counted.trace_rows(recs)
    att = hostile.by_run(every)
    try:
        # Reading order: what was targeted, then the cheap microbenchmark, the
        # counts behind it, the network workloads, seed 003, the device knobs.
        sections = [header(every), targets.section(scale, net, sgr),
                    dmabench.section(out, summary), scaling.section(out, scale),
                    invalidations.section(out, recs), network.section(out, net, net_rows),
                    sg.section(sgr), sweep.section(out, sweep.rows(summary)),
                    fio.section(out, recs), vmode.section(out, recs), hostile.section(att),
                    plane.section(out, plane.rows(recs, net_rows, att)),
                    variants.section(summary), stock_lines,
                    trace.section(agree), stale.section(out, recs, summary), FOOTER]
    except plot.PlotError as e:
        fail(str(e))
    with open(os.path.join(out, "report.md"), "w") as f:
        f.write(join(sections))
    print(f"[vtd-report] {os.path.join(out, 'report.md')}", file=sys.stderr)
    if not stock_ok:
        print("vtd-report: error: the default patched path is outside the run's noise of stock "
              "(report.md, 'Default path vs stock')", file=sys.stderr)
        return 1
    bad = trace.mismatches(agree)
    if bad:
        print(f"vtd-report: error: device counters and trace disagree in {len(bad)} place(s), "
              f"e.g. {bad[0]}", file=sys.stderr)
        return 1
    return 0


def main(argv):
    if len(argv) != 1 or not os.path.isdir(os.path.join(argv[0], "raw")):
        print(USAGE, file=sys.stderr)
        return 2
    return build(argv[0])
