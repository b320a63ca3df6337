"""What the host tools (vtd-run, vtd-bench, vtd-report, vtd-compare,
vtd-calibrate) share: the run record (record), modes and schemes (schemes),
guest/device counter and kernel-report names (names), paths (paths) and
error helpers (errors). Standard library only."""
