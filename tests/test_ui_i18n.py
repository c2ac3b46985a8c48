"""The window in French, the language setting, and a layout that fits a laptop or a
projector: the map keeps >= 60 % of the width, nothing runs over the status bar, and
Identify never narrows the map. (Builds the full window: keep these few.)"""

from __future__ import annotations

import pytest
from PySide6.QtCore import QPoint, QSettings, Qt
from PySide6.QtWidgets import (
    QApplication,
    QDockWidget,
    QGraphicsView,
    QTreeWidgetItemIterator,
    QWidget,
)
from ui_helpers import X0, Y0, make_project

from twin.i18n import language, set_language
from twin.ui.language_menu import apply_saved_language, saved_language
from twin.ui.main_window import MainWindow

pytestmark = pytest.mark.filterwarnings("ignore:.*non conformant file extension")


def _window(qtbot, width: int, height: int) -> MainWindow:
    window = MainWindow(make_project())
    qtbot.addWidget(window)
    window.resize(width, height)
    window.show()
    qtbot.waitExposed(window)
    _settle(qtbot)
    return window


def _settle(qtbot) -> None:
    for _ in range(5):
        QApplication.processEvents()
        qtbot.wait(20)


def _menu_texts(window: MainWindow) -> list[str]:
    return [action.text() for action in window.menuBar().actions()]


def _legend_texts(window: MainWindow) -> list[str]:
    texts, items = [], QTreeWidgetItemIterator(window.legend_panel.tree)
    while items.value():
        texts.append(items.value().text(0))
        items += 1
    return texts


def _visible_docks(window: MainWindow) -> list[QDockWidget]:
    return [dock for dock in window.findChildren(QDockWidget) if dock.isVisible()]


def test_a_french_run_shows_french_menus_docks_and_legend(qtbot):
    set_language("fr")  # what `twin --lang fr` or View > Language do before the window
    window = _window(qtbot, 1600, 1000)
    assert _menu_texts(window) == ["&Fichier", "É&dition", "&Affichage", "&Outils", "&Signalements"]
    file_menu = window.menuBar().actions()[0].menu()
    texts = [action.text() for action in file_menu.actions() if action.text()]
    assert texts[0] == "&Ouvrir un projet…" and "&Quitter" in texts
    assert window.legend_dock.windowTitle() == "Légende"
    view_menu = window.menuBar().actions()[2].menu()
    assert "&Signets" in [action.text() for action in view_menu.actions()]
    assert window.layers_dock.windowTitle() == "Couches"
    # the legend's titles: the sample's layer names in French, user names unchanged
    legend = _legend_texts(window)
    assert "Bâtiments" in legend and "Routes" in legend and "Sites" in legend
    assert "Buildings" not in legend
    assert window.scale_label.text().startswith("Échelle 1:")
    set_language("en")
    english = _window(qtbot, 1600, 1000)
    assert _menu_texts(english) == ["&File", "&Edit", "&View", "&Tools", "&Reports"]
    assert "Buildings" in _legend_texts(english)


def test_the_language_setting_is_saved_and_used_at_the_next_start(qtbot, tmp_path, monkeypatch):
    QSettings.setPath(QSettings.Format.NativeFormat, QSettings.Scope.UserScope, str(tmp_path))
    window = _window(qtbot, 1600, 1000)
    menu = window.language_menu
    assert [action.text() for action in menu.actions()] == ["English", "Français"]
    assert menu.language_actions["en"].isChecked()
    menu.language_actions["fr"].trigger()  # View > Language > Français
    assert saved_language() == "fr"
    assert "next start" in window.statusBar().currentMessage()
    assert "prochain démarrage" in window.statusBar().currentMessage()
    assert language() == "en"  # this window stays in English
    monkeypatch.delenv("TWIN_LANG")  # a start without --lang: the setting decides
    assert apply_saved_language() == "fr" and language() == "fr"
    monkeypatch.setenv("TWIN_LANG", "en")  # --lang en wins over the setting
    set_language("en")
    assert apply_saved_language() == "en"


@pytest.mark.parametrize("size", [(1024, 768), (1280, 720)])
def test_on_a_laptop_the_docks_are_tabs_and_the_map_keeps_60_percent(qtbot, size):
    set_language("fr")  # the longer labels
    window = _window(qtbot, *size)
    assert window.width() == size[0]
    assert window.canvas.width() >= 0.6 * window.width()
    docks = _visible_docks(window)
    assert {window.dockWidgetArea(dock) for dock in docks} == {Qt.DockWidgetArea.LeftDockWidgetArea}
    assert len(window.tabifiedDockWidgets(window.layers_dock)) == len(docks) - 1
    status_top = window.statusBar().geometry().top()
    for dock in docks:  # nothing runs over the status bar or under the toolbars
        if not dock.visibleRegion().isEmpty():
            assert dock.geometry().bottom() < status_top
    # the status bar keeps room for a message ("rennes.twin ouvert : 15 couches")
    bar = window.statusBar()
    message = "rennes.twin ouvert : 15 couches"
    bar.showMessage(message)
    _settle(qtbot)
    permanent = [w for w in bar.findChildren(QWidget) if w.isVisible() and w.parent() is bar]
    room = min(w.geometry().left() for w in permanent if w.geometry().left() > 0)
    assert bar.fontMetrics().horizontalAdvance(message) + 12 <= room
    assert window.crs_label.text() == "EPSG:2154"  # the name is in its tooltip
    assert "Lambert-93" in window.crs_label.toolTip()
    window.resize(1920, 1080)  # wide again: two columns
    _settle(qtbot)
    assert "Lambert-93" in window.crs_label.text()
    assert window.dockWidgetArea(window.inspector_dock) == Qt.DockWidgetArea.RightDockWidgetArea
    assert window.dockWidgetArea(window.layers_dock) == Qt.DockWidgetArea.LeftDockWidgetArea
    assert window.canvas.width() >= 0.5 * window.width()


@pytest.mark.parametrize("size", [(1920, 1080), (1024, 768)])
def test_identify_leaves_the_map_width_unchanged(qtbot, size):
    window = _window(qtbot, *size)
    before = window.canvas.width()
    point = window.canvas.map_to_widget(X0 + 350, Y0 + 50)  # "Gymnase"
    viewport = window.canvas.findChild(QGraphicsView).viewport()
    local = viewport.mapFrom(window.canvas, QPoint(round(point.x()), round(point.y())))
    qtbot.mouseClick(viewport, Qt.MouseButton.LeftButton, pos=local)
    _settle(qtbot)
    table = window.inspector.table
    cells = {table.item(r, 0).text(): table.item(r, 1).text() for r in range(table.rowCount())}
    assert cells["name"] == "Gymnase"  # the click did identify the building
    assert window.inspector_dock.isVisible()
    assert window.canvas.width() == before


def test_the_app_opens_maximised_on_the_available_screen(qtbot, tmp_path, monkeypatch):
    import twin
    from twin.ui.app import show_main_window

    monkeypatch.setattr(twin, "sample_project_path", lambda: tmp_path / "no-sample.twin")
    window = show_main_window(None)
    qtbot.addWidget(window)
    _settle(qtbot)
    assert window.windowState() & Qt.WindowState.WindowMaximized
    available = window.screen().availableGeometry()
    assert window.frameGeometry().width() >= available.width() - 2
    for widget in QApplication.topLevelWidgets():
        if widget is not window and widget.isVisible():
            widget.close()


def test_french_numbers_and_provenance_in_the_style_editor_and_inspector(qtbot):
    from PySide6.QtWidgets import QDoubleSpinBox
    from ui_helpers import make_buildings

    from twin.ui.app import install_qt_translations
    from twin.ui.panels.inspector import InspectorPanel
    from twin.ui.panels.style_editor import StyleEditor

    layer = make_buildings()
    layer.provenance = layer.provenance.with_changes(date="2026-01-01")
    set_language("fr")  # as `twin --lang fr` does before the window: Qt's locale follows
    install_qt_translations(QApplication.instance())
    try:
        editor, inspector = StyleEditor(), InspectorPanel()
        for widget in (editor, inspector):
            qtbot.addWidget(widget)
            widget.show()
        editor.set_layer(layer)
        inspector.show_layer(layer)
        spins = [s for s in editor.findChildren(QDoubleSpinBox) if s.isVisible()]
        shown = [s.text() for s in spins if any(c.isdigit() for c in s.text())]
        assert shown and all("," in text and "." not in text for text in shown), shown
        provenance = inspector.provenance_view.toPlainText()
        assert "Méthode : drawn by hand" in provenance, provenance
        assert "Date : 1 janv. 2026" in provenance
        assert "Method" not in provenance
    finally:
        set_language("en")
        install_qt_translations(QApplication.instance())
    english = InspectorPanel()
    qtbot.addWidget(english)
    english.show_layer(layer)
    assert "Method: drawn by hand" in english.provenance_view.toPlainText()
    assert "Date: 1 Jan 2026" in english.provenance_view.toPlainText()
