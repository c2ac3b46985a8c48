"""Move a mobile site: press on it, drag (coverage and figures follow live), release."""

from __future__ import annotations

import math

import pyqtgraph as pg
from PySide6 import QtCore

from twin.i18n import N_, tr
from twin.ui.map.tools.base import MapEvent
from twin.ui.map.tools.scenario_tool import SKETCH_COLOR, SKETCH_Z, ScenarioTool

PICK_TOLERANCE_PIXELS = 12.0  # screen pixels around a site that count as "on" it
#: ms: while the engine computes a drag frame, the marker waits for its coverage (one
#: repaint shows both) at most this long after the mouse moved
MARKER_WAIT_MS = 50


class MoveSiteTool(ScenarioTool):
    """Drag a site to a new place; a click without dragging selects it for the site editor.
    Esc while dragging puts the site back."""

    name = "move_site"
    status_message = N_("Move site: press on a site and drag it; click a site to edit its cells.")

    def __init__(self, controller) -> None:
        super().__init__(controller)
        self.site_id: str | None = None
        self._start: tuple[float, float] | None = None
        self._moved = False
        self.on_selected = None  # callback(site_id) for the site editor
        # the dragged mast follows the mouse as one marker (cheap), the layer at the drop
        self.marker = pg.ScatterPlotItem(
            size=16, brush=pg.mkBrush(SKETCH_COLOR), pen=pg.mkPen("#1A1A1A", width=1.5)
        )
        self.marker.setZValue(SKETCH_Z)
        # the marker's next place, shown with the next drag frame's coverage or after
        # MARKER_WAIT_MS (each repaint of the map costs the UI thread a few ms)
        self._marker_pending: tuple[float, float] | None = None
        self._marker_timer = QtCore.QTimer()
        self._marker_timer.setSingleShot(True)
        self._marker_timer.setInterval(MARKER_WAIT_MS)
        self._marker_timer.timeout.connect(self._flush_marker)
        live_updated = getattr(controller, "live_updated", None)
        if live_updated is not None:
            live_updated.connect(self._on_live_updated)

    def activate(self, canvas) -> None:
        """Put the (hidden) drag marker on the map."""
        super().activate(canvas)
        canvas.view_box.addItem(self.marker, ignoreBounds=True)
        self._hide_marker()

    def deactivate(self) -> None:
        """Remove the drag marker."""
        self._hide_marker()
        if self.canvas is not None:
            self.canvas.view_box.removeItem(self.marker)
        super().deactivate()

    def marker_position(self) -> tuple[float, float] | None:
        """Where the dragged site is drawn (metres), None when not dragging."""
        if len(self.marker.data) == 0:
            return None
        return float(self.marker.pos().x()), float(self.marker.pos().y())

    def _show_marker(self, x: float, y: float) -> None:
        """The marker at (x, y) metres: one point at the item's origin, the item moved
        (cheaper than new point data on every mouse move)."""
        if len(self.marker.data) == 0:
            self.marker.setData([0.0], [0.0])
        self.marker.setPos(x, y)

    def _move_marker(self, x: float, y: float) -> None:
        """Follow the mouse: at once when the marker is not shown yet or the engine is
        idle, else with the coverage of the drag frame being computed (one repaint for
        both), at the latest after :data:`MARKER_WAIT_MS`."""
        engine = getattr(self.controller, "live", None)
        if len(self.marker.data) == 0 or engine is None or not engine.busy:
            self._marker_pending = None
            self._marker_timer.stop()
            self._show_marker(x, y)
            return
        self._marker_pending = (x, y)
        if not self._marker_timer.isActive():
            self._marker_timer.start()

    def _flush_marker(self) -> None:
        self._marker_timer.stop()
        if self._marker_pending is not None and self.site_id is not None:
            self._show_marker(*self._marker_pending)
        self._marker_pending = None

    def _on_live_updated(self, _milliseconds: float) -> None:
        """A drag frame's coverage is on the map: the marker moves in the same repaint."""
        if self._marker_pending is not None:
            self._flush_marker()

    def _hide_marker(self) -> None:
        self._marker_pending = None
        self._marker_timer.stop()
        self.marker.setData([], [])

    def press(self, event: MapEvent) -> bool:
        """Pick the site under the cursor and start dragging it."""
        if event.button != "left":
            return False
        tolerance = PICK_TOLERANCE_PIXELS * event.map_units_per_pixel
        interventions = self.controller.current_interventions()
        site_id = self.controller.sites.site_at(interventions, event.x, event.y, tolerance)
        if site_id is None:
            self.say(tr("No site here: press on a site (a mast symbol) to move it."))
            return False
        self.site_id = site_id
        self._start = (event.screen_x, event.screen_y)
        self._moved = False
        self.controller.begin_drag(site_id)
        self.say(
            tr("Dragging '{site_id}': release to drop it; Esc puts it back.").format(
                site_id=site_id
            )
        )
        return True

    def move(self, event: MapEvent) -> bool:
        """Follow the mouse: the live engine recomputes the site's coverage."""
        if self.site_id is None or event.button != "left" or self._start is None:
            return False
        if not self._moved:
            distance = math.hypot(event.screen_x - self._start[0], event.screen_y - self._start[1])
            if distance < 3.0:
                return True
        self._moved = True
        self.controller.drag_to(event.x, event.y)
        self._move_marker(event.x, event.y)
        return True

    def release(self, event: MapEvent) -> bool:
        """Drop the site (one undoable edit) or, without a drag, select it."""
        if self.site_id is None:
            return False
        site_id, self.site_id = self.site_id, None
        self._hide_marker()
        if self._moved:
            self.controller.end_drag(event.x, event.y)
            self.say(
                tr("Moved '{site_id}'. Drag another site, or Ctrl+Z to undo.").format(
                    site_id=site_id
                )
            )
        else:
            self.controller.cancel_drag()
            self.say(
                tr("Selected '{site_id}': edit its cells in the site editor.").format(
                    site_id=site_id
                )
            )
        if self.on_selected is not None:
            self.on_selected(site_id)
        return True

    def cancel(self) -> None:
        """Esc: put a dragged site back where it was."""
        if self.site_id is not None:
            self.controller.cancel_drag()
            self.site_id = None
            self._start = None
            self._hide_marker()
        if self.canvas is not None:
            self.say(tr("Move cancelled. ") + self.first_message())
