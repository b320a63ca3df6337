"""vtd-report as a package: a bench result directory (raw/*.json) becomes
CSV, gnuplot figures and report.md.

Data flows one way, and each layer imports only the ones above it:

    vtdlib.record        the run records (loader, versions)
    vtdlib.readers       per-job readers: the only code that knows the
                         guest's JSON fields (record.result), the load
                         generator's (record.host_load) and the bench
                         point's; records -> flat rows
    vtdlib.counted       the same for runs counted on both sides (guest
                         counters beside device counters or trace lines);
                         also what vtdlib.compare (vtd-compare) reads
    vtdlib.analysis      grouping, medians, the median's interval, and the
                         ratio to a reference under a named pairing rule
                         (SAME_REP, NEIGHBOUR, MEDIANS)
    vtdlib.plot          the one plotting backend (gnuplot; missing = error
                         naming Debian's gnuplot-nox)
    report.published     the papers' targets and published figures, loaded
                         from published.json (data, not code)
    report.table         the CSV behind a table
    report.<section>     one module per section: computes its rows, renders
                         its markdown table, draws its figure
    report.build         loads, calls the sections in reading order, writes
                         report.md, applies the exit policy

Which ratio rule each section uses: dmabench, scaling, variants, fio,
targets: MEDIANS; stock, vmode (network), plane (dma_map_benchmark, fio):
SAME_REP; network and deterministic (netsummary): the ratio column, its
interval and spread NEIGHBOUR (which is the same repetition where the bench
did not pair the runs), % of off NEIGHBOUR where paired (`baseline = off`)
and MEDIANS otherwise; plane (network series): NEIGHBOUR.

Sections, in reading order (build.py): targets, dmabench (+ the per-point
summary and the one-definition rule every dmabench table obeys), scaling,
invalidations, network (deterministic + wall clock, over netsummary),
sg (seed 003), sweep (invalidation cost), fio, vmode (per vIOMMU
configuration), hostile (what the hostile device reached, per
configuration, scheme, write-only leaves and workload), plane (safety and
performance together), variants, stock (default path vs stock: fails the
report outside noise), trace (device counters vs trace events: fails the
report on a mismatch), stale (the stale-translation window).

Tests: tests/unit/test_analysis.py, test_readers.py, test_report_*.py
(one or two sections each, records with known numbers built by
tests/unit/report_fixtures.py); tests/host/test-report.sh runs the whole
report on synthetic records.

    scripts/vtd-report results/X    = build.main(["results/X"])
"""
