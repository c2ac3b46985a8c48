"""Draws the polygons or lines of a :class:`ChunkedFeatures` into an image region.

Level of detail, with r metres per pixel (only the chunks meeting the region are touched):

- features whose box is under 2 pixels also get one pixel at their centre, written into the
  image memory with numpy, so none vanishes;
- polygons of at least one pixel are filled at their true shape, non-antialiased with the
  winding rule, one after the other in draw order (:mod:`scanfill`, compiled by numba);
  polygons at least 4-8 pixels wide are then outlined with the stroke colour right after
  their fill (below that the outline would hide the fill; hollow polygons, fill opacity 0,
  are outlined from one pixel on);
- lines at least ``2**floor(log2(r))`` metres long are stepped pixel by pixel
  (:mod:`linedraw`); pens wider than 3 pixels, and everything when numba is missing, go
  through QPainter with cached per-chunk :class:`QPainterPath` objects.
"""

from __future__ import annotations

import math
import struct
from collections import OrderedDict

import numpy as np
from PySide6 import QtCore, QtGui

from twin.layers.colors import hex_to_rgba
from twin.layers.style import Style
from twin.ui.map.views.geometry import ChunkedFeatures
from twin.ui.map.views.linedraw import draw_lines
from twin.ui.map.views.scanfill import fill_features


def qcolor(hex_color: str, alpha: float = 1.0) -> QtGui.QColor:
    """A QColor from ``#RRGGBB`` and an opacity 0-1."""
    r, g, b, a = hex_to_rgba(hex_color, alpha)
    return QtGui.QColor(r, g, b, a)


def cosmetic_pen(hex_color: str, width_pixels: float) -> QtGui.QPen:
    """A pen of ``width_pixels`` screen pixels whatever the zoom; NoPen when width <= 0."""
    if width_pixels <= 0:
        return QtGui.QPen(QtCore.Qt.PenStyle.NoPen)
    pen = QtGui.QPen(qcolor(hex_color))
    pen.setCosmetic(True)
    pen.setWidthF(float(width_pixels))
    return pen


PATH_CACHE_VERTICES = 12_000_000
OUTLINE_MIN_PIXELS = 4.0
MAX_FAST_LINE_PIXELS = 3.0  # thicker lines go through QPainter (round caps and joins)


def premultiplied_argb(color: QtGui.QColor) -> int:
    """A colour as one premultiplied ARGB32 pixel value."""
    alpha = color.alpha()
    r, g, b = (round(c * alpha / 255) for c in (color.red(), color.green(), color.blue()))
    return (alpha << 24) | (r << 16) | (g << 8) | b


def class_paints(
    style: Style, kind: str, colors: list[str]
) -> tuple[list[QtGui.QBrush], list[QtGui.QPen], list[int], float]:
    """What a :class:`ChunkPainter` draws the classes of a ``kind`` ("polygon" or "line")
    layer with: (brushes, pens, dot colours, stroke pixels), one per class colour of
    ``colors`` (#RRGGBB, as :func:`twin.ui.map.views.base.class_colors_with_fallback`
    gives them). Polygons are filled with the class colour and outlined with the style's
    stroke; lines are stroked with the class colour, at least 1 pixel wide."""
    if kind == "polygon":
        brushes = [QtGui.QBrush(qcolor(c, style.fill_opacity)) for c in colors]
        pens = [cosmetic_pen(style.stroke_color, style.stroke_width)] * len(colors)
        dots = [premultiplied_argb(qcolor(c, style.fill_opacity)) for c in colors]
        return brushes, pens, dots, max(style.stroke_width, 0.0)
    width = max(style.stroke_width, 1.0)
    brushes = [QtGui.QBrush(QtCore.Qt.BrushStyle.NoBrush)] * len(colors)
    pens = [cosmetic_pen(c, width) for c in colors]
    return brushes, pens, [premultiplied_argb(qcolor(c)) for c in colors], width


def array_to_path(xs: np.ndarray, ys: np.ndarray, connect: np.ndarray) -> QtGui.QPainterPath:
    """A path through the vertices ``xs``/``ys`` (any unit), vertex i joined to vertex i + 1
    where ``connect[i]``: the same path as ``pyqtgraph.arrayToQPath(xs, ys, connect)``,
    built the same way (Qt's QDataStream form of a path, filled by numpy) without importing
    pyqtgraph (over a second of a lean ``twin render``'s start). Odd-even fill rule."""
    count = len(xs)
    path = QtGui.QPainterPath()
    if count == 0:
        return path
    # QDataStream << QPainterPath: count, (type, x, y) per element, cStart, fill rule;
    # big-endian; type 0 moves to the vertex, 1 draws a line to it
    data = bytearray(4 + count * 20 + 8)
    struct.pack_into(">i", data, 0, count)
    struct.pack_into(">ii", data, 4 + count * 20, 0, 0)
    elements = np.frombuffer(
        data, dtype=[("c", ">i4"), ("x", ">f8"), ("y", ">f8")], count=count, offset=4
    )
    elements["x"] = xs
    elements["y"] = ys
    elements["c"][:1] = 0
    elements["c"][1:] = np.asarray(connect[:-1], dtype=bool)
    stream = QtCore.QDataStream(QtCore.QByteArray(bytes(data)))
    stream >> path
    return path


class ChunkPainter:
    """Renders one vector layer's chunks: ``filled`` for polygons; ``pens`` per class (the
    outline of polygons, the stroke of lines); ``dot_colors`` per class as premultiplied
    ARGB32 (polygon fill and sub-pixel dots). ``brushes`` are kept for reference."""

    def __init__(
        self,
        chunked: ChunkedFeatures,
        brushes: list[QtGui.QBrush],
        pens: list[QtGui.QPen],
        dot_colors: np.ndarray,
        stroke_pixels: float,
        filled: bool = True,
    ) -> None:
        self.chunked = chunked
        self.filled = filled
        self.brushes = brushes
        self.pens = pens
        self.dot_colors = np.asarray(dot_colors, dtype=np.uint32)
        self.stroke_pixels = stroke_pixels
        self.outline_dots = self._outline_dots(pens)
        self._paths: OrderedDict[tuple[int, int], QtGui.QPainterPath] = OrderedDict()
        self._cached_vertices = 0

    def set_colors(self, brushes, pens, dot_colors, stroke_pixels: float) -> None:
        """Change colours and pens without touching geometry or cached paths."""
        self.brushes, self.pens = brushes, pens
        self.dot_colors = np.asarray(dot_colors, dtype=np.uint32)
        self.stroke_pixels = stroke_pixels
        self.outline_dots = self._outline_dots(pens)

    @staticmethod
    def _outline_dots(pens: list[QtGui.QPen]) -> np.ndarray:
        """Pixel value of each class's pen colour (dots of hollow polygons)."""
        return np.array(
            [
                premultiplied_argb(pen.color()) if pen.style() != QtCore.Qt.PenStyle.NoPen else 0
                for pen in pens
            ],
            dtype=np.uint32,
        )

    def _features_with_dots(
        self, array: np.ndarray, gx0: int, gy0: int, resolution: float
    ) -> tuple[np.ndarray, np.ndarray, bool] | None:
        """The features of the chunks meeting the grid region (top-left pixel (gx0, gy0),
        ``resolution`` m/pixel) with their sizes (m) and whether fills are hollow (opacity
        0), after drawing those smaller than two pixels as dots; None when no chunk meets
        it."""
        chunked = self.chunked
        height, width = array.shape
        margin = (self.stroke_pixels + 1.0) * resolution
        minx, maxx = gx0 * resolution - margin, (gx0 + width) * resolution + margin
        maxy, miny = -gy0 * resolution + margin, -(gy0 + height) * resolution - margin
        chunks = chunked.chunks_in(minx, miny, maxx, maxy)
        if chunks.size == 0:
            return None
        features = chunked.features_of_chunks(chunks)
        sizes = chunked.size[features]
        hollow = self.filled and not np.any(self.dot_colors >> 24)  # fill opacity 0
        dots = features[sizes < 2.0 * resolution]
        self._draw_dots(array, dots, gx0, gy0, resolution, self.outline_dots if hollow else None)
        return features, sizes, hollow

    def render(
        self, array: np.ndarray, image: QtGui.QImage, gx0: int, gy0: int, resolution: float
    ) -> None:
        """Draw the grid region whose top-left pixel is (gx0, gy0) at ``resolution`` m/pixel
        into ``image`` (which shares memory with ``array``)."""
        chunked = self.chunked
        visible = self._features_with_dots(array, gx0, gy0, resolution)
        if visible is None:
            return
        features, sizes, hollow = visible
        if self.filled:
            # hollow polygons show only their outline: draw it whenever it is a pixel long
            outline_pixels = 1.0 if hollow else OUTLINE_MIN_PIXELS
            min_size = 2.0 ** math.ceil(math.log2(outline_pixels * resolution))
            if self.stroke_pixels <= 0:
                min_size = math.inf
            shapes = features[sizes >= (min_size if hollow else resolution)]
            outlined = chunked.size[shapes] >= min_size
            fast_outline = self.stroke_pixels <= MAX_FAST_LINE_PIXELS
            filled_with_outlines = self._fill(
                array, shapes, gx0, gy0, resolution, outlined if fast_outline else None
            )
            if math.isinf(min_size) or (fast_outline and filled_with_outlines):
                return
        else:
            min_size = 2.0 ** math.floor(math.log2(resolution))
            if self.stroke_pixels <= MAX_FAST_LINE_PIXELS:
                lines = features[sizes >= min_size]
                colors = self.dot_colors[chunked.class_id[lines]]
                width = round(self.stroke_pixels)
                if draw_lines(
                    array,
                    chunked.xs,
                    chunked.ys,
                    chunked.connect,
                    chunked.vertex_start,
                    lines,
                    colors,
                    width,
                    resolution,
                    gx0,
                    gy0,
                ):
                    return
        self._draw_paths(image, features[sizes >= min_size], gx0, gy0, resolution)

    def _fill(self, array, features, gx0, gy0, resolution, outlined) -> bool:
        """Fill (and outline where ``outlined``) polygons; False if outlines are left to
        QPainter (numba missing)."""
        chunked = self.chunked
        classes = chunked.class_id[features]
        return fill_features(
            array,
            chunked.xs,
            chunked.ys,
            chunked.connect,
            chunked.vertex_start,
            features,
            self.dot_colors[classes],
            resolution,
            gx0,
            gy0,
            outlined,
            self.outline_dots[classes],
            round(self.stroke_pixels),
        )

    def _draw_paths(self, image, large, gx0, gy0, resolution) -> None:
        if large.size == 0:
            return
        chunked = self.chunked
        classes = chunked.classes
        group_key = chunked.chunk_id[large] * classes + chunked.class_id[large]
        counts = np.bincount(group_key - group_key.min(), minlength=1)
        groups = np.flatnonzero(counts) + group_key.min()
        counts = counts[counts > 0]
        # class-major order so each class is drawn with one pen over all chunks
        order = np.lexsort((groups // classes, groups % classes))
        painter = QtGui.QPainter(image)
        painter.setRenderHint(QtGui.QPainter.RenderHint.Antialiasing, False)
        painter.setTransform(
            QtGui.QTransform(1.0 / resolution, 0.0, 0.0, -1.0 / resolution, -gx0, -gy0)
        )
        painter.setBrush(QtCore.Qt.BrushStyle.NoBrush)
        current_class = -1
        for group, count in zip(groups[order].tolist(), counts[order].tolist(), strict=True):
            klass = group % classes
            if klass != current_class:
                painter.setPen(self.pens[klass])
                current_class = klass
            painter.drawPath(self._path(group, count))
        painter.end()

    def _draw_dots(self, array, features, gx0, gy0, resolution, palette=None) -> None:
        if features.size == 0:
            return
        chunked = self.chunked
        height, width = array.shape
        columns = np.floor(chunked.cx[features] / resolution).astype(np.int64) - gx0
        rows = np.floor(-chunked.cy[features] / resolution).astype(np.int64) - gy0
        inside = (columns >= 0) & (columns < width) & (rows >= 0) & (rows < height)
        palette = self.dot_colors if palette is None else palette
        colors = palette[chunked.class_id[features[inside]]]
        array[rows[inside], columns[inside]] = colors

    def _path(self, group: int, count: int) -> QtGui.QPainterPath:
        key = (group, count)
        path = self._paths.get(key)
        if path is not None:
            self._paths.move_to_end(key)
            return path
        chunked = self.chunked
        first = chunked.group_start[group]
        start, end = chunked.vertex_start[first], chunked.vertex_start[first + count]
        path = array_to_path(
            chunked.xs[start:end], chunked.ys[start:end], chunked.connect[start:end]
        )
        path.setFillRule(QtCore.Qt.FillRule.WindingFill)
        self._paths[key] = path
        self._cached_vertices += end - start
        while self._cached_vertices > PATH_CACHE_VERTICES and len(self._paths) > 1:
            (old_group, old_count), _ = self._paths.popitem(last=False)
            old_first = chunked.group_start[old_group]
            self._cached_vertices -= int(
                chunked.vertex_start[old_first + old_count] - chunked.vertex_start[old_first]
            )
        return path
