"""The main window's menus (File, Edit, View, Tools) and its two toolbars, built from the
window's actions and panels (split out of :mod:`twin.ui.main_window`, which assembles)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt

from twin.i18n import tr
from twin.ui.language_menu import LanguageMenu
from twin.ui.presentation.workbench import StoryWorkbench

if TYPE_CHECKING:
    from PySide6.QtWidgets import QMainWindow


def build_menus_and_toolbar(window: QMainWindow) -> None:
    """Fill the menu bar and toolbars of ``window`` (the main window); sets
    ``window.language_menu`` (View > Language) and ``window.story`` (the Story dock and
    View > Present story)."""
    file_menu = window.menuBar().addMenu(tr("&File"))
    for action in (
        window.open_action,
        window.new_territory_action,
        window.add_layer_action,
        None,
        window.save_action,
        window.save_as_action,
        window.export_map_action,
        None,
        window.quit_action,
    ):
        file_menu.addSeparator() if action is None else file_menu.addAction(action)
    edit_menu = window.menuBar().addMenu(tr("&Edit"))
    edit_menu.addAction(window.scenario.undo_action)
    edit_menu.addAction(window.scenario.redo_action)
    view_menu = window.menuBar().addMenu(tr("&View"))
    for action in (window.zoom_full_action, window.zoom_in_action, window.zoom_out_action):
        view_menu.addAction(action)
    view_menu.addSeparator()
    view_menu.addMenu(window.bookmark_menu)
    view_menu.addSeparator()
    view_menu.addAction(window.scenario.compare_action)
    view_menu.addAction(window.scenario.swipe_action)
    view_menu.addAction(tr("Coverage by &commune…"), window._open_coverage_table)
    view_menu.addSeparator()
    panels_menu = view_menu.addMenu(tr("&Panels"))
    docks = [window.layers_dock, window.legend_dock, window.inspector_dock, window.style_dock]
    docks += [window.scenario_dock, window.site_editor_dock, window.timeline_dock]
    docks += [window.kpi_dock] if window.kpi_dock is not None else []
    for dock in docks:
        panels_menu.addAction(dock.toggleViewAction())
    window.language_menu = LanguageMenu(window)  # applies at the next start
    window.language_menu.language_chosen.connect(
        lambda code: window.statusBar().showMessage(LanguageMenu.restart_message(code), 8000)
    )
    view_menu.addMenu(window.language_menu)
    window.story = StoryWorkbench(window, view_menu, panels_menu)  # Story dock, Present (F5)
    tools_menu = window.menuBar().addMenu(tr("&Tools"))
    tools_menu.addAction(window.identify_action)
    tools_menu.addAction(window.pan_action)
    tools_menu.addSeparator()
    for action in window.scenario.tool_actions.values():
        tools_menu.addAction(action)
    toolbar = window.addToolBar(tr("Main"))
    toolbar.setObjectName("main_toolbar")
    toolbar.setMovable(False)
    toolbar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
    for action in (
        window.open_action,
        window.save_action,
        window.add_layer_action,
        None,
        window.zoom_full_action,
        window.zoom_in_action,
        window.zoom_out_action,
        None,
        window.identify_action,
        window.pan_action,
    ):
        toolbar.addSeparator() if action is None else toolbar.addAction(action)
    window.addToolBarBreak()
    scenario_toolbar = window.addToolBar(tr("Scenario tools"))
    scenario_toolbar.setObjectName("scenario_toolbar")
    scenario_toolbar.setMovable(False)
    scenario_toolbar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
    scenario_toolbar.addAction(window.scenario.undo_action)
    scenario_toolbar.addAction(window.scenario.redo_action)
    scenario_toolbar.addSeparator()
    for action in window.scenario.tool_actions.values():
        scenario_toolbar.addAction(action)
