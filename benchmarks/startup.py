"""Start-up benchmark: ``twin`` to the first drawn map frame, next to a bare PySide6 window.

    python benchmarks/startup.py [--runs 5] [--load] [--kpi-wait SECONDS] [--project PATH]

Each run is a fresh process (so nothing is cached in memory between runs; the OS file cache
stays warm after the first run, as for a user who starts the app twice). Two sides, run
alternately in the same session so that they share the machine's state:

- **twin**: ``python -m twin.cli [PROJECT] --startup-time``: Python start, the CLI, Qt, the
  main window with every panel, reading the sample's visible layers (a thread started once
  the data libraries are imported) and drawing them; the figure is the process age (kernel
  start time, 10 ms ticks) when the first paint of the map with layers has finished. The
  CPU seconds used by then are shown too (all threads; less sensitive to other load than
  wall time). With ``--kpi-wait``, also the process age when the KPI dock first shows the
  baseline figures (the ones stored in the ``.twin``, before any engine runs).
- **bare PySide6**: a script that imports PySide6, creates the QApplication and shows an
  empty ``QMainWindow`` (800 x 600); the figure is the process age when its first paint has
  finished, measured the same way. It is the floor a Qt app in Python cannot go below.

For both, "whole process" is the wall time from spawning the process to its exit (teardown
included), measured by this script. ``--load`` runs the same measurements while another
process keeps one core busy (a pure-Python busy loop), as on a 2-core machine where other
work runs. The 1-minute load average is printed before each batch: compare figures taken
at similar load only.

``--bytecode-cache``: Python's compiled modules are kept between runs in a temporary
folder (``PYTHONPYCACHEPREFIX``; ``PYTHONDONTWRITEBYTECODE`` removed) and one run of each
side is made first and not counted, as for an installed twin (pip compiles the ``.pyc``
files at install; an editable install writes them at the first start). Without it the
environment is taken as it is: where ``PYTHONDONTWRITEBYTECODE`` is set (as in this
project's shared development machine), every start compiles twin's own ~120 modules again
(0.15-0.3 s), which a user's start does not do. The header says which.

Target (issue 9): first map frame under 2 s.
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import os
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPOSITORY = Path(__file__).resolve().parent.parent
print = functools.partial(print, flush=True)

BARE_WINDOW = r"""
import sys
import time
from twin.cli import startup_clock  # the same /proc clock as twin --startup-time (stdlib only)
from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QApplication, QMainWindow

app = QApplication(sys.argv[:1])
window = QMainWindow()
window.resize(800, 600)


class FirstPaint(QObject):
    def eventFilter(self, watched, event):
        if event.type() == QEvent.Type.Paint:
            watched.removeEventFilter(self)
            QTimer.singleShot(0, done)
        return False


def done():
    age, cpu = startup_clock.process_age(), time.process_time()
    print(f"first paint: {age:.3f} s cpu {cpu:.3f} s")
    app.exit(0)


paint = FirstPaint()
window.installEventFilter(paint)
window.show()
app.exec()
"""

BUSY_LOOP = "while True:\n    pass\n"


BYTECODE_CACHE: str | None = None  # a temporary PYTHONPYCACHEPREFIX (--bytecode-cache)


def _environment() -> dict[str, str]:
    env = dict(os.environ)
    if BYTECODE_CACHE is not None:
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        env["PYTHONPYCACHEPREFIX"] = BYTECODE_CACHE
    env["PYTHONPATH"] = os.pathsep.join([str(REPOSITORY), env.get("PYTHONPATH", "")]).rstrip(
        os.pathsep
    )
    if not env.get("DISPLAY") and not env.get("WAYLAND_DISPLAY"):
        env.setdefault("QT_QPA_PLATFORM", "offscreen")
    return env


def _run(command: list[str]) -> tuple[str, float]:
    """Run ``command``; its standard output and the wall seconds from spawn to exit."""
    start = time.perf_counter()
    result = subprocess.run(
        command, capture_output=True, text=True, env=_environment(), cwd=REPOSITORY, timeout=600
    )
    whole = time.perf_counter() - start
    if result.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed ({result.returncode}): {result.stderr}")
    return result.stdout, whole


def run_twin(project: str | None, kpi_wait: float) -> dict[str, float]:
    """One ``twin --startup-time`` run: first frame (s), CPU by then (s), whole process (s),
    and the baseline KPIs (s) when asked and shown."""
    command = [sys.executable, "-m", "twin.cli", *([project] if project else []), "--startup-time"]
    if kpi_wait > 0:
        command += ["--kpi-wait", str(kpi_wait)]
    out, whole = _run(command)
    frame = re.search(r"([\d.]+) s  \(cpu\s+([\d.]+) s\)  first map frame drawn", out)
    if frame is None:
        raise SystemExit(f"no first frame in the output of twin --startup-time:\n{out}")
    figures = {"first": float(frame.group(1)), "cpu": float(frame.group(2)), "whole": whole}
    kpis = re.search(r"baseline KPIs shown: ([\d.]+) s", out)
    if kpis is not None:
        figures["kpis"] = float(kpis.group(1))
    return figures


def run_bare() -> dict[str, float]:
    """One bare PySide6 window run: first paint (s), CPU by then (s), whole process (s)."""
    out, whole = _run([sys.executable, "-c", BARE_WINDOW])
    paint = re.search(r"first paint: ([\d.]+) s cpu ([\d.]+) s", out)
    if paint is None:
        raise SystemExit(f"no first paint in the bare window's output:\n{out}")
    return {"first": float(paint.group(1)), "cpu": float(paint.group(2)), "whole": whole}


@contextlib.contextmanager
def busy_core(enabled: bool):
    """A process keeping one core busy for the duration (when ``enabled``)."""
    if not enabled:
        yield
        return
    busy = subprocess.Popen([sys.executable, "-c", BUSY_LOOP])
    try:
        time.sleep(0.5)  # let it take its core
        yield
    finally:
        busy.kill()
        busy.wait()


def _load_average() -> str:
    try:
        return f"{os.getloadavg()[0]:.2f}"
    except OSError:
        return "unknown"


def _line(label: str, values: list[float]) -> str:
    return (
        f"  {label:<44} median {statistics.median(values):6.3f} s   "
        f"min {min(values):6.3f}   max {max(values):6.3f}"
    )


def measure(runs: int, project: str | None, kpi_wait: float, load: bool) -> None:
    """Print the figures of ``runs`` alternate runs of each side."""
    title = "with one core kept busy (--load)" if load else "without added load"
    print(f"\n== {title}: {runs} runs per side, load average (1 min) {_load_average()}")
    twin_runs, bare_runs = [], []
    with busy_core(load):
        for index in range(runs):
            bare_runs.append(run_bare())
            twin_runs.append(run_twin(project, kpi_wait))
            print(
                f"  run {index + 1}: bare {bare_runs[-1]['first']:.3f} s, "
                f"twin {twin_runs[-1]['first']:.3f} s (cpu {twin_runs[-1]['cpu']:.3f} s)"
            )
    print(_line("bare PySide6 window, first paint", [r["first"] for r in bare_runs]))
    print(_line("  CPU used by the bare window by then", [r["cpu"] for r in bare_runs]))
    print(_line("twin --startup-time, first map frame", [r["first"] for r in twin_runs]))
    print(_line("  CPU used by twin by then (all threads)", [r["cpu"] for r in twin_runs]))
    print(_line("bare PySide6 window, whole process", [r["whole"] for r in bare_runs]))
    print(_line("twin --startup-time, whole process", [r["whole"] for r in twin_runs]))
    kpis = [r["kpis"] for r in twin_runs if "kpis" in r]
    if kpi_wait > 0:
        if kpis:
            print(_line(f"twin baseline KPIs shown ({len(kpis)}/{runs} runs)", kpis))
        else:
            print(f"  twin baseline KPIs: not shown within {kpi_wait:g} s of the first frame")
    median_twin = statistics.median(r["first"] for r in twin_runs)
    median_bare = statistics.median(r["first"] for r in bare_runs)
    print(
        f"  twin's first map frame takes {median_twin - median_bare:.3f} s more than a bare "
        f"window ({median_twin / median_bare:.1f}x); target: under 2 s"
    )
    print(f"  load average (1 min) after: {_load_average()}")


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark; returns the exit status."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="runs per side (median reported)")
    parser.add_argument("--project", help="a .twin project (default: the bundled sample)")
    parser.add_argument(
        "--kpi-wait", type=float, default=0.0, help="also wait this long for the baseline KPIs"
    )
    parser.add_argument("--load", action="store_true", help="also measure with one core kept busy")
    parser.add_argument(
        "--bytecode-cache",
        action="store_true",
        help="keep compiled modules between runs (as an installed twin) and make one "
        "uncounted run of each side first",
    )
    args = parser.parse_args(argv)
    if args.bytecode_cache:
        import tempfile

        global BYTECODE_CACHE
        folder = tempfile.TemporaryDirectory(prefix="twin-startup-pyc-")
        BYTECODE_CACHE = folder.name
        run_bare()
        run_twin(args.project, 0.0)  # compiles and caches; not counted
    env = _environment()
    if BYTECODE_CACHE is not None:
        compiled = "kept between runs (--bytecode-cache; one uncounted run each first)"
    elif env.get("PYTHONDONTWRITEBYTECODE"):
        compiled = "compiled at every start (PYTHONDONTWRITEBYTECODE is set)"
    else:
        compiled = "as this environment keeps them (__pycache__)"
    print(
        f"twin start-up benchmark: {os.cpu_count()} CPUs, "
        f"QT_QPA_PLATFORM={_environment().get('QT_QPA_PLATFORM', '(default)')}, "
        f"Python {sys.version.split()[0]}"
    )
    print("  twin side: python -m twin.cli --startup-time (process start -> first map frame)")
    print("  bare side: PySide6 QApplication + empty QMainWindow (process start -> first paint)")
    print(f"  Python modules: {compiled}")
    measure(args.runs, args.project, args.kpi_wait, load=False)
    if args.load:
        measure(args.runs, args.project, args.kpi_wait, load=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
