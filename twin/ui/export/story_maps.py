"""The map of a story step as one image: one side, two sides swiped at the divider, or two
sides side by side, each drawn by the window's canvas code (:class:`MapCamera`) and labelled
with what it shows. The camera keeps its canvas between frames so a video's camera moves
redraw only what changed."""

from __future__ import annotations

from PySide6 import QtCore, QtGui, QtWidgets

from twin.project import Project
from twin.ui.export.story_scene import BBox, StepScene
from twin.ui.map.render import ensure_qt_application

INK = QtGui.QColor("#1E1E1E")
HALO = QtGui.QColor(255, 255, 255, 225)
GAP_UNITS = 0.5  # gap between the two maps of a side-by-side step, in text units


class MapCamera:
    """A hidden map canvas of ``size`` pixels drawing ``scene``; :meth:`render` aims it at
    a box and returns the image. Must live on the thread of the QApplication."""

    def __init__(self, scene: Project, size: tuple[int, int]) -> None:
        from twin.ui.map.canvas import MapCanvas

        ensure_qt_application()
        self.size = (max(1, int(size[0])), max(1, int(size[1])))
        self.canvas = MapCanvas()
        self.canvas.show_scale_bar = self.canvas.show_north_arrow = False
        self.canvas.setAttribute(QtCore.Qt.WidgetAttribute.WA_DontShowOnScreen, True)
        self.canvas.setMinimumSize(1, 1)
        self.canvas.resize(*self.size)
        self.canvas.show()
        self.canvas.set_project(scene)
        QtWidgets.QApplication.processEvents()

    def render(self, box: BBox | None) -> tuple[QtGui.QImage, BBox]:
        """The map showing at least ``box`` (metres; None = everything) and the box shown
        (widened to the image's aspect)."""
        if box is None:
            self.canvas.zoom_full()
        else:
            self.canvas.zoom_to_bbox(box)
        image = self.canvas.grab_map()
        if image.size() != QtCore.QSize(*self.size):
            image = image.scaled(*self.size)
        return image.convertToFormat(QtGui.QImage.Format.Format_ARGB32), self.canvas.view_bbox()

    def close(self) -> None:
        """Let the canvas go."""
        self.canvas.set_project(None)
        self.canvas.close()
        self.canvas.deleteLater()


class StepMap:
    """Draws the map of one :class:`StepScene` at ``size`` pixels (the layout's map frame),
    at any box and divider: the cameras are made once and reused."""

    def __init__(self, scene: StepScene, size: tuple[int, int], unit: float) -> None:
        self.scene = scene
        self.size = (max(2, int(size[0])), max(1, int(size[1])))
        self.unit = unit
        mode = scene.step.show
        width, height = self.size
        if mode == "side_by_side":
            gap = round(unit * GAP_UNITS)
            half = max(1, (width - gap) // 2)
            self.halves = (half, width - gap - half)
            self.cameras = [
                MapCamera(scene.sides[0].scene, (self.halves[0], height)),
                MapCamera(scene.sides[1].scene, (self.halves[1], height)),
            ]
        else:
            self.cameras = [MapCamera(side.scene, self.size) for side in scene.sides]

    def render(
        self, box: BBox | None = None, divider: float | None = None
    ) -> tuple[QtGui.QImage, BBox]:
        """(image, box) of the map aimed at ``box`` (default: the step's own), swiped at
        ``divider`` (0..1 of the width; default: the step's). The box returned gives the
        metres per pixel of the scale bar (for side by side: of either map)."""
        step = self.scene.step
        box = box if box is not None else self.scene.box
        width, height = self.size
        image = QtGui.QImage(width, height, QtGui.QImage.Format.Format_ARGB32)
        image.fill(QtGui.QColor("#FFFFFF"))
        painter = QtGui.QPainter(image)
        painter.setRenderHint(QtGui.QPainter.RenderHint.Antialiasing, True)
        painter.setRenderHint(QtGui.QPainter.RenderHint.TextAntialiasing, True)
        labels = [side.label for side in self.scene.sides]
        try:
            if step.show == "side_by_side":
                left, shown = self.cameras[0].render(box)
                right, _ = self.cameras[1].render(box)
                x_right = width - self.halves[1]
                painter.drawImage(0, 0, left)
                painter.drawImage(x_right, 0, right)
                self._label(painter, labels[0], 0, self.halves[0], left_side=True)
                self._label(painter, labels[1], x_right, self.halves[1], left_side=True)
                metres_per_px = (shown[2] - shown[0]) / self.halves[0]
                shown = (shown[0], shown[1], shown[0] + metres_per_px * width, shown[3])
            elif step.show == "swipe":
                left, shown = self.cameras[0].render(box)
                right, _ = self.cameras[1].render(box)
                cut = round(width * (step.divider if divider is None else divider))
                painter.drawImage(0, 0, left)
                painter.drawImage(QtCore.QPoint(cut, 0), right, QtCore.QRect(cut, 0, width, height))
                self._divider(painter, cut, height)
                if cut > self.unit * 4:
                    self._label(painter, labels[0], 0, cut, left_side=True)
                if width - cut > self.unit * 4:
                    self._label(painter, labels[1], cut, width - cut, left_side=True)
            else:
                single, shown = self.cameras[0].render(box)
                painter.drawImage(0, 0, single)
        finally:
            painter.end()
        return image, shown

    def _divider(self, painter: QtGui.QPainter, x: int, height: int) -> None:
        painter.setPen(QtGui.QPen(HALO, max(3.0, self.unit * 0.35)))
        painter.drawLine(QtCore.QPointF(x, 0), QtCore.QPointF(x, height))
        painter.setPen(QtGui.QPen(INK, max(1.0, self.unit * 0.12)))
        painter.drawLine(QtCore.QPointF(x, 0), QtCore.QPointF(x, height))

    def _label(self, painter, text: str, left: float, width: float, left_side: bool) -> None:
        """``text`` in a white box at the top of the map part [left, left + width)."""
        font = QtGui.QFont()
        font.setPixelSize(max(1, round(self.unit)))
        font.setBold(True)
        painter.setFont(font)
        metrics = QtGui.QFontMetricsF(font)
        pad = self.unit * 0.4
        shown = metrics.elidedText(text, QtCore.Qt.TextElideMode.ElideRight, width - 4 * pad)
        box_w = metrics.horizontalAdvance(shown) + 2 * pad
        box_h = metrics.height() + pad
        x = left + pad if left_side else left + width - pad - box_w
        rect = QtCore.QRectF(x, pad, box_w, box_h)
        painter.setPen(QtCore.Qt.PenStyle.NoPen)
        painter.setBrush(HALO)
        painter.drawRoundedRect(rect, pad * 0.5, pad * 0.5)
        painter.setPen(INK)
        painter.drawText(rect, QtCore.Qt.AlignmentFlag.AlignCenter, shown)

    def close(self) -> None:
        """Let the cameras go."""
        for camera in self.cameras:
            camera.close()
        self.cameras = []
