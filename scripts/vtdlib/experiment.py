"""An experiment file (configs/experiments/*.ini) turned into its points,
each with the vtd-run arguments that boot it, every one checked by
vtd-run's own parser before anything runs (docs in scripts/vtd-bench).

    points = load(path)      # ExperimentError naming the series and key of each fault
    p.name, p.point (point.Point, placed), p.argv, p.timeout
"""

import configparser
import dataclasses
import itertools
import os
import re
import shlex
from dataclasses import dataclass

from .point import Point
from .runargs import ArgError, check, point_of

KNOWN_KEYS = {"job", "modes", "cpus", "threads", "params", "runner", "repetitions", "timeout",
              "variants", "iommu_opts", "baseline"}
OPT_SET_RE = re.compile(r"[A-Za-z0-9_.-]+=[^,=\s]+")


class ExperimentError(Exception):
    """Every fault found, one line each: 'FILE [series] key: message'."""


@dataclass
class Planned:
    name: str           # raw/<name>.json
    point: Point        # as vtd-run's parser reads argv, placed in the experiment
    argv: list          # vtd-run's arguments, without --json and --console
    timeout: float


def _cell(sec, s, rep, c, t, o, pv, variants, timeout):
    """(argv, placement, name, source of the runner args) of one (repetition,
    vCPUs, threads, iommu_opts, param.*) cell, mode innermost."""
    oargs = [x for kv in o.split(",") for x in ("--iommu-opt", kv)] if o else []
    oname = "-" + re.sub(r"[^A-Za-z0-9.-]+", "_", o) if o else ""
    pname = "".join(f"-{k}{v}" for k, v in pv.items())
    base = s.get("baseline")
    modes = s.get("modes", "lazy").split()
    # With a baseline, each mode comes as a pair (baseline, mode); "pair"
    # names the mode a point belongs to.
    seq = [(m, None) for m in modes] if not base else \
        [x for m in modes if m != base for x in ((base, m), (m, m))]
    for m, pair in seq:
        for v in variants or [None]:
            vargs = shlex.split(s.get(f"variant.{v}", "")) if v else []
            runner = [x.format(cpus=c, threads=t) for x in shlex.split(s.get("runner", "")) + vargs + oargs]
            params = s.get("params", "").split() + [f"{k}={x}" for k, x in pv.items()]
            argv = ["--mode", m, "--cpus", str(c), "--timeout", str(timeout), *runner,
                    s.get("job", sec), f"threads={t}", *params]
            place = {"series": sec, "variant": v, "rep": rep, "pair": pair, "vary": pv, "opt_set": o}
            name = (f"{sec}-{m}{f'-for-{pair}' if pair and pair != m else ''}"
                    f"{f'-{v}' if v else ''}{oname}{pname}-c{c}-t{t}-r{rep}")
            yield argv, place, name, v


def _defaults(argv):
    """argv with vtd-run's default mode and vCPU count."""
    return ["--mode", "lazy", "--cpus", "2", *argv[4:]]


def _blame(argv, message, s, v):
    """The ini key an option error of argv comes from."""
    for opt, key in (("--mode", "modes"), ("--cpus", "cpus"), ("--timeout", "timeout"),
                     ("job parameter", "params")):
        if opt in message:
            return key
    for key, text in (("runner", s.get("runner", "")), (f"variant.{v}", s.get(f"variant.{v}", ""))):
        try:
            check(shlex.split(text))
        except ArgError:
            return key
        except (ValueError, KeyError, IndexError):
            pass
    return "runner" if "--iommu-opt" not in message else "iommu_opts"


def _series(path, sec, s, faults):
    """The points of one section; faults get one line per fault."""
    before = len(faults)

    def fault(key, msg):
        line = f"{path} [{sec}]{f' {key}' if key else ''}: {msg}"
        if line not in faults:
            faults.append(line)

    unknown = {k for k in s if k not in KNOWN_KEYS and not k.startswith(("variant.", "param."))}
    if unknown:
        fault(None, f"unknown key(s) {', '.join(sorted(unknown))}")
    nums = {}
    for key, conv, default in (("repetitions", int, "1"), ("timeout", float, "300"),
                               ("cpus", int, "2"), ("threads", int, "1")):
        try:
            nums[key] = [0 if x == "{cpus}" and key == "threads" else conv(x)
                         for x in s.get(key, default).split()]
        except ValueError as e:
            fault(key, e)
            return []
        if not nums[key] or min(nums[key]) < (0 if key == "threads" else 1) or \
                (key == "timeout" and min(nums[key]) <= 0):
            fault(key, "must be positive")
            return []
    if "baseline" in s and not [m for m in s.get("modes", "").split() if m != s["baseline"]]:
        fault("baseline", f"baseline = {s['baseline']} needs other modes to pair with")
    variants = s.get("variants", "").split()
    for v in variants:
        if f"variant.{v}" not in s:
            fault("variants", f"variant '{v}' has no 'variant.{v} =' line")
    opt_sets = s.get("iommu_opts", "").split()
    for o in opt_sets:
        if not all(OPT_SET_RE.fullmatch(kv) for kv in o.split(",")):
            fault("iommu_opts", f"entry '{o}' is not PROP=VAL[,PROP=VAL...]")
    if len(faults) > before:
        return []
    # Each mode and vCPU count alone, so that every bad one is named even
    # where another fault would stop the whole command line first.
    bad = set()
    for key, opt, values in (("modes", "--mode", s.get("modes", "lazy").split()),
                             ("cpus", "--cpus", nums["cpus"])):
        for x in values:
            try:
                check([opt, str(x)])
            except ArgError as e:
                fault(key, e)
                bad.add((opt, str(x)))
    # param.NAME = v1 v2 ...: job parameters that vary (cross product).
    varied = {k[len("param."):]: s[k].split() for k in s if k.startswith("param.")}
    combos = [dict(zip(varied, vals)) for vals in itertools.product(*varied.values())]
    timeout = nums["timeout"][0]
    points = []
    for rep in range(1, nums["repetitions"][0] + 1):
        for c in nums["cpus"]:
            for t in [t or c for t in nums["threads"]]:
                for o in opt_sets or [None]:
                    for pv in combos:
                        for argv, place, name, v in _cell(sec, s, rep, c, t, o, pv, variants, timeout):
                            # A mode or vCPU count named above: the rest
                            # checked with the defaults in their place.
                            named = bad & set(zip(argv, argv[1:]))
                            try:
                                pt = point_of(check(argv if not named else _defaults(argv)))
                            except ArgError as e:
                                fault(_blame(argv, str(e), s, v), e)
                                continue
                            if named:
                                continue
                            points.append(Planned(name, dataclasses.replace(pt, **place), argv, timeout))
    return points


def load(path):
    """Every point of the experiment at path, in run order (repetition
    outermost, mode innermost); ExperimentError listing every fault."""
    if not os.path.isfile(path):
        raise ExperimentError(f"experiment file {path} not found")
    cp = configparser.ConfigParser(inline_comment_prefixes=(";",))
    try:
        cp.read(path)
    except configparser.Error as e:
        raise ExperimentError(f"{path}: {e}") from None
    points, faults = [], []
    for sec in cp.sections():
        points += _series(path, sec, cp[sec], faults)
    if faults:
        raise ExperimentError("\n".join(faults))
    if not points:
        raise ExperimentError(f"{path} defines no series")
    return points
