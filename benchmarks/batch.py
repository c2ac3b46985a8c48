"""Benchmark of ``twin batch coverage`` on Dask: scaling with 1 and 2 local workers (prints
figures; no assertions).

Workload: the bundled sample (Rennes Métropole, 927 x 825 pixels of 50 m, 69 sites, 642
cells, range 5 km, Deygout terrain diffraction, people per level and commune), the
defaults of ``twin coverage``. Each side is measured two ways:

- whole process: the command, a fresh process, from start to its files written:
  ``twin coverage --out DIR`` (one process, the reference) and ``twin batch coverage
  --tiles T --workers K --out DIR`` (includes starting the local cluster of K worker
  processes, sending the terrain and the tiles, stitching, writing the same files);
- compute only: what the command itself prints as "N tiles in X s on the cluster" (from
  the first tile submitted to the last tile back, workers already started), and for the
  reference the engine's in-process ``compute_project_coverage`` (project already open).

It also prints the work and memory figures that docs/scale.md extrapolates from: pixel x
site evaluations (pixels within range of each site, summed over sites), engine seconds per
million evaluations, the halo's redundancy (site x tile pairs / sites) and one tile's peak
memory (tracemalloc peak of its Python allocations, and the process's ru_maxrss).

Run: ``python benchmarks/batch.py`` (``--tiles 4``, ``--workers 1 2``, ``--pixel-m 100``
for a quicker run, ``--load`` for one CPU-bound process beside it). On a loaded machine
the figures say so (the load average is printed at start).
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import re
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

_HERE = Path(__file__).resolve().parent
ROOT = _HERE.parent
# benchmarks/coverage.py must not shadow coverage.py (the test tool numba imports)
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _HERE]
_spec = importlib.util.spec_from_file_location("twin_bench_load", _HERE / "background_load.py")
background_load = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(background_load)


def _command(args: list[str], out: Path) -> tuple[float, str]:
    """Wall seconds and stdout of ``python -m twin.cli ARGS --out OUT`` (fresh process)."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "twin.cli", *args, "--out", str(out)],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
    )
    wall = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(args)} failed: {done.stderr.strip()}")
    return wall, done.stdout


def _engine_figures(pixel_m: float | None, range_m: float, tiles: int) -> dict:
    """In-process: the engine's compute seconds, the work (pixel x site evaluations), the
    halo redundancy and one tile's peak memory."""
    import numpy as np

    import twin
    from twin.sim.batch.coverage import TileJob, compute_tile
    from twin.sim.batch.tiles import reaching_sites, split_grid, tile_grid
    from twin.sim.radio.coverage import CoverageParameters
    from twin.sim.radio.project_coverage import (
        compute_project_coverage,
        find_layer,
        project_grid,
        project_sites,
    )
    from twin.sim.radio.terrain import Terrain

    project = twin.open_project(None)
    params = CoverageParameters(max_range_m=range_m)
    started = time.perf_counter()
    compute_project_coverage(project, params, pixel_m=pixel_m)
    engine_s = time.perf_counter() - started
    sites = project_sites(project)
    terrain_layer = find_layer(project, "terrain")
    grid = project_grid(project, sites, pixel_m, terrain_layer)
    evaluations = 0
    for site in sites:
        window = grid.window_around(site.x, site.y, range_m)
        if window is None:
            continue
        r0, r1, c0, c1 = window
        dx = grid.column_x(c0, c1)[None, :] - site.x
        dy = grid.row_y(r0, r1)[:, None] - site.y
        evaluations += int((np.hypot(dx, dy) <= range_m).sum())
    windows = split_grid(grid.shape, tiles)
    pairs = sum(len(reaching_sites(tile_grid(grid, w), sites, range_m)) for w in windows)
    # one tile (the first) with its memory traced, in this process
    terrain = Terrain.from_layer(terrain_layer) if terrain_layer is not None else None
    sub = tile_grid(grid, windows[0])
    subset = reaching_sites(sub, sites, range_m)
    codes = list(range(sum(len(s.cells) for s in subset)))
    job = TileJob(0, windows[0], sub, subset, codes, params, None, trace_memory=True)
    tile = compute_tile(job, terrain)
    return {
        "grid": grid.shape,
        "sites": len(sites),
        "cells": sum(len(s.cells) for s in sites),
        "engine_s": engine_s,
        "evaluations": evaluations,
        "pairs": pairs,
        "tile_shape": sub.shape,
        "tile_sites": len(subset),
        "tile_peak_mb": tile.peak_bytes / 1e6,
        "tile_s": tile.seconds,
        "process_peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "dem_mb": 0 if terrain is None else terrain.heights.nbytes / 1e6,
    }


def main() -> None:
    """Parse options, run the measurements and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tiles", type=int, default=4)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--pixel-m", type=float, default=None, help="default: the DEM's 50 m")
    parser.add_argument("--range-m", type=float, default=5000.0)
    parser.add_argument("--load", action="store_true", help="one busy process beside it")
    args = parser.parse_args()
    options = ["--range-m", str(args.range_m)]
    if args.pixel_m:
        options += ["--pixel-m", str(args.pixel_m)]
    print(background_load.machine_line(args.load))
    with background_load.cpu_load(args.load), tempfile.TemporaryDirectory() as folder:
        out = Path(folder)
        wall, _ = _command(["coverage", *options], out / "single")
        print(f"twin coverage (one process)          whole process {wall:7.1f} s")
        for workers in args.workers:
            batch = ["batch", "coverage", "--tiles", str(args.tiles), "--workers", str(workers)]
            wall, stdout = _command([*batch, *options], out / f"batch{workers}")
            match = re.search(r"in ([\d.]+) s on the cluster", stdout)
            compute = float(match.group(1)) if match else float("nan")
            print(
                f"twin batch coverage, {args.tiles} tiles, {workers} worker(s): whole process "
                f"{wall:7.1f} s, compute only {compute:7.1f} s"
            )
        figures = _engine_figures(args.pixel_m, args.range_m, args.tiles)
    rows, cols = figures["grid"]
    per_million = figures["engine_s"] / figures["evaluations"] * 1e6
    print(
        f"engine in-process (compute_project_coverage, project open): {figures['engine_s']:.1f} s"
        f" for {rows} x {cols} pixels, {figures['sites']} sites, {figures['cells']} cells"
    )
    print(
        f"pixel x site evaluations within range: {figures['evaluations'] / 1e6:.1f} M "
        f"-> {per_million:.3f} s per million (all cells of a site, terrain profiles included)"
    )
    print(
        f"halo: {figures['pairs']} site x tile pairs for {figures['sites']} sites on "
        f"{args.tiles} tiles ({figures['pairs'] / max(1, figures['sites']):.2f}x)"
    )
    tr, tc = figures["tile_shape"]
    print(
        f"one tile {tr} x {tc} pixels, {figures['tile_sites']} sites: {figures['tile_s']:.1f} s "
        f"(traced, slower), peak Python allocations {figures['tile_peak_mb']:.0f} MB, "
        f"process peak RSS {figures['process_peak_mb']:.0f} MB "
        f"(DEM held {figures['dem_mb']:.1f} MB)"
    )


if __name__ == "__main__":
    main()
