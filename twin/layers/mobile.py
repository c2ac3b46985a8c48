"""Mobile sites <-> the ``mobile_cells`` point layer (one row per cell, see SCHEMAS.md)."""

from __future__ import annotations

import math

import geopandas as gpd
import numpy as np
import pandas as pd
from shapely.geometry import Point

from twin.errors import DataError
from twin.i18n import tr
from twin.layers.provenance import Provenance
from twin.layers.radio_sites import Cell, Site
from twin.layers.vector import VectorLayer

REQUIRED_COLUMNS = ("site_id", "cell_id", "height_m", "band_mhz", "azimuth_deg")
# Column -> default when the column is absent or the value is missing.
DEFAULTS = {
    "site_name": "",
    "operator": "",
    "technology": "4G",
    "mechanical_tilt_deg": 0.0,
    "electrical_tilt_deg": 4.0,
    "tx_power_dbm": 46.0,
    "bandwidth_mhz": 20.0,
    "antenna_gain_dbi": 17.0,
    "h_beamwidth_deg": 65.0,
    "v_beamwidth_deg": 10.0,
    "front_to_back_db": 30.0,
    "model": "3gpp-uma",
}
COLUMNS = (
    "site_id",
    "site_name",
    "operator",
    "height_m",
    "cell_id",
    "technology",
    "band_mhz",
    "azimuth_deg",
    "mechanical_tilt_deg",
    "electrical_tilt_deg",
    "tx_power_dbm",
    "bandwidth_mhz",
    "antenna_gain_dbi",
    "h_beamwidth_deg",
    "v_beamwidth_deg",
    "front_to_back_db",
    "model",
)


def _value(row, column):
    value = row.get(column, DEFAULTS.get(column))
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return DEFAULTS.get(column)
    return value


def sites_from_frame(frame: gpd.GeoDataFrame) -> list[Site]:
    """Sites (with their cells, in row order) from a mobile_cells GeoDataFrame (points,
    project CRS). Raises DataError on missing columns or bad values."""
    missing = [c for c in REQUIRED_COLUMNS if c not in frame.columns]
    if missing:
        raise DataError(
            tr("mobile_cells layer lacks column(s) {missing}").format(missing=", ".join(missing))
        )
    sites: dict[str, dict] = {}
    for index, row in frame.iterrows():
        geometry = row.geometry
        if geometry is None or geometry.is_empty or geometry.geom_type != "Point":
            raise DataError(
                tr("mobile_cells row {index}: the geometry is not a point").format(index=index)
            )
        site_id = str(row["site_id"])
        try:
            cell = Cell(
                cell_id=str(row["cell_id"]),
                azimuth_deg=float(row["azimuth_deg"]),
                band_mhz=float(row["band_mhz"]),
                technology=str(_value(row, "technology")),
                mechanical_tilt_deg=float(_value(row, "mechanical_tilt_deg")),
                electrical_tilt_deg=float(_value(row, "electrical_tilt_deg")),
                tx_power_dbm=float(_value(row, "tx_power_dbm")),
                bandwidth_mhz=float(_value(row, "bandwidth_mhz")),
                rs_power_dbm=(
                    float(row["rs_power_dbm"])
                    if "rs_power_dbm" in frame.columns and pd.notna(row["rs_power_dbm"])
                    else None
                ),
                antenna_gain_dbi=float(_value(row, "antenna_gain_dbi")),
                h_beamwidth_deg=float(_value(row, "h_beamwidth_deg")),
                v_beamwidth_deg=float(_value(row, "v_beamwidth_deg")),
                front_to_back_db=float(_value(row, "front_to_back_db")),
                model=str(_value(row, "model")),
            )
        except (TypeError, ValueError) as error:
            raise DataError(
                tr("mobile_cells row {index} (cell {cell_id}): {error}").format(
                    index=index, cell_id=row["cell_id"], error=error
                )
            ) from error
        entry = sites.setdefault(
            site_id,
            {
                "x": float(geometry.x),
                "y": float(geometry.y),
                "height_m": float(row["height_m"]),
                "name": str(_value(row, "site_name")),
                "operator": str(_value(row, "operator")),
                "cells": [],
            },
        )
        entry["cells"].append(cell)
    return [
        Site(site_id, e["x"], e["y"], e["height_m"], tuple(e["cells"]), e["name"], e["operator"])
        for site_id, e in sites.items()
    ]


def read_sites(layer: VectorLayer) -> list[Site]:
    """Sites from a ``mobile_cells`` VectorLayer."""
    return sites_from_frame(layer.frame)


def sites_to_frame(sites: list[Site], crs="EPSG:2154") -> gpd.GeoDataFrame:
    """One row per cell, columns of SCHEMAS.md (plus rs_power_dbm when a cell sets it)."""
    rows = []
    for site in sites:
        for cell in site.cells:
            rows.append(
                {
                    "site_id": site.site_id,
                    "site_name": site.name,
                    "operator": site.operator,
                    "height_m": site.height_m,
                    "cell_id": cell.cell_id,
                    "technology": cell.technology,
                    "band_mhz": round(cell.band_mhz),
                    "azimuth_deg": cell.azimuth_deg,
                    "mechanical_tilt_deg": cell.mechanical_tilt_deg,
                    "electrical_tilt_deg": cell.electrical_tilt_deg,
                    "tx_power_dbm": (
                        cell.tx_power_dbm if cell.tx_power_dbm is not None else np.nan
                    ),
                    "bandwidth_mhz": cell.bandwidth_mhz,
                    "antenna_gain_dbi": cell.antenna_gain_dbi,
                    "h_beamwidth_deg": cell.h_beamwidth_deg,
                    "v_beamwidth_deg": cell.v_beamwidth_deg,
                    "front_to_back_db": cell.front_to_back_db,
                    "model": cell.model,
                    "rs_power_dbm": (
                        cell.rs_power_dbm if cell.rs_power_dbm is not None else np.nan
                    ),
                    "geometry": Point(site.x, site.y),
                }
            )
    frame = (
        gpd.GeoDataFrame(rows, geometry="geometry", crs=crs)
        if rows
        else gpd.GeoDataFrame({c: [] for c in COLUMNS}, geometry=[], crs=crs)
    )
    if rows and frame["rs_power_dbm"].isna().all():
        frame = frame.drop(columns="rs_power_dbm")
    return frame


def sites_to_layer(
    sites: list[Site],
    name: str = "mobile_cells",
    crs="EPSG:2154",
    provenance: Provenance | None = None,
) -> VectorLayer:
    """A ``mobile_cells`` VectorLayer of ``sites``."""
    return VectorLayer(name, sites_to_frame(sites, crs), provenance=provenance, crs=crs)
