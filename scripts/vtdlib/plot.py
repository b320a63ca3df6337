"""The report's one plotting backend: gnuplot (Debian's gnuplot-nox, which
scripts/install-deps.sh installs), given one script per figure. A missing
gnuplot is an error naming the package, never a report without figures.

    plot.require()                        PlotError unless gnuplot is there
    plot.data(path, text)                 a data file for a script
    plot.draw(script, [data files])       runs gnuplot, then removes the data files
    plot.figure(out, name, (w, h), script, [data files])
                                          draw, as a w x h PNG out/name; its file name
"""

import os
import shutil
import subprocess
import sys

PACKAGES = "gnuplot-nox (or gnuplot)"


class PlotError(Exception):
    pass


def require():
    """The gnuplot binary's path."""
    exe = shutil.which("gnuplot")
    if exe is None:
        raise PlotError(f"gnuplot not found: install Debian's {PACKAGES} "
                        "(scripts/install-deps.sh installs it); the report draws every figure with it")
    return exe


def data(path, text):
    with open(path, "w") as f:
        f.write(text)
    return path


def draw(script, dats=(), timeout=120):
    """Run one gnuplot script; PlotError with gnuplot's own message if it fails."""
    try:
        r = subprocess.run([require(), "-e", script], capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        raise PlotError(f"gnuplot ran past {timeout} s") from None
    finally:
        for d in dats:
            if os.path.exists(d):
                os.unlink(d)
    if r.returncode != 0:
        raise PlotError(f"gnuplot failed (exit {r.returncode}): {r.stderr.strip()}")
    sys.stderr.write(r.stderr)  # its warnings


def figure(out, name, size, script, dats=()):
    """Draw @script into a PNG of @size (width, height) at out/@name; the
    file name, for the report's link."""
    png = os.path.join(out, name)
    draw(f"set terminal png size {size[0]},{size[1]}; set output '{png}';" + script, dats)
    return name
