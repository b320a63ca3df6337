"""The host package's shape: its import graph has no cycle, it imports only
the standard library (and QEMU's own qemu.qmp/qemu.machine, from QEMU's
source tree), no module is much over 250 lines, and the scripts reach it
through one sys.path line.
    python3 tests/unit/test_imports.py --graph    prints the graph"""

import ast
import os
import re
import sys
import unittest

import vtdtest

SCRIPTS = os.path.join(vtdtest.TOP, "scripts")
PKG = os.path.join(SCRIPTS, "vtdlib")
MAX_LINES = 260
ENTRY_POINTS = ("vtd-run", "vtd-bench", "vtd-calibrate", "vtd-report", "vtd-compare")


def modules():
    """{dotted name: path} of every module of the package."""
    out = {}
    for d, _, files in os.walk(PKG):
        for f in files:
            if f.endswith(".py"):
                rel = os.path.relpath(os.path.join(d, f), SCRIPTS)[:-3].replace(os.sep, ".")
                out[rel[:-len(".__init__")] if rel.endswith(".__init__") else rel] = os.path.join(d, f)
    return out


def imports(name, path):
    """The absolute names a module imports (relative ones resolved)."""
    pkg = name if path.endswith("__init__.py") else name.rpartition(".")[0]
    with open(path) as f:
        tree = ast.parse(f.read(), path)
    out = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = pkg.split(".")
                base = ".".join(parts[:len(parts) - node.level + 1] + ([base] if base else []))
            out.add(base)
            out.update(f"{base}.{a.name}" for a in node.names)  # from . import record
    return out


def graph():
    """{module: set of package modules it imports}; a package's own
    __init__ (from . import x) is no edge."""
    mods = modules()
    return {m: {i for i in imports(m, p) if i in mods and i != m and not m.startswith(i + ".")}
            for m, p in mods.items()}


def cycle(g):
    """One import cycle as a list of modules, or None."""
    state = {}

    def visit(m, stack):
        state[m] = 1
        for n in sorted(g[m]):
            if state.get(n) == 1:
                return stack[stack.index(n):] + [n]
            if n not in state:
                found = visit(n, stack + [n])
                if found:
                    return found
        state[m] = 2
        return None
    for m in sorted(g):
        if m not in state:
            found = visit(m, [m])
            if found:
                return found
    return None


class ImportGraphTest(unittest.TestCase):
    def test_no_cycle(self):
        self.assertIsNone(cycle(graph()))

    def test_cycle_finder_finds_one(self):
        self.assertEqual(cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}), ["a", "b", "c", "a"])

    def test_standard_library_only(self):
        allowed = set(sys.stdlib_module_names) | {"vtdlib", "qemu"}
        for m, p in modules().items():
            with self.subTest(m):
                outside = {i for i in imports(m, p) if i.split(".")[0] not in allowed}
                self.assertEqual(outside, set())

    def test_modules_stay_small(self):
        for m, p in modules().items():
            with self.subTest(m):
                with open(p) as f:
                    self.assertLessEqual(len(f.readlines()), MAX_LINES)

    def test_entry_points_reach_the_package_one_way(self):
        for s in ENTRY_POINTS:
            with self.subTest(s):
                with open(os.path.join(SCRIPTS, s)) as f:
                    text = f.read()
                self.assertEqual(len(re.findall(r"sys\.path\.insert", text)), 1)
                self.assertIn("from vtdlib", text)


if __name__ == "__main__":
    if sys.argv[1:] == ["--graph"]:
        for m, deps in sorted(graph().items()):
            print(f"{m}: {' '.join(sorted(d.replace('vtdlib.', '') for d in deps))}")
    else:
        unittest.main()
