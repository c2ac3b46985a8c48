"""The camera move between two story steps, drawn from cached pictures of the map.

Redrawing every layer of one or two maps at each frame of a 0.8 s move is too slow for a
projector (13 frames/s on one map, 4 in a swipe, on a loaded 2-core machine). When a move
starts, :class:`CameraView` renders each map once, without decorations, at the window's
resolution: the view it leaves, the view it goes to and, when neither holds every view in
between, one view of both extents together. Each frame then only draws those pictures
scaled and shifted by the camera (large extents under, detailed ones over), clips them at
the swipe divider, and draws the scale bar, north arrow, divider and name chips itself.
When the move ends the real maps, already at the final extent, are shown again: the final
frame is exactly the one shown without a transition.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass

from PySide6.QtCore import QPoint, QPointF, QRect, QRectF, Qt
from PySide6.QtGui import QColor, QPainter, QPaintEvent, QPixmap
from PySide6.QtWidgets import QWidget

from twin.ui.map import overlays
from twin.ui.map.canvas import MapCanvas

BBox = tuple[float, float, float, float]
SMOOTH = False  # bilinear scaling: 10 ms instead of 5 ms per 1920 x 1080 frame (loaded)
KEPT_PICTURES = 8  # pictures kept for the next moves (8 MB each at 1920 x 1080)


@dataclass(frozen=True)
class Snapshot:
    """One map rendered once: ``pixmap`` shows exactly ``bbox`` (metres)."""

    pixmap: QPixmap
    bbox: BBox

    @property
    def area(self) -> float:
        """The extent's area (square metres)."""
        return (self.bbox[2] - self.bbox[0]) * (self.bbox[3] - self.bbox[1])


@dataclass
class Side:
    """The pictures of one map canvas, where the canvas is (stage pixels) and the
    decorations it draws."""

    snapshots: list[Snapshot]
    rect: QRect
    scale_bar: bool
    north_arrow: bool


def snapshot(canvas: MapCanvas) -> Snapshot:
    """Render ``canvas``'s map as it is now, every layer complete, without scale bar or
    north arrow (the camera view draws those at the camera's scale)."""
    saved = canvas.show_scale_bar, canvas.show_north_arrow
    canvas.show_scale_bar = canvas.show_north_arrow = False
    try:
        image = canvas.grab_map()
    finally:
        canvas.show_scale_bar, canvas.show_north_arrow = saved
    return Snapshot(QPixmap.fromImage(image), canvas.view_bbox())


def picture_key(canvas: MapCanvas) -> tuple:
    """What a picture of ``canvas`` depends on: the canvas, its size, the box shown
    (to the millimetre) and each layer's visibility, opacity and style."""
    project = canvas.project
    layers = project.layers if project is not None else []
    return (
        id(canvas),
        id(project),
        canvas.width(),
        canvas.height(),
        tuple(round(v, 3) for v in canvas.view_bbox()),
        tuple((id(layer), layer.visible, layer.opacity, id(layer.style)) for layer in layers),
    )


def union(a: BBox, b: BBox) -> BBox:
    """The smallest box holding ``a`` and ``b``."""
    return (min(a[0], b[0]), min(a[1], b[1]), max(a[2], b[2]), max(a[3], b[3]))


def contains(outer: BBox, inner: BBox, tolerance: float = 1e-6) -> bool:
    """True when ``outer`` holds ``inner`` (metres, with a relative tolerance)."""
    pad = tolerance * max(outer[2] - outer[0], outer[3] - outer[1], 1.0)
    return (
        outer[0] <= inner[0] + pad
        and outer[1] <= inner[1] + pad
        and outer[2] >= inner[2] - pad
        and outer[3] >= inner[3] - pad
    )


def fitted(bbox: BBox, width: int, height: int) -> BBox:
    """The box a ``width`` x ``height`` px map shows for ``bbox``: centred, at least
    ``bbox``, one axis grown so a metre is as wide as it is high (as MapCanvas does)."""
    per_pixel = max((bbox[2] - bbox[0]) / max(1, width), (bbox[3] - bbox[1]) / max(1, height))
    cx, cy = (bbox[0] + bbox[2]) / 2, (bbox[1] + bbox[3]) / 2
    half_w, half_h = per_pixel * width / 2, per_pixel * height / 2
    return (cx - half_w, cy - half_h, cx + half_w, cy + half_h)


class CameraView(QWidget):
    """Covers the map stage while the camera moves and draws the cached pictures.

    :meth:`begin` renders the pictures (the stage's maps end at the target extent),
    :meth:`set_camera` moves the camera (box in metres, divider 0..1), :meth:`end` hides
    the view so the real maps show the final frame.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent)
        self.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        self.sides: list[Side] = []
        self.bbox: BBox | None = None
        self.divider: float | None = None
        self.handle: QPixmap | None = None
        self.chips: list[tuple[QPixmap, QRect]] = []
        self.swipe = False
        # pictures of recent views (a move often starts where the last one ended); the
        # canvas and project are kept with them so their ids are not reused
        self._pictures: OrderedDict[tuple, tuple[Snapshot, object, object]] = OrderedDict()
        self.rendered = 0  # pictures rendered so far (the others came from the cache)
        self.hide()

    def picture(self, canvas: MapCanvas) -> Snapshot:
        """A picture of ``canvas`` as it is now: rendered, or the same one kept from a
        previous move."""
        key = picture_key(canvas)
        kept = self._pictures.pop(key, None)
        if kept is None:
            kept = (snapshot(canvas), canvas, canvas.project)
            self.rendered += 1
        self._pictures[key] = kept
        while len(self._pictures) > KEPT_PICTURES:
            self._pictures.popitem(last=False)
        return kept[0]

    def forget_pictures(self) -> None:
        """Drop the kept pictures (the maps' data or style changed)."""
        self._pictures.clear()

    def begin(self, stage, start: BBox, target: BBox, divider: float | None) -> None:
        """Render the pictures of ``stage``'s maps for a move from ``start`` to ``target``
        (metres); leaves the maps at ``target`` with the divider at ``divider``."""
        stage.layout().activate()  # a view built for this step gets its size now
        canvases = stage.canvases()
        width, height = max(1, stage.width()), max(1, stage.height())
        sides = [
            Side(
                [],
                QRect(c.mapTo(stage, QPoint(0, 0)), c.size()),
                c.show_scale_bar,
                c.show_north_arrow,
            )
            for c in canvases
        ]
        if sides:
            width, height = max(1, sides[0].rect.width()), max(1, sides[0].rect.height())
        stage.set_bbox(start)
        shown_start = canvases[0].view_bbox() if canvases else start
        for side, canvas in zip(sides, canvases, strict=True):
            side.snapshots.append(self.picture(canvas))
        end = fitted(target, width, height)
        if not (contains(shown_start, end) or contains(end, shown_start)):
            # a pan: neither extent holds the views in between, their union does
            # (the eased box's centre moves linearly and its size geometrically)
            stage.set_bbox(union(shown_start, end))
            for side, canvas in zip(sides, canvases, strict=True):
                side.snapshots.append(self.picture(canvas))
        stage.set_bbox(target)
        if divider is not None:
            stage.set_divider(divider)
        for side, canvas in zip(sides, canvases, strict=True):
            side.snapshots.append(self.picture(canvas))
            side.snapshots.sort(key=lambda s: -s.area)  # wide views under, detailed ones over
        self.sides = sides
        self.swipe = isinstance(stage.divider(), float)
        self._grab_chips(stage)
        self.setGeometry(stage.geometry())
        self.show()

    def _grab_chips(self, stage) -> None:
        """Pictures of the swipe's divider and the scenario names (their places in stage
        pixels): they do not move with the camera."""
        view = stage.view
        self.handle, self.chips = None, []
        handle = getattr(view, "handle", None)
        if handle is not None:
            self.handle = handle.grab()
        labels = [getattr(view, name, None) for name in ("label_a", "label_b")]
        labels += [getattr(view, name, None) for name in ("title_a", "title_b")]
        for label in labels:
            if label is not None:
                place = QRect(label.mapTo(stage, QPoint(0, 0)), label.size())
                self.chips.append((label.grab(), place))

    def set_camera(self, bbox: BBox, divider: float | None) -> None:
        """Show the maps at ``bbox`` (metres) with the swipe divider at ``divider`` (0..1
        of the width; None: one map)."""
        self.bbox, self.divider = bbox, divider
        self.update()

    def end(self) -> None:
        """Hide and drop the pictures (the real maps show the final frame)."""
        self.hide()
        self.sides, self.chips, self.handle = [], [], None
        self.bbox = None

    @staticmethod
    def _target(bbox: BBox, camera: BBox, per_pixel: float) -> QRectF:
        """Where a picture of ``bbox`` (metres) goes in widget pixels for ``camera``."""
        x0 = (bbox[0] - camera[0]) / per_pixel
        y0 = (camera[3] - bbox[3]) / per_pixel
        return QRectF(x0, y0, (bbox[2] - bbox[0]) / per_pixel, (bbox[3] - bbox[1]) / per_pixel)

    def paintEvent(self, _event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, SMOOTH)
        painter.fillRect(self.rect(), QColor("#FFFFFF"))
        if self.bbox is None or not self.sides:
            return
        width, height = self.width(), self.height()
        main = self.sides[0].rect
        camera = fitted(self.bbox, max(1, main.width()), max(1, main.height()))
        per_pixel = (camera[2] - camera[0]) / max(1, main.width())
        cx, cy = (camera[0] + camera[2]) / 2, (camera[1] + camera[3]) / 2
        split = round((self.divider or 0.0) * width)
        for index, side in enumerate(self.sides):
            painter.save()
            clip = QRect(side.rect)
            if self.swipe:  # A left of the divider, B right of it
                clip = clip.intersected(
                    QRect(0, 0, split, height) if index == 0 else QRect(split, 0, width, height)
                )
            painter.setClipRect(clip)
            painter.translate(side.rect.topLeft())
            w, h = side.rect.width(), side.rect.height()
            half_w, half_h = per_pixel * w / 2, per_pixel * h / 2
            camera = (cx - half_w, cy - half_h, cx + half_w, cy + half_h)
            targets = [self._target(shot.bbox, camera, per_pixel) for shot in side.snapshots]
            # a picture covering the whole view hides those under it: start there
            full = QRectF(0, 0, w, h)
            first = max([i for i, t in enumerate(targets) if t.contains(full)], default=0)
            for shot, target in list(zip(side.snapshots, targets, strict=True))[first:]:
                painter.drawPixmap(target, shot.pixmap, QRectF(shot.pixmap.rect()))
            viewport = QRect(0, 0, w, h)
            if side.scale_bar:
                overlays.draw_scale_bar(painter, viewport, per_pixel)
            if side.north_arrow:
                overlays.draw_north_arrow(painter, viewport)
            painter.restore()
        if self.swipe and self.handle is not None:
            painter.drawPixmap(
                QPointF(split - self.handle.width() / self.handle.devicePixelRatio() / 2, 0),
                self.handle,
            )
        for index, (pixmap, place) in enumerate(self.chips):
            room = (split if index == 0 else width - split) if self.swipe else width
            if room > place.width() + 16:  # as the swipe hides a name with no room
                painter.drawPixmap(place.topLeft(), pixmap)
        painter.end()
