"""Big vector layers read lazily from a GeoPackage: what is in view, through the R-tree.

A :class:`LazyVectorLayer` holds no features when opened: its count, extent, geometry kind
and column names come from the file's metadata. The map reads the features of a box with
:meth:`LazyVectorLayer.read_geometry` (pyogrio ``bbox=`` read with Arrow, which GDAL answers
through the GeoPackage's R-tree), geometry only, and keeps them as flat coordinate arrays.
Attributes load on demand: :meth:`LazyVectorLayer.features_at` (identify) reads the few
features near a point with all their columns, and :attr:`LazyVectorLayer.frame` (style by
field, inspector, engines) reads the whole layer once, explicitly.

Only layers of more than :data:`LAZY_FEATURE_THRESHOLD` features, and layers of more than
:data:`LAZY_MIN_FEATURES` in a GeoPackage of more than the threshold in all, are opened this
way; smaller layers load whole, as before. Qt-free. Units: the layer's CRS (project metres).
"""

from __future__ import annotations

import contextlib
import sqlite3
import threading
import warnings
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import shapely

# the thresholds (features) of opening lazily live beside the lean reader, which applies
# the same rule (twin.cli.render_lean); re-exported here
from twin.layers.lazy_gpkg import LAZY_FEATURE_THRESHOLD, LAZY_MIN_FEATURES
from twin.layers.provenance import Provenance
from twin.layers.style import Style
from twin.layers.vector import VectorLayer

if TYPE_CHECKING:
    import geopandas as gpd
    import pandas as pd
    from pyproj import CRS

__all__ = [
    "LAZY_FEATURE_THRESHOLD",
    "LAZY_MIN_FEATURES",
    "LazyVectorLayer",
    "geometry_kind_of_gdal_type",
    "read_geometry_in_bbox",
]

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


class _Unread:
    """The data of a lazy layer before it is read (identity only)."""


class LazyVectorLayer(VectorLayer):
    """A vector layer backed by one layer of a GeoPackage, read by box on demand.

    ``source``: the file; ``table``: its layer name; ``count``: features; ``extent``:
    (minx, miny, maxx, maxy) in ``crs``; ``kind``: "polygon", "line" or "point";
    ``columns``: attribute names. :attr:`frame` reads the whole layer the first time it is
    asked for (then it is an ordinary layer); the map never asks for it.
    """

    kind = "vector"

    def __init__(
        self,
        name: str,
        source: str | Path,
        table: str | None,
        count: int,
        extent: BBox,
        geometry_kind: str,
        columns: list[str],
        crs: CRS | str | int | None,
        style: Style | None = None,
        provenance: Provenance | None = None,
        dtypes: list[str] | None = None,
        **options,
    ) -> None:
        import geopandas as gpd

        super().__init__(name, gpd.GeoDataFrame(geometry=[]), style, provenance, crs=crs, **options)
        self.source = str(source)
        self.table = table
        self._count = int(count)
        self._extent = tuple(float(v) for v in extent)
        self._lazy_kind = geometry_kind
        self._columns = list(columns)
        self._dtypes = dict(zip(self._columns, dtypes, strict=False)) if dtypes else {}
        self._loaded = False
        self._unread = _Unread()  # weak-referenceable stand-in for the data not yet read
        self._lock = threading.Lock()
        self._half_size: tuple[object, float] | None = None  # (data identity, metres)

    @classmethod
    def open(
        cls, source: str | Path, table: str | None, name: str, crs: CRS | None = None
    ) -> LazyVectorLayer:
        """The lazy layer of ``table`` in GeoPackage ``source`` (metadata only is read)."""
        import pyogrio
        from pyproj import CRS

        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            info = pyogrio.read_info(str(source), layer=table, force_total_bounds=False)
        file_crs = CRS.from_user_input(info["crs"]) if info["crs"] else crs
        extent = info.get("total_bounds")
        if extent is None or not np.all(np.isfinite(extent)):
            extent = pyogrio.read_bounds(str(source), layer=table)[1]
            extent = (extent[0].min(), extent[1].min(), extent[2].max(), extent[3].max())
        return cls(
            name,
            source,
            table,
            int(info["features"]),
            tuple(extent),
            geometry_kind_of_gdal_type(info["geometry_type"]),
            [str(c) for c in info["fields"]],
            file_crs,
            dtypes=[str(d) for d in info["dtypes"]],
        )

    # --- what the map needs, without reading features ------------------------------------
    @property
    def is_loaded(self) -> bool:
        """Whether the whole frame has been read (after someone asked for :attr:`frame`)."""
        return self._loaded

    @property
    def bounds(self) -> BBox:
        return self._extent if not self._loaded else super().bounds

    @property
    def feature_count(self) -> int:
        return self._count if not self._loaded else super().feature_count

    @property
    def geometry_kind(self) -> str:
        return self._lazy_kind

    @property
    def attribute_columns(self) -> list[str]:
        return list(self._columns)

    def column_is_numeric(self, column: str) -> bool:
        """Whether attribute ``column`` holds numbers (from the file's field types, without
        reading a value; booleans are not numbers here)."""
        import pandas as pd
        import pyogrio

        if self._loaded:
            series = self._frame[column]
            return pd.api.types.is_numeric_dtype(series) and not pd.api.types.is_bool_dtype(series)
        if not self._dtypes:  # built without the field types (e.g. from a project file)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)
                info = pyogrio.read_info(self.source, layer=self.table)
            self._dtypes = {
                str(f): str(d) for f, d in zip(info["fields"], info["dtypes"], strict=False)
            }
        dtype = self._dtypes.get(column, "object")
        return dtype != "object" and np.dtype(dtype).kind in "iuf"

    def read_tile(
        self, bbox: BBox, columns: list[str]
    ) -> tuple[np.ndarray, np.ndarray, pd.DataFrame]:
        """(fids, shapely geometries, ``columns`` of them) of the features meeting ``bbox``
        (CRS units): :meth:`read_geometry` plus the few columns a style needs (none: an
        empty frame). May run in a worker thread."""
        import pandas as pd

        if not columns:
            fids, geometries = self.read_geometry(bbox)
            return fids, geometries, pd.DataFrame(index=range(len(fids)))
        if self._loaded:
            rows, geometries = self.read_geometry(bbox)
            values = self._frame[list(columns)].iloc[rows].reset_index(drop=True)
            return rows, geometries, values
        return read_features_in_bbox(self.source, self.table, bbox, columns)

    def read_big(
        self, bbox: BBox, columns: list[str], half_size: float
    ) -> tuple[np.ndarray, np.ndarray, pd.DataFrame]:
        """As :meth:`read_tile`, the features meeting ``bbox`` whose box is more than
        2 ``half_size`` wide or tall (and maybe a few others: callers filter by size):
        the R-tree picks them, so the small features of the box are not read. May run in
        a worker thread."""
        import pyogrio

        fids = None if self._loaded else rtree_big_fids(self.source, self.table, bbox, half_size)
        if fids is None:
            return self.read_tile(bbox, columns)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            _meta, table = pyogrio.read_arrow(
                self.source, layer=self.table, columns=list(columns), fids=fids, return_fids=True
            )
        return _decoded(table, columns)

    def read_columns(self, columns: list[str], fids: np.ndarray | None = None) -> pd.DataFrame:
        """``columns`` of every feature (of ``fids`` only, if given), indexed by feature id
        (row position once loaded): a pass over the file, for class breaks; run it in a
        worker."""
        import pandas as pd

        if self._loaded:
            frame = self._frame[list(columns)]
            frame = frame.set_axis(pd.RangeIndex(len(frame), name="fid"))
            return frame if fids is None else frame.iloc[np.asarray(fids, dtype=np.int64)]
        return read_columns(self.source, self.table, columns, fids)

    def features_by_fid(self, fids: list[int]) -> gpd.GeoDataFrame:
        """The features whose file ids are ``fids`` with all their attributes, indexed by
        fid (a read of those rows only: the inspector of a lazy feature)."""
        import pyogrio

        if self._loaded:
            return self._frame.iloc[list(fids)]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            rows = pyogrio.read_dataframe(
                self.source, layer=self.table, fids=list(fids), fid_as_index=True
            )
        return rows.set_crs(self.crs, allow_override=True)

    def read_geometry(self, bbox: BBox) -> tuple[np.ndarray, np.ndarray]:
        """(fids, shapely geometries) of the features meeting ``bbox`` (CRS units); may run
        in a worker thread (each call opens the file on its own). Once the whole frame is
        loaded (or replaced), the box is cut from it instead."""
        if self._loaded:
            frame = self._frame
            rows = frame.sindex.query(shapely.box(*bbox), predicate="intersects")
            rows = np.sort(rows)
            return rows.astype(np.int64), np.asarray(frame.geometry.values, dtype=object)[rows]
        return read_geometry_in_bbox(self.source, self.table, bbox)

    def feature_half_size(self) -> float:
        """Half the largest side of the largest feature box (CRS units, metres): how far
        a feature reaches from the centre of its box. From the GeoPackage R-tree (one
        query over its rows; else the boxes of every feature), or from the frame once it
        is loaded; remembered until the data changes. Slow on a big file the first time:
        call it in a worker thread."""
        import pyogrio

        identity = self.data_identity
        known = self._half_size
        if known is not None and known[0] is identity:
            return known[1]
        if self._loaded:
            half = _half_size_of_bounds(shapely.bounds(np.asarray(self._frame.geometry.values)))
        else:
            half = rtree_half_size(self.source, self.table)
            if half is None:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore", RuntimeWarning)
                    bounds = pyogrio.read_bounds(self.source, layer=self.table)[1]
                half = _half_size_of_bounds(np.asarray(bounds).T)
        self._half_size = (identity, half)
        return half

    def features_at(self, x: float, y: float, tolerance: float = 0.0) -> gpd.GeoDataFrame:
        """Features within ``tolerance`` of (x, y) with all their attributes, nearest first,
        indexed by the file's feature id: the geometry of the few features there (a bbox
        read), then the attribute rows of those hit, by fid (never the whole layer)."""
        import geopandas as gpd
        import pandas as pd

        if self._loaded:
            return super().features_at(x, y, tolerance)
        pad = max(tolerance, 1e-6)
        fids, geometries = self.read_geometry((x - pad, y - pad, x + pad, y + pad))
        point = shapely.Point(x, y)
        query = point.buffer(tolerance) if tolerance > 0 else point
        hit = shapely.intersects(geometries, query)
        fids, geometries = fids[hit], geometries[hit]
        order = np.argsort(shapely.distance(geometries, point), kind="stable")
        if len(fids) == 0:
            empty = {c: pd.Series(dtype=self._dtypes.get(c, "object")) for c in self._columns}
            return gpd.GeoDataFrame(empty, geometry=[], crs=self.crs)
        return self.features_by_fid([int(f) for f in fids[order]])

    @property
    def data_identity(self) -> object:
        """An object standing for the current data (the frame once loaded), so that a
        fingerprint read from a project file is remembered without reading the layer."""
        return self._frame if self._loaded else self._unread

    # --- the whole frame, on explicit demand ----------------------------------------------
    @property
    def frame(self) -> gpd.GeoDataFrame:
        """Every feature with its attributes (read once, on first access: slow for a big
        layer; the map does not use it)."""
        import pyogrio

        if not self._loaded:
            with self._lock:
                if not self._loaded:
                    with warnings.catch_warnings():
                        warnings.simplefilter("ignore", RuntimeWarning)
                        frame = pyogrio.read_dataframe(
                            self.source, layer=self.table, use_arrow=True
                        )
                    if "fid_" in frame.columns and "fid" not in frame.columns:
                        frame = frame.rename(columns={"fid_": "fid"})  # as a .twin stores it
                    self._frame = frame.set_crs(self.crs, allow_override=True)
                    self._loaded = True
        return self._frame

    def set_frame(self, frame: gpd.GeoDataFrame) -> None:
        """Replace the features (the layer is then an ordinary in-memory layer)."""
        with self._lock:
            self._loaded = True
        super().set_frame(frame)
