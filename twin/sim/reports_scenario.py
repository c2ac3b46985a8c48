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
    frames of the scenario and the baseline, one row per place in the same order."""
    if len(before) != len(after) or "ai" not in before or "ai" not in after:
        return 0
    old = pd.to_numeric(before["ai"], errors="coerce").to_numpy(dtype=float)
    new = pd.to_numeric(after["ai"], errors="coerce").to_numpy(dtype=float)
    raised = after[np.nan_to_num(new, nan=-np.inf) > np.nan_to_num(old, nan=np.inf)]
    return int(_near(_of(reports, "transit"), raised, radius_m).sum())


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
