"""Benchmark of the mobile coverage engine (prints figures; no assertions).

Grid 2000 x 2000 pixels of 25 m (50 km x 50 km, Lambert-93 near Rennes) over a synthetic
DEM, 50 three-sector sites (3GPP UMa NLOS, 800/1800/2600 MHz), range 5 km, Deygout terrain
diffraction, 200,000 population points in 40 zones. Measures:

1. cold computation of all sites (terrain profiles + cells + combination),
2. one site's cells with terrain (the site moved: new profiles, new cells),
3. recombination + people per level after that change (the incremental path),
4. SPLAT! HD (ITWOM/Longley-Rice path-loss map, ``-L``) for the same site, radius and
   terrain exported to SDF, and the ratio SPLAT! / twin for one site.

Run: ``python benchmarks/coverage.py`` (``--size 1000`` for a quicker run, ``--no-splat``).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

# This script is named coverage.py: drop its folder from the import path so that numba's
# optional "import coverage" (coverage.py, the test tool) does not find this file instead.
_HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _HERE]

import numpy as np  # noqa: E402
from affine import Affine  # noqa: E402
from scipy.ndimage import gaussian_filter  # noqa: E402

from twin.sim.radio import CoverageModel, CoverageParameters, Grid, Terrain, three_sector_site  # noqa: E402
from twin.sim.radio.coverage import compute_site_cells  # noqa: E402
from twin.sim.radio.population import PeopleCounter, PopulationPoints  # noqa: E402
from twin.sim.radio.splat import export_sdf, run_splat_coverage, write_lrp, write_qth  # noqa: E402
from twin.sim.radio.terrain import radial_profiles  # noqa: E402

CRS = "EPSG:2154"
X0, Y0 = 330_000.0, 6_810_000.0  # top-left corner (m), east of Rennes


def synthetic_terrain(size: int, pixel: float, seed: int = 1) -> Terrain:
    """Rolling hills 30-180 m with a ridge, smooth at the km scale."""
    rng = np.random.default_rng(seed)
    noise = gaussian_filter(rng.standard_normal((size, size)), sigma=40 * 25 / pixel)
    noise = (noise - noise.min()) / (noise.max() - noise.min())
    cols = np.arange(size)[None, :]
    ridge = 60.0 * np.exp(-(((cols - 0.6 * size) / (0.05 * size)) ** 2))
    heights = 30.0 + 120.0 * noise + ridge
    return Terrain(heights.astype(np.float32), Affine(pixel, 0, X0, 0, -pixel, Y0))


def synthetic_sites(size: int, pixel: float, count: int = 50, seed: int = 2):
    """``count`` three-sector sites on a jittered grid, 30 m masts."""
    rng = np.random.default_rng(seed)
    extent = size * pixel
    per_side = int(np.ceil(np.sqrt(count)))
    spacing = extent / per_side
    bands = (800, 1800, 2600)
    sites = []
    for k in range(count):
        i, j = divmod(k, per_side)
        x = X0 + (j + 0.5) * spacing + rng.uniform(-0.3, 0.3) * spacing
        y = Y0 - (i + 0.5) * spacing + rng.uniform(-0.3, 0.3) * spacing
        sites.append(
            three_sector_site(
                f"S{k:02d}",
                x,
                y,
                30.0,
                band_mhz=bands[k % 3],
                operator="A",
                first_azimuth_deg=float(rng.uniform(0, 120)),
            )
        )
    return sites


def synthetic_population(size: int, pixel: float, count: int = 200_000, seed: int = 3):
    """Population points with persons and premises in 40 zones."""
    rng = np.random.default_rng(seed)
    extent = size * pixel
    x = X0 + rng.uniform(0, extent, count)
    y = Y0 - rng.uniform(0, extent, count)
    zone = (((x - X0) // (extent / 8)) * 5 + ((Y0 - y) // (extent / 5))).astype(np.int64)
    return PopulationPoints(
        x,
        y,
        rng.uniform(0, 5, count),
        rng.integers(1, 4, count).astype(float),
        zone,
        [f"Z{i:02d}" for i in range(40)],
    )


def timed(function, repeat: int = 1):
    """(median wall seconds, median CPU seconds of this process, last result) over
    ``repeat`` runs. CPU time is reported too because the machine is shared."""
    walls, cpus, result = [], [], None
    for _ in range(repeat):
        start, cpu = time.perf_counter(), time.process_time()
        result = function()
        walls.append(time.perf_counter() - start)
        cpus.append(time.process_time() - cpu)
    return statistics.median(walls), statistics.median(cpus), result


def timed_splat(work: Path, radius_km: float, rx_height_m: float, repeat: int = 3):
    """(median wall s, median CPU s of the SPLAT! child, last process)."""
    walls, cpus, process = [], [], None
    for _ in range(repeat):
        before = os.times()
        wall, process = run_splat_coverage(work, "site", rx_height_m, radius_km)
        after = os.times()
        walls.append(wall)
        cpus.append(
            after.children_user
            + after.children_system
            - before.children_user
            - before.children_system
        )
    return statistics.median(walls), statistics.median(cpus), process


def main() -> None:
    """Run the benchmark and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=2000, help="grid pixels per side")
    parser.add_argument("--pixel", type=float, default=25.0, help="pixel size (m)")
    parser.add_argument("--sites", type=int, default=50)
    parser.add_argument("--no-splat", action="store_true")
    args = parser.parse_args()

    grid = Grid(Affine(args.pixel, 0, X0, 0, -args.pixel, Y0), (args.size, args.size), CRS)
    terrain = synthetic_terrain(args.size, args.pixel)
    sites = synthetic_sites(args.size, args.pixel, args.sites)
    params = CoverageParameters(max_range_m=5000.0, diffraction="deygout", profile_step_m=50.0)
    print(
        f"grid {args.size}x{args.size} @ {args.pixel:g} m, {len(sites)} sites x 3 cells, "
        f"range {params.max_range_m:g} m, profile step {params.profile_step_m:g} m, "
        f"ray spacing {args.pixel:g} m, {params.diffraction}"
    )

    model = CoverageModel(grid, sites, params, terrain)
    cold, cold_cpu, result = timed(model.compute)
    print(f"cold computation, all sites:            {cold:8.3f} s wall, {cold_cpu:.3f} s CPU")

    counter = PeopleCounter(synthetic_population(args.size, args.pixel), grid)
    baseline = counter.count(model.level)

    target = sites[len(sites) // 2]
    moved = target.moved(target.x + 700.0, target.y - 400.0)

    def one_site():
        profiles = radial_profiles(
            terrain,
            moved.x,
            moved.y,
            moved.height_m,
            params.ue_height_m,
            params.max_range_m,
            params.profile_step_m,
            args.pixel,
            params.diffraction,
        )
        codes = {c.cell_id: i for i, c in enumerate(moved.cells)}
        return compute_site_cells(moved, grid, params, codes, model.ground_m, profiles)

    one, one_cpu, _ = timed(one_site, repeat=5)
    print(
        f"one site's 3 cells with terrain:        {one:8.3f} s wall, {one_cpu:.3f} s CPU "
        "(target < 1 s)"
    )

    windows = model.update_site(moved)

    def recombine_and_count():
        model.recombine(windows)
        return counter.count(model.level)

    recount, recount_cpu, summary = timed(recombine_and_count, repeat=7)
    print(
        f"recombination + people after a change:  {recount * 1000:8.1f} ms wall, "
        f"{recount_cpu * 1000:.1f} ms CPU (target < 100 ms; windows {windows})"
    )
    diff = summary.difference(baseline)["persons"]
    print("  persons gained per level:", {k: round(v) for k, v in diff.items()})
    update, _, _ = timed(lambda: model.update_site(target), repeat=1)
    print(f"update_site total (move back, cells+recombine): {update:6.3f} s")
    print(f"  warnings: {result.warnings[:3]}")

    if args.no_splat:
        return
    with tempfile.TemporaryDirectory(prefix="twin_splat_") as tmp:
        work = Path(tmp)
        start = time.perf_counter()
        tiles = export_sdf(terrain, CRS, work, hd=True)
        print(
            f"SDF export (HD, {len(tiles)} tiles): {time.perf_counter() - start:.1f} s "
            f"({', '.join(p.name for p in tiles)})"
        )
        write_qth(work / "site.qth", "site", moved.x, moved.y, CRS, moved.height_m)
        write_lrp(work / "site.lrp", moved.cells[0].band_mhz)
        radius_km = params.max_range_m / 1000.0
        seconds, splat_cpu, process = timed_splat(work, radius_km, params.ue_height_m)
        if process.returncode != 0:
            print("SPLAT! failed:", process.returncode, process.stderr[-500:])
            return
        ppm = work / "site_map.ppm"
        computed = [line for line in process.stdout.splitlines() if "Computing" in line]
        print(
            f"SPLAT! HD one site (ITWOM -L, R=5 km):   {seconds:8.3f} s wall, {splat_cpu:.3f} s "
            f"CPU, median of 3 (map {ppm.stat().st_size:,} bytes; {computed[:1]})"
        )
        overhead, overhead_cpu, _ = timed_splat(work, 0.05, params.ue_height_m)
        print(
            f"SPLAT! HD same run with R=0.05 km (SDF loading, map writing): {overhead:.3f} s "
            f"wall, {overhead_cpu:.3f} s CPU"
        )
        print(f"ratio SPLAT!/twin, CPU time (one site):  {splat_cpu / one_cpu:8.1f} x")
        print(
            "ratio (SPLAT! minus its R=0.05 km run)/twin, CPU: "
            f"{(splat_cpu - overhead_cpu) / one_cpu:8.1f} x"
        )
        print(f"ratio SPLAT!/twin, wall time (one site): {seconds / one:8.1f} x")


if __name__ == "__main__":
    main()
