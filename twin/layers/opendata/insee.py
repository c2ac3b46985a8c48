"""INSEE Filosofi 200 m grid ("données carroyées") -> population_grid, and people spread to
buildings.

Published schema (INSEE, "Revenus, pauvreté et niveau de vie en 2017 - Données carroyées",
Licence Ouverte / Etalab 2.0): https://www.insee.fr/fr/statistiques/6215138 (dictionary of
variables in the documentation). One row per inhabited 200 m cell: ``Idcar_200m`` (INSPIRE
id of the cell, e.g. ``CRS3035RES200mN2889600E3433800``: ETRS89-LAEA EPSG:3035, 200 m,
northing and easting of the lower-left corner), ``Idcar_1km``, ``Idcar_nat``, ``I_est_200``
(1 when the cell's values are imputed from its group, INSEE's secret statistique for cells
under 11 households), ``lcog_geo`` (commune code(s)), ``Ind`` (persons), ``Men``
(households), ``Men_pauv``, ``Log_soc``... CSV (values may carry decimal commas) or the
GeoPackage ``carreaux_200m_met.gpkg`` (polygons).
"""

from __future__ import annotations

import re
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from twin.errors import DataError
from twin.i18n import tr
from twin.layers.opendata.tables import (
    column,
    has_column,
    header_of,
    numbers,
    read_table_file,
    require_columns,
)
from twin.layers.provenance import Provenance
from twin.layers.style import Style
from twin.layers.vector import VectorLayer

DOC_URL = "https://www.insee.fr/fr/statistiques/6215138"
LICENCE = "Licence Ouverte / Etalab 2.0"
ATTRIBUTION = "INSEE, Filosofi 2017, données carroyées à 200 m"
COLUMNS = ("Idcar_200m", "Ind", "Men")
CELL_ID = re.compile(r"^CRS(\d{4,5})RES(\d+)mN(\d+)E(\d+)$")
PERSONS_PER_HOUSEHOLD = 2.2  # INSEE France 2019: 2.19 persons per household (used only
# when there is no grid and people come from the commune population)


def is_insee_grid(path: Path) -> bool:
    """True for a CSV whose header has ``Idcar_200m``."""
    if Path(path).suffix.lower() not in (".csv", ".txt"):
        return False
    with open(path, "rb") as handle:
        return "idcar_200m" in {c.lower() for c in header_of(handle.read(65536))}


def cell_polygons(ids: pd.Series, name: str) -> tuple[np.ndarray, str]:
    """Square polygons of INSPIRE cell ids and their CRS ("EPSG:3035"); DataError on a
    malformed id or mixed CRSs. Vectorised: a national file holds about 2.3 million cells."""
    text = ids.astype(str).str.strip()
    parts = text.str.extract(CELL_ID.pattern)
    bad = parts[0].isna().to_numpy()
    if bad.any():
        row = int(np.flatnonzero(bad)[0])
        raise DataError(
            tr(
                "{name}, line {row}: Idcar_200m {text!r} is not an INSPIRE cell id "
                "(CRS3035RES200mN...E...)"
            ).format(name=name, row=row + 2, text=text.iloc[row])
        )
    codes = sorted(set(parts[0]))
    if len(codes) > 1:
        raise DataError(
            tr("{name}: cells in several CRSs ({codes})").format(name=name, codes=", ".join(codes))
        )
    size, north, east = (parts[k].astype(float).to_numpy() for k in (1, 2, 3))
    polygons = shapely.box(east, north, east + size, north + size)
    return polygons, f"EPSG:{codes[0] if codes else 3035}"


def grid_from_frame(table: pd.DataFrame, name: str, crs, geometry=None, source_crs=None, area=None):
    """The population_grid frame (cell_id, population, households, insee, imputed) of an
    INSEE table; cells from ``geometry`` when given, else from their ids; only the cells
    meeting the box of ``area`` (a polygon in ``crs``) when given."""
    require_columns(table, COLUMNS, name, "INSEE Filosofi 200 m")
    ids = column(table, "Idcar_200m").astype(str).str.strip()
    persons = numbers(column(table, "Ind"), name, "Ind", required=True, low=0)
    households = numbers(column(table, "Men"), name, "Men", required=True, low=0)
    if geometry is None:
        geometry, source_crs = cell_polygons(ids, name)
    insee = (
        column(table, "lcog_geo").astype(str).str.slice(0, 5)
        if has_column(table, "lcog_geo")
        else pd.Series([""] * len(table))
    )
    imputed = (
        numbers(column(table, "I_est_200"), name, "I_est_200") == 1
        if has_column(table, "I_est_200")
        else np.zeros(len(table), dtype=bool)
    )
    keep = np.ones(len(table), dtype=bool)
    if area is not None:
        box = gpd.GeoSeries([shapely.box(*area.bounds)], crs=crs).to_crs(source_crs).iloc[0]
        keep = shapely.intersects(np.asarray(geometry), box)
    frame = gpd.GeoDataFrame(
        {
            "cell_id": ids.to_numpy(),
            "population": persons,
            "households": households,
            "insee": insee.to_numpy(),
            "imputed": imputed.astype(int),
        },
        geometry=geometry,
        crs=source_crs,
    )
    frame = frame[keep].reset_index(drop=True)
    return frame.to_crs(crs) if crs is not None else frame


def grid_layer(frame: gpd.GeoDataFrame, name: str) -> VectorLayer:
    """The ``population_grid`` layer with its provenance (INSEE's own disclosure rule)."""
    provenance = Provenance(
        source=f"INSEE Filosofi 200 m grid: {name} ({DOC_URL})",
        licence=LICENCE,
        attribution=ATTRIBUTION,
        method=(
            "REAL: persons (Ind) and households (Men) per inhabited 200 m cell as published by "
            "INSEE; cells are built from their INSPIRE ids (EPSG:3035 squares) and "
            "reprojected. INSEE already imputes cells under 11 households from their group "
            "(I_est_200 = 1, column 'imputed'); twin's privacy gate still applies to every "
            "figure shown."
        ),
        parameters={
            "dataset": "insee_filosofi",
            "cells": len(frame),
            "imputed_cells": int(frame["imputed"].sum()),
        },
    )
    style = Style(fill_color="#56B4E9", fill_opacity=0.4, stroke_color="#0072B2")
    return VectorLayer(
        "Population grid (INSEE 200 m)",
        frame,
        style,
        provenance,
        visible=False,
        layer_id="population_grid",
    )


def read_insee_grid(path: Path, crs="EPSG:2154", area=None) -> VectorLayer:
    """The ``population_grid`` layer of an INSEE 200 m CSV at ``path`` (only the cells
    meeting the box of ``area``, a polygon in ``crs``, when given)."""
    path = Path(path)
    frame = grid_from_frame(read_table_file(path), path.name, crs, area=area)
    return grid_layer(frame, path.name)


def spread_to_buildings(
    buildings: gpd.GeoDataFrame, grid: gpd.GeoDataFrame
) -> tuple[gpd.GeoDataFrame, dict]:
    """Households and persons of each grid cell shared among the residential buildings
    whose representative point lies in it, in proportion to their dwellings (BD TOPO
    ``dwellings``) or, when unknown, to floor area (footprint m2 x floors of 3 m).

    Returns the buildings with ``households`` and ``population`` (floats) and a report:
    cells without a residential building (their people are not placed).
    """
    buildings = buildings.copy()
    residential = (buildings["usage"] == "residential").to_numpy()
    floors = np.maximum(1.0, np.round(buildings["height_m"].to_numpy(float) / 3.0))
    area_weight = buildings.geometry.area.to_numpy() * floors
    dwellings = buildings["dwellings"].to_numpy(float)
    weight = np.where(dwellings > 0, dwellings * 80.0, area_weight)  # 80 m2 per dwelling
    weight = np.where(residential, weight, 0.0)
    points = gpd.GeoDataFrame(geometry=buildings.geometry.representative_point(), crs=buildings.crs)
    building_index, cell_index = grid.sindex.query(points.geometry, predicate="within")
    cell_of = np.full(len(buildings), -1)
    cell_of[building_index] = cell_index
    placed = cell_of >= 0
    weight = np.where(placed, weight, 0.0)
    totals = np.bincount(cell_of[placed], weights=weight[placed], minlength=len(grid))
    share = np.zeros(len(buildings))
    has_total = placed & (totals[np.maximum(cell_of, 0)] > 0)
    share[has_total] = weight[has_total] / totals[cell_of[has_total]]
    households = grid["households"].to_numpy(float)
    persons = grid["population"].to_numpy(float)
    buildings["households"] = np.round(share * households[np.maximum(cell_of, 0)], 2)
    buildings["population"] = np.round(share * persons[np.maximum(cell_of, 0)], 3)
    empty = totals <= 0
    report = {
        "cells": len(grid),
        "cells_without_residential_building": int(empty.sum()),
        "households_not_placed": float(households[empty].sum()),
        "buildings_with_people": int((buildings["population"] > 0).sum()),
    }
    return buildings, report
