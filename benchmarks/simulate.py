"""Time ``twin simulate --scenario-file docs/scenario-example.json`` cold: each run is a
fresh process (``python -m twin.cli simulate``) on the sample as it ships (baseline
results stored in the ``.twin``, the scenario's computed: nothing prepared, no result of
a previous run reused, output written into an empty folder).

Usage: ``python benchmarks/simulate.py [--runs 3] [--load] [-- EXTRA CLI ARGS]``.
Prints, per run and as the median: the whole-process wall time (s) as a user waits for it,
and the CPU seconds (user and system) of the process and of the processes it forked (the
engines it runs beside itself), read from ``getrusage(RUSAGE_CHILDREN)``. It also checks
that progress lines went to stderr. ``--load`` measures the same a second time while one
CPU-bound process (:mod:`background_load`) keeps one core busy. Under load the wall time
grows, CPU much less: report the load average printed with the figures.

The energy engine is the critical path (a forked child: pandapower import, grid build,
design cases and design day); ``-- --domains energy`` times it alone in one process
(project opening included), which is the figure to compare when changing the energy engine:
on a loaded machine its CPU seconds are steadier than the whole run's wall time.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HERE = Path(__file__).resolve().parent
# benchmarks/coverage.py would shadow the coverage package numba imports: not on the path
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != HERE]
# background_load by its path: benchmarks/ on sys.path would shadow packages (coverage)
_spec = importlib.util.spec_from_file_location("twin_bench_load", HERE / "background_load.py")
background_load = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(background_load)

SCENARIO = ROOT / "docs" / "scenario-example.json"


def one_run(extra: list[str]) -> tuple[float, float, float, int]:
    """(wall s, user s, system s, progress lines on stderr) of one cold ``twin simulate``."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    with tempfile.TemporaryDirectory() as folder:
        command = [sys.executable, "-m", "twin.cli", "simulate"]
        command += ["--scenario-file", str(SCENARIO), "--out", folder, *extra]
        started = time.perf_counter()
        done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)
        wall = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"twin simulate failed ({done.returncode}): {done.stderr.strip()}")
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    progress = sum(1 for line in done.stderr.splitlines() if " % " in line)
    return wall, after.ru_utime - before.ru_utime, after.ru_stime - before.ru_stime, progress


def measure(label: str, runs: int, extra: list[str]) -> None:
    """Run ``runs`` times and print each run and the median."""
    rows = []
    for index in range(runs):
        wall, user, system, progress = one_run(extra)
        rows.append((wall, user, system))
        print(
            f"  {label} run {index + 1}: {wall:.1f} s wall, {user:.1f} s user + {system:.1f} s "
            f"system CPU (all processes), {progress} progress lines on stderr",
            flush=True,
        )
    wall, user, system = (statistics.median(column) for column in zip(*rows, strict=True))
    print(
        f"{label}: median of {runs}: {wall:.1f} s wall, {user:.1f} s user, {system:.1f} s "
        f"system (load average now {os.getloadavg()[0]:.2f})",
        flush=True,
    )


def main(argv: list[str] | None = None) -> int:
    """Measure without load, then (``--load``) beside a busy core."""
    argv = sys.argv[1:] if argv is None else argv
    extra: list[str] = []
    if "--" in argv:
        extra = argv[argv.index("--") + 1 :]
        argv = argv[: argv.index("--")]
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="cold runs per condition")
    parser.add_argument("--load", action="store_true", help="also measure beside a busy core")
    args = parser.parse_args(argv)
    print(background_load.machine_line(False), flush=True)
    measure("without load", args.runs, extra)
    if args.load:
        with background_load.cpu_load():
            print(background_load.machine_line(True), flush=True)
            measure("with load", args.runs, extra)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
