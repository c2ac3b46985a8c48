"""Time per radio what-if update while a new site is dragged (the live part of issue 6).

Builds :class:`twin.sim.whatif.RadioWhatIf` on the sample territory at the engine's default
settings (the DEM's 50 m grid, 5 km cell range, 4G and 5G models), adds a 3-sector 5G site,
then moves it 20 times by 25-50 m (a mouse drag) and prints the median, 95th percentile and
worst time of ``apply()`` (coverage of the moved site + people per level), in ms.

    python benchmarks/whatif_radio.py [--moves 20] [--pixel-m 50]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

# benchmarks/coverage.py would shadow the "coverage" package numba imports: drop this folder.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).parent]

import twin  # noqa: E402
from twin.scenario import AddMobileSite, CellSpec, MoveMobileSite  # noqa: E402
from twin.sim.whatif import RadioWhatIf, WhatIfOptions  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--moves", type=int, default=20)
    parser.add_argument("--pixel-m", type=float, default=None)
    args = parser.parse_args()
    project = twin.open_project(None)
    started = time.perf_counter()
    radio = RadioWhatIf(project, WhatIfOptions(radio_pixel_m=args.pixel_m))
    print(
        f"baseline (cold, 4G + 5G): {time.perf_counter() - started:.2f} s, grid {radio.grid.shape}"
    )
    site = AddMobileSite(
        "drag",
        "Dragged",
        352_000.0,
        6_789_000.0,
        30.0,
        cells=tuple(CellSpec(a) for a in (0.0, 120.0, 240.0)),
    )
    started = time.perf_counter()
    radio.apply([site])
    print(f"add site: {1000 * (time.perf_counter() - started):.1f} ms")
    times = []
    for step in range(1, args.moves + 1):
        move = MoveMobileSite("drag", 352_000.0 + 40.0 * step, 6_789_000.0 + 25.0 * step)
        started = time.perf_counter()
        figures = radio.apply([site, move])
        times.append(1000 * (time.perf_counter() - started))
    times.sort()
    p95 = times[min(len(times) - 1, round(0.95 * (len(times) - 1)))]
    gained = next(f for f in figures if f.key == "radio.5g.persons.good_or_better").delta
    print(
        f"drag update over {len(times)} moves: median {statistics.median(times):.1f} ms, "
        f"p95 {p95:.1f} ms, max {times[-1]:.1f} ms (5G persons good+ gained at the end: "
        f"{gained:,.0f})"
    )


if __name__ == "__main__":
    main()
