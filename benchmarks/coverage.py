"""Benchmark of the mobile coverage engine (prints figures; no assertions).

Grid 2000 x 2000 pixels of 25 m (50 km x 50 km, Lambert-93 near Rennes) over a synthetic
DEM, 50 three-sector sites (3GPP UMa NLOS, 800/1800/2600 MHz), range 5 km, Deygout terrain
diffraction, 200,000 population points in 40 zones. Measures:

1. cold computation of all sites (terrain profiles + cells + combination),
2. one site's cells with terrain (the site moved: new profiles, new cells),
3. recombination + people per level after that change (the incremental path),
4. SPLAT! HD (ITWOM/Longley-Rice path-loss map, ``-L``) for the same site, radius and
   terrain exported to SDF, and the ratio SPLAT! / twin for one site, three ways:

   - headline: SPLAT!'s whole run (a process: start, read its SDF tiles, compute, write
     its PPM map) against twin's in-process propagation of the site (2.);
   - propagation alone: SPLAT!'s fixed costs removed by subtracting a run of the same
     command with a 0.05 km radius (process start, reading the same SDF tiles, writing
     its map: SPLAT! HD writes a map of the whole area it loaded either way; both sizes
     are printed), against twin's in-process propagation (2.);
   - whole process: command to result file on both sides, each a fresh process. SPLAT!:
     ``splat-hd`` as above (SDF read, map write). twin: a Python process that imports
     twin, reads the DEM GeoTIFF (the whole 50 km DEM, as ``twin coverage`` reads the
     project's terrain), computes the site's three cells and their combination on the
     10 km x 10 km window of its range (the area of SPLAT!'s map) and writes the four
     GeoTIFFs ``twin coverage`` writes (best RSRP, best server, SINR, level).

SPLAT! computes one transmitter's path loss; twin three sector cells (RSRP with antenna
patterns) sharing one set of terrain profiles. CPU times count the child processes.

Run: ``python benchmarks/coverage.py`` (``--size 1000`` for a quicker run, ``--no-splat``,
``--load`` for one CPU-bound process beside it).
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

# This script is named coverage.py: drop its folder from the import path so that numba's
# optional "import coverage" (coverage.py, the test tool) does not find this file instead.
_HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _HERE]
_spec = importlib.util.spec_from_file_location("twin_bench_load", _HERE / "background_load.py")
background_load = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(background_load)

import numpy as np  # noqa: E402
from affine import Affine  # noqa: E402
from scipy.ndimage import gaussian_filter  # noqa: E402

from twin.layers.io_raster import write_array_geotiff  # noqa: E402
from twin.sim.radio import CoverageModel, CoverageParameters, Grid, Terrain, three_sector_site  # noqa: E402
from twin.sim.radio.coverage import compute_site_cells  # noqa: E402
from twin.sim.radio.population import PeopleCounter, PopulationPoints  # noqa: E402
from twin.sim.radio.splat import export_sdf, run_splat_coverage, write_lrp, write_qth  # noqa: E402
from twin.sim.radio.terrain import radial_profiles  # noqa: E402

CRS = "EPSG:2154"
X0, Y0 = 330_000.0, 6_810_000.0  # top-left corner (m), east of Rennes

# twin's side of the whole-process comparison, run as ``python -c`` in a fresh process:
# argv = DEM.tif OUT_DIR x y height_m band_mhz first_azimuth_deg range_m
TWIN_ONE_SITE_PROCESS = """
import math, sys
from pathlib import Path
from affine import Affine
from twin.layers.io import read_layer
from twin.sim.radio import CoverageModel, CoverageParameters, Grid, Terrain, three_sector_site
from twin.sim.radio.layers import write_geotiffs
dem, out = sys.argv[1], Path(sys.argv[2])
x, y, height, band, azimuth, radius = (float(v) for v in sys.argv[3:9])
layer = read_layer(dem)
terrain = Terrain.from_layer(layer)
pixel = terrain.transform.a
x0 = terrain.transform.c + math.floor((x - radius - terrain.transform.c) / pixel) * pixel
y0 = terrain.transform.f - math.floor((terrain.transform.f - y - radius) / pixel) * pixel
side = int(math.ceil(2 * radius / pixel)) + 1
grid = Grid(Affine(pixel, 0, x0, 0, -pixel, y0), (side, side), layer.crs)
site = three_sector_site("S", x, y, height, band_mhz=band, operator="A", first_azimuth_deg=azimuth)
params = CoverageParameters(max_range_m=radius, diffraction="deygout", profile_step_m=50.0)
result = CoverageModel(grid, [site], params, terrain).compute()
write_geotiffs(result, out)
"""


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


def timed_twin_process(dem: Path, out: Path, site, radius_m: float, repeat: int = 3):
    """(median wall s, median CPU s of the child) of twin's one-site process, DEM file to
    GeoTIFFs on disk."""
    root = Path(__file__).resolve().parent.parent
    env = dict(os.environ, PYTHONPATH=str(root))
    args = [sys.executable, "-c", TWIN_ONE_SITE_PROCESS, str(dem), str(out)]
    args += [f"{v}" for v in (site.x, site.y, site.height_m, site.cells[0].band_mhz)]
    args += [f"{site.cells[0].azimuth_deg}", f"{radius_m}"]
    walls, cpus = [], []
    for _ in range(repeat):
        before = os.times()
        start = time.perf_counter()
        done = subprocess.run(args, capture_output=True, text=True, env=env, cwd=root)
        walls.append(time.perf_counter() - start)
        after = os.times()
        if done.returncode != 0 or not (out / "level.tif").exists():
            raise RuntimeError(f"twin's one-site process failed: {done.stderr[-500:]}")
        cpus.append(
            after.children_user
            + after.children_system
            - before.children_user
            - before.children_system
        )
    return statistics.median(walls), statistics.median(cpus)


def main() -> None:
    """Run the benchmark and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=2000, help="grid pixels per side")
    parser.add_argument("--pixel", type=float, default=25.0, help="pixel size (m)")
    parser.add_argument("--sites", type=int, default=50)
    parser.add_argument("--no-splat", action="store_true")
    parser.add_argument("--load", action="store_true", help="one CPU-bound process beside it")
    args = parser.parse_args()
    print(background_load.machine_line(args.load))
    with background_load.cpu_load(args.load):
        run(args)


def run(args: argparse.Namespace) -> None:
    """The measurements (see the module docstring)."""
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
        try:
            seconds, splat_cpu, process = timed_splat(work, radius_km, params.ue_height_m)
        except FileNotFoundError as error:
            print(f"SPLAT! comparison skipped: {error}")
            return
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
            f"SPLAT! HD same run with R=0.05 km (start, SDF loading, map writing): {overhead:.3f}"
            f" s wall, {overhead_cpu:.3f} s CPU (map {ppm.stat().st_size:,} bytes)"
        )

        dem = work / "dem.tif"
        write_array_geotiff(terrain.heights, terrain.transform, CRS, None, dem)
        whole, whole_cpu = timed_twin_process(dem, work / "twin_out", moved, params.max_range_m)
        print(
            f"twin one-site process (DEM GeoTIFF {dem.stat().st_size / 1e6:.0f} MB to 4 GeoTIFFs):"
            f" {whole:8.3f} s wall, {whole_cpu:.3f} s CPU, median of 3"
        )
        propagation, propagation_cpu = seconds - overhead, splat_cpu - overhead_cpu
        rows = [
            ("headline: SPLAT! process / twin propagation", seconds, splat_cpu, one, one_cpu),
            (
                "propagation alone: (SPLAT! R=5 km - R=0.05 km) / twin propagation",
                propagation,
                propagation_cpu,
                one,
                one_cpu,
            ),
            ("whole process: SPLAT! process / twin process", seconds, splat_cpu, whole, whole_cpu),
        ]
        print("\n| ratio SPLAT! / twin, one site | SPLAT! s | twin s | wall | CPU |")
        print("|---|---|---|---|---|")
        for label, s_wall, s_cpu, t_wall, t_cpu in rows:
            print(
                f"| {label} | {s_wall:.3f} / {s_cpu:.3f} | {t_wall:.3f} / {t_cpu:.3f} | "
                f"{s_wall / t_wall:.1f}x | {s_cpu / t_cpu:.1f}x |"
            )
        print("(seconds as wall / CPU; SPLAT! medians of 3, twin's propagation median of 5)")


if __name__ == "__main__":
    main()
