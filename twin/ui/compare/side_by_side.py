"""Two scenarios side by side: two map canvases that pan and zoom together."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QSplitter, QVBoxLayout, QWidget

from twin.project import Project
from twin.ui.compare.maps import ViewLink, align, set_place
from twin.ui.map.canvas import MapCanvas

TITLE_STYLE = (
    "QLabel { background: #ECECE8; color: #222222; padding: 3px 8px; font-weight: 600;"
    " border-bottom: 1px solid #D6D6D0; }"
)


def _titled(canvas: MapCanvas, title: QLabel) -> QWidget:
    box = QWidget()
    layout = QVBoxLayout(box)
    layout.setContentsMargins(0, 0, 0, 0)
    layout.setSpacing(0)
    layout.addWidget(title)
    layout.addWidget(canvas, 1)
    return box


class SideBySideView(QWidget):
    """Scenario A's map (left) and scenario B's map (right); panning or zooming either
    moves the other to the same centre and scale (metres per pixel)."""

    def __init__(
        self,
        project_a: Project,
        project_b: Project,
        title_a: str = "A",
        title_b: str = "B",
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.canvas_a = MapCanvas()
        self.canvas_b = MapCanvas()
        self.title_a = QLabel(title_a)
        self.title_b = QLabel(title_b)
        for label in (self.title_a, self.title_b):
            label.setStyleSheet(TITLE_STYLE)
            label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.addWidget(_titled(self.canvas_a, self.title_a))
        self.splitter.addWidget(_titled(self.canvas_b, self.title_b))
        self.splitter.setChildrenCollapsible(False)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.splitter)
        self.canvas_b.show_north_arrow = False
        for canvas in (self.canvas_a, self.canvas_b):  # the same labels on both maps
            canvas.label_overlay_room = (True, True)
        self.canvas_a.set_project(project_a)
        self.canvas_b.set_project(project_b)
        self.link = ViewLink(self.canvas_a, self.canvas_b, self)
        self._user_sized = False
        self.splitter.splitterMoved.connect(self._on_splitter_moved)

    def _on_splitter_moved(self, *_args) -> None:
        self._user_sized = True
        align(self.canvas_a, self.canvas_b)

    def _halve(self) -> None:
        if not self._user_sized:
            half = max(1, self.splitter.width() // 2)
            self.splitter.setSizes([half, half])

    def set_titles(self, title_a: str, title_b: str) -> None:
        """Name the two maps."""
        self.title_a.setText(title_a)
        self.title_b.setText(title_b)

    def canvases(self) -> tuple[MapCanvas, MapCanvas]:
        """The two map canvases (A, B)."""
        return self.canvas_a, self.canvas_b

    def zoom_to_bbox(self, bbox: tuple[float, float, float, float]) -> None:
        """Show ``bbox`` (metres) on both maps."""
        self.canvas_a.zoom_to_bbox(bbox)
        align(self.canvas_a, self.canvas_b)

    def show_place(self, cx: float, cy: float, per_pixel: float) -> None:
        """Centre both maps on (``cx``, ``cy``) metres at ``per_pixel`` metres per pixel."""
        set_place(self.canvas_a, cx, cy, per_pixel)
        align(self.canvas_a, self.canvas_b)

    def showEvent(self, event) -> None:
        super().showEvent(event)
        self._halve()
        align(self.canvas_a, self.canvas_b)

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self._halve()
        align(self.canvas_a, self.canvas_b)
