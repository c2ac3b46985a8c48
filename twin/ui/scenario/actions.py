"""The scenario editing part of the main window: the controller, its docks (scenarios, site
editor, KPIs), the map tools and their actions, Edit > Undo/Redo and View > Compare.

The window stays an assembler: it creates one :class:`ScenarioWorkbench` and adds its
actions to its menus and toolbars.
"""

from __future__ import annotations

from PySide6.QtCore import QObject
from PySide6.QtGui import QAction, QActionGroup, QKeySequence
from PySide6.QtWidgets import QInputDialog, QMainWindow

from twin.i18n import N_, tr
from twin.ui.live.travel_actions import TravelTimeWorkbench
from twin.ui.map.tools.add_site import AddSiteTool
from twin.ui.map.tools.energy_asset import EnergyAssetTool
from twin.ui.map.tools.fiber_area import FiberAreaTool
from twin.ui.map.tools.move_site import MoveSiteTool
from twin.ui.map.tools.transit_line import TransitLineTool
from twin.ui.panels.scenario import ScenarioPanel
from twin.ui.panels.site_editor import SiteEditor
from twin.ui.panels.timeline import PlanTimeline
from twin.ui.scenario.controller import ScenarioController
from twin.ui.scenario.result_layers import ResultLayerPresenter

# (attribute, menu text, shortcut, what the tool does)
TOOL_ACTIONS = (
    ("add_site", N_("Add mobile &site"), "S", N_("Click on the map to add a mobile site")),
    ("move_site", N_("&Move / edit site"), "M", N_("Drag a site; click one to edit its cells")),
    ("fiber_area", N_("&Fiber extension area"), "F", N_("Draw the area to connect to fiber")),
    ("transit_line", N_("&Transit line"), "T", N_("Click the stops of a new line")),
    ("ev_chargers", N_("&EV chargers"), "E", N_("Click to place EV chargers on the grid")),
    ("photovoltaics", N_("Rooftop &PV"), "V", N_("Click to place rooftop PV on the grid")),
)


class ScenarioWorkbench(QObject):
    """Builds and connects the scenario editor inside ``window`` (a MainWindow)."""

    def __init__(self, window: QMainWindow, tool_group: QActionGroup) -> None:
        super().__init__(window)
        self.window = window
        self.controller = ScenarioController(parent=window)
        self.presenter = ResultLayerPresenter()
        self.panel = ScenarioPanel()
        self.panel.bind(self.controller)
        self.site_editor = SiteEditor()
        self.site_editor.bind(self.controller)
        self.kpi = self._kpi_dock()
        self.tools = {
            "add_site": AddSiteTool(self.controller),
            "move_site": MoveSiteTool(self.controller),
            "fiber_area": FiberAreaTool(self.controller),
            "transit_line": TransitLineTool(self.controller),
            "ev_chargers": EnergyAssetTool(self.controller, "ev"),
            "photovoltaics": EnergyAssetTool(self.controller, "pv"),
        }
        status = window.statusBar()
        for tool in self.tools.values():
            tool.on_status = lambda text: status.showMessage(text)
        self.tools["add_site"].on_added = self._on_site_chosen
        self.tools["move_site"].on_selected = self._on_site_chosen
        self.tool_actions: dict[str, QAction] = {}
        for key, text, shortcut, tip in TOOL_ACTIONS:
            action = QAction(tr(text), window)
            action.setShortcut(QKeySequence(shortcut))
            action.setStatusTip(tr(tip))
            action.setCheckable(True)
            action.triggered.connect(lambda _checked=False, k=key: self.use_tool(k))
            tool_group.addAction(action)
            self.tool_actions[key] = action
        stack = self.controller.undo_stack
        self.undo_action = self._stack_action(tr("&Undo"), stack.undo, ["Ctrl+Z"])
        stack.canUndoChanged.connect(self.undo_action.setEnabled)
        stack.undoTextChanged.connect(
            lambda text: self._describe(self.undo_action, tr("Undo"), text)
        )
        self.redo_action = self._stack_action(tr("&Redo"), stack.redo, ["Ctrl+Shift+Z", "Ctrl+Y"])
        stack.canRedoChanged.connect(self.redo_action.setEnabled)
        stack.redoTextChanged.connect(
            lambda text: self._describe(self.redo_action, tr("Redo"), text)
        )
        self.compare_action = QAction(tr("Compare side by side…"), window)
        self.compare_action.triggered.connect(lambda: self.open_compare("side-by-side"))
        self.swipe_action = QAction(tr("Swipe between scenarios…"), window)
        self.swipe_action.triggered.connect(lambda: self.open_compare("swipe"))
        self.travel = TravelTimeWorkbench(window, tool_group, self.controller)
        self.tool_actions["travel_time"] = self.travel.action
        self.timeline = PlanTimeline()
        self.timeline.bind(self.controller)
        self.controller.result_layers_changed.connect(self.presenter.show)
        self.controller.message.connect(lambda text: status.showMessage(text, 8000))
        self._compare_windows: list = []

    def _stack_action(self, text: str, slot, shortcuts: list[str]) -> QAction:
        """An Undo/Redo action with a short label; the edit's words go in the tooltip and
        the menu (the toolbar keeps its width)."""
        action = QAction(text, self.window)
        action.setShortcuts([QKeySequence(s) for s in shortcuts])
        action.triggered.connect(slot)
        action.setEnabled(False)
        return action

    @staticmethod
    def _describe(action: QAction, verb: str, text: str) -> None:
        action.setToolTip(f"{verb}: {text}" if text else verb)
        action.setStatusTip(action.toolTip())

    def _kpi_dock(self):
        try:
            from twin.ui.panels.kpi import KpiDock
        except ImportError:
            return None
        dock = KpiDock()
        dock.bind(self.controller)
        return dock

    # --- project ---------------------------------------------------------------------------
    def set_project(self, project) -> None:
        """Edit ``project``'s scenarios (stale saved result layers are dropped first)."""
        self.travel.set_project(None)  # its bands leave the map before the presenter looks
        self.presenter.set_project(project)
        self.controller.set_project(project)
        self.travel.set_project(project)
        self.site_editor.show_site(None)
        for action in (*self.tool_actions.values(), self.compare_action, self.swipe_action):
            action.setEnabled(project is not None)

    # --- tools -----------------------------------------------------------------------------
    def use_tool(self, key: str) -> None:
        """Make the tool ``key`` of :data:`TOOL_ACTIONS` the map's active tool."""
        if key == "travel_time":
            self.travel.use_tool()
            return
        self.window.canvas.set_tool(self.tools[key])
        self.window.canvas.setFocus()

    def on_tool_changed(self, tool) -> None:
        """Check the action of the active tool."""
        for key, action in self.tool_actions.items():
            if key in self.tools:
                action.setChecked(self.tools[key] is tool)
        self.travel.on_tool_changed(tool)

    def _on_site_chosen(self, site_id: str) -> None:
        self.site_editor.show_site(site_id)
        dock = getattr(self.window, "site_editor_dock", None)
        if dock is not None:
            dock.raise_()

    # --- compare ---------------------------------------------------------------------------
    def open_compare(self, mode: str, names: tuple[str | None, str | None] | None = None):
        """Open B's compare view of two scenarios (None = the baseline); asks which ones
        unless ``names`` are given."""
        try:
            from twin.ui.compare import open_compare
        except ImportError:
            self.window.statusBar().showMessage(tr("Compare views are not available yet."), 8000)
            return None
        if names is None:
            names = self._ask_pair()
            if names is None:
                return None
        widget = open_compare(self.window, self.controller, names[0], names[1], mode=mode)
        if widget is not None:
            self._compare_windows.append(widget)
        return widget

    def _ask_pair(self) -> tuple[str | None, str | None] | None:
        choices = ["Baseline", *self.controller.scenario_names()]
        if len(choices) < 2:
            self.window.statusBar().showMessage(tr("Create a scenario to compare first."), 8000)
            return None
        current = self.controller.current_name()
        second = choices.index(current) if current in choices else 1
        first, ok = QInputDialog.getItem(
            self.window, tr("Compare"), tr("Left / A:"), choices, 0, False
        )
        if not ok:
            return None
        other, ok = QInputDialog.getItem(
            self.window, tr("Compare"), tr("Right / B:"), choices, second, False
        )
        if not ok:
            return None
        return (None if first == "Baseline" else first, None if other == "Baseline" else other)
