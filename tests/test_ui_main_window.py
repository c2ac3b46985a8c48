"""The assembled window: title and unsaved-changes mark, status bar, save, close, identify,
bookmarks. (The full window is built only here; panels are tested on their own.)
"""

from __future__ import annotations

import pytest
from PySide6.QtCore import QPoint, Qt, QTimer
from PySide6.QtWidgets import QApplication, QDialog, QGraphicsView, QInputDialog, QMessageBox
from ui_helpers import X0, Y0, make_project

import twin
from twin.project import Project
from twin.ui.app import create_application, show_main_window
from twin.ui.main_window import MainWindow

# GDAL notes that a GeoPackage named *.twin has a non-standard extension; that is on purpose.
pytestmark = pytest.mark.filterwarnings("ignore:.*non conformant file extension")


def _shown_title(window: MainWindow) -> str:
    return window.windowTitle().replace("[*]", "*" if window.isWindowModified() else "")


def _answer_next_question(button: QMessageBox.StandardButton) -> None:
    def answer():
        box = QApplication.activeModalWidget()
        assert isinstance(box, QMessageBox)
        box.button(button).click()

    QTimer.singleShot(0, answer)


def test_window_tracks_changes_saves_and_confirms_on_close(qtbot, tmp_path):
    window = MainWindow(make_project())
    qtbot.addWidget(window)
    window.show()
    assert _shown_title(window) == "Test town — twin"
    # A layer hidden from the layer panel marks the project modified.
    window.project.layer("Roads").visible = False
    assert _shown_title(window) == "Test town* — twin"
    # Status bar: the canvas reports the cursor at the Lambert-93 origin (46.5° N, 3° E).
    window.canvas.cursor_moved.emit(700_000.0, 6_600_000.0)
    assert window.coordinate_label.text() == "X 700 000 m  Y 6 600 000 m  |  46.5000° N 3.0000° E"
    assert window.scale_label.text().startswith("Scale 1:")
    assert window.crs_label.text().startswith("EPSG:2154")
    # Closing with unsaved changes asks first; Cancel keeps the window open.
    _answer_next_question(QMessageBox.StandardButton.Cancel)
    window.close()
    assert window.isVisible()
    # Save (in a worker) writes the file and clears the mark.
    target = tmp_path / "town.twin"
    handle = window.files.save_to(target)
    with qtbot.waitSignal(handle.finished, timeout=20_000):
        pass
    assert target.exists() and _shown_title(window) == "town.twin — twin"
    reopened = Project.open(target)
    assert [layer.name for layer in reopened.layers] == ["Sites", "Roads", "Buildings", "Terrain"]
    assert reopened.layer("Roads").visible is False
    # Bookmarks: save the current view, then zoom elsewhere and come back to it.
    window.canvas.zoom_to_bbox((X0, Y0, X0 + 100, Y0 + 100))

    def name_the_view():
        dialog = QApplication.activeModalWidget()
        assert isinstance(dialog, QInputDialog)
        assert dialog.textValue() == "View 1"  # a sensible default name
        dialog.setTextValue("Square one")
        dialog.accept()

    QTimer.singleShot(0, name_the_view)
    window.bookmark_menu.add_action.trigger()  # View > Bookmarks > Add current view…
    assert [a.text() for a in window.bookmark_menu.go_to_menu.actions()] == ["Square one"]
    assert _shown_title(window).endswith("* — twin")
    saved = window.project.views[0].bbox
    window.canvas.zoom_full()
    window.bookmark_menu.go_to_menu.actions()[0].trigger()
    view = window.canvas.view_bbox()
    centre = ((view[0] + view[2]) / 2, (view[1] + view[3]) / 2)
    assert abs(centre[0] - (saved[0] + saved[2]) / 2) < 1.0
    assert abs(centre[1] - (saved[1] + saved[3]) / 2) < 1.0
    window.bookmark_menu.remove_menu.actions()[0].trigger()
    assert window.project.views == []
    # "Save" on close saves to the project's file, then the window closes.
    window.project.layer("Sites").opacity = 0.5
    _answer_next_question(QMessageBox.StandardButton.Save)
    window.close()
    qtbot.waitUntil(lambda: not window.isVisible(), timeout=20_000)
    assert Project.open(target).layer("Sites").opacity == 0.5


def _map_color_at(window: MainWindow, x: float, y: float) -> tuple[int, int, int]:
    image = window.canvas.grab_map()
    point = window.canvas.map_to_widget(x, y)
    view = window.canvas.findChild(QGraphicsView)
    local = view.mapFrom(window.canvas, QPoint(round(point.x()), round(point.y())))
    scale = image.width() / view.width()  # grab may be at a device pixel ratio
    color = image.pixelColor(round(local.x() * scale), round(local.y() * scale))
    return color.red(), color.green(), color.blue()


def test_click_on_the_map_identifies_the_building_under_the_cursor(qtbot):
    window = MainWindow(make_project())
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    assert window.identify_action.isChecked()
    # Selecting a layer shows where it comes from, before any click.
    window.layer_panel.select_layer(window.project.layer("Buildings"))
    assert "tests:synthetic" in window.inspector.provenance_view.toPlainText()
    # centre of the third square, "Gymnase": X0 + 300 + 50, Y0 + 50
    point = window.canvas.map_to_widget(X0 + 350, Y0 + 50)
    viewport = window.canvas.findChild(QGraphicsView).viewport()
    local = viewport.mapFrom(window.canvas, QPoint(round(point.x()), round(point.y())))
    qtbot.mouseClick(viewport, Qt.MouseButton.LeftButton, pos=local)
    table = window.inspector.table
    cells = {table.item(r, 0).text(): table.item(r, 1).text() for r in range(table.rowCount())}
    assert cells["name"] == "Gymnase"
    assert cells["height_m"] == "11.25"
    # The style editor changes what the map draws: the selected Buildings turn vermillion.
    window.layer_panel.select_layer(window.project.layer("Buildings"))
    editor = window.style_editor
    editor.color_combo.setCurrentIndex(editor.color_combo.findText("Vermillion"))
    qtbot.mouseClick(editor.apply_button, Qt.MouseButton.LeftButton)
    assert _map_color_at(window, X0 + 350, Y0 + 50) == (0xD5, 0x5E, 0x00)
    # A hidden layer is off the map (the terrain shows through).
    window.project.layer("Buildings").visible = False
    assert _map_color_at(window, X0 + 350, Y0 + 50) != (0xD5, 0x5E, 0x00)
    # "Discard" closes without saving.
    _answer_next_question(QMessageBox.StandardButton.Discard)
    window.close()
    assert not window.isVisible()


def _visible_messages() -> list[QMessageBox]:
    return [
        w for w in QApplication.topLevelWidgets() if isinstance(w, QMessageBox) and w.isVisible()
    ]


def test_app_says_clearly_when_a_file_is_missing_or_broken(qtbot, tmp_path, monkeypatch):
    app = create_application()
    assert app.applicationName() == "twin" and app.organizationName() == "twin"
    monkeypatch.setattr(twin, "sample_project_path", lambda: tmp_path / "no-sample.twin")
    window = show_main_window(None)
    qtbot.addWidget(window)
    assert "sample territory is missing" in window.statusBar().currentMessage()
    assert window.project is None and not window.save_action.isEnabled()
    for box in _visible_messages():
        box.close()
    # A broken data file ends in a message naming the file, and the window carries on.
    broken = tmp_path / "broken.geojson"
    broken.write_text("{ this is not json")
    with qtbot.waitSignal(window.open_path(broken).failed, timeout=10_000):
        pass
    messages = [box.text() for box in _visible_messages()]
    assert len(messages) == 1 and "broken.geojson" in messages[0]
    assert "Traceback" not in messages[0]
    for box in _visible_messages():
        box.close()
    assert window.isVisible() and window.project is None


def _visible_dialogs() -> list[QDialog]:
    return [w for w in QApplication.topLevelWidgets() if isinstance(w, QDialog) and w.isVisible()]


def test_a_project_shows_its_visible_layers_first_then_adds_the_hidden_ones(qtbot, tmp_path):
    project = make_project()
    project.layer("Roads").visible = False
    path = project.save(tmp_path / "town.twin")
    window = MainWindow()
    qtbot.addWidget(window)
    window.show()
    previews, dialogs_seen = [], []
    window.files.project_previewed.connect(
        lambda shown: previews.append(
            ([layer.name for layer in shown.layers], window.save_action.isEnabled())
        )
    )
    watch = QTimer()
    watch.timeout.connect(lambda: dialogs_seen.extend(_visible_dialogs()))
    watch.start(5)
    with qtbot.waitSignal(window.files.project_opened, timeout=30_000):
        window.open_path(path)
    watch.stop()
    assert dialogs_seen == []  # opening shows progress in the status bar only
    # First the map of the visible layers (saving off: the project is not complete yet)...
    assert previews == [(["Sites", "Buildings", "Terrain"], False)]
    # ...then the hidden layer, back at its place, the project unmodified and savable.
    assert [layer.name for layer in window.project.layers] == [
        "Sites",
        "Roads",
        "Buildings",
        "Terrain",
    ]
    assert window.project.layer("Roads").visible is False
    assert window.save_action.isEnabled()
    assert window.layer_panel.current_layer() is window.project.layers[0]
    assert not window.isWindowModified()
    assert window.scenario.controller.project is window.project  # engines on the full project

    # An edit made while the hidden layers are read is kept, and marked unsaved.
    def edit(shown):
        shown.layer("Sites").opacity = 0.5

    window.files.project_previewed.connect(edit)
    with qtbot.waitSignal(window.files.project_opened, timeout=30_000):
        window.open_path(path)
    assert window.project.layer("Sites").opacity == 0.5
    assert window.isWindowModified()
    window.modified = False
    window.close()


def test_the_map_stays_usable_while_a_job_runs_and_the_status_bar_cancels_it(qtbot):
    import threading

    from twin.ui.workers import run_job

    window = MainWindow(make_project())
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    release = threading.Event()

    def held_job(feedback):
        feedback.set_progress(10, "computing coverage")
        release.wait(10)
        feedback.set_progress(90, "almost")
        return "done"

    results = []
    handle = run_job(
        held_job,
        title="Simulating 'Plan'",
        parent=window,
        on_result=results.append,
        dialog_delay_ms=0,
    )
    progress = window.job_progress
    qtbot.waitUntil(lambda: progress.isVisible() and progress.progress_bar.value() == 10)
    assert _visible_dialogs() == []
    # the whole message is its tooltip; the label shows it, elided in the middle ("…")
    # when the status bar leaves it less room
    whole = "Simulating 'Plan': computing coverage"
    shown = progress.message_label.text()
    assert progress.message_label.toolTip() == whole
    assert shown == whole or (shown.startswith("Simulati") and "…" in shown)
    # The map still answers: "+" zooms in by 2 while the job runs.
    before = window.canvas.view_bbox()
    window.canvas.setFocus()
    qtbot.keyClick(window.canvas, Qt.Key.Key_Plus)
    after = window.canvas.view_bbox()
    assert (after[2] - after[0]) == pytest.approx((before[2] - before[0]) / 2, rel=1e-6)
    with qtbot.waitSignal(handle.cancelled, timeout=10_000):
        qtbot.mouseClick(progress.cancel_button, Qt.MouseButton.LeftButton)
        release.set()
    assert results == [] and not progress.isVisible()
    window.close()


def test_a_project_read_before_the_window_existed_still_opens_in_it(qtbot, tmp_path):
    from twin.ui.project.files import start_opening

    path = make_project().save(tmp_path / "town.twin")
    opening = start_opening(path)  # as the app does before building its window
    qtbot.waitUntil(lambda: opening.done, timeout=30_000)
    window = MainWindow()
    qtbot.addWidget(window)
    with qtbot.waitSignal(window.files.project_opened, timeout=30_000):
        window.files.open_path(path, started=opening)
    assert [layer.name for layer in window.project.layers] == [
        "Sites",
        "Roads",
        "Buildings",
        "Terrain",
    ]
    assert all(not job.done for job in window.files.jobs)  # no finished job kept
    window.close()
