"""The story part of the main window: the Story dock, View > Present story (F5), taking a
step from the current view (the main map, or an open compare window's swipe or side by
side), showing a step on the map, and the presentation's round trip (the main window hides
when the presentation fills its screen and comes back as it was, docks and geometry).

The window stays an assembler: it creates one :class:`StoryWorkbench`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QByteArray, QObject, QRect, Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QApplication, QDockWidget, QMainWindow, QMenu

from twin.errors import DataError
from twin.i18n import tr
from twin.project import Project
from twin.story import StoryStep, shows_layer
from twin.ui.panels.story import StoryPanel
from twin.ui.scenario.result_layers import is_result_layer

if TYPE_CHECKING:  # the compare and presentation windows load when first used (start-up)
    from twin.ui.compare.window import CompareWindow
    from twin.ui.presentation.window import PresentationWindow

PRESENT_SHORTCUT = "F5"


def open_compare_window() -> CompareWindow | None:
    """The compare window on screen with both scenarios shown (the last opened one)."""
    from twin.ui.compare.window import CompareWindow

    windows = [
        widget
        for widget in QApplication.topLevelWidgets()
        if isinstance(widget, CompareWindow) and widget.isVisible()
    ]
    windows = [w for w in windows if w.a is not None and w.current_view() is not None]
    return windows[-1] if windows else None


def step_from_view(window: QMainWindow, title: str) -> StoryStep:
    """A step of what ``window`` shows now: an open compare window's two scenarios (swipe
    with its divider, or side by side) and extent, else the main map's extent and the
    current scenario (or the baseline); the visible layers of that map."""
    compare = open_compare_window()
    if compare is not None:
        view = compare.current_view()
        extent = view.canvas_a.view_bbox()
        right, left = compare.b.name, compare.a.name
        divider = view.fraction if compare.mode == "swipe" else 0.5
        if right is None:  # a step names its right-hand scenario: keep the scenario there
            right, left, divider = left, None, 1.0 - divider
        layers = [layer.name for layer in compare.project_b.layers if layer.visible]
        if right is not None:
            show = "swipe" if compare.mode == "swipe" else "side_by_side"
            return StoryStep(
                title,
                extent=extent,
                visible_layers=tuple(layers),
                show=show,
                scenario=right,
                compare_with=left,
                divider=min(1.0, max(0.0, divider)),
            )
    project = window.project
    layers = [layer.name for layer in project.layers if layer.visible] if project else []
    current = window.scenario.controller.current_name()
    return StoryStep(
        title,
        extent=window.canvas.view_bbox(),
        visible_layers=tuple(layers),
        show="scenario" if current is not None else "baseline",
        scenario=current,
    )


class StoryWorkbench(QObject):
    """Builds the Story dock and View > Present story in ``window`` (a MainWindow)."""

    def __init__(self, window: QMainWindow, view_menu: QMenu, panels_menu: QMenu) -> None:
        super().__init__(window)
        self.window = window
        controller = window.scenario.controller
        self.panel = StoryPanel()
        self.panel.bind(
            controller.undo_stack, lambda title: step_from_view(window, title), controller.figures
        )
        self.panel.edited.connect(lambda: window.set_modified(True))
        self.panel.show_step.connect(self.show_on_map)
        self.panel.present.connect(self.present)
        self.dock = QDockWidget(tr("Story"), window)
        self.dock.setObjectName("story_dock")
        self.dock.setWidget(self.panel)
        window.addDockWidget(Qt.DockWidgetArea.LeftDockWidgetArea, self.dock)
        window.tabifyDockWidget(window.scenario_dock, self.dock)
        window.scenario_dock.raise_()
        layout = getattr(window, "dock_layout", None)
        if layout is not None:  # tabbed with the scenarios; one tab group when narrow
            for group in layout.left:
                if window.scenario_dock in group:
                    group.append(self.dock)
            layout.compact = None
            layout.fit(window.width())
        self.present_action = QAction(tr("&Present story"), window)
        self.present_action.setShortcut(QKeySequence(PRESENT_SHORTCUT))
        self.present_action.setStatusTip(tr("Show the chosen story full screen (Esc leaves)"))
        self.present_action.triggered.connect(lambda: self.panel.request_present())
        self.present_action.triggered.connect(self._explain_if_no_story)
        view_menu.addSeparator()
        view_menu.addAction(self.present_action)
        panels_menu.addAction(self.dock.toggleViewAction())
        self.presentation: PresentationWindow | None = None
        self._saved: tuple[QRect, QByteArray, Qt.WindowState] | None = None

    def set_project(self, project: Project | None) -> None:
        """Edit ``project``'s stories."""
        self.panel.set_project(project)
        self.present_action.setEnabled(project is not None)

    def _explain_if_no_story(self) -> None:
        if self.presentation is None:
            self.window.statusBar().showMessage(
                tr("Add a step to a story in the Story panel first."), 8000
            )
            self.dock.show()
            self.dock.raise_()

    # --- show a step on the main map ---------------------------------------------------------
    def show_on_map(self, step: StoryStep) -> None:
        """Show ``step`` in the main window: its scenario (or a compare window of its two),
        its layers and its extent."""
        window, controller = self.window, self.window.scenario.controller
        names = set(controller.scenario_names())
        if step.show == "baseline":
            controller.select(None)
        elif step.show == "scenario" and step.scenario in names:
            controller.select(step.scenario)
        elif step.show in ("swipe", "side_by_side"):
            mode = "swipe" if step.show == "swipe" else "side-by-side"
            compare = window.scenario.open_compare(mode, (step.compare_with, step.scenario))
            if compare is not None and getattr(compare, "job", None) is not None:
                compare.job.succeeded.connect(lambda _pair: self._place_compare(compare, step))
        if window.project is not None and step.visible_layers:
            own = [layer for layer in window.project.layers if not is_result_layer(layer)]
            for layer in own:
                shown = shows_layer(step.visible_layers, layer.id, layer.name)
                if layer.visible != shown:
                    layer.visible = shown
        if step.extent is not None:
            window.canvas.zoom_to_bbox(step.extent)

    @staticmethod
    def _place_compare(compare: CompareWindow, step: StoryStep) -> None:
        from twin.ui.presentation.stage import apply_visibility

        view = compare.current_view()
        if view is None:
            return
        for project in (compare.project_a, compare.project_b):
            if project is not None:
                apply_visibility(project, step.visible_layers)
        if step.extent is not None:
            view.zoom_to_bbox(step.extent)
        if hasattr(view, "set_fraction"):
            view.set_fraction(step.divider)

    # --- presentation --------------------------------------------------------------------
    def present(self, story: str, index: int = 0, screen_index: int | None = None):
        """Show ``story`` full screen from step ``index`` on screen ``screen_index`` (None:
        the second screen when there is one). When it fills the main window's screen, the
        main window hides and comes back as it was when the presentation ends."""
        project = self.window.project
        if project is None or not project.stories.get(story) or self.presentation is not None:
            return None
        from twin.ui.compare import scenario_data
        from twin.ui.presentation.window import PresentationWindow, presentation_screen

        controller = self.window.scenario.controller
        screen = presentation_screen(screen_index)
        if self.window.isVisible() and self.window.screen() is screen:
            window = self.window
            self._saved = (window.geometry(), window.saveState(), window.windowState())
            window.hide()

        def data_source(name: str | None):
            if name is not None and name not in controller.scenario_names():
                raise DataError(tr("there is no scenario named {name!r}").format(name=name))
            return scenario_data(controller, name)  # (in a worker: it may run engines)

        presentation = PresentationWindow(
            project,
            list(project.stories[story]),
            data_source=data_source,
            start=index,
            title=story,
        )
        presentation.closed.connect(self._on_presentation_closed)
        self.presentation = presentation
        presentation.present_on(screen)
        return presentation

    def _on_presentation_closed(self) -> None:
        self.presentation = None
        if self._saved is None:
            return
        geometry, state, window_state = self._saved
        self._saved = None
        window = self.window
        window.restoreState(state)  # the docks and toolbars as they were
        window.setWindowState(window_state)
        if not window_state & (Qt.WindowState.WindowMaximized | Qt.WindowState.WindowFullScreen):
            window.setGeometry(geometry)
        window.show()
        window.activateWindow()
