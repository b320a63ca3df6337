"""What every section writes: the CSV behind a table."""

import csv


def write_csv(path, rows):
    """rows (dicts of one shape) with a header from the first; nothing for none."""
    if not rows:
        return
    with open(path, "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)
