"""Shared fixtures of the scenario/tool UI tests: the synthetic town on a MapCanvas with a
ScenarioController, its result layers on the map and the scenario panel."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6 import QtCore
from PySide6.QtCore import Qt
from ui_scenario_project import OPTIONS, SIZE_M, X0, Y0, make_project

from twin.ui.map.canvas import MapCanvas
from twin.ui.panels.scenario import ScenarioPanel
from twin.ui.scenario.controller import ScenarioController
from twin.ui.scenario.result_layers import ResultLayerPresenter

PERSONS_5G = "radio.5g.persons.good_or_better"
PERSONS_ALL = "radio.4g_5g.persons.good_or_better"


@dataclass
class Bench:
    """What a test drives: the canvas, the controller, the panel and the project."""

    qtbot: object
    project: object
    canvas: MapCanvas
    controller: ScenarioController
    panel: ScenarioPanel

    def point(self, x: float, y: float) -> QtCore.QPoint:
        """Viewport pixel of map point (x, y)."""
        widget = self.canvas.map_to_widget(x, y)
        offset = self.canvas.map_viewport().mapTo(self.canvas, QtCore.QPoint(0, 0))
        return QtCore.QPoint(round(widget.x() - offset.x()), round(widget.y() - offset.y()))

    def click(self, x: float, y: float) -> None:
        """Left click at map point (x, y)."""
        self.qtbot.mouseClick(
            self.canvas.map_viewport(), Qt.MouseButton.LeftButton, pos=self.point(x, y)
        )

    def press(self, x: float, y: float) -> None:
        """Left button down at (x, y)."""
        self.qtbot.mousePress(
            self.canvas.map_viewport(), Qt.MouseButton.LeftButton, pos=self.point(x, y)
        )

    def move(self, x: float, y: float) -> None:
        """Move the mouse (button held if pressed) to (x, y)."""
        self.qtbot.mouseMove(self.canvas.map_viewport(), self.point(x, y))

    def release(self, x: float, y: float) -> None:
        """Left button up at (x, y)."""
        self.qtbot.mouseRelease(
            self.canvas.map_viewport(), Qt.MouseButton.LeftButton, pos=self.point(x, y)
        )

    def key(self, key) -> None:
        """Press a key on the map."""
        self.qtbot.keyClick(self.canvas, key)

    def wait_idle(self) -> None:
        """Wait until every engine is done."""
        self.qtbot.waitUntil(lambda: not self.controller.busy, timeout=30_000)

    def figure(self, key: str) -> float:
        """Current value of figure ``key``."""
        return self.controller.figure(key).value

    def tool(self, tool):
        """Make ``tool`` the canvas's active tool; returns it."""
        self.canvas.set_tool(tool)
        self.canvas.setFocus()
        return tool


def make_bench(qtbot) -> Bench:
    """A shown 400 x 400 px canvas at 10 m per pixel over the synthetic town."""
    project = make_project()
    controller = ScenarioController(project, OPTIONS, in_process=True)
    canvas = MapCanvas()
    qtbot.addWidget(canvas)
    canvas.resize(400, 400)
    canvas.show()
    qtbot.waitExposed(canvas)
    canvas.set_project(project)
    canvas.zoom_to_bbox((X0, Y0, X0 + SIZE_M, Y0 + SIZE_M))
    presenter = ResultLayerPresenter()
    presenter.set_project(project)
    controller.result_layers_changed.connect(presenter.show)
    panel = ScenarioPanel()
    qtbot.addWidget(panel)
    panel.bind(controller)
    bench = Bench(qtbot, project, canvas, controller, panel)
    bench.presenter = presenter
    bench.wait_idle()
    return bench
