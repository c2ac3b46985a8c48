"""The main window: assembles the map canvas, the panels, menus and status bar.

It holds no domain logic: loading runs in :mod:`twin.ui.workers` jobs built from
:mod:`twin.ui.project.loading`, panels own their widgets, the model owns the data.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSize
from PySide6.QtGui import QAction, QActionGroup, QCloseEvent, QGuiApplication, QKeySequence
from PySide6.QtWidgets import (
    QDockWidget,
    QLabel,
    QMainWindow,
    QStyle,
    QWidget,
)

from twin.i18n import tr
from twin.project import Project
from twin.ui.dock_layout import COMPACT_BELOW_PX, DockLayout
from twin.ui.map.bookmarks import BookmarkMenu
from twin.ui.map.canvas import MapCanvas
from twin.ui.map.paint import AfterFirstFrame, PaintWaiter
from twin.ui.map.tools.identify import IdentifyTool
from twin.ui.menus import build_menus_and_toolbar
from twin.ui.panels.inspector import InspectorPanel
from twin.ui.panels.layers import LayerPanel
from twin.ui.panels.legend import LegendPanel
from twin.ui.panels.style_editor import StyleEditor
from twin.ui.project.data_warnings import DataWarningLog, DataWarningsButton
from twin.ui.project.files import ProjectFiles, project_title
from twin.ui.project.new_territory import new_territory_action
from twin.ui.project.recovery import RecoveryKeeper
from twin.ui.project.watcher import ProjectWatcher
from twin.ui.reports.workbench import ReportsWorkbench
from twin.ui.scenario.actions import ScenarioWorkbench
from twin.ui.scenario.result_layers import is_result_layer
from twin.ui.status_bar import CoordinateLabel, JobProgress, ScaleLabel
from twin.ui.workers import JobHandle

DEFAULT_SIZE = (1600, 1000)  # pixels, when the screen has room (the app opens maximised)


def default_window_size() -> QSize:
    """The window's size before it is maximised: 1600 x 1000 px, or the available screen
    area when that is smaller."""
    screen = QGuiApplication.primaryScreen()
    width, height = DEFAULT_SIZE
    if screen is not None:
        available = screen.availableGeometry()
        width, height = min(width, available.width()), min(height, available.height())
    return QSize(width, height)


class MainWindow(QMainWindow):
    """The twin window: map in the centre, layers and legend on the left, inspector and
    style editor on the right, cursor coordinates and scale in the status bar.
    """

    def __init__(self, project: Project | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.project: Project | None = None
        self.modified = False
        self.data_warnings = DataWarningLog(self)  # DataWarnings of readers, shown to the user
        self.files = ProjectFiles(self, lambda: self.project)
        self.files.project_previewed.connect(self._on_project_previewed)
        self.files.layers_pending.connect(self._show_stored_figures)
        self.files.project_opened.connect(self._on_project_opened)
        self.files.layers_read.connect(self._on_layers_read)
        self.files.saved.connect(self._on_saved)
        self.canvas = MapCanvas()
        self.setCentralWidget(self.canvas)
        self._paint_waiter = PaintWaiter(self.canvas.map_viewport())
        self._first_frame = AfterFirstFrame(self)
        self.layer_panel = LayerPanel()
        self.legend_panel = LegendPanel()
        self.style_editor = StyleEditor()
        self.inspector = InspectorPanel()
        self.layers_dock = self._dock(tr("Layers"), "layers", self.layer_panel)
        self.legend_dock = self._dock(tr("Legend"), "legend", self.legend_panel)
        self.inspector_dock = self._dock(tr("Inspector"), "inspector", self.inspector)
        self.style_dock = self._dock(tr("Style"), "style", self.style_editor)
        self.identify_tool = IdentifyTool(self._layers, self._on_identified)
        self.change_watcher = ProjectWatcher(parent=self)
        self.change_watcher.layers_changed.connect(self._on_layers_changed)
        self.change_watcher.layer_changed.connect(self._on_layer_changed)
        self.change_watcher.views_changed.connect(self._mark_modified)
        self._own_layers: list[int] = []  # ids of the project's layers that are not results
        self.bookmark_menu = BookmarkMenu(self.canvas, self)
        self.tool_group = QActionGroup(self)
        self.scenario = ScenarioWorkbench(self, self.tool_group)
        self.scenario_dock = self._dock(tr("Scenarios"), "scenarios", self.scenario.panel)
        site_editor = self.scenario.site_editor
        self.site_editor_dock = self._dock(tr("Site editor"), "site editor", site_editor)
        self.kpi_dock = None
        if self.scenario.kpi is not None:
            self.kpi_dock = self._dock(tr("KPIs"), "kpis", self.scenario.kpi)
            self.scenario.kpi.defer_charts = self.after_first_map_frame  # pyqtgraph's plots
        self.timeline_dock = self._dock(  # twin plan --save-scenarios' phases
            tr("Rollout timeline"), "rollout timeline", self.scenario.timeline
        )
        right_top = [self.inspector_dock] + ([self.kpi_dock] if self.kpi_dock else [])
        self.dock_layout = DockLayout(  # two columns, or one tab group below 1400 px
            self,
            left=[[self.layers_dock, self.legend_dock], [self.scenario_dock, self.timeline_dock]],
            right=[right_top, [self.style_dock, self.site_editor_dock]],
        )
        self.dock_layout.fit(COMPACT_BELOW_PX)  # the wide layout until the size is known
        self.scenario.controller.scenarios_changed.connect(self._mark_modified)
        self.recovery = RecoveryKeeper(self)  # autosave + crash recovery
        self._build_actions()
        self._build_menus_and_toolbar()
        self.reports = ReportsWorkbench(self)  # citizen reports: dock + Reports menu
        self._build_status_bar()
        self._connect_panels()
        self.resize(default_window_size())
        self.set_project(project)

    # --- assembly -------------------------------------------------------------------------
    def _dock(self, title: str, name: str, widget: QWidget) -> QDockWidget:
        """A dock showing ``widget`` under ``title``; ``name`` (English, whatever the
        language) names it for saved window states. :class:`DockLayout` places it."""
        dock = QDockWidget(title, self)
        dock.setObjectName(f"{name.replace(' ', '_')}_dock")
        dock.setWidget(widget)
        dock.setFeatures(
            QDockWidget.DockWidgetFeature.DockWidgetMovable
            | QDockWidget.DockWidgetFeature.DockWidgetClosable
            | QDockWidget.DockWidgetFeature.DockWidgetFloatable
        )
        return dock

    def _action(self, text: str, slot, shortcut=None, tip: str = "", icon=None) -> QAction:
        action = QAction(text, self)
        if icon is not None:
            action.setIcon(self.style().standardIcon(icon))
        if shortcut is not None:
            action.setShortcut(QKeySequence(shortcut))
        action.setStatusTip(tip or text.replace("&", "").replace("…", ""))
        action.triggered.connect(slot)
        return action

    def _build_actions(self) -> None:
        keys = QKeySequence.StandardKey
        icons = QStyle.StandardPixmap
        self.open_action = self._action(
            tr("&Open project…"),
            lambda: self.files.choose_project(self.modified),
            keys.Open,
            icon=icons.SP_DialogOpenButton,
        )
        self.add_layer_action = self._action(
            tr("&Add layer from file…"), self.files.choose_data_file, "Ctrl+Shift+A"
        )
        self.new_territory_action = new_territory_action(self)  # twin/ui/project/new_territory.py
        self.save_action = self._action(
            tr("&Save"), self.files.save, keys.Save, icon=icons.SP_DialogSaveButton
        )
        self.save_as_action = self._action(tr("Save &as…"), self.files.save_as, keys.SaveAs)
        self.export_map_action = self._action(  # the dialog loads on first use
            tr("&Export map…"),
            self._show_export_dialog,
            "Ctrl+E",
            tr("Write the current view with title, legend and credits (PNG, PDF, SVG)"),
        )
        self.quit_action = self._action(tr("&Quit"), self.close, keys.Quit)
        self.zoom_full_action = self._action(tr("Zoom to &full extent"), self._zoom_full, "Ctrl+0")
        self.zoom_in_action = self._action(tr("Zoom &in"), self._zoom_in, keys.ZoomIn)
        self.zoom_out_action = self._action(tr("Zoom &out"), self._zoom_out, keys.ZoomOut)
        self.identify_action = self._action(
            tr("&Identify"), self._use_identify, "I", tr("Click a feature to see its attributes")
        )
        self.pan_action = self._action(tr("&Pan"), self._use_pan, "P", tr("Drag to move the map"))
        for action in (self.identify_action, self.pan_action):
            action.setCheckable(True)
            self.tool_group.addAction(action)

    def _build_menus_and_toolbar(self) -> None:
        build_menus_and_toolbar(self)  # twin/ui/menus.py

    def _build_status_bar(self) -> None:
        self.coordinate_label = CoordinateLabel()
        self.scale_label = ScaleLabel()
        self.crs_label = QLabel()
        self.job_progress = JobProgress()
        self.data_warnings_button = DataWarningsButton(self.data_warnings)
        bar = self.statusBar()
        bar.addPermanentWidget(self.data_warnings_button)
        bar.addPermanentWidget(self.job_progress)
        bar.addPermanentWidget(self.coordinate_label)
        bar.addPermanentWidget(self.scale_label)
        bar.addPermanentWidget(self.crs_label)

    def _connect_panels(self) -> None:
        self.layer_panel.current_layer_changed.connect(self.style_editor.set_layer)
        self.layer_panel.current_layer_changed.connect(self.inspector.show_layer)
        self.layer_panel.zoom_to_layer_requested.connect(self.canvas.zoom_to_layer)
        self.layer_panel.add_layer_requested.connect(self.files.choose_data_file)
        self.layer_panel.files_dropped.connect(self._on_files_dropped)
        self.canvas.cursor_moved.connect(self.coordinate_label.show_position)
        self.canvas.view_changed.connect(self._on_view_changed)
        self.canvas.tool_changed.connect(self._on_tool_changed)

    def resizeEvent(self, event) -> None:
        """Below 1400 px wide the docks become one tab group so the map keeps >= 60 % of
        the width; wider, two dock columns (:class:`twin.ui.dock_layout.DockLayout`)."""
        super().resizeEvent(event)
        self.dock_layout.fit(event.size().width())
        self._show_crs()

    def _show_crs(self) -> None:
        """The CRS in the status bar: code and name on a wide window, the code alone (the
        name in its tooltip) below 1400 px, so status messages keep room."""
        full = self.crs_label.toolTip()
        short = full.split(" (", 1)[0]
        self.crs_label.setText(short if self.dock_layout.compact else full)

    # --- project ------------------------------------------------------------------------
    def set_project(self, project: Project | None) -> None:
        """Show ``project`` in every panel and the canvas, start its engines (what-if, KPIs)
        and follow its changes; it starts unmodified."""
        self.show_project(project)
        self.attach_project(project)

    def show_project(self, project: Project | None) -> None:
        """Show ``project`` on the map and in the panels, nothing more: the first step of
        opening, while the rest is read (saving and scenario editing stay off until
        :meth:`attach_project`)."""
        self.project = project
        self.inspector.clear()
        self.canvas.set_project(project)
        self.layer_panel.set_project(project)
        self.legend_panel.set_project(project)
        self.bookmark_menu.set_project(project)
        self.story.set_project(project)
        self.reports.set_project(project)
        self.change_watcher.set_project(project)  # an edit made while the rest loads counts
        if self.scenario.controller.project is not None:
            self.scenario.set_project(None)  # the previous project's engines stop
        self.style_editor.set_layer(self.layer_panel.current_layer())
        self.inspector.show_layer(self.layer_panel.current_layer())
        self.coordinate_label.set_crs(project.crs if project is not None else None)
        crs = project.crs if project is not None else None
        self.crs_label.setToolTip(_crs_text(crs) if crs is not None else "")
        self._show_crs()
        for action in (self.zoom_full_action, self.zoom_in_action, self.zoom_out_action):
            action.setEnabled(project is not None)
        for action in (self.save_action, self.save_as_action, self.add_layer_action):
            action.setEnabled(False)
        if project is not None:
            self.canvas.zoom_full()
            self.identify_action.setChecked(True)
            self._use_identify()
        self._own_layers = [id(layer) for layer in self._layers() if not is_result_layer(layer)]
        self.set_modified(False)

    def attach_project(self, project: Project | None) -> None:
        """The second step: start the scenario engines on the shown ``project`` and allow
        saving (the unsaved-changes mark stays as the first step left it)."""
        modified = self.modified
        if project is not None and self.layer_panel.current_layer() is None and project.layers:
            self.layer_panel.select_layer(project.layers[0])  # lost when layers were added
        self.scenario.set_project(project)  # (announces its scenarios: not an edit)
        for action in (self.save_action, self.save_as_action, self.add_layer_action):
            action.setEnabled(project is not None)
        self.set_modified(modified)

    def after_next_map_paint(self, callback) -> None:
        """Run ``callback()`` once the map has drawn its next frame (work that may wait,
        such as reading hidden layers, then does not delay what the user sees first)."""
        self._paint_waiter.add(callback)

    def after_first_map_frame(self, callback) -> None:
        """Run ``callback()`` once the map has first drawn the project's layers (at once if
        it has): work the first view does not need (the KPI charts) then does not delay it."""
        self._first_frame.add(callback)

    def set_modified(self, modified: bool) -> None:
        """Mark the project as having unsaved changes (a * in the title) or not."""
        self.modified = modified
        name = project_title(self.project) if self.project is not None else "No project"
        self.setWindowTitle(tr("{name}[*] — twin").format(name=name))
        self.setWindowModified(modified)

    def _mark_modified(self, *_args) -> None:
        self.set_modified(True)

    def _on_layers_changed(self) -> None:
        """Layers added, removed or moved: an edit, unless only scenario results came or
        went (selecting a scenario shows its results; that is not an edit)."""
        own = [id(layer) for layer in self._layers() if not is_result_layer(layer)]
        if own != self._own_layers:
            self._own_layers = own
            self._mark_modified()

    def _on_layer_changed(self, layer, what: str) -> None:
        """A layer property changed: an edit, except the engines refreshing a result's data."""
        if not (what == "data" and is_result_layer(layer)):
            self._mark_modified()

    def _layers(self) -> list:
        return list(self.project.layers) if self.project is not None else []

    # --- files --------------------------------------------------------------------------
    def open_path(self, path: str | Path) -> JobHandle:
        """Open a project or a data file in a worker; it replaces the current project."""
        return self.files.open_path(path)

    def _on_files_dropped(self, paths: list[str]) -> None:
        for path in paths:
            self.files.add_layers_from(path)

    def _on_project_previewed(self, project: Project) -> None:
        self.show_project(project)
        self.statusBar().showMessage(tr("Opening {0}…").format(project_title(project)))

    def _show_stored_figures(self, project: Project, unread: tuple) -> None:
        """The baseline KPIs stored in the file, while its hidden layers are read (the
        engines start once they are; their figures then replace these)."""
        if project is not self.project or self.scenario.controller.project is not None:
            return
        from twin.ui.project.loading import stored_radio_baseline

        controller = self.scenario.controller
        controller.show_stored_figures(stored_radio_baseline(project, unread, controller.options))

    def _on_project_opened(self, project: Project) -> None:
        if project is self.project:
            self.attach_project(project)  # shown already: its hidden layers were added
        else:
            self.set_project(project)
        self.statusBar().showMessage(
            tr("Opened {0}: {1} layers").format(project_title(project), len(project.layers)), 8000
        )

    def _on_layers_read(self, layers: list) -> None:
        if self.project is None:
            return
        for layer in reversed(layers):
            self.project.add_layer(layer, index=0)
        if layers:
            self.layer_panel.select_layer(layers[0])
        self.statusBar().showMessage(tr("Added {0} layer(s)").format(len(layers)), 8000)

    def _on_saved(self, path: Path) -> None:
        self.set_modified(False)
        self.statusBar().showMessage(tr("Saved {path}").format(path=path), 8000)

    def closeEvent(self, event: QCloseEvent) -> None:
        """Ask before losing unsaved changes; after "Save", close once the save succeeded."""
        answer = self.files.confirm_discard("quit") if self.modified else True
        if answer is True:
            self.recovery.discard()
            self.scenario.controller.shutdown()
            self.scenario.travel.shutdown()
            self.files.cancel_jobs()
            self.change_watcher.detach()
            self.data_warnings.uninstall()
            event.accept()
            return
        event.ignore()
        if isinstance(answer, JobHandle):
            answer.succeeded.connect(lambda _path: self.close())

    # --- map -------------------------------------------------------------------------------
    def _zoom_full(self) -> None:
        self.canvas.zoom_full()

    def _zoom_in(self) -> None:
        self.canvas.zoom_in()

    def _zoom_out(self) -> None:
        self.canvas.zoom_out()

    def _use_identify(self) -> None:
        self.canvas.set_tool(self.identify_tool)

    def _use_pan(self) -> None:
        self.canvas.set_tool(None)

    def _on_tool_changed(self, tool) -> None:
        self.identify_action.setChecked(tool is self.identify_tool)
        self.pan_action.setChecked(tool is None)
        self.scenario.on_tool_changed(tool)
        message = tr(getattr(tool, "status_message", "")) or tr(
            "Drag to move the map; wheel to zoom."
        )
        self.statusBar().showMessage(message)

    def _show_export_dialog(self) -> None:
        from twin.ui.export.dialog import show_export_dialog  # (not needed at start-up)

        show_export_dialog(self)

    def _open_coverage_table(self) -> None:
        # imported on first use: it loads the radio engine's coverage code (not needed for
        # the first frame of the map)
        from twin.ui.panels.coverage_table import open_coverage_table

        open_coverage_table(self)

    def _on_view_changed(self, bbox: tuple) -> None:
        self.scale_label.show_view(bbox, self.canvas.width(), self.canvas.logicalDpiX())

    def _on_identified(self, results: list) -> None:
        self.inspector.show_results(results)
        self.inspector_dock.raise_()


def _crs_text(crs) -> str:
    authority = crs.to_authority()
    code = f"{authority[0]}:{authority[1]}" if authority else "custom CRS"
    return f"{code} ({crs.name})"
