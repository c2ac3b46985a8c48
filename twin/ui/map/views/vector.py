"""Vector layers: polygons and lines drawn by chunk with level of detail, points as one
scatter item."""

from __future__ import annotations

import time

import numpy as np
import pyqtgraph as pg
import shapely
from PySide6 import QtCore, QtGui

from twin.layers.privacy import PERSONAL_COLUMNS, disclosable_rows, people_columns
from twin.layers.vector import VectorLayer
from twin.ui.map.views.base import (
    LayerView,
    class_colors_with_fallback,
    draw_grid_image,
    pixel_grid,
)
from twin.ui.map.views.chunk_painter import (
    ChunkPainter,
    class_paints,
    cosmetic_pen,
    qcolor,
)
from twin.ui.map.views.framebuffer import FrameBuffer
from twin.ui.map.views.geometry import GeometryArrays, prepare_geometry
from twin.ui.map.views.linedraw import warm_up as line_warm_up
from twin.ui.map.views.scanfill import warm_up as fill_warm_up


def style_classes(layer: VectorLayer, rows: np.ndarray | None = None) -> np.ndarray:
    """Class index of each feature (of ``rows`` of the frame if given) for the layer's style;
    unclassified values get the last index (drawn in the base fill colour)."""
    style = layer.style
    frame = layer.frame
    count = len(frame) if rows is None else len(rows)
    colors = class_colors_with_fallback(style)
    if style.kind == "single" or not style.column or style.column not in frame.columns:
        return np.full(count, len(colors) - 1, dtype=np.int64)
    values = frame[style.column].to_numpy()
    if rows is not None:
        values = values[rows]
    index = style.class_index(values)
    index[index < 0] = len(colors) - 1
    if str(style.column).lower() in PERSONAL_COLUMNS:  # privacy gate: no class per small group
        people = frame[people_columns(frame.columns)]
        shown = disclosable_rows(people if rows is None else people.iloc[rows])
        index[~shown] = len(colors) - 1
    return index


class VectorLayerView(LayerView):
    """Draws a :class:`VectorLayer`.

    Polygons and lines: one item that paints the visible chunks into a scroll-cached image
    (see :mod:`chunk_painter`); polygons are filled with the class colour (``fill_opacity``)
    and outlined with ``stroke_color``/``stroke_width`` (cosmetic pixels); lines use the
    class colour and ``stroke_width``. Points: one child ``ScatterPlotItem`` with one brush
    per class, ``point_size`` pixels.
    """

    def __init__(self, layer: VectorLayer) -> None:
        super().__init__(layer)
        self.buffer = FrameBuffer()
        self.scatter: pg.ScatterPlotItem | None = None
        self.geometry: GeometryArrays | None = None
        self.chunk_painter: ChunkPainter | None = None
        self._classes: np.ndarray | None = None
        self._preview_allowed = False
        self._last_render_seconds = 0.0
        self.reload()

    # --- building ------------------------------------------------------------------------
    def reload(self) -> None:
        """Re-extract the geometry from the layer's frame."""
        self.buffer.invalidate()
        self.chunk_painter = None
        self._classes = None
        if self.scatter is not None:
            self.scatter.setParentItem(None)
            if self.scene() is not None:
                self.scene().removeItem(self.scatter)
            self.scatter = None
        kind = self.layer.geometry_kind
        geometries = np.asarray(self.layer.frame.geometry.values, dtype=object)
        if kind == "point":
            self.geometry = None
            self.scatter = pg.ScatterPlotItem(pxMode=True)
            self.scatter.setParentItem(self)
            self._point_geometries = geometries
        else:
            self.geometry = prepare_geometry(self.layer.frame, kind)
            (fill_warm_up if kind == "polygon" else line_warm_up)()
        self.restyle()

    def restyle(self) -> None:
        """Apply the layer's style (re-sorting the chunks only if the classes changed)."""
        style = self.layer.style
        colors = class_colors_with_fallback(style)
        if self.scatter is not None:
            self._restyle_points(colors)
            return
        if self.geometry is None:
            return
        classes = style_classes(self.layer, self.geometry.rows)
        kind = self.layer.geometry_kind
        brushes, pens, dots, stroke = class_paints(style, kind, colors)
        same_classes = (
            self.chunk_painter is not None
            and self._classes is not None
            and self.chunk_painter.chunked.classes == len(colors)
            and np.array_equal(self._classes, classes)
        )
        if same_classes:
            self.chunk_painter.set_colors(brushes, pens, dots, stroke)
        else:
            chunked = self.geometry.chunked(classes, len(colors))
            self.chunk_painter = ChunkPainter(
                chunked, brushes, pens, dots, stroke, filled=kind == "polygon"
            )
            self._classes = classes
        self.buffer.invalidate()

    def _restyle_points(self, colors: list[str]) -> None:
        style = self.layer.style
        geometries = self._point_geometries
        points = np.isin(
            shapely.get_type_id(geometries),
            (shapely.GeometryType.POINT, shapely.GeometryType.MULTIPOINT),
        ) & ~shapely.is_empty(geometries)
        rows = np.flatnonzero(points)
        coords, part_rows = shapely.get_coordinates(geometries[rows], return_index=True)
        classes = style_classes(self.layer, rows)[part_rows]
        brushes = [pg.mkBrush(qcolor(c, style.fill_opacity)) for c in colors]
        pen = cosmetic_pen(style.stroke_color, style.stroke_width)
        self.scatter.setData(
            x=coords[:, 0],
            y=coords[:, 1],
            size=style.point_size,
            symbol=style.point_symbol,
            pen=pen,
            brush=[brushes[i] for i in classes],
        )

    # --- drawing ---------------------------------------------------------------------------
    def boundingRect(self) -> QtCore.QRectF:
        """The layer's extent (points: the scatter child draws itself)."""
        return self._bounds

    def set_preview_allowed(self, allowed: bool) -> None:
        """While the user zooms, draw the last image scaled and finish the frame just after."""
        self._preview_allowed = allowed

    def paint(self, painter: QtGui.QPainter, option, widget=None) -> None:
        """Draw the visible part of the layer at the painter's resolution."""
        if self.chunk_painter is None:
            return
        grid = pixel_grid(painter)
        if grid is None:
            return
        resolution, gx0, gy0, width, height = grid
        transform = painter.transform()
        if (
            self._preview_allowed
            and not self.buffer.matches_resolution(resolution)
            and self._last_render_seconds > 0.03
            and self.buffer.draw_scaled(painter, transform)
        ):
            return  # the canvas repaints the complete frame when the zoom settles
        start = time.perf_counter()
        image = self.buffer.frame(resolution, gx0, gy0, width, height, self.chunk_painter.render)
        self._last_render_seconds = time.perf_counter() - start
        draw_grid_image(painter, image, gx0, gy0)
