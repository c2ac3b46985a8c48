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
- **Scenarios** (:mod:`twin.sim.reports_scenario`, re-exported here): reports in places a
  scenario improves, a KPI per category.

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
