"""Map items of the first frame (issue 9): a :class:`~twin.ui.project.light_read.LightLayer`
drawn without the data stack, with the same drawing code and pixel grid as
:class:`twin.ui.map.views.vector.VectorLayerView` (chunk painter for polygons and lines, one
scatter item for points), so that the frame drawn before the real layers are built looks
the same as the frame after they are swapped in.

Layers this cannot draw as the real view would (a graduated style, which needs pandas to
classify; a style on a personal column, whose privacy gate needs the people columns) are
left out: :func:`light_view_supported` says which.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
import shapely
from PySide6 import QtCore, QtGui

from twin.layers.privacy import PERSONAL_COLUMNS
from twin.ui.map.views.base import class_colors_with_fallback, draw_grid_image, pixel_grid
from twin.ui.map.views.chunk_painter import (
    ChunkPainter,
    class_paints,
    cosmetic_pen,
    qcolor,
)
from twin.ui.map.views.framebuffer import FrameBuffer
from twin.ui.map.views.geometry import extract_geometry
from twin.ui.project.light_read import LightLayer


def light_view_supported(light: LightLayer) -> bool:
    """True when :class:`LightLayerView` draws ``light`` as its real view will."""
    style = light.style
    if light.kind not in ("point", "line", "polygon") or style.kind == "graduated":
        return False
    return not (style.column and str(style.column).lower() in PERSONAL_COLUMNS)


def light_classes(light: LightLayer, rows: np.ndarray | None = None) -> np.ndarray:
    """Class index of each feature (of ``rows`` if given), unclassified ones last, as
    :func:`twin.ui.map.views.vector.style_classes` gives them."""
    style = light.style
    colors = class_colors_with_fallback(style)
    count = len(light.geometries) if rows is None else len(rows)
    if style.kind == "single" or light.values is None:
        return np.full(count, len(colors) - 1, dtype=np.int64)
    values = light.values if rows is None else light.values[rows]
    index = style.class_index(values)
    index[index < 0] = len(colors) - 1
    return index


class LightLayerView(pg.GraphicsObject):
    """Draws one :class:`LightLayer` (metres of the project's CRS) until the real layer's
    view replaces it."""

    def __init__(self, light: LightLayer) -> None:
        super().__init__()
        self.light = light
        self.buffer = FrameBuffer()
        self.chunk_painter: ChunkPainter | None = None
        self.scatter: pg.ScatterPlotItem | None = None
        minx, miny, maxx, maxy = shapely.total_bounds(light.geometries)
        self._bounds = QtCore.QRectF()
        if np.isfinite([minx, miny, maxx, maxy]).all():
            self._bounds = QtCore.QRectF(minx, miny, max(maxx - minx, 1e-6), max(maxy - miny, 1e-6))
        self.setOpacity(light.opacity)
        if light.kind == "point":
            self._build_points()
        else:
            self._build_chunks()

    def bounds(self) -> tuple[float, float, float, float]:
        """(minx, miny, maxx, maxy) of the layer in metres."""
        rect = self._bounds
        return rect.left(), rect.top(), rect.right(), rect.bottom()

    def _build_chunks(self) -> None:
        style, kind = self.light.style, self.light.kind
        colors = class_colors_with_fallback(style)
        geometry = extract_geometry(np.asarray(self.light.geometries, dtype=object), kind)
        classes = light_classes(self.light, geometry.rows)
        brushes, pens, dots, stroke = class_paints(style, kind, colors)
        chunked = geometry.chunked(classes, len(colors))
        self.chunk_painter = ChunkPainter(
            chunked, brushes, pens, dots, stroke, filled=kind == "polygon"
        )

    def _build_points(self) -> None:
        style = self.light.style
        colors = class_colors_with_fallback(style)
        geometries = np.asarray(self.light.geometries, dtype=object)
        points = np.isin(
            shapely.get_type_id(geometries),
            (shapely.GeometryType.POINT, shapely.GeometryType.MULTIPOINT),
        ) & ~shapely.is_empty(geometries)
        rows = np.flatnonzero(points)
        coords, part_rows = shapely.get_coordinates(geometries[rows], return_index=True)
        classes = light_classes(self.light, rows)[part_rows]
        brushes = [pg.mkBrush(qcolor(c, style.fill_opacity)) for c in colors]
        self.scatter = pg.ScatterPlotItem(pxMode=True)
        self.scatter.setParentItem(self)
        self.scatter.setData(
            x=coords[:, 0],
            y=coords[:, 1],
            size=style.point_size,
            symbol=style.point_symbol,
            pen=cosmetic_pen(style.stroke_color, style.stroke_width),
            brush=[brushes[i] for i in classes],
        )

    def boundingRect(self) -> QtCore.QRectF:
        """The layer's extent in metres (points: the scatter child draws itself)."""
        return self._bounds

    def paint(self, painter: QtGui.QPainter, option, widget=None) -> None:
        """Draw the visible part of the layer at the painter's resolution."""
        if self.chunk_painter is None:
            return
        grid = pixel_grid(painter)
        if grid is None:
            return
        resolution, gx0, gy0, width, height = grid
        image = self.buffer.frame(resolution, gx0, gy0, width, height, self.chunk_painter.render)
        draw_grid_image(painter, image, gx0, gy0)
