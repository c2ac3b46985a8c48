"""Citizen reports in places a scenario improves: a KPI per category ("reports in areas
the scenario improves"), its baseline 0 by definition.

What "improves" means (:data:`IMPROVED_METHODS`, carried into each figure's lineage):

- **mobile**: the report's 4G+5G coverage pixel has a higher predicted level (Arcep
  classes of best RSRP) in the scenario than in the baseline;
- **transit**: the report is within :data:`TRANSIT_RADIUS_M` of a place whose PTAL
  accessibility index (TfL, 2015) is higher in the scenario;
- **energy**: the report is within :data:`ENERGY_RADIUS_M` of a grid line, transformer or
  bus that violates a limit in the baseline (loading, EN 50160 voltage band) and none in
  the scenario.

Each is a count of reports over the whole territory, never per place. Positions are in
project metres; Qt-free.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from affine import Affine

from twin.i18n import N_, tr
from twin.kpi import Figure
from twin.sim.reports import _near, _of, values_at


def reports_improved(
    reports: gpd.GeoDataFrame,
    before: np.ndarray,
    after: np.ndarray,
    transform: Affine,
    category: str = "mobile",
) -> int:
    """Reports of ``category`` at places where ``after`` > ``before`` (two rasters on the
    same grid where higher is better: coverage level, PTAL accessibility index)."""
    chosen = _of(reports, category)
    x, y = chosen.geometry.x, chosen.geometry.y
    old = values_at(before, transform, x, y, fill=np.nan)
    new = values_at(after, transform, x, y, fill=np.nan)
    return int(np.nansum(new > old))


#: Walk from a report to a place whose PTAL rose (m): the radius of :func:`transit_check`.
TRANSIT_RADIUS_M = 300.0
#: From a report to a grid element brought back within limits (m): that of
#: :func:`energy_check` (a low-voltage feeder serves a few hundred metres around).
ENERGY_RADIUS_M = 500.0
#: Grid element id columns of the energy engine's result layers (lines, transformers, buses).
GRID_ID_COLUMNS = ("line_id", "trafo_id", "bus_id")

#: What "reports in areas the scenario improves" counts, per category (English; the
#: figure's lineage carries it as its model).
IMPROVED_METHODS = {
    "mobile": "mobile reports on a 4G+5G coverage pixel whose predicted coverage level "
    "(none, limited, good, very good: Arcep classes of best RSRP) is higher in the scenario "
    "than in the baseline",
    "transit": "transit reports within {radius:.0f} m of a place (building or population "
    "cell) whose PTAL accessibility index is higher in the scenario than in the baseline "
    "(TfL PTAL, weekday morning peak)",
    "energy": "energy reports within {radius:.0f} m of a grid line, transformer or bus that "
    "violates a limit in the baseline (loading above 100 % of its rating, voltage outside "
    "the EN 50160 LV band 0.90-1.10 pu or the MV planning band 0.95-1.05 pu, worst over the "
    "design cases) and is within every limit in the scenario",
}


def improved_method(category: str) -> str:
    """How "reports in areas the scenario improves" is counted for ``category`` (English)."""
    radius = {"transit": TRANSIT_RADIUS_M, "energy": ENERGY_RADIUS_M}.get(category, 0.0)
    return IMPROVED_METHODS[category].format(radius=radius)


def transit_improved(
    reports: gpd.GeoDataFrame,
    before: gpd.GeoDataFrame,
    after: gpd.GeoDataFrame,
    radius_m: float = TRANSIT_RADIUS_M,
) -> int:
    """Transit reports within ``radius_m`` of a place whose PTAL accessibility index
    (column ``ai``) is higher in ``after`` than in ``before``: the transit engine's PTAL
    frames of the scenario and the baseline, one row per place in the same order.

    Vectorised (it runs on the UI thread when the scenario's results are cached): no
    spatial index of the places is built, their box centres are binned in a grid
    (:func:`points_near`); see ``benchmarks/reports_improved.py`` for its cost at 100 000
    places."""
    if len(before) != len(after) or "ai" not in before or "ai" not in after:
        return 0
    old = pd.to_numeric(before["ai"], errors="coerce").to_numpy(dtype=float)
    new = pd.to_numeric(after["ai"], errors="coerce").to_numpy(dtype=float)
    raised = np.nan_to_num(new, nan=-np.inf) > np.nan_to_num(old, nan=np.inf)
    chosen = _of(reports, "transit")
    if len(chosen) == 0 or not raised.any():
        return 0
    points = np.asarray(chosen.geometry.values)
    places = np.asarray(after.geometry.values)[raised]
    return int(points_near(points, places, radius_m).sum())


def points_near(points: np.ndarray, targets: np.ndarray, radius_m: float) -> np.ndarray:
    """Boolean per point (shapely points, project metres): within ``radius_m`` of one of
    ``targets`` (shapely geometries), the same answer as a spatial index's ``dwithin``.

    Many small targets (buildings, cells) and few points, without building a spatial index:
    the targets' box centres are binned in square cells of ``radius + h`` (``h`` the
    largest half box diagonal), so the targets a point can reach lie in its cell and the 8
    around it. A target lies within its own half diagonal ``h_t`` of its centre: a centre
    at ``d <= radius - h_t`` is near for sure, one beyond ``radius + h_t`` is not; only the
    pairs in between are checked exactly (``shapely.dwithin``, vectorised)."""
    near = np.zeros(len(points), dtype=bool)
    placed = np.flatnonzero(~shapely.is_missing(points) & ~shapely.is_empty(points))
    bounds = shapely.bounds(targets)  # NaN for a missing or empty target
    kept = np.isfinite(bounds).all(axis=1)
    if len(placed) == 0 or not kept.any():
        return near
    points, targets, bounds = points[placed], targets[kept], bounds[kept]
    px, py = shapely.get_x(points), shapely.get_y(points)
    cx, cy = (bounds[:, 0] + bounds[:, 2]) / 2.0, (bounds[:, 1] + bounds[:, 3]) / 2.0
    half = np.hypot(bounds[:, 2] - bounds[:, 0], bounds[:, 3] - bounds[:, 1]) / 2.0
    cell = radius_m + float(half.max())
    x0, y0 = min(cx.min(), px.min()), min(cy.min(), py.min())

    def cells(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return ((x - x0) // cell).astype(np.int64) + 1, ((y - y0) // cell).astype(np.int64) + 1

    tx, ty = cells(cx, cy)
    rx, ry = cells(px, py)
    width = int(max(tx.max(), rx.max())) + 2  # a margin column: neighbours never wrap
    keys = ty * width + tx
    order = np.argsort(keys)
    sorted_keys = keys[order]
    around = np.array([dy * width + dx for dy in (-1, 0, 1) for dx in (-1, 0, 1)])
    wanted = ((ry * width + rx)[:, None] + around[None, :]).ravel()
    start = np.searchsorted(sorted_keys, wanted, "left")
    counts = np.searchsorted(sorted_keys, wanted, "right") - start
    total = int(counts.sum())
    if total == 0:
        return near
    # every (point, target in a neighbouring cell) pair, without a Python loop
    owner = np.repeat(np.repeat(np.arange(len(points)), len(around)), counts)
    offsets = np.repeat(start - (np.cumsum(counts) - counts), counts)
    target = order[offsets + np.arange(total)]
    distance = np.hypot(px[owner] - cx[target], py[owner] - cy[target])
    found = np.zeros(len(points), dtype=bool)
    found[owner[distance <= radius_m - half[target]]] = True
    check = ~found[owner] & (distance <= radius_m + half[target])
    if check.any():
        pairs_owner, pairs_target = owner[check], target[check]
        hit = shapely.dwithin(points[pairs_owner], targets[pairs_target], radius_m)
        found[pairs_owner[hit]] = True
    near[placed] = found
    return near


def _violating(frame: gpd.GeoDataFrame, key: str) -> set:
    flags = frame["violation"].astype(bool).to_numpy()
    return set(frame[key].to_numpy()[flags].tolist())


def elements_back_within_limits(
    before: list[gpd.GeoDataFrame], after: list[gpd.GeoDataFrame]
) -> gpd.GeoDataFrame | None:
    """The grid elements of the scenario that violate a limit in the baseline and none in
    the scenario. ``before[i]`` and ``after[i]`` are the baseline's and the scenario's frame
    of one element kind (the energy engine's result layers: lines, transformers, buses),
    with an id column (:data:`GRID_ID_COLUMNS`) and a boolean ``violation`` column; rows
    are matched by id. None without such frames."""
    found = []
    for old, new in zip(before, after, strict=True):
        key = next((c for c in GRID_ID_COLUMNS if c in new.columns and c in old.columns), None)
        if key is None or "violation" not in new.columns or "violation" not in old.columns:
            continue
        fixed = _violating(old, key) - _violating(new, key)
        found.append(new[new[key].isin(fixed).to_numpy()][["geometry"]])
    if not found:
        return None
    return gpd.GeoDataFrame(pd.concat(found, ignore_index=True), geometry="geometry")


def energy_improved(
    reports: gpd.GeoDataFrame,
    before: list[gpd.GeoDataFrame],
    after: list[gpd.GeoDataFrame],
    radius_m: float = ENERGY_RADIUS_M,
) -> int:
    """Energy reports within ``radius_m`` of a grid element the scenario brings back within
    limits (:func:`elements_back_within_limits`)."""
    fixed = elements_back_within_limits(before, after)
    if fixed is None:
        return 0
    return int(_near(_of(reports, "energy"), fixed, radius_m).sum())


#: The figure's label per category (English msgids, translated when the figure is made).
IMPROVED_LABELS = {
    "mobile": N_("Mobile reports in areas the scenario improves"),
    "transit": N_("Transit reports in areas the scenario improves"),
    "energy": N_("Energy reports in areas the scenario improves"),
}


def improved_figure(count: int, category: str = "mobile") -> Figure:
    """The KPI "reports in areas the scenario improves" (reports; the baseline improves
    nothing by definition, so its value is 0). A count of reports over the whole territory,
    never per place (a small count next to one home could point at its reporter)."""
    return Figure(
        f"reports.{category}_improved",
        tr(IMPROVED_LABELS[category])
        if category in IMPROVED_LABELS
        else tr("{category} reports in areas the scenario improves").format(category=category),
        float(count),
        "reports",
        "reports",
        baseline=0.0,
        better="up",
    )


def _base(name: str) -> str:
    """A result layer's name without its ``"<scenario>: "`` prefix."""
    return name.rsplit(": ", 1)[-1]


def _vector_frames(layers, column: str) -> dict[str, gpd.GeoDataFrame]:
    """Frames of the vector ``layers`` with ``column``, by name without scenario prefix."""
    from twin.layers.vector import VectorLayer

    return {
        _base(item.name): item.frame
        for item in layers
        if isinstance(item, VectorLayer) and column in item.frame.columns
    }


#: The energy engine's result layers that carry each element kind's ``violation`` flag.
ENERGY_LAYERS = ("Line loading", "Transformer loading", "Bus voltage (lowest)")


def mobile_report_figures(
    project, before: np.ndarray, after: np.ndarray, transform: Affine
) -> list[Figure]:
    """The mobile figure of :func:`scenario_report_figures` from the baseline's and the
    scenario's 4G+5G coverage level grids (0-3, same grid, ``transform`` to project
    metres): what the KPI dock's live radio engine gives. Empty without reports or when
    the grids differ."""
    from twin.layers.reports import reports_layer

    layer = reports_layer(project)
    if layer is None or len(layer.frame) == 0 or np.shape(before) != np.shape(after):
        return []
    count = reports_improved(
        layer.frame, np.asarray(before, float), np.asarray(after, float), transform
    )
    return [improved_figure(count)]


def scenario_report_figures(project, scenario_layers, baseline_layers) -> list[Figure]:
    """KPIs of a simulation for the project's citizen reports, one per category whose
    engine ran (result layers of both sides present): mobile reports where the 4G+5G
    coverage level rises (layers ``"<name>: 4G+5G coverage level"``), transit reports near
    places whose PTAL rises (``"<name>: PTAL"``), energy reports near grid elements
    brought back within limits (``"<name>: Line loading"``, ``Transformer loading``, ``Bus
    voltage (lowest)``). Empty without reports."""
    from twin.layers.raster import RasterLayer
    from twin.layers.reports import reports_layer

    layer = reports_layer(project)
    if layer is None or len(layer.frame) == 0:
        return []
    reports = layer.frame
    figures = []

    def level(layers):
        for item in layers:
            if isinstance(item, RasterLayer) and item.name.endswith(": 4G+5G coverage level"):
                return item
        return None

    after, before = level(scenario_layers), level(baseline_layers)
    if after is not None and before is not None:
        figures += mobile_report_figures(project, before.array, after.array, after.transform)
    new_ptal = _vector_frames(scenario_layers, "ai")
    old_ptal = _vector_frames(baseline_layers, "ai")
    if "PTAL" in new_ptal and "PTAL" in old_ptal:
        count = transit_improved(reports, old_ptal["PTAL"], new_ptal["PTAL"])
        figures.append(improved_figure(count, "transit"))
    new_grid = _vector_frames(scenario_layers, "violation")
    old_grid = _vector_frames(baseline_layers, "violation")
    names = [name for name in ENERGY_LAYERS if name in new_grid and name in old_grid]
    if names:
        count = energy_improved(reports, [old_grid[n] for n in names], [new_grid[n] for n in names])
        figures.append(improved_figure(count, "energy"))
    return figures
