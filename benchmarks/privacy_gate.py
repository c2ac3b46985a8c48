"""What the privacy gate costs: per radio what-if update (a site drag) and per coverage.json.

Builds :class:`twin.sim.whatif.RadioWhatIf` on the sample territory (default: the DEM's
50 m grid, 5 km range), adds a 3-sector 5G site and moves it ``--moves`` times. For each
move it times, on the same state:

- ``apply()``: the whole update (coverage of the moved site, people per level, and the
  gate's household counts: levels of each population point, households per level and those
  that moved since the baseline);
- the gate part alone: ``household_groups()`` + ``with_household_groups()``;
- ``publish_delta()`` on every figure (what the KPI dock calls per redraw).

Then it times ``PeopleSummary.to_dict()`` of the baseline (coverage.json's people part:
gate per cell + secondary suppression over communes x levels). Prints median and max in
ms, the load average (the machine may be shared: figures under load are upper bounds) and
the whole process time.

    python benchmarks/privacy_gate.py [--moves 20] [--pixel-m 50]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

# benchmarks/coverage.py would shadow the "coverage" package numba imports: drop this folder.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).parent]

PROCESS_START = time.perf_counter()

import twin  # noqa: E402
from twin.kpi import with_household_groups  # noqa: E402
from twin.scenario import AddMobileSite, CellSpec, MoveMobileSite  # noqa: E402
from twin.sim.whatif import RadioWhatIf, WhatIfOptions  # noqa: E402
from twin.sim.whatif.radio import household_groups  # noqa: E402


def _ms(values: list[float]) -> str:
    return f"median {statistics.median(values):.2f} ms, max {max(values):.2f} ms"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--moves", type=int, default=20)
    parser.add_argument("--pixel-m", type=float, default=None)
    args = parser.parse_args()
    print(f"load average at start: {os.getloadavg()[0]:.1f} ({os.cpu_count()} cores)")
    project = twin.open_project(None)
    radio = RadioWhatIf(project, WhatIfOptions(radio_pixel_m=args.pixel_m))
    points = len(radio.counter.points.x) if radio.counter is not None else 0
    print(f"sample: {points} population points, grid {radio.grid.shape}")
    site = AddMobileSite(
        "drag",
        "Dragged",
        352_000.0,
        6_789_000.0,
        30.0,
        cells=tuple(CellSpec(a) for a in (0.0, 120.0, 240.0)),
    )
    radio.apply([site])
    whole, gate, publish = [], [], []
    for step in range(1, args.moves + 1):
        move = MoveMobileSite("drag", 352_000.0 + 40.0 * step, 6_789_000.0 + 25.0 * step)
        started = time.perf_counter()
        figures = radio.apply([site, move])
        whole.append(1000 * (time.perf_counter() - started))
        started = time.perf_counter()
        with_household_groups(figures, household_groups(radio), radio._baseline_groups)
        gate.append(1000 * (time.perf_counter() - started))
        started = time.perf_counter()
        for figure in figures:
            figure.published_delta()
        publish.append(1000 * (time.perf_counter() - started))
    print(f"apply() per move, whole update incl. the gate's counts: {_ms(whole)}")
    print(f"  of which the gate's household counts (same state, timed apart): {_ms(gate)}")
    print(f"publish_delta() over the {len(figures)} radio figures: {_ms(publish)}")
    summary = radio.counter.count(radio.models["4G"].level)
    times = []
    for _ in range(5):
        started = time.perf_counter()
        report = summary.to_dict()
        times.append(1000 * (time.perf_counter() - started))
    zones = len(report["zones"])
    print(f"coverage.json people part ({zones} communes x 4 levels, gated): {_ms(times)}")
    print(f"load average at end: {os.getloadavg()[0]:.1f}")
    print(f"whole process: {time.perf_counter() - PROCESS_START:.1f} s")


if __name__ == "__main__":
    main()
