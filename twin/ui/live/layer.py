"""The live coverage level raster: a RasterLayer whose view colours its small integer
classes with one vectorised table lookup, so it can be redrawn on every mouse move.

(The generic raster view classifies ``raster-classes`` values one by one in Python, about
1 s for the sample's 0.8 million pixels; the live layer needs a few milliseconds.) When
the levels change, the view recolours only the rectangle of pixels that changed (a moved
site changes a window around its old and new places) in a colour array that its QImage
shares, so no image is rebuilt and nothing is downsampled on the UI thread.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6 import QtCore, QtGui

from twin.layers.colors import hex_to_rgba
from twin.layers.raster import RasterLayer
from twin.layers.style import Style
from twin.ui.map.views import VIEW_CLASSES
from twin.ui.map.views.raster import RasterLayerView, raster_rgba

_TRANSPARENT = 256  # table row of values without a class (and of nodata)


class LiveLevelLayer(RasterLayer):
    """A raster of small non-negative integer classes (coverage levels 0-3).

    ``engine_level``: the engine's level (0-3) on the same grid before the pixels outside
    the territory were set to "no class" for drawing; what people are counted on (a
    building near a commune's edge may sit on a pixel whose centre is outside)."""

    engine_level: np.ndarray | None = None


def class_table(style: Style) -> np.ndarray | None:
    """(257,) uint32 RGBA words (in memory order R, G, B, A) of class values 0-255 and, last,
    transparent; None when the style is not integer classes 0-255."""
    codes = [c.value for c in style.categories]
    if style.kind != "raster-classes" or not all(
        float(v).is_integer() and 0 <= float(v) < 256 for v in codes
    ):
        return None
    table = np.zeros((257, 4), dtype=np.uint8)
    for category in style.categories:
        table[int(category.value)] = hex_to_rgba(category.color)
    return table.view(np.uint32).ravel()


def _class_words(values: np.ndarray, table: np.ndarray, valid: np.ndarray | None) -> np.ndarray:
    """uint32 RGBA words of ``values`` through ``table`` (transparent where not ``valid``)."""
    if values.dtype == np.uint8:
        index = values  # 0-255: always inside the table
    elif values.dtype.kind in "iub":
        index = values.astype(np.intp, copy=False)
        index = np.where((index < 0) | (index > 255), _TRANSPARENT, index)
    else:
        index = np.nan_to_num(values, nan=-1.0)
        index = np.where((index < 0) | (index > 255), _TRANSPARENT, index).astype(np.intp)
    if valid is not None:
        index = np.where(valid, index, _TRANSPARENT)
    return table[index]


def level_rgba(layer: RasterLayer) -> np.ndarray:
    """(rows, cols, 4) uint8 colours of an integer class raster through its categories
    (values without a category, and nodata, are transparent)."""
    values = np.asarray(layer.array)
    table = class_table(layer.style)
    if table is None:
        return raster_rgba(layer)
    valid = layer.valid_mask() if layer.nodata is not None else None
    words = _class_words(values, table, valid)
    return words.view(np.uint8).reshape(*values.shape, 4)


def changed_box(old: np.ndarray, new: np.ndarray) -> tuple[int, int, int, int] | None:
    """The smallest (r0, r1, c0, c1) rectangle holding every pixel where ``old`` and
    ``new`` (same shape) differ; None when they are equal."""
    differ = old != new
    rows = np.flatnonzero(differ.any(axis=1))
    if rows.size == 0:
        return None
    cols = np.flatnonzero(differ[rows[0] : rows[-1] + 1].any(axis=0))
    return int(rows[0]), int(rows[-1]) + 1, int(cols[0]), int(cols[-1]) + 1


def premultiplied_table(table: np.ndarray, opacity: float) -> np.ndarray:
    """The words of :func:`class_table` as premultiplied ARGB32 (0xAARRGGBB) with
    ``opacity`` (0-1) folded into alpha: the format the raster painter blends fastest."""
    rgba = table.view(np.uint8).reshape(-1, 4).astype(np.float64)
    alpha = np.rint(rgba[:, 3] * min(max(opacity, 0.0), 1.0))
    premultiplied = np.rint(rgba[:, :3] * (alpha / 255.0)[:, None]).astype(np.uint32)
    r, g, b = premultiplied.T
    return (alpha.astype(np.uint32) << 24) | (r << 16) | (g << 8) | b


class _SharedImageItem(pg.ImageItem):
    """An ImageItem drawn through one QImage that shares the memory of ``words``, a
    (rows, cols) uint32 array of premultiplied ARGB32 colours (set before ``setImage``;
    ``image`` stays the straight RGBA colours): writing into ``words`` and calling
    ``update()`` redraws the new colours with no conversion. Drawn pixel for pixel
    (nearest neighbour when zoomed out: classes are not averaged into colours that mean
    nothing)."""

    words: np.ndarray | None = None

    def render(self) -> None:
        words = self.words
        if words is None or words.size == 0:
            self._unrenderable = True
            return
        rows, cols = words.shape
        self.qimage = QtGui.QImage(
            words.data, cols, rows, 4 * cols, QtGui.QImage.Format.Format_ARGB32_Premultiplied
        )
        self._renderRequired = False
        self._unrenderable = False


class LiveLevelView(RasterLayerView):
    """Draws a :class:`LiveLevelLayer` with the vectorised colouring, recolouring only the
    rectangle that changed since the last update. The layer's opacity is folded into the
    drawn colours (premultiplied ARGB32) rather than applied by the painter, which would
    convert and blend the whole image on every repaint."""

    def __init__(self, layer: RasterLayer) -> None:
        self._levels: np.ndarray | None = None  # the values the colours were made from
        self._rgba: np.ndarray | None = None
        self._table: np.ndarray | None = None
        self._shown_table: np.ndarray | None = None  # premultiplied, with the opacity
        self._placed: tuple = ()  # the affine transform the image is placed with
        super().__init__(layer)

    def _make_image_item(self) -> pg.ImageItem:
        return _SharedImageItem(axisOrder="row-major")

    def restyle(self) -> None:
        """Recolour the whole image from the style and opacity (one table lookup)."""
        layer = self.layer
        self._table = class_table(layer.style) if layer.nodata is None else None
        self._rgba = np.ascontiguousarray(level_rgba(layer))
        self._levels = np.array(layer.array, copy=True)
        self._placed = tuple(layer.transform)
        straight = class_table(layer.style) if self._table is None else self._table
        if straight is not None and layer.nodata is None:
            self._shown_table = premultiplied_table(straight, layer.opacity)
            words = _class_words(np.asarray(layer.array), self._shown_table, None)
        else:  # other values or nodata: premultiply the generic colours
            self._shown_table = None
            rgba = self._rgba.astype(np.float64)
            alpha = np.rint(rgba[..., 3] * layer.opacity)
            rgb = np.rint(rgba[..., :3] * (alpha / 255.0)[..., None]).astype(np.uint32)
            words = (alpha.astype(np.uint32) << 24) | (rgb[..., 0] << 16)
            words |= (rgb[..., 1] << 8) | rgb[..., 2]
        self.image_item.words = np.ascontiguousarray(words, dtype=np.uint32)
        self.setOpacity(1.0)  # the opacity is in the colours
        self.image_item.setImage(self._rgba, autoLevels=False, levels=(0, 255))

    def _on_opacity_changed(self, _opacity: float) -> None:
        if self._alive():
            self.restyle()

    def _on_data_changed(self) -> None:
        if not self._alive():
            return
        box = self._recolour_changed()
        if box is False:  # another grid, style or placement: the generic path
            super()._on_data_changed()
        elif box is not None:  # repaint only the changed pixels (item = pixel coordinates)
            r0, r1, c0, c1 = box
            self.image_item.update(QtCore.QRectF(c0, r0, c1 - c0, r1 - r0))

    def reload(self) -> None:
        """Recolour what changed in the new levels (all of it if the grid changed)."""
        if self._recolour_changed() is False:
            super().reload()

    def _recolour_changed(self) -> tuple[int, int, int, int] | bool | None:
        """Recolour the rectangle where the levels changed; returns it (None: nothing
        changed), or False when the whole image must be redone."""
        values = np.asarray(self.layer.array)
        old = self._levels
        placed = tuple(self.layer.transform) == self._placed
        if self._shown_table is None or self._table is None or old is None:
            return False
        if old.shape != values.shape or not placed:
            return False
        box = changed_box(old, values)
        if box is None:
            return None
        r0, r1, c0, c1 = box
        block = values[r0:r1, c0:c1]
        words = _class_words(block, self._table, None)
        self._rgba[r0:r1, c0:c1] = words.view(np.uint8).reshape(*block.shape, 4)
        self.image_item.words[r0:r1, c0:c1] = _class_words(block, self._shown_table, None)
        old[r0:r1, c0:c1] = block
        return box


VIEW_CLASSES.setdefault(LiveLevelLayer, LiveLevelView)
