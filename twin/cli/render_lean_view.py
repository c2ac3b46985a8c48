"""The view geometry and arrays of the lean ``twin render`` (:mod:`twin.cli.render_lean`):
the box and pixel grid pyqtgraph's ViewBox would show, the tiles of
:class:`twin.ui.map.views.lazy_vector.LazyVectorLayerView`, the overview cache's identity,
and flat coordinate arrays read batch by batch. Qt only for the transform; units: metres.
"""

from __future__ import annotations

import math
import sqlite3
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from twin.layers import lazy_gpkg
from twin.layers.lazy_gpkg import GpkgTable
from twin.layers.lazy_overview import (  # noqa: F401  (the constants: tests check them)
    OVERVIEW_CELLS_PER_SIDE,
    OVERVIEW_SUFFIX,
    OVERVIEW_VERSION,
    overview_cell,
    overview_path,
    overview_table_name,
    source_signature,
)

BBox = tuple[float, float, float, float]

FULL_EXTENT_MARGIN = 0.02  # as twin.ui.map.canvas: "zoom to full extent" adds this around
MAX_LEVEL = 20  # as twin.ui.map.views.lazy_vector: tile levels


def shown_range(bbox: BBox, width: int, height: int) -> BBox:
    """The box a canvas of ``width`` x ``height`` pixels shows when asked for ``bbox``
    (aspect locked: the other axis grows about the centre), as pyqtgraph's ViewBox
    computes it."""
    minx, miny, maxx, maxy = (float(v) for v in bbox)
    if maxx - minx <= 0 and maxy - miny <= 0:
        minx, maxx, miny, maxy = minx - 50, maxx + 50, miny - 50, maxy + 50
    target_w, target_h = maxx - minx, maxy - miny
    if target_h == 0 or height == 0 or width == 0:
        return (minx, miny, maxx, maxy)
    target_ratio = target_w / target_h
    view_ratio = (width / height) / 1.0
    dy = 0.5 * (target_w / view_ratio - target_h)
    dx = 0.5 * (target_h * view_ratio - target_w)
    if target_ratio > view_ratio:
        return (minx, miny - dy, maxx, maxy + dy)
    return (minx - dx, miny, maxx + dx, maxy)


def device_transform(shown: BBox, width: int, height: int):
    """The QTransform from metres to the canvas's pixels, as pyqtgraph's ViewBox builds it
    (same operations, so the same floating-point numbers)."""
    from PySide6 import QtCore, QtGui

    bounds = QtCore.QRectF(0, 0, width, height)
    view = QtCore.QRectF(shown[0], shown[1], shown[2] - shown[0], shown[3] - shown[1])
    transform = QtGui.QTransform()
    centre = bounds.center()
    transform.translate(centre.x(), centre.y())
    transform.scale(bounds.width() / view.width(), -(bounds.height() / view.height()))
    middle = view.center()
    transform.translate(-middle.x(), -middle.y())
    return transform


@dataclass(frozen=True)
class TileGrid:
    """The tiles of :class:`LazyVectorLayerView` for one layer (same levels and order)."""

    origin: tuple[float, float]
    extent_size: tuple[float, float]
    side: float

    @classmethod
    def of(cls, bounds: BBox) -> TileGrid:
        """The grid of a layer whose extent is ``bounds`` (metres)."""
        minx, miny, maxx, maxy = bounds
        size = (max(maxx - minx, 1e-6), max(maxy - miny, 1e-6))
        return cls((minx, miny), size, max(size) * (1 + 1e-9))

    def level_for(self, view_width: float) -> int:
        """Tile level for a view ``view_width`` metres wide."""
        ratio = self.side / max(view_width, 1e-6)
        return int(np.clip(math.ceil(math.log2(max(ratio, 1.0))), 0, MAX_LEVEL))

    def tile_box(self, key: tuple[int, int, int]) -> BBox:
        """Box (metres) of tile (level, column, row)."""
        level, column, row = key
        side = self.side / 2**level
        x0, y0 = self.origin[0] + column * side, self.origin[1] + row * side
        return (x0, y0, x0 + side, y0 + side)

    def tiles_meeting(self, bbox: BBox) -> list[tuple[int, int, int]]:
        """Keys of the tiles meeting ``bbox``, nearest its centre first (no ring)."""
        minx, miny, maxx, maxy = bbox
        level = self.level_for(maxx - minx)
        side = self.side / 2**level
        columns = math.ceil(self.extent_size[0] / side - 1e-9)
        rows = math.ceil(self.extent_size[1] / side - 1e-9)
        ox, oy = self.origin
        c0 = max(0, math.floor((minx - ox) / side))
        c1 = min(columns - 1, math.floor((maxx - ox) / side))
        r0 = max(0, math.floor((miny - oy) / side))
        r1 = min(rows - 1, math.floor((maxy - oy) / side))
        if c1 < c0 or r1 < r0:
            return []
        cx, cy = (minx + maxx) / 2, (miny + maxy) / 2
        keys = [(level, c, r) for c in range(c0, c1 + 1) for r in range(r0, r1 + 1)]

        def distance(key) -> float:
            x0, y0, x1, y1 = self.tile_box(key)
            return ((x0 + x1) / 2 - cx) ** 2 + ((y0 + y1) / 2 - cy) ** 2

        return sorted(keys, key=distance)


def cached_overview_table(path: Path, table: str) -> tuple[Path, GpkgTable] | None:
    """The overview cached beside ``path`` for ``table`` when it is there and its source
    unchanged (twin.layers.overview's signature); None otherwise."""
    cache = overview_path(path)
    if not cache.exists():
        return None
    name = overview_table_name(table)
    try:
        metadata = lazy_gpkg.table_metadata(cache, name)
        found = [t for t in lazy_gpkg.feature_tables(cache) if t.name == name]
    except sqlite3.Error:
        return None
    wanted = source_signature(path, table)
    if not found or any(metadata.get(key) != value for key, value in wanted.items()):
        return None
    return cache, found[0]


def read_tile_parts(
    path: Path, table: GpkgTable, bbox: BBox | None, kind: str, tiles: list[BBox] | None
) -> dict[int, list]:
    """The ``kind`` geometries of ``table`` whose R-tree box meets ``bbox`` (None: all) as
    flat :class:`GeometryArrays` (rows = the file's fids), read batch by batch and split
    by the tile holding the centre of each box: {index in ``tiles`` (len(tiles): none of
    them): [arrays of each batch]}. ``tiles`` None: one group, 0."""
    from twin.ui.map.views.geometry import extract_geometry

    parts: dict[int, list] = {}
    connection = lazy_gpkg.connect(path)
    try:
        for fids, geometries in lazy_gpkg.batches_in_bbox(connection, table, bbox):
            arrays = extract_geometry(geometries, kind)
            del geometries
            arrays.rows = fids[arrays.rows]
            if tiles is None:
                parts.setdefault(0, []).append(arrays)
                continue
            cx = (arrays.bounds[:, 0] + arrays.bounds[:, 2]) * 0.5
            cy = (arrays.bounds[:, 1] + arrays.bounds[:, 3]) * 0.5
            rank = np.full(arrays.count, len(tiles), dtype=np.int64)
            for index, (x0, y0, x1, y1) in enumerate(tiles):
                rank[(cx >= x0) & (cx < x1) & (cy >= y0) & (cy < y1)] = index
            for value in np.unique(rank).tolist():
                mine = np.flatnonzero(rank == value)
                part = arrays if len(mine) == arrays.count else subset_arrays(arrays, mine)
                parts.setdefault(value, []).append(part)
    finally:
        connection.close()
    return parts


def concat_arrays(parts: list):
    """One :class:`GeometryArrays` of several, in order."""
    from twin.ui.map.views.geometry import GeometryArrays

    if len(parts) == 1:
        return parts[0]
    if not parts:
        empty = np.zeros(0)
        return GeometryArrays(
            np.zeros(0, np.int64),
            empty,
            empty,
            np.zeros(0, bool),
            np.zeros(1, np.int64),
            np.zeros((0, 4)),
        )
    offsets = np.cumsum([0] + [len(part.xs) for part in parts])
    vertex_start = np.concatenate(
        [np.zeros(1, np.int64)]
        + [part.vertex_start[1:] + offset for part, offset in zip(parts, offsets, strict=False)]
    )
    return GeometryArrays(
        np.concatenate([part.rows for part in parts]),
        np.concatenate([part.xs for part in parts]),
        np.concatenate([part.ys for part in parts]),
        np.concatenate([part.connect for part in parts]),
        vertex_start.astype(np.int64),
        np.concatenate([part.bounds for part in parts]),
    )


def subset_arrays(arrays, features: np.ndarray):
    """The features ``features`` (indices, in that order) of :class:`GeometryArrays`."""
    from twin.ui.map.views.geometry import GeometryArrays, gather_ranges

    starts = arrays.vertex_start[features]
    lengths = arrays.vertex_start[features + 1] - starts
    vertices = gather_ranges(starts, lengths)
    vertex_start = np.zeros(len(features) + 1, dtype=np.int64)
    np.cumsum(lengths, out=vertex_start[1:])
    return GeometryArrays(
        arrays.rows[features],
        arrays.xs[vertices],
        arrays.ys[vertices],
        arrays.connect[vertices],
        vertex_start,
        arrays.bounds[features],
    )
