"""Base class of layer views: one graphics item per layer, following the layer's events."""

from __future__ import annotations

import math

import pyqtgraph as pg
import shiboken6
from PySide6 import QtCore, QtGui

from twin.layers.base import Layer
from twin.layers.style import Style


def class_colors_with_fallback(style: Style) -> list[str]:
    """Colour of each style class plus, last, the base fill colour for unclassified values."""
    colors = style.class_colors() if style.kind != "single" else []
    return [*colors, style.fill_color]


class LayerView(pg.GraphicsObject):
    """Draws one :class:`Layer`; subscribes to its events and disconnects in :meth:`close`.

    Subclasses implement :meth:`reload` (data changed) and :meth:`restyle` (style changed).
    Visibility and opacity map to the item's own visibility and opacity.
    """

    def __init__(self, layer: Layer) -> None:
        super().__init__()
        self.layer = layer
        self._bounds = QtCore.QRectF()
        self._connections = [
            (layer.events.visible, self._on_visible_changed),
            (layer.events.opacity, self._on_opacity_changed),
            (layer.events.style, self._on_style_changed),
            (layer.events.data, self._on_data_changed),
        ]
        for signal, slot in self._connections:
            signal.connect(slot)
        self.setVisible(layer.visible)
        self.setOpacity(layer.opacity)
        self._update_bounds()

    # --- events ----------------------------------------------------------------------
    def close(self) -> None:
        """Disconnect from the layer's events (the canvas calls this when removing it)."""
        for signal, slot in self._connections:
            signal.disconnect(slot, missing_ok=True)
        self._connections = []

    def _alive(self) -> bool:
        """False once Qt deleted the item (its canvas went away): then stop listening."""
        if shiboken6.isValid(self):
            return True
        self.close()
        return False

    def _on_visible_changed(self, visible: bool) -> None:
        if self._alive():
            self.setVisible(visible)

    def _on_opacity_changed(self, opacity: float) -> None:
        if self._alive():
            self.setOpacity(opacity)

    def _on_style_changed(self, _style: Style) -> None:
        if self._alive():
            self.restyle()
            self.update()

    def _on_data_changed(self) -> None:
        if self._alive():
            self.prepareGeometryChange()
            self._update_bounds()
            self.reload()
            self.update()

    # --- to override -------------------------------------------------------------------
    def reload(self) -> None:
        """Rebuild everything from the layer's data."""

    def restyle(self) -> None:
        """Rebuild pens, brushes and colours from the layer's style."""

    # --- QGraphicsItem -----------------------------------------------------------------
    def _update_bounds(self) -> None:
        minx, miny, maxx, maxy = self.layer.bounds
        if not all(math.isfinite(v) for v in (minx, miny, maxx, maxy)):
            self._bounds = QtCore.QRectF()
            return
        self._bounds = QtCore.QRectF(minx, miny, max(maxx - minx, 1e-6), max(maxy - miny, 1e-6))

    def boundingRect(self) -> QtCore.QRectF:
        """The layer's extent in project metres (padded by the subclass if needed)."""
        return self._bounds

    def paint(self, painter, option, widget=None) -> None:
        """Nothing by default; subclasses with children draw through them."""


def pixel_grid(painter: QtGui.QPainter) -> tuple[float, int, int, int, int] | None:
    """Where ``painter`` draws on the map's pixel grid: (resolution m/pixel, column and row
    of the top-left pixel, width and height in pixels, one more each way so partial pixels
    at the edges are covered); None when its transform is not a plain scale (rotated,
    sheared or empty)."""
    transform = painter.transform()
    scale = transform.m11()
    if scale <= 0 or transform.m12() != 0 or transform.m21() != 0:
        return None
    viewport = painter.viewport()
    gx0 = math.floor(-transform.dx() + viewport.x())
    gy0 = math.floor(-transform.dy() + viewport.y())
    return 1.0 / scale, gx0, gy0, viewport.width() + 1, viewport.height() + 1


def draw_grid_image(painter: QtGui.QPainter, image: QtGui.QImage, gx0: int, gy0: int) -> None:
    """Draw ``image``, whose top-left pixel is column ``gx0``, row ``gy0`` of the map's pixel
    grid (:func:`pixel_grid`), at its device pixels: unscaled, so no pixel is resampled."""
    transform = painter.transform()
    painter.save()
    painter.resetTransform()
    painter.drawImage(
        QtCore.QPoint(round(gx0 + transform.dx()), round(gy0 + transform.dy())), image
    )
    painter.restore()


def pixel_box(
    box: tuple[float, float, float, float],
    resolution: float,
    origin: tuple[int, int],
    size: tuple[int, int],
) -> tuple[int, int, int, int] | None:
    """The pixels (left, top, right, bottom; right and bottom exclusive) of the map's pixel
    grid that ``box`` (minx, miny, maxx, maxy metres) touches, clipped to the image of
    ``size`` (width, height) whose top-left pixel is ``origin`` (column, row); None when
    they do not meet."""
    x0, y0, x1, y1 = box
    gx, gy = origin
    width, height = size
    left = max(gx, math.floor(x0 / resolution))
    right = min(gx + width, math.ceil(x1 / resolution))
    top = max(gy, math.floor(-y1 / resolution))
    bottom = min(gy + height, math.ceil(-y0 / resolution))
    if right <= left or bottom <= top:
        return None
    return left, top, right, bottom
