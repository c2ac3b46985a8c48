"""Shared base of the scenario editing tools: the controller, status messages and a sketch
(rubber band) drawn over the map while the tool waits for more clicks."""

from __future__ import annotations

from collections.abc import Callable

import pyqtgraph as pg
from PySide6 import QtCore, QtGui

from twin.i18n import tr
from twin.ui.map.tools.base import MapTool

SKETCH_COLOR = "#D55E00"  # Okabe-Ito vermilion: stands out on every base layer
SKETCH_Z = 1e6  # above every layer view


class Sketch:
    """A polyline or polygon with vertex markers drawn in map metres on a canvas."""

    def __init__(self, closed: bool = False) -> None:
        self.closed = closed
        self.points: list[tuple[float, float]] = []
        self.cursor: tuple[float, float] | None = None
        pen = pg.mkPen(QtGui.QColor(SKETCH_COLOR), width=2.5, style=QtCore.Qt.PenStyle.DashLine)
        self._line = pg.PlotDataItem(pen=pen)
        self._vertices = pg.ScatterPlotItem(
            size=9, brush=pg.mkBrush("#FFFFFF"), pen=pg.mkPen(SKETCH_COLOR, width=2)
        )
        self._view_box = None
        for item in (self._line, self._vertices):
            item.setZValue(SKETCH_Z)

    def attach(self, canvas) -> None:
        """Add the sketch items to ``canvas``'s view box."""
        self._view_box = canvas.view_box
        for item in (self._line, self._vertices):
            self._view_box.addItem(item, ignoreBounds=True)

    def detach(self) -> None:
        """Remove the sketch items from the map."""
        if self._view_box is not None:
            for item in (self._line, self._vertices):
                self._view_box.removeItem(item)
        self._view_box = None

    def clear(self) -> None:
        """Forget every vertex."""
        self.points, self.cursor = [], None
        self.redraw()

    def redraw(self) -> None:
        """Draw the vertices, the segments and the segment to the cursor."""
        path = list(self.points) + ([self.cursor] if self.cursor is not None else [])
        if self.closed and len(path) >= 3:
            path.append(path[0])
        if path:
            xs, ys = zip(*path, strict=True)
            self._line.setData(list(xs), list(ys))
        else:
            self._line.setData([], [])
        self._vertices.setData([p[0] for p in self.points], [p[1] for p in self.points])


class ScenarioTool(MapTool):
    """A map tool that edits the current scenario through ``controller``.

    ``on_status(text)`` (set by the window) receives what the tool expects next.
    """

    def __init__(self, controller) -> None:
        super().__init__()
        self.controller = controller
        self.on_status: Callable[[str], None] | None = None

    def say(self, text: str) -> None:
        """Show ``text`` in the status bar (and keep it as :attr:`status_message`)."""
        self.status_message = text
        if self.on_status is not None:
            self.on_status(text)

    def activate(self, canvas) -> None:
        """Start with the tool's first instruction."""
        super().activate(canvas)
        self.say(self.first_message())

    def first_message(self) -> str:
        """What the tool expects when it starts."""
        return tr(type(self).status_message)


DOUBLE_CLICK_SECONDS = 0.4  # two presses this close in time and space finish a drawing
DOUBLE_CLICK_PIXELS = 6.0


class VertexTool(ScenarioTool):
    """Click vertices; Enter or a double click finishes, Backspace removes the last vertex,
    Esc abandons the drawing. Subclasses give :attr:`min_points` and :meth:`finish`."""

    min_points = 2
    closed = False
    what = "vertex"

    def __init__(self, controller) -> None:
        super().__init__(controller)
        self.sketch = Sketch(closed=self.closed)
        self._last_press: tuple[float, float, float] | None = None

    @property
    def points(self) -> list[tuple[float, float]]:
        """The vertices clicked so far (metres)."""
        return self.sketch.points

    def activate(self, canvas) -> None:
        """Show the sketch on the map."""
        super().activate(canvas)
        self.sketch.attach(canvas)

    def deactivate(self) -> None:
        """Remove the sketch."""
        self.sketch.detach()
        super().deactivate()

    def press(self, event) -> bool:
        """Add a vertex; a second press at the same place soon after finishes."""
        if event.button != "left":
            return False
        import time

        now = time.monotonic()
        last = self._last_press
        self._last_press = (now, event.screen_x, event.screen_y)
        if (
            last is not None
            and now - last[0] < DOUBLE_CLICK_SECONDS
            and abs(event.screen_x - last[1]) <= DOUBLE_CLICK_PIXELS
            and abs(event.screen_y - last[2]) <= DOUBLE_CLICK_PIXELS
        ):
            self._last_press = None
            self.complete()
            return True
        self.sketch.points.append((float(event.x), float(event.y)))
        self.sketch.redraw()
        self.say(self.progress_message())
        return True

    def move(self, event) -> bool:
        """The segment to the cursor follows the mouse."""
        if self.sketch.points:
            self.sketch.cursor = (float(event.x), float(event.y))
            self.sketch.redraw()
        return False

    def key(self, key_name: str) -> bool:
        """Enter finishes, Backspace removes the last vertex."""
        if key_name in ("Return", "Enter"):
            self.complete()
            return True
        if key_name == "Backspace" and self.sketch.points:
            self.sketch.points.pop()
            self.sketch.redraw()
            self.say(self.progress_message())
            return True
        return False

    def complete(self) -> None:
        """Finish the drawing if it has enough vertices."""
        points = list(self.sketch.points)
        if len(points) < self.min_points:
            self.say(
                tr("Need at least {min_points} {what}s. ").format(
                    min_points=self.min_points, what=self.what
                )
                + self.progress_message()
            )
            return
        self.sketch.clear()
        message = self.finish(points)
        self.say(message)

    def finish(self, points: list[tuple[float, float]]) -> str:
        """Create the intervention from ``points``; returns the next status message."""
        raise NotImplementedError

    def progress_message(self) -> str:
        """Status while drawing."""
        count = len(self.sketch.points)
        if count < self.min_points:
            return tr("{count} {what}(s): click the next {what} (Esc: cancel).").format(
                count=count, what=self.what
            )
        return tr(
            "{count} {what}s: click another, double-click or Enter to finish, "
            "Backspace to undo the last one, Esc to cancel."
        ).format(count=count, what=self.what)

    def cancel(self) -> None:
        """Esc: abandon the drawing in progress."""
        had_points = bool(self.sketch.points)
        self.sketch.clear()
        self._last_press = None
        if self.canvas is not None:
            prefix = tr("Drawing cancelled. ") if had_points else ""
            self.say(prefix + self.first_message())
