"""Citizen reports in the window: the time filter redraws the heat map on the map (pixels),
and the rights dialog shows what is held about a pseudonym and erases it everywhere."""

from __future__ import annotations

import json

import geopandas as gpd
from map_helpers import X0, Y0, color_at, differing_pixels
from PySide6 import QtCore, QtWidgets
from PySide6.QtGui import QUndoStack
from shapely.geometry import Point

from twin.layers.reports import COLUMNS, new_reports_layer, reports_layer
from twin.layers.reports_heat import HEAT_LAYER_ID
from twin.project import Project
from twin.recovery import recovery_path, write_recovery
from twin.ui.map.canvas import MapCanvas
from twin.ui.reports.commands import RectifyReportCommand
from twin.ui.reports.panel import ReportsPanel
from twin.ui.reports.rights import ReportRightsDialog

WEST, EAST = (1000.0, 1500.0), (3000.0, 1500.0)  # offsets (m) from (X0, Y0)
PSEUDONYM = "0123456789abcdef0123"


def _project() -> Project:
    """Four reports in January in the west, four in May in the east (one reporter)."""
    rows, points = [], []
    for number in range(8):
        west = number < 4
        dx, dy = WEST if west else EAST
        record = dict.fromkeys(COLUMNS, "")
        record.update(
            report_id=f"r{number}",
            category="mobile",
            status="open",
            date=f"2026-{'01' if west else '05'}-{10 + number:02d}T09:00:00Z",
            pseudonym=PSEUDONYM if number == 7 else "",
        )
        rows.append(record)
        points.append(Point(X0 + dx + 20 * (number % 4), Y0 + dy))
    frame = gpd.GeoDataFrame(rows, geometry=points, crs="EPSG:2154")
    project = Project(crs="EPSG:2154")
    project.add_layer(new_reports_layer(project.crs, frame))
    reports_layer(project).visible = False  # the heat map alone
    return project


def _canvas(qtbot, project: Project) -> MapCanvas:
    canvas = MapCanvas()
    qtbot.addWidget(canvas)
    canvas.resize(400, 300)
    canvas.show()
    qtbot.waitExposed(canvas)
    canvas.set_project(project)
    canvas.zoom_to_bbox((X0, Y0, X0 + 4000, Y0 + 3000))  # 10 m per pixel
    return canvas


def test_the_date_sliders_change_what_the_heat_map_draws(qtbot):
    project = _project()
    panel = ReportsPanel()
    qtbot.addWidget(panel)
    panel.show()
    panel.set_project(project)
    assert project.layers[-1].id != HEAT_LAYER_ID  # opening computes nothing
    panel.redraw()
    canvas = _canvas(qtbot, project)
    background = color_at(canvas, canvas.grab_map(), 200, 2800)
    both = canvas.grab_map()
    assert color_at(canvas, both, *WEST) != background
    assert color_at(canvas, both, *EAST) != background
    assert "8 of 8 citizen reports shown" in panel.summary.text()

    with qtbot.waitSignal(panel.filter_changed) as shown:
        qtbot.keyClick(panel.to_slider, QtCore.Qt.Key.Key_Home)  # up to the first day
    assert shown.args == [1]
    january = canvas.grab_map()
    assert color_at(canvas, january, *EAST) == background  # May reports filtered out
    assert color_at(canvas, january, *WEST) != background
    assert differing_pixels(both, january) > 100
    assert panel.to_label.text() == "2026-01-10"

    qtbot.keyClick(panel.to_slider, QtCore.Qt.Key.Key_End)
    qtbot.keyClick(panel.from_slider, QtCore.Qt.Key.Key_End)  # the last day only
    may = canvas.grab_map()
    assert color_at(canvas, may, *WEST) == background
    assert color_at(canvas, may, *EAST) != background
    assert "1 of 8" in panel.summary.text()


def test_the_category_filter_empties_the_heat_map(qtbot):
    project = _project()
    panel = ReportsPanel()
    qtbot.addWidget(panel)
    panel.set_project(project)
    panel.redraw()
    canvas = _canvas(qtbot, project)
    before = canvas.grab_map()
    panel.category_box.setCurrentIndex(panel.category_box.findData("energy"))
    after = canvas.grab_map()
    assert differing_pixels(before, after) > 100
    assert "0 of 8" in panel.summary.text()


def test_the_rights_dialog_shows_and_erases_a_person_everywhere(qtbot, tmp_path, monkeypatch):
    project = _project()
    project.save(tmp_path / "city.twin")
    stack = QUndoStack()
    stack.push(RectifyReportCommand(project, "r7", {"status": "closed"}))
    write_recovery(project)
    dialog = ReportRightsDialog(project, stack)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.keyClicks(dialog.pseudonym_edit, PSEUDONYM.upper())
    qtbot.mouseClick(dialog.show_button, QtCore.Qt.MouseButton.LeftButton)
    held = json.loads(dialog.output.toPlainText())
    assert [r["report_id"] for r in held["reports"]] == ["r7"]
    assert held["reports"][0]["status"] == "closed"
    qtbot.keyClicks(dialog.report_edit, "r7")
    dialog.field_box.setCurrentIndex(dialog.field_box.findData("category"))
    qtbot.keyClicks(dialog.value_edit, "fiber")
    qtbot.mouseClick(dialog.rectify_button, QtCore.Qt.MouseButton.LeftButton)
    assert json.loads(dialog.output.toPlainText())["reports"][0]["category"] == "fiber"
    assert stack.count() == 2
    dialog.value_edit.setText("teleportation")
    qtbot.mouseClick(dialog.rectify_button, QtCore.Qt.MouseButton.LeftButton)
    assert dialog.message.text().startswith("category 'teleportation': choose one of")
    stack.undo()
    assert reports_layer(project).frame["category"].iloc[7] == "mobile"
    saved = dialog.save_json(tmp_path / "subject.json")
    assert json.loads(saved.read_text(encoding="utf-8"))["pseudonym"] == PSEUDONYM

    monkeypatch.setattr(
        QtWidgets.QMessageBox, "question", lambda *a, **k: QtWidgets.QMessageBox.StandardButton.Yes
    )
    with qtbot.waitSignal(dialog.erased):
        qtbot.mouseClick(dialog.erase_button, QtCore.Qt.MouseButton.LeftButton)
    assert "Erased 1 reports" in dialog.message.text()
    assert PSEUDONYM.encode() not in project.path.read_bytes()
    assert PSEUDONYM not in recovery_path(project.path).read_text(encoding="utf-8")
    assert all(PSEUDONYM not in stack.command(i).held_text() for i in range(stack.count()))
    assert len(Project.open(project.path).layer("citizen_reports").frame) == 7

    qtbot.mouseClick(dialog.show_button, QtCore.Qt.MouseButton.LeftButton)  # nothing left
    assert json.loads(dialog.output.toPlainText())["reports"] == []
    assert dialog.message.text() == "0 reports held about this pseudonym"
    dialog.pseudonym_edit.setText("not one")
    qtbot.mouseClick(dialog.show_button, QtCore.Qt.MouseButton.LeftButton)
    assert "is not a pseudonym" in dialog.message.text() and dialog.output.toPlainText() == ""


def test_the_reports_menu_imports_a_file_and_opens_the_rights_dialog(qtbot, tmp_path):
    from pathlib import Path

    from ui_helpers import make_project

    from twin.ui.main_window import MainWindow

    window = MainWindow(make_project())
    qtbot.addWidget(window)
    window.show()
    menu = next(
        action.menu() for action in window.menuBar().actions() if action.text() == "&Reports"
    )
    texts = [action.text() for action in menu.actions()]
    assert texts[:2] == ["&Import citizen reports…", "&Access and erasure (GDPR)…"]
    data = Path(__file__).parent / "data" / "reports" / "georeport_v2.json"
    job = window.reports.import_file(str(data))
    qtbot.waitUntil(lambda: job.done, timeout=30_000)
    qtbot.waitUntil(lambda: window.reports.dock.isVisible(), timeout=5_000)
    assert "Imported 5 citizen reports" in window.statusBar().currentMessage()
    assert window.reports.dock.isVisible()
    assert "5 of 5 citizen reports shown" in window.reports.panel.summary.text()
    assert window.isWindowModified()
    menu.actions()[1].trigger()
    dialog = window.reports.rights
    assert dialog is not None and dialog.isVisible()
    assert dialog.undo_stack is window.scenario.controller.undo_stack
    window.set_modified(False)  # closing at teardown must not ask to save


def test_an_exported_map_places_reports_on_the_100_m_grid(qtbot):
    from twin.ui.map.render import render_map

    project = _project()
    layer = reports_layer(project)
    layer.visible = True
    layer.set_frame(layer.frame.iloc[[0]])  # one report at (X0 + 1000, Y0 + 1500) + 0 m
    exact = (X0 + 1010.0, Y0 + 1520.0)
    frame = layer.frame.copy()
    frame.loc[frame.index[0], "geometry"] = Point(*exact)
    layer.set_frame(frame)
    box = (X0 + 950.0, Y0 + 1450.0, X0 + 1150.0, Y0 + 1650.0)  # 200 m in 200 px
    image, shown = render_map(project, (200, 200), box)
    assert shown == box

    def colour(x: float, y: float) -> str:
        column = round((x - shown[0]) / (shown[2] - shown[0]) * 200)
        row = round((shown[3] - y) / (shown[3] - shown[1]) * 200)
        return image.pixelColor(column, row).name().upper()

    mobile = "#D7301F"
    assert colour(X0 + 1050.0, Y0 + 1550.0) == mobile  # the centre of its 100 m cell
    assert colour(*exact) != mobile  # never where it really is
    assert layer.frame.geometry.iloc[0].x == exact[0]  # the project keeps the exact point
