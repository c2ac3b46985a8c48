"""Tools > Travel time from a point: the action, its map tool and the live travel engine.

The main window creates one :class:`TravelTimeWorkbench`, adds :attr:`action` to its menu,
and calls :meth:`set_project` and :meth:`on_tool_changed`. The scenario being edited
(its new transit lines and stops) is taken into account: a scenario change recomputes the
bands from the last origin.
"""

from __future__ import annotations

from PySide6.QtCore import QObject
from PySide6.QtGui import QAction, QActionGroup, QKeySequence
from PySide6.QtWidgets import QMainWindow

from twin.i18n import tr
from twin.ui.live.travel import LiveTravel, reach_text
from twin.ui.map.tools.travel_time import TravelTimeTool


class TravelTimeWorkbench(QObject):
    """Builds and connects the travel-time tool inside ``window`` (a MainWindow)."""

    def __init__(self, window: QMainWindow, tool_group: QActionGroup, controller) -> None:
        super().__init__(window)
        self.window = window
        self.controller = controller
        self.live: LiveTravel | None = None
        self.origin: tuple[float, float] | None = None
        self.tool = TravelTimeTool(self.request)
        self.action = QAction(tr("Travel &time from a point"), window)
        self.action.setShortcut(QKeySequence("Shift+T"))  # T draws a transit line, I identifies
        self.action.setStatusTip(
            tr("Click or drag on the map: door-to-door travel times by walk + transit")
        )
        self.action.setCheckable(True)
        self.action.setEnabled(False)
        self.action.triggered.connect(self.use_tool)
        tool_group.addAction(self.action)
        controller.current_changed.connect(lambda _name: self._scenario_changed())
        controller.scenarios_changed.connect(self._scenario_changed)

    def set_project(self, project) -> None:
        """Work on ``project`` (None: nothing); the previous bands leave the map."""
        if self.live is not None:
            self.live.shutdown()
            self.live = None
        self.origin = None
        self.action.setEnabled(project is not None)
        if project is None:
            return
        self.live = LiveTravel(project, self.controller.current_interventions(), parent=self)
        status = self.window.statusBar()
        self.live.updated.connect(lambda update: status.showMessage(reach_text(update)))
        self.live.failed.connect(lambda text: status.showMessage(text, 8000))
        self.live.progress.connect(
            lambda percent, text: (
                text and status.showMessage(tr("Travel times: {text}…").format(text=text))
            )
        )

    def use_tool(self) -> None:
        """Make the travel-time tool the map's active tool."""
        self.window.canvas.set_tool(self.tool)
        self.window.canvas.setFocus()
        self.window.statusBar().showMessage(tr(self.tool.status_message))

    def on_tool_changed(self, tool) -> None:
        """Check the action when its tool is active."""
        self.action.setChecked(tool is self.tool)

    def request(self, x: float, y: float) -> None:
        """Compute the bands from (x, y) project metres."""
        self.origin = (x, y)
        if self.live is not None:
            self.live.request(x, y)

    def shutdown(self) -> None:
        """The window is closing."""
        if self.live is not None:
            self.live.shutdown()

    def _scenario_changed(self) -> None:
        if self.live is None:
            return
        self.live.set_interventions(self.controller.current_interventions())
        if self.origin is not None:
            self.live.request(*self.origin)
