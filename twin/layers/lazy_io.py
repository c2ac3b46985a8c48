"""The reads behind a lazy GeoPackage layer (:mod:`twin.layers.lazy`): features in a box
(pyogrio with Arrow, answered through the R-tree), a few columns of every feature, and the
R-tree queries that find the largest and the long features without reading geometry.
Qt-free. Units: the layer's CRS (project metres).
"""

from __future__ import annotations

import contextlib
import sqlite3
import warnings
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import shapely

if TYPE_CHECKING:
    import pandas as pd


BBox = tuple[float, float, float, float]

_KIND_OF_GDAL_TYPE = {
    "polygon": "polygon",
    "multipolygon": "polygon",
    "linestring": "line",
    "multilinestring": "line",
    "point": "point",
    "multipoint": "point",
}


def geometry_kind_of_gdal_type(geometry_type: str | None) -> str:
    """ "polygon", "line" or "point" for a GDAL geometry type name ("MultiPolygon Z", ...)."""
    if not geometry_type:
        return "polygon"
    key = str(geometry_type).lower().replace(" z", "").replace(" m", "").replace("25d", "")
    return _KIND_OF_GDAL_TYPE.get(key.strip(), "polygon")


def read_geometry_in_bbox(
    source: str | Path, layer: str | None, bbox: BBox
) -> tuple[np.ndarray, np.ndarray]:
    """(fids, shapely geometries) of the features of ``layer`` that intersect ``bbox``
    (minx, miny, maxx, maxy in the layer's CRS), read through the GeoPackage R-tree with
    Arrow; attribute columns are not read."""
    import pyogrio

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        _meta, table = pyogrio.read_arrow(
            str(source), layer=layer, columns=[], bbox=tuple(bbox), return_fids=True
        )
    geometry_name = table.column_names[-1]
    wkb = table.column(geometry_name).to_numpy(zero_copy_only=False)
    geometries = shapely.from_wkb(wkb, on_invalid="ignore")
    fid_name = table.column_names[0]
    fids = np.asarray(table.column(fid_name).to_numpy(zero_copy_only=False), dtype=np.int64)
    return fids, geometries


def read_features_in_bbox(
    source: str | Path, layer: str | None, bbox: BBox, columns: list[str]
) -> tuple[np.ndarray, np.ndarray, pd.DataFrame]:
    """(fids, shapely geometries, the ``columns`` of those features) of the features of
    ``layer`` meeting ``bbox``, as :func:`read_geometry_in_bbox` but with a few attribute
    columns (e.g. the one a style colours by); the others are not read."""
    import pyogrio

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        _meta, table = pyogrio.read_arrow(
            str(source), layer=layer, columns=list(columns), bbox=tuple(bbox), return_fids=True
        )
    return _decoded(table, columns)


def _decoded(table, columns) -> tuple[np.ndarray, np.ndarray, pd.DataFrame]:
    """(fids, shapely geometries, ``columns``) of an Arrow table read with
    ``return_fids=True`` (fid first, geometry last)."""
    names = table.column_names
    wkb = table.column(names[-1]).to_numpy(zero_copy_only=False)
    geometries = shapely.from_wkb(wkb, on_invalid="ignore")
    fids = np.asarray(table.column(names[0]).to_numpy(zero_copy_only=False), dtype=np.int64)
    values = table.select([name for name in names[1:-1] if name in columns]).to_pandas()
    return fids, geometries, values


def read_columns(
    source: str | Path, layer: str | None, columns: list[str], fids: np.ndarray | None = None
) -> pd.DataFrame:
    """``columns`` of every feature of ``layer`` (of the features ``fids`` only, if given;
    no geometry), indexed by feature id: the one-off read behind class breaks of a big
    layer, or the classes of its overview (run it in a worker: a pass over the file)."""
    import pandas as pd
    import pyogrio

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        _meta, table = pyogrio.read_arrow(
            str(source),
            layer=layer,
            columns=list(columns),
            read_geometry=False,
            return_fids=True,
            fids=None if fids is None else np.asarray(fids, dtype=np.int64),
        )
    names = table.column_names
    fids = np.asarray(table.column(names[0]).to_numpy(zero_copy_only=False), dtype=np.int64)
    values = table.select([name for name in names[1:] if name in columns]).to_pandas()
    return values.set_axis(pd.Index(fids, name="fid"))


def _half_size_of_bounds(bounds: np.ndarray) -> float:
    """Half the largest side of the boxes ``bounds`` (rows minx, miny, maxx, maxy)."""
    if not len(bounds):
        return 0.0
    sides = np.fmax(bounds[:, 2] - bounds[:, 0], bounds[:, 3] - bounds[:, 1])
    return float(np.nanmax(sides, initial=0.0)) / 2


def _rtree_query(source: str | Path, table: str | None, query: str, parameters=()):
    """Rows of ``query`` (its R-tree table written ``{rtree}``) on the R-tree of ``table``
    in GeoPackage ``source`` (read only), or None if the file has none for it."""
    try:
        with contextlib.closing(
            sqlite3.connect(f"file:{Path(source).as_posix()}?mode=ro", uri=True)
        ) as connection:
            rows = connection.execute(
                "SELECT table_name, column_name FROM gpkg_geometry_columns"
            ).fetchall()
            rows = [r for r in rows if table is None or r[0] == table]
            if len(rows) != 1:
                return None
            name = f"rtree_{rows[0][0]}_{rows[0][1]}".replace('"', '""')
            return connection.execute(query.format(rtree=f'"{name}"'), parameters).fetchall()
    except sqlite3.Error:
        return None


def rtree_half_size(source: str | Path, table: str | None) -> float | None:
    """Half the largest side of the feature boxes of ``table`` in GeoPackage ``source``
    from its R-tree (``SELECT max(maxx - minx), max(maxy - miny)``), or None if the file
    has no R-tree for it (not a GeoPackage, no spatial index)."""
    rows = _rtree_query(source, table, "SELECT max(maxx - minx), max(maxy - miny) FROM {rtree}")
    if rows is None:
        return None
    return max((float(v) for v in rows[0] if v is not None), default=0.0) / 2


def rtree_big_fids(
    source: str | Path, table: str | None, bbox: BBox, half_size: float
) -> np.ndarray | None:
    """Feature ids of ``table`` whose R-tree box meets ``bbox`` and is more than
    2 ``half_size`` wide or tall (metres): the few long features of a view, without reading
    the others (None: no R-tree)."""
    minx, miny, maxx, maxy = bbox
    rows = _rtree_query(
        source,
        table,
        "SELECT id FROM {rtree} WHERE minx <= ? AND maxx >= ? AND miny <= ? AND maxy >= ?"
        " AND (maxx - minx > ? OR maxy - miny > ?)",
        (maxx, minx, maxy, miny, 2 * half_size, 2 * half_size),
    )
    return None if rows is None else np.array([r[0] for r in rows], dtype=np.int64)


def count_in_bbox(source: str | Path, table: str | None, bbox: BBox) -> int | None:
    """How many features of ``table`` (the only layer when None) of GeoPackage ``source``
    have an R-tree box meeting ``bbox`` (the index alone is read); None without one."""
    from twin.layers import lazy_gpkg

    try:
        tables = lazy_gpkg.feature_tables(source)
        found = [t for t in tables if table is None or t.name == table]
        if len(found) != 1 or found[0].rtree is None:
            return None
        with contextlib.closing(lazy_gpkg.connect(source)) as connection:
            return lazy_gpkg.count_in_bbox(connection, found[0], bbox)
    except sqlite3.Error:
        return None
