"""Checks readers apply to what they read: people columns and coordinates, Qt-free.

- :func:`check_people_columns`: population, households, persons and inhabitants must be
  numbers (or missing) of 0 or more; a negative or non-numeric value is refused (a negative
  population once reported "-1 091 000 persons").
- :func:`check_coordinates` (vector layers) and :func:`check_bounds` (a raster's extent):
  coordinates must be finite and in range for their CRS (longitude/latitude limits; a
  projected coordinate must be a point on Earth).

Both raise :class:`~twin.errors.DataError` with one line naming the file, the column or
coordinate, the value and the allowed range.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from twin.errors import DataError
from twin.i18n import tr
from twin.layers.privacy import people_columns

if TYPE_CHECKING:
    import pandas as pd
    from pyproj import CRS

MAX_PROJECTED_M = 1e8
"""No projected coordinate on Earth exceeds this (m): the equator is about 4e7 m long."""

PEOPLE_UNITS = {"population": "persons", "persons": "persons", "inhabitants": "persons"}


def check_people_columns(frame: pd.DataFrame, where: str) -> None:
    """DataError when a people column of ``frame`` holds a negative, infinite or non-numeric
    value (missing values are allowed and count as 0)."""
    import pandas as pd

    for column in people_columns(frame.columns):
        series = frame[column]
        numbers = pd.to_numeric(series, errors="coerce")
        bad_type = numbers.isna() & series.notna()
        unit = PEOPLE_UNITS.get(str(column).lower(), "households")
        allowed = f"(allowed: numbers of 0 or more {unit})"
        if bad_type.any():
            index = int(np.flatnonzero(bad_type.to_numpy())[0])
            raise DataError(
                tr(
                    "{where}: column '{column}' has {series!r} at feature {index}, not "
                    "a number {allowed}"
                ).format(
                    where=where,
                    column=column,
                    series=series.iloc[index],
                    index=index + 1,
                    allowed=allowed,
                )
            )
        values = numbers.to_numpy(dtype=float)
        bad = ~np.isnan(values) & ~((values >= 0) & np.isfinite(values))
        if bad.any():
            index = int(np.flatnonzero(bad)[0])
            raise DataError(
                tr("{where}: column '{column}' has {values:g} at feature {index} {allowed}").format(
                    where=where,
                    column=column,
                    values=values[index],
                    index=index + 1,
                    allowed=allowed,
                )
            )


def check_coordinates(frame, crs: CRS | None, where: str) -> None:
    """DataError when the geometries of ``frame`` (a GeoDataFrame in ``crs``) have
    non-finite coordinates, or coordinates out of range for the CRS: beyond longitude
    -180 to 180 and latitude -90 to 90 degrees for a geographic CRS; for a projected CRS,
    beyond :data:`MAX_PROJECTED_M` or where the projection has no inverse (no point on
    Earth)."""
    if crs is None or not len(frame):
        return
    check_bounds(frame.total_bounds, crs, where)


def check_bounds(bounds, crs: CRS | str | None, where: str, margin: float = 0.0) -> None:
    """DataError when ``bounds`` (xmin, ymin, xmax, ymax in ``crs`` units) are not finite or
    out of range for ``crs`` (see :func:`check_coordinates`); ``margin`` (CRS units, e.g.
    one raster pixel) is tolerated beyond the geographic limits, for grids whose pixel
    edges pass -180/180 degrees by half a pixel."""
    from pyproj import CRS, Transformer

    if crs is None:
        return
    crs = CRS.from_user_input(crs)
    bounds = np.asarray(bounds, dtype=float)
    if not np.isfinite(bounds).all():
        raise DataError(
            tr("{where}: some coordinates are not finite numbers (NaN or infinite)").format(
                where=where
            )
        )
    xmin, ymin, xmax, ymax = bounds
    text = f"x {xmin:.6g} to {xmax:.6g}, y {ymin:.6g} to {ymax:.6g}"
    if crs.is_geographic:
        # EPSG axis order may be lat/lon, but GeoPandas keeps x = longitude
        if xmin < -180 - margin or xmax > 180 + margin or ymin < -90 - margin or ymax > 90 + margin:
            raise DataError(
                tr(
                    "{where}: coordinates {text} are out of range for {crs_name} "
                    "(allowed: longitude x -180 to 180, latitude y -90 to 90 degrees)"
                ).format(where=where, text=text, crs_name=crs.name)
            )
        return
    limit = MAX_PROJECTED_M
    if max(abs(xmin), abs(xmax), abs(ymin), abs(ymax)) > limit:
        raise DataError(
            tr(
                "{where}: coordinates {text} are out of range for {crs_name} (allowed: "
                "-{limit:.0e} to {limit:.0e} m)"
            ).format(where=where, text=text, crs_name=crs.name, limit=limit)
        )
    try:
        to_degrees = Transformer.from_crs(crs, "EPSG:4326", always_xy=True)
        lon, lat = to_degrees.transform(
            [xmin, xmin, xmax, xmax, (xmin + xmax) / 2],
            [ymin, ymax, ymin, ymax, (ymin + ymax) / 2],
            errcheck=False,
        )
    except Exception:  # pyproj cannot build an inverse: nothing more to check
        return
    lon, lat = np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)
    if not (np.isfinite(lon).all() and np.isfinite(lat).all()) or (np.abs(lat) > 90).any():
        raise DataError(
            tr(
                "{where}: coordinates {text} are out of range for {crs_name} (they are "
                "no point on Earth in this projection)"
            ).format(where=where, text=text, crs_name=crs.name)
        )
