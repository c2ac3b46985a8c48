"""Heat map of citizen reports: where reports concentrate, for a time window and category.

The heat map is a kernel density estimate: reports counted on a 100 m grid, smoothed with
a Gaussian kernel of standard deviation ``bandwidth_m`` (default 250 m), in reports per
km². Its grid covers every report of the layer (padded by three bandwidths and aligned on
100 m), whatever the filter, so that changing the time window changes the values and not
the grid. Densities under 2 % of the peak are left empty (nodata 0) so the map shows
where reports are, not a faint veil over the territory. A 100 m grid is also the
precision exported maps may show (:data:`twin.layers.reports.EXPORT_GRID_M`). Qt-free.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np
from affine import Affine

from twin.layers.provenance import Provenance
from twin.layers.raster import RasterLayer
from twin.layers.reports import CATEGORIES, EXPORT_GRID_M, reports_layer
from twin.layers.style import Style

if TYPE_CHECKING:
    import geopandas as gpd
    import pandas as pd

HEAT_LAYER_ID = "citizen_reports_heat"
HEAT_LAYER_NAME = "Citizen reports heat map"
BANDWIDTH_M = 250.0
EMPTY_FRACTION = 0.02


def report_days(frame: gpd.GeoDataFrame) -> pd.Series:
    """The reports' days as ``YYYY-MM-DD`` text (empty when unknown): the first ten
    characters of the stored ISO UTC dates, compared as text (no date parsing)."""
    return frame["date"].fillna("").astype(str).str.slice(0, 10)


def date_span(frame: gpd.GeoDataFrame) -> tuple[pd.Timestamp, pd.Timestamp] | None:
    """First and last report days (UTC), None when no report has a date."""
    import pandas as pd

    days = report_days(frame)
    days = days[days != ""]
    if days.empty:
        return None
    return pd.Timestamp(days.min(), tz="UTC"), pd.Timestamp(days.max(), tz="UTC")


def _day_text(day) -> str:
    import pandas as pd

    return pd.Timestamp(day).strftime("%Y-%m-%d")


def filter_reports(
    frame: gpd.GeoDataFrame,
    start: pd.Timestamp | None = None,
    end: pd.Timestamp | None = None,
    category: str | None = None,
) -> gpd.GeoDataFrame:
    """Reports from day ``start`` to day ``end`` (both included, UTC) of ``category``
    (None: all). Reports without a date are kept only when no window is given."""
    keep = np.ones(len(frame), dtype=bool)
    if start is not None or end is not None:
        days = report_days(frame)
        keep &= (days != "").to_numpy()
        if start is not None:
            keep &= (days >= _day_text(start)).to_numpy()
        if end is not None:
            keep &= (days <= _day_text(end)).to_numpy()
    if category is not None:
        if category not in CATEGORIES:
            raise ValueError(f"unknown category {category!r}")
        keep &= (frame["category"].astype(str) == category).to_numpy()
    return frame[keep]


def heat_grid(
    frame: gpd.GeoDataFrame, cell_m: float = EXPORT_GRID_M, bandwidth_m: float = BANDWIDTH_M
) -> tuple[Affine, tuple[int, int]]:
    """The heat map grid of a reports frame: transform and (rows, cols)."""
    pad = 3.0 * bandwidth_m
    if len(frame) == 0:
        xmin = ymin = 0.0
        xmax = ymax = cell_m
    else:
        xmin, ymin, xmax, ymax = frame.total_bounds
    x0 = math.floor((xmin - pad) / cell_m) * cell_m
    y1 = math.ceil((ymax + pad) / cell_m) * cell_m
    cols = max(1, math.ceil((xmax + pad - x0) / cell_m))
    rows = max(1, math.ceil((y1 - (ymin - pad)) / cell_m))
    return Affine(cell_m, 0.0, x0, 0.0, -cell_m, y1), (rows, cols)


def _smooth(values: np.ndarray, sigma_cells: float, axis: int) -> np.ndarray:
    """``values`` convolved along ``axis`` with a normalised Gaussian of standard deviation
    ``sigma_cells`` (truncated at 3 sigma; what leaves the grid is lost): one shifted,
    weighted add per kernel tap, no Python loop over cells."""
    radius = max(1, math.ceil(3 * sigma_cells))
    offsets = np.arange(-radius, radius + 1)
    weights = np.exp(-0.5 * (offsets / max(sigma_cells, 1e-9)) ** 2)
    weights /= weights.sum()
    moved = np.moveaxis(values, axis, 0)
    out = np.zeros_like(moved)
    size = moved.shape[0]
    for offset, weight in zip(offsets, weights, strict=True):
        if abs(offset) >= size:
            continue
        if offset >= 0:
            out[offset:] += weight * moved[: size - offset]
        else:
            out[:offset] += weight * moved[-offset:]
    return np.moveaxis(out, 0, axis)


def heat_values(
    frame: gpd.GeoDataFrame,
    transform: Affine,
    shape: tuple[int, int],
    bandwidth_m: float = BANDWIDTH_M,
) -> np.ndarray:
    """Kernel density of the reports of ``frame`` on the grid (reports per km², float32)."""
    rows, cols = shape
    counts = np.zeros(shape, dtype=float)
    if len(frame):
        c, r = ~transform @ (frame.geometry.x.to_numpy(), frame.geometry.y.to_numpy())
        r, c = np.floor(r).astype(int), np.floor(c).astype(int)
        inside = (r >= 0) & (r < rows) & (c >= 0) & (c < cols)
        np.add.at(counts, (r[inside], c[inside]), 1.0)
    sigma = bandwidth_m / abs(transform.a)
    smooth = _smooth(_smooth(counts, sigma, 0), sigma, 1)
    cell_km2 = abs(transform.a * transform.e) / 1e6
    return (smooth / cell_km2).astype(np.float32)


def heat_style(peak: float) -> Style:
    """A sequential colour ramp from 0 to ``peak`` reports per km²."""
    return Style(
        kind="raster",
        colormap="magma",
        value_min=0.0,
        value_max=max(float(peak), 1e-6),
        unit="reports/km²",
    )


def update_heat_layer(
    project,
    start: pd.Timestamp | None = None,
    end: pd.Timestamp | None = None,
    category: str | None = None,
    bandwidth_m: float = BANDWIDTH_M,
) -> RasterLayer | None:
    """Create or refresh the project's heat map layer for a time window and category; the
    colour ramp is scaled on all reports so windows compare. None without reports."""
    import pandas as pd

    layer = reports_layer(project)
    if layer is None:
        return None
    frame = layer.frame
    transform, shape = heat_grid(frame, bandwidth_m=bandwidth_m)
    peak = float(heat_values(frame, transform, shape, bandwidth_m).max())
    values = heat_values(filter_reports(frame, start, end, category), transform, shape, bandwidth_m)
    values[values < EMPTY_FRACTION * peak] = 0.0
    parameters = {
        "kind": "citizen-reports-heat",
        "bandwidth_m": bandwidth_m,
        "start": None if start is None else pd.Timestamp(start).strftime("%Y-%m-%d"),
        "end": None if end is None else pd.Timestamp(end).strftime("%Y-%m-%d"),
        "category": category,
    }
    existing = next((item for item in project.layers if item.id == HEAT_LAYER_ID), None)
    if isinstance(existing, RasterLayer) and existing.array.shape == shape:
        existing.transform = transform
        existing.provenance = existing.provenance.with_changes(parameters=parameters)
        existing.set_array(values)
        return existing
    if existing is not None:
        project.remove_layer(existing)
    heat = RasterLayer(
        HEAT_LAYER_NAME,
        values,
        transform,
        project.crs,
        nodata=0.0,
        style=heat_style(peak),
        provenance=Provenance(
            source="engine:reports-heat-map",
            method=(
                f"Gaussian kernel density of citizen reports on a {EXPORT_GRID_M:.0f} m grid, "
                f"bandwidth {bandwidth_m:.0f} m, reports per km²"
            ),
            parameters=parameters,
        ),
        unit="reports/km²",
        layer_id=HEAT_LAYER_ID,
    )
    index = project.layers.index(layer) + 1
    project.add_layer(heat, index=index)
    return heat
