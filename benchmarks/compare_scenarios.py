"""Time the engine part of comparing two scenarios that are not current (what the compare
window's worker computes: ``simulate()`` of each, radio, fiber, transit and energy), on a
copy of a project, each side in a fresh process:

1. only the baselines stored (as the sample ships), nothing prepared: the compare builds
   the road graph, the transit walks and the grid itself (a compare right after start-up);
2. the same, once the engines are prepared (``runner.prepare_domain`` of fiber, transit
   and energy: what the app does in a background worker after opening a project, timed
   apart): a compare made after the app has been open for a while;
3. both scenarios' results stored in the copy (a compare seen before).

As in the app, the energy and transit domains are computed in the engine processes
(:mod:`twin.sim.whatif.pool`: one per domain, from a fork server that imported the engines,
pandapower included) while this process computes radio and fiber. The app starts them when
its engines start (after the first frame); here they start with the process, before the
project is opened, so their imports overlap the opening only: in case 1 the compare still
waits for most of them. ``--in-process`` measures without them (everything in this process,
as before they existed).

Usage: ``python benchmarks/compare_scenarios.py [--load] [--in-process] [PROJECT]``
(default: the sample). Prints wall and CPU seconds of each side (this process, then the
engine processes); the project opening is printed apart.
``--load`` measures the three cases a second time while one CPU-bound process
(:mod:`background_load`) keeps one core busy. Excluded from both
sides: the live radio engine's level layers and drawing the compare window. Under load the
wall time grows, the CPU time much less: report the load with the figures.
"""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HERE = Path(__file__).resolve().parent
# benchmarks/coverage.py would shadow the coverage package numba imports: not on the path
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != HERE]
sys.path.insert(0, str(ROOT))
# background_load by its path: benchmarks/ on sys.path would shadow packages (coverage)
_spec = importlib.util.spec_from_file_location("twin_bench_load", HERE / "background_load.py")
background_load = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(background_load)

SCENARIO_B = {
    "name": "B",
    "interventions": [
        {
            "type": "add_mobile_site",
            "site_id": "b-1",
            "name": "B site",
            "x": 353000.0,
            "y": 6790000.0,
            "height_m": 30.0,
            "cells": [{"azimuth_deg": a} for a in (0.0, 120.0, 240.0)],
        },
        {
            "type": "add_transit_line",
            "name": "B1",
            "mode": "bus",
            "stops": [[350000.0, 6788000.0], [352000.0, 6789000.0]],
            "headway_min": 10.0,
        },
    ],
}


def measure(path: str, mode: str, lanes: bool) -> None:
    """In this process: (``lanes``: start the engine processes), open ``path``, (``mode``
    "prepare": prepare the engines), simulate the two scenarios as the compare window's
    worker does, print the times; ``mode`` "save": save their results in ``path``."""
    from twin.sim.whatif import pool

    started = time.perf_counter()
    if lanes:
        pool.start()  # the fork server imports the engines meanwhile
    import twin
    from twin.project_save import save_results
    from twin.scenario import Scenario
    from twin.sim.whatif import simulate

    project = twin.open_project(path)
    opened = (time.perf_counter(), time.process_time())
    prepared = ""
    if mode == "prepare":
        from twin.sim.whatif.runner import prepare_domain

        pool.prepare(project)  # (nothing without lanes) the engine processes prepare theirs
        for domain in ("fiber", "transit", "energy"):
            prepare_domain(project, domain)
        pool.wait()
        prepared = (
            f"; engines prepared in {time.perf_counter() - opened[0]:.1f} s wall, "
            f"{time.process_time() - opened[1]:.1f} s CPU here (in the app: a background "
            "worker)"
        )
        opened = (time.perf_counter(), time.process_time())
    example = json.loads((ROOT / "docs" / "scenario-example.json").read_text(encoding="utf-8"))
    scenarios = [Scenario.from_dict(data) for data in (example, SCENARIO_B)]
    lane_before = _children_cpu() if lanes else 0.0
    pooled = pool.submit(project, scenarios)  # what twin.ui.compare's job does
    try:
        for scenario in scenarios:
            simulate(project, scenario, pooled=pooled)
    finally:
        pool.close(pooled)
    wall = time.perf_counter() - opened[0]
    cpu = time.process_time() - opened[1]
    lane_cpu = _children_cpu() if lanes else 0.0
    lane_during = lane_cpu - lane_before
    side = {
        "save": "baselines stored, nothing prepared",
        "prepare": "baselines stored, engines prepared",
        "read": "both scenarios stored",
    }[mode]
    where = f" + {', '.join(pooled) or 'nothing'} in engine processes" if lanes else ""
    print(
        f"{side}: open {opened[0] - started:.1f} s{prepared}; compare A + B {wall:.1f} s "
        f"wall, {cpu:.1f} s CPU here{where} (load {os.getloadavg()[0]:.1f})"
    )
    if mode == "save":
        save_results(project)
    if lanes:
        pool.stop()
        print(
            f"  engine processes: {lane_during:.1f} s CPU during the compare, {lane_cpu:.1f} s "
            "since they started (imports included)"
        )


def _children_cpu() -> float:
    """CPU seconds (user + system) of this process's live engine processes, from /proc
    (0.0 where there is no /proc)."""
    import multiprocessing

    total = 0.0
    ticks = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
    for child in multiprocessing.active_children():
        try:
            fields = Path(f"/proc/{child.pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / ticks
    return total


def main(argv: list[str] | None = None) -> int:
    """Copy the project, measure cold then stored, each in a fresh process."""
    argv = sys.argv[1:] if argv is None else argv
    if argv and argv[0] == "--child":
        measure(argv[1], argv[2], argv[3] == "lanes")
        return 0
    load = "--load" in argv
    lanes = "in-process" if "--in-process" in argv else "lanes"
    argv = [a for a in argv if a not in ("--load", "--in-process")]
    import twin

    source = Path(argv[0]) if argv else twin.sample_project_path()
    print(background_load.machine_line(False), flush=True)
    print(f"engine processes: {'yes' if lanes == 'lanes' else 'no (--in-process)'}", flush=True)
    _cases(source, lanes)
    if load:
        with background_load.cpu_load():
            print(background_load.machine_line(True), flush=True)
            _cases(source, lanes)
    return 0


def _cases(source: Path, lanes: str) -> None:
    """The three cases, each in a fresh process, on a fresh copy of ``source``."""
    with tempfile.TemporaryDirectory() as folder:
        copy = Path(folder) / source.name
        shutil.copy(source, copy)
        for extra in source.parent.glob("*.zip"):  # a GTFS feed named by the project
            shutil.copy(extra, Path(folder) / extra.name)
        for mode in ("prepare", "save", "read"):
            subprocess.run(
                [sys.executable, __file__, "--child", str(copy), mode, lanes], check=True, cwd=ROOT
            )


if __name__ == "__main__":
    raise SystemExit(main())
