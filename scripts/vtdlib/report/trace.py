"""Device counters vs upstream trace events: runs counted both ways, and
whether every count agrees (a mismatch fails the report, build.py)."""


def mismatches(rows):
    return [a for a in rows if a["device"] != a["trace"]]


def section(rows):
    if not rows:
        return []
    bad = mismatches(rows)
    return ["## Device counters vs upstream trace events", "",
            f"{len(rows) // 4} runs counted both ways; "
            + ("**all counts agree exactly**." if not bad else f"**{len(bad)} MISMATCHES**."), "",
            "| threads | rep | what | device counters | trace lines |", "|---|---|---|---|---|"] + \
        [f"| {a['threads']} | {a['rep']} | {a['what']} | {a['device']} | {a['trace']} |"
         for a in rows] + [""]
