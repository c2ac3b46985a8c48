"""Labels on the map: measures texts, places them with :func:`twin.layers.labels.place_labels`
(greedy, no overlaps, in priority order) and draws them with a halo, in widget pixels after
the layers. Used by the map canvas, so ``twin render`` and page exports (drawn by the
canvas) show the same labels."""

from __future__ import annotations

import math

import numpy as np
from PySide6 import QtCore, QtGui

from twin.layers.base import Layer
from twin.layers.colors import hex_to_rgba
from twin.layers.labels import LabelAnchors, PlacedLabel, label_anchors, place_labels
from twin.layers.style import LabelStyle
from twin.layers.vector import VectorLayer

KIND_ORDER = {"polygon": 0, "line": 1, "point": 2}  # areas first, then lines, then points
MARGIN_PIXELS = 2.0  # text box margin around the glyphs
MAX_SPRITES = 4000  # drawn labels kept per layer for the next paints
MAX_CANDIDATES = 3000  # anchors tried per layer and paint (a screen holds far fewer labels)


def _qcolor(hex_color: str) -> QtGui.QColor:
    r, g, b, a = hex_to_rgba(hex_color)
    return QtGui.QColor(r, g, b, a)


def label_font(style: LabelStyle, scale: float = 1.0) -> QtGui.QFont:
    """The font of a layer's labels (``style.size`` pixels times ``scale``)."""
    font = QtGui.QFont()
    font.setPixelSize(max(1, round(style.size * scale)))
    font.setBold(style.bold)
    return font


def overlay_obstacles(
    width: float,
    height: float,
    scale_bar: bool,
    north_arrow: bool,
    zoom: float = 1.0,
    scale_bar_pixels: float = 130.0,
) -> list[PlacedLabel]:
    """Boxes (pixels of a ``width`` x ``height`` map) that labels keep clear of: the scale
    bar at the bottom left (``scale_bar_pixels`` long at most) and the north arrow at the
    top right, as :mod:`twin.ui.map.overlays` draws them, ``zoom`` times larger."""
    boxes = []
    if scale_bar:
        box_height = 48.0 * zoom
        boxes.append(
            PlacedLabel(-1, 0.0, height - box_height, scale_bar_pixels + 26.0 * zoom, box_height)
        )
    if north_arrow:
        boxes.append(PlacedLabel(-1, width - 52.0 * zoom, 0.0, 52.0 * zoom, 72.0 * zoom))
    return boxes


def _view_metres(to_pixels, viewport: QtCore.QRectF) -> tuple[float, float, float, float]:
    """The box (minx, miny, maxx, maxy metres) of ``viewport`` (pixels) for the linear
    ``to_pixels``."""
    px, py = to_pixels(np.array([0.0, 1.0]), np.array([0.0, 1.0]))
    px, py = np.asarray(px, float), np.asarray(py, float)
    sx, sy = px[1] - px[0], py[1] - py[0]
    if sx == 0 or sy == 0:
        return (0.0, 0.0, 0.0, 0.0)
    xs = (np.array([viewport.left(), viewport.right()]) - px[0]) / sx
    ys = (np.array([viewport.top(), viewport.bottom()]) - py[0]) / sy
    return (float(xs.min()), float(ys.min()), float(xs.max()), float(ys.max()))


def _read_box(view: tuple) -> tuple[float, float, float, float]:
    """What a lazy layer's labels read for ``view`` (metres): the view and half its size
    around, so that small pans keep the labels read."""
    minx, miny, maxx, maxy = view
    dx, dy = (maxx - minx) / 2, (maxy - miny) / 2
    return (minx - dx, miny - dy, maxx + dx, maxy + dy)


def _still_covers(box: tuple | None, view: tuple) -> bool:
    """Whether labels read for ``box`` serve ``view``: it lies inside and is not much
    smaller (zooming in reads again, fewer features)."""
    if box is None:
        return False
    inside = box[0] <= view[0] and box[1] <= view[1] and box[2] >= view[2] and box[3] >= view[3]
    return inside and (view[2] - view[0]) * 3 >= (box[2] - box[0])


def _data_identity(layer: VectorLayer) -> int | None:
    """What identifies a layer's labelled data without reading it: its frame, or None for
    a big lazy layer not loaded (its labels are read around the view, which the placement
    key holds already)."""
    if getattr(layer, "is_loaded", True) is False:
        return None
    return id(layer.frame)


class _LayerLabels:
    """Anchors and measured text sizes of one layer, rebuilt when its data or labels change."""

    def __init__(self, layer: VectorLayer, scale: float, view: tuple | None = None) -> None:
        import pandas as pd

        style = layer.style.labels
        self.box = None  # metres read of a lazy layer (None: the whole frame)
        if view is None:
            self.key = (id(layer.frame), style, layer.geometry_kind, scale)
            frame = layer.frame
        else:  # a big lazy layer: the features around the view only
            self.key = (None, style, layer.geometry_kind, scale)
            self.box = _read_box(view)
            columns = [c for c in (style.field, style.priority_field) if c]
            frame = layer.label_frame(self.box, columns)
        if frame is None:  # too many features in view to label them
            frame = pd.DataFrame()
        self.anchors: LabelAnchors = label_anchors(frame, layer.geometry_kind, style)
        self.font = label_font(style, scale)
        self.halo = style.halo_width * scale
        self.inset = (MARGIN_PIXELS + style.halo_width) * scale
        metrics = QtGui.QFontMetricsF(self.font)
        pad = 2 * self.inset
        self.widths = np.array([metrics.horizontalAdvance(t) + pad for t in self.anchors.text])
        self.height = metrics.height() + pad
        self.ascent = metrics.ascent()
        self._sprites: dict[str, QtGui.QImage] = {}

    def sprite(self, text: str, style: LabelStyle, width: float, height: float) -> QtGui.QImage:
        """The label ``text`` drawn once (halo, then glyphs) into a transparent image of
        the label's box, reused at every paint: stroking a halo is the costly part."""
        image = self._sprites.get(text)
        if image is None:
            if len(self._sprites) >= MAX_SPRITES:  # bounded memory (a few kB per label)
                self._sprites.clear()
            image = QtGui.QImage(
                max(1, math.ceil(width)),
                max(1, math.ceil(height)),
                QtGui.QImage.Format.Format_ARGB32_Premultiplied,
            )
            image.fill(QtCore.Qt.GlobalColor.transparent)
            path = QtGui.QPainterPath()
            path.addText(QtCore.QPointF(self.inset, self.inset + self.ascent), self.font, text)
            painter = QtGui.QPainter(image)
            painter.setRenderHint(QtGui.QPainter.RenderHint.Antialiasing, True)
            if self.halo > 0:
                pen = QtGui.QPen(_qcolor(style.halo_color), 2 * self.halo)
                pen.setJoinStyle(QtCore.Qt.PenJoinStyle.RoundJoin)
                painter.strokePath(path, pen)
            painter.fillPath(path, _qcolor(style.color))
            painter.end()
            self._sprites[text] = image
        return image


class LabelLayerPainter:
    """Places and draws the labels of a canvas's visible layers (one instance per canvas).

    Layers are placed areas first, then lines, then points, each in the project's order,
    each layer's labels by decreasing priority; a label that would overlap one already
    placed is left out. Labels outside their layer's scale range are not drawn.
    """

    def __init__(self) -> None:
        self.scale = 1.0
        self._cache: dict[int, _LayerLabels] = {}
        self.last_placed: list[tuple[Layer, str, PlacedLabel]] = []
        self._placement: tuple[tuple | None, list] = (None, [])  # (key, what was drawn)

    def labelled_layers(self, layers: list[Layer], metres_per_pixel: float) -> list[VectorLayer]:
        """The visible vector layers whose labels show at ``metres_per_pixel``, in placement
        order."""
        chosen = [
            layer
            for layer in layers
            if isinstance(layer, VectorLayer)
            and layer.visible
            and layer.style.labels.enabled
            and layer.style.labels.in_scale_range(metres_per_pixel)
        ]
        return sorted(chosen, key=lambda layer: KIND_ORDER.get(layer.geometry_kind, 3))

    def _labels_of(self, layer: VectorLayer, view: tuple) -> _LayerLabels:
        cached = self._cache.get(id(layer))
        if getattr(layer, "is_loaded", True) is False:  # a lazy layer: read around the view
            key = (None, layer.style.labels, layer.geometry_kind, self.scale)
            if cached is None or cached.key != key or not _still_covers(cached.box, view):
                cached = _LayerLabels(layer, self.scale, view)
                self._cache[id(layer)] = cached
            return cached
        key = (id(layer.frame), layer.style.labels, layer.geometry_kind, self.scale)
        if cached is None or cached.key != key:
            cached = _LayerLabels(layer, self.scale)
            self._cache[id(layer)] = cached
        return cached

    def paint(
        self,
        painter: QtGui.QPainter,
        layers: list[Layer],
        to_pixels,
        viewport: QtCore.QRectF,
        metres_per_pixel: float,
        obstacles: list[PlacedLabel] | None = None,
    ) -> list[tuple[Layer, str, PlacedLabel]]:
        """Place and draw the labels of ``layers`` in ``viewport`` (widget pixels);
        ``to_pixels(xs, ys)`` maps metres to widget pixel arrays; labels keep clear of
        ``obstacles`` (boxes in viewport pixels). Returns what was drawn: (layer, text,
        placed box) per label, also kept in :attr:`last_placed`."""
        shown = self.labelled_layers(layers, metres_per_pixel)
        alive = {id(layer) for layer in layers}
        for key in [k for k in self._cache if k not in alive]:
            del self._cache[key]
        view = _view_metres(to_pixels, viewport)
        key = self._placement_key(shown, to_pixels, viewport, metres_per_pixel, obstacles)
        if key == self._placement[0]:  # same view, layers and styles: same labels
            drawn = self._placement[1]
            for layer, text, label in drawn:
                labels = self._labels_of(layer, view)
                self._draw(painter, layer.style.labels, labels, text, label, viewport)
            self.last_placed = list(drawn)
            return list(drawn)
        placed: list[PlacedLabel] = list(obstacles or ())
        drawn: list[tuple[Layer, str, PlacedLabel]] = []
        size = (viewport.width(), viewport.height())
        for layer in shown:
            labels = self._labels_of(layer, view)
            anchors = labels.anchors
            if anchors.count == 0:
                continue
            px, py = to_pixels(anchors.x, anchors.y)
            px = np.asarray(px, float) - viewport.left()
            py = np.asarray(py, float) - viewport.top()
            inside = (px > -50) & (py > -50) & (px < size[0] + 50) & (py < size[1] + 50)
            rows = np.flatnonzero(inside)
            if rows.size == 0:
                continue
            if rows.size > MAX_CANDIDATES:  # no screen holds more: try the most important
                keep = np.argpartition(-anchors.priority[rows], MAX_CANDIDATES)[:MAX_CANDIDATES]
                rows = np.sort(rows[keep])
            texts = anchors.text
            group = anchors.group[rows]
            widths = labels.widths[group]  # texts are indexed by group
            sizes = np.column_stack([widths, np.full(rows.size, labels.height)])
            gap = layer.style.point_size / 2 + 1 if not anchors.centred else 0.0
            new = place_labels(
                np.column_stack([px[rows], py[rows]]),
                sizes,
                anchors.priority[rows],
                anchors.centred,
                size,
                group=group,
                gap_px=gap,
                placed=placed,
            )
            placed.extend(new)
            for label in new:
                text = texts[int(group[label.index])]
                self._draw(painter, layer.style.labels, labels, text, label, viewport)
                drawn.append((layer, text, label))
        self.last_placed = drawn
        self._placement = (key, list(drawn))
        return drawn

    def _placement_key(self, shown, to_pixels, viewport, metres_per_pixel, obstacles) -> tuple:
        """What the placement depends on: the labelled layers (their data and label
        style), the map-to-pixel mapping, the viewport and the obstacles. A repaint with
        the same key (e.g. each frame of a site dragged over a still map) reuses it."""
        px, py = to_pixels(np.array([0.0, 1.0]), np.array([0.0, 1.0]))
        return (
            tuple(
                (
                    id(layer),
                    _data_identity(layer),
                    layer.style.labels,
                    layer.style.point_size,
                    layer.geometry_kind,
                )
                for layer in shown
            ),
            tuple(float(v) for v in (*np.ravel(px), *np.ravel(py))),
            (viewport.left(), viewport.top(), viewport.width(), viewport.height()),
            metres_per_pixel,
            tuple(label.box for label in obstacles or ()),
            self.scale,
        )

    @staticmethod
    def _draw(
        painter: QtGui.QPainter,
        style: LabelStyle,
        labels: _LayerLabels,
        text: str,
        label: PlacedLabel,
        viewport: QtCore.QRectF,
    ) -> None:
        sprite = labels.sprite(text, style, label.width, label.height)
        painter.drawImage(
            QtCore.QPoint(round(viewport.left() + label.left), round(viewport.top() + label.top)),
            sprite,
        )
