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

import geopandas as gpd
import numpy as np
import pyogrio
import shapely
from pyproj import CRS

# the thresholds (features) of opening lazily live beside the lean reader, which applies
# the same rule (twin.cli.render_lean); re-exported here
from twin.layers.lazy_gpkg import LAZY_FEATURE_THRESHOLD, LAZY_MIN_FEATURES
from twin.layers.provenance import Provenance
from twin.layers.style import Style
from twin.layers.vector import VectorLayer

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
        **options,
    ) -> None:
        super().__init__(name, gpd.GeoDataFrame(geometry=[]), style, provenance, crs=crs, **options)
        self.source = str(source)
        self.table = table
        self._count = int(count)
        self._extent = tuple(float(v) for v in extent)
        self._lazy_kind = geometry_kind
        self._columns = list(columns)
        self._loaded = False
        self._unread = _Unread()  # weak-referenceable stand-in for the data not yet read
        self._lock = threading.Lock()

    @classmethod
    def open(
        cls, source: str | Path, table: str | None, name: str, crs: CRS | None = None
    ) -> LazyVectorLayer:
        """The lazy layer of ``table`` in GeoPackage ``source`` (metadata only is read)."""
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

    def features_at(self, x: float, y: float, tolerance: float = 0.0) -> gpd.GeoDataFrame:
        """Features within ``tolerance`` of (x, y) with all their attributes, nearest first
        (a bbox read of the few features there, not the whole layer)."""
        if self._loaded:
            return super().features_at(x, y, tolerance)
        pad = max(tolerance, 1e-6)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            near = pyogrio.read_dataframe(
                self.source,
                layer=self.table,
                bbox=(x - pad, y - pad, x + pad, y + pad),
                use_arrow=True,
            )
        point = shapely.Point(x, y)
        query = point.buffer(tolerance) if tolerance > 0 else point
        near = near[shapely.intersects(near.geometry.to_numpy(), query)]
        order = np.argsort(near.geometry.distance(point).to_numpy(), kind="stable")
        return near.iloc[order].set_crs(self.crs, allow_override=True)

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
