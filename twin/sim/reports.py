"""Citizen reports against twin's predictions: where people say it fails, what twin says.

- **Mobile** (:func:`mobile_check`): the predicted coverage level (0 none, 1 limited,
  2 good, 3 very good: :func:`twin.sim.radio.coverage.coverage_level`, Arcep-style classes
  of best RSRP) at each mobile report, and the number of "no signal" reports (keywords of
  :data:`NO_SIGNAL_WORDS`) where twin predicts good or very good coverage: each one is a
  place where the model, or the operators' maps it mirrors, may be wrong.
- **Per commune** (:func:`reports_per_commune`): reports per category and per 1 000
  inhabitants; the rate passes the privacy gate (:func:`twin.layers.privacy.publish`) with
  the commune's households, so a commune under 11 households shows no figure.
- **Transit** (:func:`transit_check`): transit reports within ``radius_m`` (default 300 m,
  a 4-minute walk) of a stop where the PTAL (TfL, 2015) of the nearest rated place is low
  (bands 0, 1a, 1b, 2).
- **Energy** (:func:`energy_check`): energy reports within ``radius_m`` (default 500 m) of a
  line or transformer loaded above its limit (``loading_percent`` > 100 %).
- **Scenarios** (:func:`reports_improved`, :func:`transit_improved`,
  :func:`energy_improved`, :func:`improved_figure`): reports in places a scenario improves,
  a KPI per category; what "improves" means for each is :data:`IMPROVED_METHODS`.

Positions are in project metres. Plain functions on frames and arrays, Qt-free; a
report's position is taken as given (reports are self-declared and often placed at an
address or commune centre, ~100 m at best).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
from affine import Affine

from twin.i18n import tr
from twin.kpi import Figure
from twin.layers.privacy import publish
from twin.layers.reports import plain_text

LEVEL_NAMES = ("no coverage", "limited", "good", "very good")
GOOD_LEVEL = 2
LOW_PTAL_BANDS = ("0", "1a", "1b", "2")
NO_SIGNAL_WORDS = (
    "no signal",
    "no service",
    "no coverage",
    "nosig",
    "pas de reseau",
    "aucun reseau",
    "aucun signal",
    "pas de signal",
    "zone blanche",
    "pas de couverture",
    "aucune couverture",
)


def is_no_signal(*texts: Any) -> bool:
    """True when one of ``texts`` (service code, name, description) says "no signal"."""
    return any(word in plain_text(text) for text in texts for word in NO_SIGNAL_WORDS)


def values_at(array: np.ndarray, transform: Affine, x: np.ndarray, y: np.ndarray, fill=-1):
    """Raster values at points (project metres); ``fill`` outside the raster."""
    cols, rows = ~transform @ (np.asarray(x, float), np.asarray(y, float))
    rows, cols = np.floor(rows).astype(int), np.floor(cols).astype(int)
    inside = (rows >= 0) & (rows < array.shape[0]) & (cols >= 0) & (cols < array.shape[1])
    out = np.full(len(rows), fill, dtype=float)
    out[inside] = array[rows[inside], cols[inside]]
    return out


def _of(reports: gpd.GeoDataFrame, category: str) -> gpd.GeoDataFrame:
    return reports[reports["category"].astype(str) == category]


@dataclass
class MobileCheck:
    """Mobile reports against predicted coverage: ``levels`` per report (report_id ->
    level, -1 outside the coverage grid), ``by_level`` (reports per level name, plus
    "outside"), ``no_signal`` ("no signal" reports), ``no_signal_where_good`` (those where
    twin predicts good or very good coverage) and their report ids."""

    levels: dict[str, int]
    by_level: dict[str, int]
    no_signal: int
    no_signal_where_good: int
    disputed_ids: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        """JSON-ready dict (counts of reports)."""
        return {
            "unit": "reports",
            "by_predicted_level": self.by_level,
            "no_signal_reports": self.no_signal,
            "no_signal_where_twin_predicts_good": self.no_signal_where_good,
        }


def mobile_check(reports: gpd.GeoDataFrame, level: np.ndarray, transform: Affine) -> MobileCheck:
    """Predicted coverage ``level`` (0-3 per pixel, ``transform`` to project metres) at each
    mobile report, and the "no signal" reports where twin predicts good coverage."""
    mobile = _of(reports, "mobile")
    levels = values_at(level, transform, mobile.geometry.x, mobile.geometry.y).astype(int)
    by_level = {name: int((levels == i).sum()) for i, name in enumerate(LEVEL_NAMES)}
    by_level["outside"] = int((levels < 0).sum())
    texts = zip(mobile["service_code"], mobile["service_name"], mobile["description"], strict=True)
    no_signal = np.array([is_no_signal(*t) for t in texts], dtype=bool)
    disputed = no_signal & (levels >= GOOD_LEVEL)
    ids = mobile["report_id"].astype(str).to_numpy()
    return MobileCheck(
        dict(zip(ids, levels.tolist(), strict=True)),
        by_level,
        int(no_signal.sum()),
        int(disputed.sum()),
        ids[disputed].tolist(),
    )


def reports_per_commune(
    reports: gpd.GeoDataFrame,
    communes: gpd.GeoDataFrame,
    households: pd.Series,
    key: str = "insee",
    population: str = "population",
) -> list[dict[str, Any]]:
    """Per commune (``key``): reports per category (counts) and all reports per 1 000
    inhabitants (``population``, persons). ``households`` (commune key -> households)
    is what the privacy gate weighs: a commune under 11 households gets
    ``{"value": null, "masked": true}`` for its counts and rate."""
    joined = gpd.sjoin(reports[["category", "geometry"]], communes[[key, "geometry"]], how="inner")
    counts = joined.groupby([key, "category"]).size().unstack(fill_value=0)
    rows = []
    for _, commune in communes.iterrows():
        code = commune[key]
        held = float(households.get(code, 0.0))
        by_category = counts.loc[code].to_dict() if code in counts.index else {}
        total = float(sum(by_category.values()))
        people = float(commune[population]) if population in communes else float("nan")
        rate = 1000.0 * total / people if people > 0 else None
        row: dict[str, Any] = {key: str(code), "name": str(commune.get("name", ""))}
        for category in ("mobile", "fiber", "transit", "energy", "other"):
            count = float(by_category.get(category, 0))
            row[f"{category}_reports"] = publish(count, held).to_json()
        row["reports"] = publish(total, held).to_json()
        row["reports_per_1000_inhabitants"] = publish(
            None if rate is None else round(rate, 3), held
        ).to_json()
        rows.append(row)
    return rows


def _near(points: gpd.GeoDataFrame, targets: gpd.GeoDataFrame, radius_m: float) -> np.ndarray:
    """Boolean per point: within ``radius_m`` of one of ``targets``."""
    if len(points) == 0 or len(targets) == 0:
        return np.zeros(len(points), dtype=bool)
    left, _right = targets.sindex.query(points.geometry, predicate="dwithin", distance=radius_m)
    near = np.zeros(len(points), dtype=bool)
    near[left] = True
    return near


@dataclass
class ProximityCheck:
    """Reports of one category near weak places: ``reports`` of the category,
    ``near_weak`` among them within the radius of a weak place (low-PTAL stop, overloaded
    line), and their ids."""

    category: str
    reports: int
    near_weak: int
    ids: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        """JSON-ready dict (counts of reports)."""
        return {"unit": "reports", "reports": self.reports, "near_weak_places": self.near_weak}


def transit_check(
    reports: gpd.GeoDataFrame,
    stops: gpd.GeoDataFrame,
    ptal: gpd.GeoDataFrame,
    radius_m: float = 300.0,
    low_bands: tuple[str, ...] = LOW_PTAL_BANDS,
) -> ProximityCheck:
    """Transit reports within ``radius_m`` of a stop whose nearest PTAL place (``ptal``
    frame with a ``ptal`` band column) has a low band."""
    transit = _of(reports, "transit")
    if len(stops) and len(ptal):
        _, nearest = ptal.sindex.nearest(stops.geometry, return_all=False)
        bands = ptal["ptal"].astype(str).to_numpy()[nearest]
        weak = stops[np.isin(bands, low_bands)]
    else:
        weak = stops.iloc[0:0]
    near = _near(transit, weak, radius_m)
    ids = transit["report_id"].astype(str).to_numpy()[near].tolist()
    return ProximityCheck("transit", len(transit), int(near.sum()), ids)


def energy_check(
    reports: gpd.GeoDataFrame,
    elements: gpd.GeoDataFrame,
    radius_m: float = 500.0,
    limit_percent: float = 100.0,
) -> ProximityCheck:
    """Energy reports within ``radius_m`` of a grid element (lines, transformers: a
    ``loading_percent`` column) loaded above ``limit_percent``."""
    energy = _of(reports, "energy")
    loading = pd.to_numeric(elements.get("loading_percent"), errors="coerce")
    weak = elements[(loading > limit_percent).fillna(False).to_numpy()]
    near = _near(energy, weak, radius_m)
    ids = energy["report_id"].astype(str).to_numpy()[near].tolist()
    return ProximityCheck("energy", len(energy), int(near.sum()), ids)


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


def improved_figure(count: int, category: str = "mobile") -> Figure:
    """The KPI "reports in areas the scenario improves" (reports; the baseline improves
    nothing by definition, so its value is 0). A count of reports over the whole territory,
    never per place (a small count next to one home could point at its reporter)."""
    return Figure(
        f"reports.{category}_improved",
        tr("{category} reports in areas the scenario improves").format(
            category=tr(category.capitalize())
        ),
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
    if after is not None and before is not None and after.array.shape == before.array.shape:
        count = reports_improved(
            reports, before.array.astype(float), after.array.astype(float), after.transform
        )
        figures.append(improved_figure(count))
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
