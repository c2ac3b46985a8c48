"""Reading one tile, or the overview, of a big lazy layer for drawing (Qt-free, workers).

The features come from the file (:class:`LazyVectorLayer`, R-tree reads) with only the
columns the style colours by, are sorted into the style's classes and flattened into
chunked coordinate arrays (:class:`ChunkedFeatures`) that the map draws. Units: metres.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import shapely

from twin.layers.lazy import LazyVectorLayer
from twin.layers.lazy_overview import load_overview
from twin.layers.style import Style
from twin.layers.style_fields import classify_rows, style_columns
from twin.ui.map.views.geometry import ChunkedFeatures, chunk_features, extract_geometry

MAX_LEVEL = 20  # tile levels: level L has 2**L tiles across the layer's larger side
REACH_TILES = 1  # tiles read beyond the view for long features reaching into it; features
# larger than that are read as "big features" of the view, owned by no tile

TileKey = tuple[int, int, int]  # (level, column, row)


class TileGrid:
    """Square tiles over a layer's ``extent`` (minx, miny, maxx, maxy metres): level L has
    2**L tiles across the larger side, keyed (level, column, row) from the lower left."""

    def __init__(self, extent: tuple[float, float, float, float]) -> None:
        minx, miny, maxx, maxy = extent
        self._origin = (minx, miny)
        self._extent_size = (max(maxx - minx, 1e-6), max(maxy - miny, 1e-6))
        self._side = max(self._extent_size) * (1 + 1e-9)  # of the level-0 tile (m)

    def level_for(self, view_width: float) -> int:
        """Tile level for a view ``view_width`` metres wide: tiles of level L are squares
        of side (larger side of the layer) / 2**L, between half the view and the view."""
        ratio = self._side / max(view_width, 1e-6)
        return int(np.clip(math.ceil(math.log2(max(ratio, 1.0))), 0, MAX_LEVEL))

    def tile_box(self, key: TileKey) -> tuple[float, float, float, float]:
        """The box (minx, miny, maxx, maxy metres) of tile ``key`` = (level, column, row)."""
        level, column, row = key
        side = self._side / 2**level
        x0, y0 = self._origin[0] + column * side, self._origin[1] + row * side
        return (x0, y0, x0 + side, y0 + side)

    def tile_side(self, level: int) -> float:
        """Side (metres) of the tiles of ``level``."""
        return self._side / 2**level

    def big_limit(self, level: int) -> float:
        """Box half-size (metres) past which a feature is "big" at ``level``: owned by no
        tile of it (its first vertex may lie beyond :data:`REACH_TILES` tiles of the view),
        read with the view instead (:func:`read_big_features`)."""
        return REACH_TILES * self.tile_side(level) / 2

    def reach_ring(self, level: int, reach: float) -> int:
        """Tiles around the view within ``reach`` metres of it (at most
        :data:`REACH_TILES`): where the first vertex of a feature meeting the view lies
        if its box is at most ``reach`` metres across."""
        return min(math.ceil(reach / self.tile_side(level) - 1e-9), REACH_TILES)

    def tiles_meeting(
        self, bbox: tuple[float, float, float, float], ring: int = 1, reach: float = 0.0
    ) -> list:
        """Keys of the tiles meeting ``bbox`` (metres) plus ``ring`` tiles around, or the
        tiles within ``reach`` metres of it if more (up to :data:`REACH_TILES` around),
        nearest the centre of the box first."""
        minx, miny, maxx, maxy = bbox
        level = self.level_for(maxx - minx)
        side = self._side / 2**level
        ring = max(ring, self.reach_ring(level, reach))  # the read-ahead ring counts
        columns = math.ceil(self._extent_size[0] / side - 1e-9)
        rows = math.ceil(self._extent_size[1] / side - 1e-9)
        ox, oy = self._origin
        c0 = max(0, math.floor((minx - ox) / side) - ring)
        c1 = min(columns - 1, math.floor((maxx - ox) / side) + ring)
        r0 = max(0, math.floor((miny - oy) / side) - ring)
        r1 = min(rows - 1, math.floor((maxy - oy) / side) + ring)
        if c1 < c0 or r1 < r0:
            return []
        cx, cy = (minx + maxx) / 2, (miny + maxy) / 2
        keys = [(level, c, r) for c in range(c0, c1 + 1) for r in range(r0, r1 + 1)]

        def distance(key: TileKey) -> float:
            x0, y0, x1, y1 = self.tile_box(key)
            return ((x0 + x1) / 2 - cx) ** 2 + ((y0 + y1) / 2 - cy) ** 2

        return sorted(keys, key=distance)


def class_count(style: Style) -> int:
    """Classes of ``style`` as drawn: one per category or class, plus the base fill colour
    (last) for unclassified features."""
    colors = style.class_colors() if style.kind != "single" else []
    return len(colors) + 1


def _half_sizes(boxes: np.ndarray) -> np.ndarray:
    """Half the larger side of each box (rows minx, miny, maxx, maxy; metres)."""
    return np.fmax(boxes[:, 2] - boxes[:, 0], boxes[:, 3] - boxes[:, 1]) * 0.5


def first_vertices(geometries: np.ndarray) -> np.ndarray:
    """(x, y) metres of the first vertex of each geometry (a point on it; NaN if empty)."""
    coords, index = shapely.get_coordinates(geometries, return_index=True)
    first = np.full((len(geometries), 2), np.nan)
    rows, at = np.unique(index, return_index=True)
    first[rows] = coords[at]
    return first


def read_tile(
    layer: LazyVectorLayer,
    bbox: tuple[float, float, float, float],
    style: Style | None = None,
    big: float = math.inf,
) -> ChunkedFeatures:
    """The features of ``layer`` whose first vertex lies in ``bbox`` (half-open, metres:
    a point on the feature, so the feature meets the tile and is read with it) and whose
    box half-size (half its larger side) is at most ``big`` metres (larger ones are read
    with the view, :func:`read_big_features`), read from the file and flattened into
    chunked coordinate arrays, sorted into the classes of ``style`` (the column it colours
    by is read with the geometry; the last class is the base fill colour). Each feature
    thus belongs to one tile of a level and is drawn once. Qt-free: runs in a worker."""
    minx, miny, maxx, maxy = bbox

    def owned(geometries: np.ndarray, boxes: np.ndarray) -> np.ndarray:
        x, y = first_vertices(geometries).T
        inside = (x >= minx) & (x < maxx) & (y >= miny) & (y < maxy)
        return inside & ~(_half_sizes(boxes) > big)

    return _read_chunked(layer, bbox, style, owned)


def read_big_features(
    layer: LazyVectorLayer,
    bbox: tuple[float, float, float, float],
    style: Style | None = None,
    big: float = 0.0,
) -> ChunkedFeatures:
    """The features of ``layer`` meeting ``bbox`` (metres) whose box half-size is more
    than ``big`` metres (those no tile of that limit owns, see :func:`read_tile`), as
    chunked coordinate arrays in the classes of ``style``. Qt-free: runs in a worker."""

    def owned(geometries: np.ndarray, boxes: np.ndarray) -> np.ndarray:
        minx, miny, maxx, maxy = bbox  # the R-tree picks by box: the geometries too
        meets = shapely.intersects(geometries, shapely.box(minx, miny, maxx, maxy))
        return (_half_sizes(boxes) > big) & meets

    def read(bbox, columns):
        return layer.read_big(bbox, columns, big)

    return _read_chunked(layer, bbox, style, owned, read)


def _read_chunked(layer, bbox, style, owned: Callable, read=None) -> ChunkedFeatures:
    """The features meeting ``bbox`` (``read(bbox, columns)``, by default the layer's
    tile read) that ``owned(geometries, boxes)`` keeps, chunked and sorted into the
    classes of ``style``."""
    style = style if style is not None else Style()
    columns = style_columns(style, layer.attribute_columns)
    fids, geometries, values = (read or layer.read_tile)(bbox, columns)
    own = owned(geometries, shapely.bounds(geometries).reshape(-1, 4))
    classes = class_count(style)
    class_of_row = classify_rows(style, values.iloc[np.flatnonzero(own)], classes - 1)
    geometry = extract_geometry(geometries[own], layer.geometry_kind)
    class_of_row = class_of_row[geometry.rows]
    geometry.rows = fids[own][geometry.rows]  # the file's feature ids
    return chunk_features(geometry, class_of_row, classes)


def chunked_bytes(chunked: ChunkedFeatures) -> int:
    """Bytes of the arrays of one tile (what the tile cache limit counts)."""
    return sum(a.nbytes for a in vars(chunked).values() if isinstance(a, np.ndarray))


def read_overview(
    layer: LazyVectorLayer,
    style: Style | None = None,
    progress: Callable[[float], None] | None = None,
) -> ChunkedFeatures:
    """The overview of ``layer`` (cached beside the file, else built: slow the first time)
    as chunked coordinate arrays in the classes of ``style``: each overview shape takes the
    class of the feature it stands for (a cell: the last feature of the file in it), whose
    styled column is read once from the whole layer. ``progress(fraction)`` while it is
    built (it may raise to cancel). Qt-free: runs in a worker thread."""
    style = style if style is not None else Style()
    overview = load_overview(
        layer.source,
        layer.table,
        layer.bounds,
        layer.geometry_kind,
        layer.crs,
        progress=progress,
        count=layer.feature_count,
    )
    geometry = extract_geometry(overview.geometries, layer.geometry_kind)
    classes = class_count(style)
    columns = style_columns(style, layer.attribute_columns)
    if columns and overview.fids is not None:
        wanted = overview.fids[geometry.rows]
        unique = np.unique(wanted[wanted >= 0])  # the features the shapes stand for only
        values = layer.read_columns(columns, unique).reindex(wanted)
        class_of_row = classify_rows(style, values, classes - 1)
    else:
        class_of_row = np.full(geometry.count, classes - 1, dtype=np.int64)
    return chunk_features(geometry, class_of_row, classes)
