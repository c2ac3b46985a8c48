"""Vector layers: a GeoDataFrame with a style and a provenance."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import shapely

from twin.layers.base import Layer
from twin.layers.provenance import Provenance
from twin.layers.style import Style

if TYPE_CHECKING:
    import geopandas as gpd
    from pyproj import CRS

_KINDS = ("point", "line", "polygon")
#: Kind (index in _KINDS) of each shapely geometry type id: Point, LineString, LinearRing,
#: Polygon, MultiPoint, MultiLineString, MultiPolygon, GeometryCollection (as a polygon).
_KIND_OF_TYPE_ID = np.array([0, 1, 1, 2, 0, 1, 2, 2], dtype=np.intp)


def geometry_kind_of(frame: gpd.GeoDataFrame) -> str:
    """The dominant kind ("polygon", "line", "point") of a frame's geometries (missing
    geometries do not count; a tie goes to the kind that comes first in the frame).
    Vectorised: 3 ms for 36,000 buildings, where a per-row mapping took 0.1 s."""
    type_ids = shapely.get_type_id(np.asarray(frame.geometry.values, dtype=object))
    kinds = _KIND_OF_TYPE_ID[type_ids[type_ids >= 0]]
    if kinds.size == 0:
        return "point"
    counts = np.bincount(kinds, minlength=len(_KINDS))
    tied = np.flatnonzero(counts == counts.max())
    if len(tied) > 1:
        tied = [min(tied, key=lambda kind: int(np.argmax(kinds == kind)))]
    return _KINDS[int(tied[0])]


class VectorLayer(Layer):
    """Features with attributes: ``frame`` is a GeoDataFrame in ``crs``.

    Replace the data with :meth:`set_frame` (emits ``events.data``); do not edit the frame
    in place while it is shown.
    """

    kind = "vector"

    def __init__(
        self,
        name: str,
        frame: gpd.GeoDataFrame,
        style: Style | None = None,
        provenance: Provenance | None = None,
        crs: CRS | str | int | None = None,
        **options,
    ) -> None:
        crs = crs if crs is not None else frame.crs
        super().__init__(name, crs, style, provenance, **options)
        self._frame = frame
        self._kind_cache: str | None = None

    @property
    def frame(self) -> gpd.GeoDataFrame:
        """The features (GeoDataFrame, geometry in :attr:`crs`)."""
        return self._frame

    def set_frame(self, frame: gpd.GeoDataFrame) -> None:
        """Replace the features and tell the views."""
        self._frame = frame
        self._kind_cache = None
        self.events.data.emit()

    @property
    def bounds(self) -> tuple[float, float, float, float]:
        if len(self._frame) == 0:
            return (np.nan, np.nan, np.nan, np.nan)
        minx, miny, maxx, maxy = self._frame.total_bounds
        return float(minx), float(miny), float(maxx), float(maxy)

    @property
    def feature_count(self) -> int:
        return len(self._frame)

    @property
    def geometry_kind(self) -> str:
        if self._kind_cache is None:
            self._kind_cache = geometry_kind_of(self._frame)
        return self._kind_cache

    @property
    def attribute_columns(self) -> list[str]:
        """Names of the non-geometry columns."""
        geometry_name = self._frame.geometry.name
        return [c for c in self._frame.columns if c != geometry_name]

    def features_at(self, x: float, y: float, tolerance: float = 0.0) -> gpd.GeoDataFrame:
        """Features within ``tolerance`` (CRS units) of the point (x, y), nearest first."""
        point = shapely.Point(x, y)
        query = point.buffer(tolerance) if tolerance > 0 else point
        index = self._frame.sindex.query(query, predicate="intersects")
        hits = self._frame.iloc[index]
        if len(hits) > 1:
            order = np.argsort(hits.geometry.distance(point).to_numpy(), kind="stable")
            hits = hits.iloc[order]
        return hits
