"""Swipe: one map showing scenario A left of a vertical divider and scenario B right of
it; drag the divider to reveal more of one or the other."""

from __future__ import annotations

from PySide6.QtCore import QPoint, QRect, Qt, Signal
from PySide6.QtGui import QColor, QMouseEvent, QPainter, QPen, QRegion
from PySide6.QtWidgets import QLabel, QWidget

from twin.i18n import tr
from twin.project import Project
from twin.ui.compare.maps import ViewLink, align, set_place
from twin.ui.map.canvas import MapCanvas

HANDLE_WIDTH = 14  # px: the divider's grab area
NORTH_ARROW_ROOM = 56  # px kept free at the top right for the north arrow
LINE_COLOR = "#222222"
CHIP_STYLE = (
    "QLabel { background: rgba(255, 255, 255, 225); color: #111111; padding: 2px 7px;"
    " border: 1px solid #888888; border-radius: 3px; font-weight: 600; }"
)


class SwipeHandle(QWidget):
    """The draggable divider: a dark line with a grip; reports the new x (parent pixels)."""

    dragged = Signal(int)

    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent)
        self.setCursor(Qt.CursorShape.SplitHCursor)
        self.setFixedWidth(HANDLE_WIDTH)
        self.setToolTip(tr("Drag to compare the two scenarios"))
        self._grab_offset: int | None = None

    def paintEvent(self, _event) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        middle = self.width() // 2
        painter.setPen(QPen(QColor("#FFFFFF"), 5))
        painter.drawLine(middle, 0, middle, self.height())
        painter.setPen(QPen(QColor(LINE_COLOR), 2))
        painter.drawLine(middle, 0, middle, self.height())
        grip = QRect(0, self.height() // 2 - 22, self.width(), 44)
        painter.setBrush(QColor("#FFFFFF"))
        painter.setPen(QPen(QColor(LINE_COLOR), 1.5))
        painter.drawRoundedRect(grip.adjusted(1, 1, -1, -1), 4, 4)
        for dx in (-2, 2):
            painter.drawLine(middle + dx, grip.top() + 12, middle + dx, grip.bottom() - 12)

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            self._grab_offset = int(event.position().x()) - self.width() // 2
            event.accept()

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        if self._grab_offset is not None:
            in_parent = self.mapToParent(QPoint(int(event.position().x()), 0)).x()
            self.dragged.emit(in_parent - self._grab_offset)
            event.accept()

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if self._grab_offset is not None:
            self.mouseMoveEvent(event)
            self._grab_offset = None
            event.accept()


class SwipeView(QWidget):
    """Scenario A's map with scenario B's map laid over it, B visible only right of the
    divider. Both maps pan and zoom together (drag either side); the divider is at
    :attr:`fraction` of the width (0 = all B, 1 = all A)."""

    divider_moved = Signal(float)

    def __init__(
        self,
        project_a: Project,
        project_b: Project,
        title_a: str = "A",
        title_b: str = "B",
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.fraction = 0.5
        self.canvas_a = MapCanvas(self)
        self.canvas_b = MapCanvas(self)
        # one scale bar (A's, bottom left) and one north arrow (B's, top right)
        self.canvas_a.show_north_arrow = False
        self.canvas_b.show_scale_bar = False
        for canvas in (self.canvas_a, self.canvas_b):  # the same labels on both maps
            canvas.label_overlay_room = (True, True)
        self.handle = SwipeHandle(self)
        self.handle.dragged.connect(self.set_divider_x)
        self.label_a = QLabel(title_a, self)
        self.label_b = QLabel(title_b, self)
        for label in (self.label_a, self.label_b):
            label.setStyleSheet(CHIP_STYLE)
            label.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        self.setMinimumSize(200, 150)
        self.canvas_a.set_project(project_a)
        self.canvas_b.set_project(project_b)
        self.link = ViewLink(self.canvas_a, self.canvas_b, self)
        self._place()

    # --- divider -------------------------------------------------------------------------------
    def divider_x(self) -> int:
        """The divider's x in widget pixels."""
        return round(self.fraction * self.width())

    def set_divider_x(self, x: int) -> None:
        """Move the divider to widget pixel ``x`` (clamped to the map)."""
        width = max(1, self.width())
        self.set_fraction(min(max(x, 0), width) / width)

    def set_fraction(self, fraction: float) -> None:
        """Move the divider to ``fraction`` of the width (0 left edge .. 1 right edge)."""
        fraction = min(1.0, max(0.0, float(fraction)))
        if fraction == self.fraction and self.handle.x() == self.divider_x() - HANDLE_WIDTH // 2:
            return
        self.fraction = fraction
        self._place()
        self.divider_moved.emit(fraction)

    def set_titles(self, title_a: str, title_b: str) -> None:
        """Name the two sides."""
        self.label_a.setText(title_a)
        self.label_b.setText(title_b)
        self._place()

    def canvases(self) -> tuple[MapCanvas, MapCanvas]:
        """The two map canvases (A under, B over)."""
        return self.canvas_a, self.canvas_b

    def zoom_to_bbox(self, bbox: tuple[float, float, float, float]) -> None:
        """Show ``bbox`` (metres)."""
        self.canvas_a.zoom_to_bbox(bbox)
        align(self.canvas_a, self.canvas_b)

    def show_place(self, cx: float, cy: float, per_pixel: float) -> None:
        """Centre both maps on (``cx``, ``cy``) metres at ``per_pixel`` metres per pixel."""
        set_place(self.canvas_a, cx, cy, per_pixel)
        align(self.canvas_a, self.canvas_b)

    def _place(self) -> None:
        rect = self.rect()
        x = self.divider_x()
        self.canvas_a.setGeometry(rect)
        self.canvas_b.setGeometry(rect)
        self.canvas_b.setMask(QRegion(QRect(x, 0, max(0, rect.width() - x), rect.height())))
        self.handle.setGeometry(x - HANDLE_WIDTH // 2, 0, HANDLE_WIDTH, rect.height())
        for label in (self.label_a, self.label_b):
            label.adjustSize()
        self.label_a.move(8, 8)
        # keep the top right corner free for the north arrow
        self.label_b.move(max(8, rect.width() - self.label_b.width() - NORTH_ARROW_ROOM), 8)
        self.label_a.setVisible(x > self.label_a.width() + 16)
        self.label_b.setVisible(rect.width() - x > self.label_b.width() + 16)
        self.canvas_b.raise_()
        self.handle.raise_()
        self.label_a.raise_()
        self.label_b.raise_()

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self._place()
        align(self.canvas_a, self.canvas_b)
