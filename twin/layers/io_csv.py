"""CSV reader: a table of points with longitude/latitude or x/y columns.

Coordinate columns are found by name, in any case:
- ``lon``/``long``/``longitude``/``lng`` with ``lat``/``latitude``: WGS84 degrees (EPSG:4326);
- ``x``/``easting`` with ``y``/``northing``: projected coordinates in ``source_crs`` if
  given, else in the project CRS (``crs``); the CRS used is recorded in the provenance
  parameters (``source_crs``). With neither, reading x/y raises :class:`DataError`.
The separator (``,`` ``;`` tab ``|``) is detected from the header; with ``;`` or tab, a
decimal comma in the coordinates (``48,1113``) is accepted.
"""

from __future__ import annotations

import csv
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
from pyproj import CRS

from twin.errors import DataError
from twin.feedback import Feedback
from twin.i18n import tr
from twin.layers.io_common import build_provenance, default_style, same_crs
from twin.layers.io_vector import EmptyLayerError, reproject_frame
from twin.layers.validate import check_coordinates, check_people_columns
from twin.layers.vector import VectorLayer

LONGITUDE_NAMES = ("lon", "long", "longitude", "lng")
LATITUDE_NAMES = ("lat", "latitude")
X_NAMES = ("x", "easting")
Y_NAMES = ("y", "northing")
_SEPARATORS = (",", ";", "\t", "|")
WGS84 = CRS.from_epsg(4326)


def read_csv_points(
    path: Path,
    name: str,
    feedback: Feedback,
    target_crs: CRS | None,
    source_crs: CRS | None = None,
) -> VectorLayer:
    """Read a CSV of points into a :class:`VectorLayer` in ``target_crs``."""
    table, separator = _read_table(path)
    feedback.set_progress(50, f"Read {len(table)} rows from {path.name}")
    columns = {str(c).strip().lower(): c for c in table.columns}
    pair = _find_pair(columns, LONGITUDE_NAMES, LATITUDE_NAMES)
    if pair is not None:
        file_crs = WGS84
    else:
        pair = _find_pair(columns, X_NAMES, Y_NAMES)
        if pair is None:
            found = ", ".join(str(c) for c in table.columns) or "none"
            raise DataError(
                tr(
                    "{path_name} has no coordinate columns: expected lon/lat (or "
                    "longitude/latitude, lng) in WGS84 or x/y (or easting/northing); "
                    "found: {found}"
                ).format(path_name=path.name, found=found)
            )
        file_crs = source_crs or target_crs
        if file_crs is None:
            raise DataError(
                tr(
                    "{path_name} has x/y columns but their coordinate reference system "
                    "is unknown; pass crs= (the project CRS) or source_crs='EPSG:...'"
                ).format(path_name=path.name)
            )
    x_column, y_column = pair
    xs = _numbers(table[x_column], path, x_column, separator)
    ys = _numbers(table[y_column], path, y_column, separator)
    present = np.isfinite(xs) & np.isfinite(ys)
    dropped_empty = int((~present).sum())
    if file_crs is WGS84:
        outside = present & ((np.abs(xs) > 180) | (np.abs(ys) > 90))
        if outside.any():
            row = int(np.flatnonzero(outside)[0])
            raise DataError(
                tr(
                    "{path_name}: {x_column}/{y_column} on line {row} ({xs}, {ys}) is "
                    "not a longitude/latitude; if these are projected metres, name the "
                    "columns x and y"
                ).format(
                    path_name=path.name,
                    x_column=x_column,
                    y_column=y_column,
                    row=row + 2,
                    xs=xs[row],
                    ys=ys[row],
                )
            )
    attributes = table.loc[present].drop(columns=[x_column, y_column]).reset_index(drop=True)
    geometry = gpd.points_from_xy(xs[present], ys[present], crs=file_crs)
    frame = gpd.GeoDataFrame(attributes, geometry=geometry, crs=file_crs)
    if len(frame) == 0:
        raise EmptyLayerError(
            tr("{path_name} has no rows with coordinates").format(path_name=path.name)
        )
    check_people_columns(frame, path.name)
    check_coordinates(frame, file_crs, path.name)
    if target_crs is not None and not same_crs(file_crs, target_crs):
        frame = reproject_frame(frame, target_crs, path.name)
    feedback.set_progress(90, f"Reprojected {path.name}")
    provenance = build_provenance(
        path,
        "CSV",
        file_crs,
        target_crs,
        None,
        "csv",
        dropped_empty=dropped_empty,
        reader="pandas",
        extra={"coordinate_columns": [str(x_column), str(y_column)]},
    )
    return VectorLayer(name, frame, provenance=provenance, style=default_style("point"))


def _read_table(path: Path) -> tuple[pd.DataFrame, str]:
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            with open(path, encoding=encoding, newline="") as handle:
                header = handle.readline()
            separator = max(_SEPARATORS, key=header.count) if header.strip() else ","
            table = pd.read_csv(path, sep=separator, encoding=encoding, skipinitialspace=True)
            return table, separator
        except UnicodeDecodeError:
            continue
        except pd.errors.EmptyDataError as error:
            raise EmptyLayerError(
                tr("{path_name} is empty: it has no rows").format(path_name=path.name)
            ) from error
        except (pd.errors.ParserError, csv.Error) as error:
            raise DataError(
                tr("{path_name} is not a readable CSV table ({error})").format(
                    path_name=path.name, error=str(error).strip()[:120]
                )
            ) from error
    raise DataError(
        tr("{path_name}: text is neither UTF-8 nor Windows-1252").format(path_name=path.name)
    )


def _find_pair(
    columns: dict[str, object], first_names: tuple[str, ...], second_names: tuple[str, ...]
) -> tuple[object, object] | None:
    first = next((columns[n] for n in first_names if n in columns), None)
    second = next((columns[n] for n in second_names if n in columns), None)
    if first is None or second is None:
        return None
    return first, second


def _numbers(series: pd.Series, path: Path, column: object, separator: str) -> np.ndarray:
    """Coordinates as floats (NaN where empty); DataError on text that is not a number."""
    if pd.api.types.is_numeric_dtype(series):
        return series.to_numpy(dtype=float)
    text = series.astype("string").str.strip()
    if separator != ",":
        text = text.str.replace(",", ".", regex=False)
    values = pd.to_numeric(text, errors="coerce")
    unreadable = values.isna() & text.notna() & (text != "")
    if unreadable.any():
        rows = np.flatnonzero(unreadable.to_numpy())[:3]
        examples = ", ".join(f"line {r + 2}: {series.iloc[r]!r}" for r in rows)
        raise DataError(
            tr(
                "{path_name}: column {column} holds values that are not numbers "
                "({count} rows; {examples})"
            ).format(
                path_name=path.name, column=column, count=int(unreadable.sum()), examples=examples
            )
        )
    return values.to_numpy(dtype=float, na_value=np.nan)
