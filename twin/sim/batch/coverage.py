"""Coverage of a whole territory by tiles on a Dask cluster, identical to one process.

The coverage grid (:func:`~twin.sim.radio.project_coverage.project_grid`) is cut into
``rows x cols`` tiles of whole pixels. Each tile is a :class:`~twin.sim.radio.coverage.Grid`
of its own (same pixel size, origin moved by whole pixels) and gets the sites whose range
(``CoverageParameters.max_range_m``, the halo) reaches it, in the project's order, with the
cell codes they have in the whole run. A worker runs the same engine
(:class:`~twin.sim.radio.model.CoverageModel`) on the tile: every pixel's value depends only
on its position (pixel centres, the DEM sampled there, the site's radial profiles, which do
not depend on the grid) and on the cells reaching it, folded in code order, so a tile's
pixels equal the same pixels of the single-process run, bit for bit. The worker also counts
the people of the tile (persons, premises and households per level and per zone); the
driver sums these partial counts and applies the privacy gate once, on the totals, as
``twin coverage`` does.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
from affine import Affine

from twin.feedback import Feedback, ensure_feedback
from twin.i18n import tr
from twin.layers.radio_sites import Site
from twin.sim.batch.tiles import Window, cell_codes, reaching_sites, split_grid, tile_grid
from twin.sim.radio.coverage import CoverageParameters, Grid
from twin.sim.radio.model import CoverageResult
from twin.sim.radio.population import PeopleSummary, PopulationPoints
from twin.sim.radio.terrain import RadialProfiles, Terrain


@dataclass
class TilePeople:
    """The population points of one tile: their pixel (row, col) inside the tile, zone
    index, persons, premises and households (None when the layer has none)."""

    rows: np.ndarray
    cols: np.ndarray
    zone_index: np.ndarray
    persons: np.ndarray
    premises: np.ndarray
    households: np.ndarray | None
    n_zones: int


@dataclass
class TileJob:
    """What a worker needs for one tile: its window in the whole grid and its own grid,
    the sites reaching it (project order) with their cells' codes in the whole run, the
    engine parameters and the tile's people. ``trace_memory`` measures the tile's peak
    Python allocations with tracemalloc (slower: for benchmarks)."""

    index: int
    window: Window
    grid: Grid
    sites: list[Site]
    codes: list[int]
    params: CoverageParameters
    people: TilePeople | None
    trace_memory: bool = False


@dataclass
class TileResult:
    """One tile's rasters (best RSRP dBm, best-server code of the whole run, SINR dB,
    level 0-3), the codes of its live cells, per-site warnings and partial people counts
    ((zones, 4) arrays of persons, premises and households per level), with the level
    of each of its people points, the tile's seconds, its traced peak (bytes, 0 when not
    traced) and the worker process's peak resident memory (bytes, ru_maxrss)."""

    index: int
    window: Window
    best_rsrp: np.ndarray
    best_server: np.ndarray
    sinr: np.ndarray
    level: np.ndarray
    live_codes: list[int]
    warnings: dict[str, list[str]]
    zone_persons: np.ndarray | None = None
    zone_premises: np.ndarray | None = None
    zone_households: np.ndarray | None = None
    point_levels: np.ndarray | None = None
    seconds: float = 0.0
    peak_bytes: int = 0
    process_peak_bytes: int = 0


def compute_tile(
    job: TileJob, terrain: Terrain | None, profiles: list[RadialProfiles] | None = None
) -> TileResult:
    """Run the coverage engine on one tile (on a Dask worker, or here). ``profiles``: the
    terrain profiles of ``job.sites`` (one each, computed once for all the tiles a site
    reaches by :func:`~twin.sim.radio.coverage.site_profiles`); None computes them here."""
    import resource
    import time
    import tracemalloc

    from twin.sim.radio.model import CoverageModel

    started = time.perf_counter()
    tracing = job.trace_memory and not tracemalloc.is_tracing()
    if tracing:
        tracemalloc.start()
    model = CoverageModel(job.grid, job.sites, job.params, terrain)
    if terrain is not None and profiles is not None:
        for site, site_profiles in zip(job.sites, profiles, strict=True):
            model.set_profiles(site, site_profiles)
    result = model.compute()
    # the model numbers the tile's cells 0, 1, ... in the same order as the whole run
    lookup = np.asarray(job.codes, dtype=np.int32)
    served = result.best_server >= 0
    best_server = np.where(served, lookup[np.where(served, result.best_server, 0)], -1)
    warnings = {
        site.site_id: [m for cell in model.cell_rasters(site.site_id) for m in cell.warnings]
        for site in job.sites
    }
    out = TileResult(
        job.index,
        job.window,
        result.best_rsrp,
        best_server.astype(np.int32),
        result.sinr,
        result.level,
        sorted(int(lookup[code]) for code in result.cell_ids),
        {k: v for k, v in warnings.items() if v},
    )
    if job.people is not None:
        people = job.people
        levels = result.level[people.rows, people.cols].astype(np.int64)
        key = people.zone_index * 4 + levels
        size = people.n_zones * 4
        out.zone_persons = np.bincount(key, people.persons, size).reshape(-1, 4)
        out.zone_premises = np.bincount(key, people.premises, size).reshape(-1, 4)
        if people.households is not None:
            out.zone_households = np.bincount(key, people.households, size).reshape(-1, 4)
        out.point_levels = levels.astype(np.uint8)
    out.seconds = time.perf_counter() - started
    if tracing:
        out.peak_bytes = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    out.process_peak_bytes = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    return out


def warm_up_engine() -> None:
    """Run the terrain kernel once on a tiny DEM (loads numba's compiled code), so that a
    worker's first tile does not pay for it."""
    from twin.sim.radio.terrain import radial_profiles

    terrain = Terrain(np.zeros((4, 4), np.float32), Affine(50.0, 0, 0, 0, -50.0, 200.0))
    radial_profiles(terrain, 100.0, 100.0, 30.0, 1.5, 100.0, 50.0)


def shared_profiles(
    terrain: Terrain, site: Site, params: CoverageParameters, pixel_m: float
) -> RadialProfiles:
    """Dask task: ``site``'s terrain profiles with the diffraction loss of each of its
    bands, computed once for every tile the site reaches."""
    from twin.sim.radio.coverage import site_profiles

    profiles = site_profiles(terrain, site, params, pixel_m)
    for band in sorted({cell.band_mhz for cell in site.cells}):
        profiles.diffraction_loss(band)
    return profiles


@dataclass
class BatchCoverage:
    """A stitched batch coverage: the result as one process would give it, the people
    summary (totals of the tiles' partial counts) and per-tile figures (seconds, traced
    peak and worker process peak memory in bytes)."""

    result: CoverageResult
    people: PeopleSummary | None
    tiles: list[Window]
    tile_seconds: list[float] = field(default_factory=list)
    tile_peak_bytes: list[int] = field(default_factory=list)
    process_peak_bytes: list[int] = field(default_factory=list)


def tile_jobs(
    grid: Grid,
    sites: list[Site],
    params: CoverageParameters,
    tiles: int,
    points: PopulationPoints | None,
    trace_memory: bool = False,
) -> tuple[list[TileJob], dict[str, Any]]:
    """The jobs of a ``tiles``-tile run, and what the driver keeps to stitch them (codes,
    the people points outside the grid)."""
    codes = cell_codes(sites)
    windows = split_grid(grid.shape, tiles)
    keep: dict[str, Any] = {"codes": codes, "windows": windows}
    located = None
    if points is not None:
        flat, inside = points.pixel_index(grid)
        rows, cols = np.divmod(flat, grid.shape[1])
        located = (rows, cols, inside)
        keep["outside"] = ~inside
    jobs = []
    for index, window in enumerate(windows):
        sub = tile_grid(grid, window)
        subset = reaching_sites(sub, sites, params.max_range_m)
        job_codes = [codes[(s.site_id, c.cell_id)] for s in subset for c in s.cells]
        people = None
        if located is not None:
            rows, cols, inside = located
            r0, r1, c0, c1 = window
            mine = np.flatnonzero(inside & (rows >= r0) & (rows < r1) & (cols >= c0) & (cols < c1))
            people = TilePeople(
                rows[mine] - r0,
                cols[mine] - c0,
                points.zone_index[mine],
                points.persons[mine],
                points.premises[mine],
                None if points.households is None else points.households[mine],
                len(points.zone_names),
            )
            keep.setdefault("members", []).append(mine)
        jobs.append(TileJob(index, window, sub, subset, job_codes, params, people, trace_memory))
    return jobs, keep


def stitch(
    grid: Grid,
    sites: list[Site],
    params: CoverageParameters,
    terrain: bool,
    results: list[TileResult],
    keep: dict[str, Any],
    points: PopulationPoints | None,
) -> BatchCoverage:
    """Assemble the tiles' rasters and sum their people counts (privacy gate not applied
    here: :meth:`PeopleSummary.to_dict` applies it once on the totals)."""
    results = sorted(results, key=lambda r: r.index)
    best_rsrp = np.full(grid.shape, np.nan, np.float32)
    best_server = np.full(grid.shape, -1, np.int32)
    sinr = np.full(grid.shape, np.nan, np.float32)
    level = np.zeros(grid.shape, np.uint8)
    live: set[int] = set()
    messages: dict[str, dict[str, None]] = {}
    for tile in results:
        r0, r1, c0, c1 = tile.window
        best_rsrp[r0:r1, c0:c1] = tile.best_rsrp
        best_server[r0:r1, c0:c1] = tile.best_server
        sinr[r0:r1, c0:c1] = tile.sinr
        level[r0:r1, c0:c1] = tile.level
        live.update(tile.live_codes)
        for site_id, lines in tile.warnings.items():
            for line in lines:
                messages.setdefault(site_id, {})[line] = None
    names = {code: cell_id for (_site, cell_id), code in keep["codes"].items()}
    seen: dict[str, None] = {}
    for site in sites:
        for line in messages.get(site.site_id, {}):
            seen.setdefault(line.split(": ", 1)[1], None)
    parameters = params.to_dict()
    parameters["terrain"] = terrain
    parameters["sites"] = len({s.site_id for s in sites})
    parameters["cells"] = len(live)
    parameters["models"] = sorted({cell.model for s in sites for cell in s.cells})
    result = CoverageResult(
        grid,
        best_rsrp,
        best_server,
        sinr,
        level,
        {code: names[code] for code in sorted(live)},
        parameters,
        list(seen),
    )
    people = _summed_people(results, keep, points) if points is not None else None
    return BatchCoverage(
        result,
        people,
        list(keep["windows"]),
        [t.seconds for t in results],
        [t.peak_bytes for t in results],
        [t.process_peak_bytes for t in results],
    )


def _summed_people(
    results: list[TileResult], keep: dict[str, Any], points: PopulationPoints
) -> PeopleSummary:
    """Totals of the tiles' partial counts; points outside the grid count in level 0."""
    n_zones = len(points.zone_names)
    outside = keep["outside"]
    zone_persons = np.zeros((n_zones, 4))
    zone_premises = np.zeros((n_zones, 4))
    with_households = points.households is not None
    zone_level_households = np.zeros((n_zones, 4)) if with_households else None
    point_levels = np.zeros(len(points.x), np.int64)
    for tile, members in zip(results, keep["members"], strict=True):
        zone_persons += tile.zone_persons
        zone_premises += tile.zone_premises
        if with_households:
            zone_level_households += tile.zone_households
        point_levels[members] = tile.point_levels
    # points outside the grid: level 0, counted here (no tile holds them)
    zone_persons[:, 0] += np.bincount(points.zone_index[outside], points.persons[outside], n_zones)
    zone_premises[:, 0] += np.bincount(
        points.zone_index[outside], points.premises[outside], n_zones
    )
    if with_households:
        zone_level_households[:, 0] += np.bincount(
            points.zone_index[outside], points.households[outside], n_zones
        )
    return PeopleSummary(
        zone_persons.sum(axis=0),
        zone_premises.sum(axis=0),
        points.zone_names,
        zone_persons,
        zone_premises,
        int(outside.sum()),
        np.bincount(points.zone_index, points.households, n_zones) if with_households else None,
        households=zone_level_households.sum(axis=0) if with_households else None,
        zone_level_households=zone_level_households,
        point_levels=point_levels,
        point_households=points.households,
    )


def batch_coverage(
    client,
    grid: Grid,
    sites: list[Site],
    params: CoverageParameters,
    terrain: Terrain | None,
    points: PopulationPoints | None,
    tiles: int,
    feedback: Feedback | None = None,
    trace_memory: bool = False,
) -> BatchCoverage:
    """Coverage of ``sites`` on ``grid`` computed as ``tiles`` tiles on the Dask cluster of
    ``client`` (a ``distributed.Client``), stitched; equal to one process's
    :class:`~twin.sim.radio.model.CoverageModel` result. ``trace_memory``: measure each
    tile's peak allocations (tracemalloc; slower)."""
    from distributed import as_completed

    feedback = ensure_feedback(feedback)
    jobs, keep = tile_jobs(grid, sites, params, tiles, points, trace_memory)
    terrain_future = None
    profiles: dict[str, Any] = {}
    if terrain is not None:
        # each site's terrain profiles once, as a task of its own, for all its tiles
        terrain_future = client.scatter(terrain, broadcast=True)
        for site in reaching_sites(grid, sites, params.max_range_m):
            profiles[site.site_id] = client.submit(
                shared_profiles, terrain_future, site, params, grid.pixel_m, pure=False
            )
    futures = [
        client.submit(
            compute_tile,
            job,
            terrain_future,
            [profiles[s.site_id] for s in job.sites] if profiles else None,
            pure=False,
        )
        for job in jobs
    ]
    results = []
    try:
        for done, future in enumerate(as_completed(futures), start=1):
            results.append(future.result())
            feedback.set_progress(100.0 * done / len(jobs), tr("coverage tiles"))
    except BaseException:
        client.cancel(futures + list(profiles.values()))
        raise
    return stitch(grid, sites, params, terrain is not None, results, keep, points)
