"""The papers' targets and published figures (published.json beside this
file), loaded once: the report's sections read them from here, never spell
them in code."""

import json
import os

_PATH = os.path.join(os.path.dirname(os.path.abspath(__file__)), "published.json")

with open(_PATH, encoding="utf-8") as _f:
    DATA = json.load(_f)

TARGETS = DATA["targets"]
NOTES = DATA["notes"]
# scatterlist size, KiB -> (per-page µs, batched µs)
SEED003 = {int(k): tuple(v) for k, v in DATA["seed003_map_sg_us"].items() if not k.startswith("_")}


def met(value, op, limit):
    """Whether @value meets the target '@op @limit' (op ≤ or ≥)."""
    return value <= limit if op == "≤" else value >= limit
