"""Results of a scenario as open data tables, through the privacy gate (Qt-free).

Per commune: persons and premises per 4G+5G coverage level, per PTAL band group and by
fiber eligibility; and the grid's line loading. People are counted from the buildings layer
(``insee``, ``households``, ``population``, ``premises``); in each commune x class table a
cell resting on fewer than 11 households is masked, with secondary suppression
(:func:`twin.layers.privacy.protect_table`) so that no masked cell can be recovered from its
row or column. No per-building people figure is ever written. Used by
``twin export-open-data`` (:mod:`twin.cli.export_open_data`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from twin.layers.privacy import protect_table, without_people_columns
from twin.layers.raster import RasterLayer
from twin.layers.vector import VectorLayer

COVERAGE_CLASSES = ("none", "limited", "good", "very_good")
#: PTAL bands grouped as TfL reports them: low (0-1b), medium (2-3), high (4-6b).
PTAL_GROUPS = {
    "low": ("0", "1a", "1b"),
    "medium": ("2", "3"),
    "high": ("4", "5", "6a", "6b"),
}
FIBER_CLASSES = ("eligible", "not_eligible")


def _buildings(project):
    frame = project.layer("buildings").frame
    for column in ("households", "population", "premises"):
        if column not in frame:
            frame = frame.assign(**{column: 0.0})
    return frame


def _layer(layers, suffix: str):
    for layer in layers:
        if layer.name.endswith(suffix):
            return layer
    return None


def people_by_commune(
    buildings, classes: np.ndarray, names: tuple[str, ...], communes
) -> pd.DataFrame:
    """Per commune (rows of ``communes``: insee, name, geometry) and per class of
    ``names`` (``classes``: one class index per building, -1 = none): ``persons_<class>``
    and ``premises_<class>``, whole numbers, None where masked (fewer than 11 households,
    with secondary suppression)."""
    codes = [str(c) for c in communes["insee"]]
    index = {code: i for i, code in enumerate(codes)}
    row = np.array([index.get(str(c), -1) for c in buildings["insee"]])
    keep = (row >= 0) & (classes >= 0)
    shape = (len(codes), len(names))
    sums = {}
    for column in ("households", "population", "premises"):
        values = np.nan_to_num(buildings[column].to_numpy(dtype=float))
        table = np.zeros(shape)
        np.add.at(table, (row[keep], classes[keep]), values[keep])
        sums[column] = table
    masked = protect_table(sums["households"])
    out = {"insee": codes, "name": [str(n) for n in communes["name"]]}
    for k, name in enumerate(names):
        for column, label in (("population", "persons"), ("premises", "premises")):
            values = np.round(sums[column][:, k])
            out[f"{label}_{name}"] = [
                None if masked[i, k] else int(values[i]) for i in range(len(codes))
            ]
    frame = pd.DataFrame(out)
    for column in frame.columns[2:]:
        frame[column] = frame[column].astype("Int64")
    return frame


def coverage_classes(buildings, level: RasterLayer) -> np.ndarray:
    """The coverage level (0-3) at each building's centroid; 0 outside the raster."""
    from rasterio.transform import rowcol

    points = buildings.geometry.centroid
    rows, cols = rowcol(level.transform, points.x.to_numpy(), points.y.to_numpy())
    rows, cols = np.asarray(rows), np.asarray(cols)
    array = np.asarray(level.array)
    inside = (rows >= 0) & (rows < array.shape[0]) & (cols >= 0) & (cols < array.shape[1])
    classes = np.zeros(len(buildings), dtype=int)
    values = array[rows[inside], cols[inside]].astype(float)
    classes[inside] = np.clip(np.nan_to_num(values), 0, 3).astype(int)
    return classes


def ptal_classes(buildings, ptal: VectorLayer) -> np.ndarray:
    """The PTAL group (0 low, 1 medium, 2 high) of each building; -1 when unknown."""
    group_of = {band: k for k, bands in enumerate(PTAL_GROUPS.values()) for band in bands}
    by_id = dict(zip(ptal.frame["building_id"], ptal.frame["ptal"].astype(str), strict=True))
    return np.array([group_of.get(by_id.get(b, ""), -1) for b in buildings["building_id"]])


def fiber_classes(buildings, passed_layers) -> np.ndarray:
    """0 eligible (or connected, or passed by a plan of the scenario), 1 not eligible."""
    from twin.sim.fiber.kpis import ELIGIBLE_STATUSES

    passed: set = set()
    for layer in passed_layers:
        passed.update(layer.frame["building_id"])
    eligible = buildings["fiber_status"].astype(str).isin(ELIGIBLE_STATUSES).to_numpy()
    eligible |= buildings["building_id"].isin(passed).to_numpy()
    return np.where(eligible, 0, 1)


def result_tables(project, result) -> dict[str, tuple[pd.DataFrame, object]]:
    """The open data tables of a :class:`~twin.sim.whatif.runner.SimulationResult`:
    name -> (table, geometries in the project CRS). Tables a domain did not produce are
    left out."""
    import geopandas as gpd

    buildings = _buildings(project)
    communes = project.layer("communes").frame
    geometry = communes.geometry.reset_index(drop=True)
    tables: dict[str, tuple[pd.DataFrame, object]] = {}
    level = _layer(result.layers, "4G+5G coverage level")
    if isinstance(level, RasterLayer):
        classes = coverage_classes(buildings, level)
        tables["coverage_by_commune"] = (
            people_by_commune(buildings, classes, COVERAGE_CLASSES, communes),
            geometry,
        )
    ptal = _layer(result.layers, ": PTAL")
    if isinstance(ptal, VectorLayer):
        classes = ptal_classes(buildings, ptal)
        names = tuple(f"ptal_{g}" for g in PTAL_GROUPS)
        tables["ptal_by_commune"] = (
            people_by_commune(buildings, classes, names, communes),
            geometry,
        )
    if "fiber" in result.scenario_results and "fiber_status" in buildings:
        passed = [layer for layer in result.layers if layer.name.endswith("premises passed")]
        classes = fiber_classes(buildings, passed)
        tables["fiber_by_commune"] = (
            people_by_commune(buildings, classes, FIBER_CLASSES, communes),
            geometry,
        )
    lines = _layer(result.layers, "Line loading")
    if isinstance(lines, VectorLayer):
        frame = without_people_columns(lines.frame)
        wanted = [
            c
            for c in ("line_id", "name", "vn_kv", "length_km", "loading_percent", "violation")
            if c in frame
        ]
        table = pd.DataFrame(frame[wanted]).reset_index(drop=True)
        tables["line_loading"] = (table, gpd.GeoSeries(frame.geometry).reset_index(drop=True))
    return tables
