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

import threading
import warnings
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import shapely

# the thresholds (features) of opening lazily live beside the lean reader, which applies
# the same rule (twin.cli.render_lean); re-exported here
from twin.layers.lazy_gpkg import LAZY_FEATURE_THRESHOLD, LAZY_MIN_FEATURES

# the reads, in their own module; looked up here when called (tests swap them here)
from twin.layers.lazy_io import (
    _decoded,
    _half_size_of_bounds,
    count_in_bbox,
    geometry_kind_of_gdal_type,
    read_columns,
    read_features_in_bbox,
    read_geometry_in_bbox,
    rtree_big_fids,
    rtree_half_size,
)
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

LABEL_READ_LIMIT = 50_000  # features: a view of a lazy layer holding more is not labelled


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

    def label_frame(self, bbox: BBox, columns: list[str]) -> gpd.GeoDataFrame | None:
        """The features meeting ``bbox`` (metres) with only ``columns``: what the labels
        of a view need, never the whole layer; None when more than
        :data:`LABEL_READ_LIMIT` features meet it (counted in the R-tree; no R-tree: the
        layer's count), a view too crowded to label."""
        import geopandas as gpd

        columns = [c for c in dict.fromkeys(columns) if c in self._columns]
        if self._loaded:
            frame = self._frame
            rows = np.sort(frame.sindex.query(shapely.box(*bbox), predicate="intersects"))
            if len(rows) > LABEL_READ_LIMIT:
                return None
            return frame.iloc[rows][[*columns, frame.geometry.name]]
        count = count_in_bbox(self.source, self.table, bbox)
        if (count if count is not None else self._count) > LABEL_READ_LIMIT:
            return None
        _fids, geometries, values = self.read_tile(bbox, columns)
        return gpd.GeoDataFrame(values.reset_index(drop=True), geometry=geometries, crs=self.crs)

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
