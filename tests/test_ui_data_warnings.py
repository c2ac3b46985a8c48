"""DataWarnings (a shapefile without its .dbf, "visible": "no") are shown in the window when
a file or a project is opened: a "⚠ N data warnings" button in the status bar whose list
names the file and what was lost, driven as a user would."""

from __future__ import annotations

import geopandas as gpd
import pytest
import shapely
from hardening_helpers import edit_meta, saved_project
from PySide6.QtCore import Qt

from twin.ui.main_window import MainWindow

pytestmark = pytest.mark.filterwarnings("ignore:.*non conformant file extension")


def _window(qtbot) -> MainWindow:
    window = MainWindow()
    qtbot.addWidget(window, before_close_func=lambda w: w.set_modified(False))
    window.show()
    return window


def _open(window: MainWindow, qtbot, path) -> None:
    with qtbot.waitSignal(window.files.project_opened, timeout=60_000):
        window.open_path(path)


def _listed(window: MainWindow, qtbot) -> list[str]:
    """Click the status-bar button as a user would and read the list it opens."""
    button = window.data_warnings_button
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    dialog = button.dialog
    assert dialog is not None and dialog.isVisible()
    return [dialog.items.item(i).text() for i in range(dialog.items.count())]


def test_a_shapefile_without_dbf_shows_a_data_warning(qtbot, tmp_path):
    frame = gpd.GeoDataFrame(
        {"name": ["a", "b"]},
        geometry=[shapely.Point(351_000 + i, 6_789_000) for i in range(2)],
        crs="EPSG:2154",
    )
    path = tmp_path / "points.shp"
    frame.to_file(path)
    path.with_suffix(".dbf").unlink()
    window = _window(qtbot)
    assert not window.data_warnings_button.isVisible()  # nothing to tell yet
    _open(window, qtbot, path)
    qtbot.waitUntil(window.data_warnings_button.isVisible, timeout=10_000)
    assert window.data_warnings_button.text() == "⚠ 1 data warning"
    listed = _listed(window, qtbot)
    assert len(listed) == 1
    assert "points.shp has no .dbf file beside it" in listed[0]
    assert "every attribute is missing" in listed[0]
    assert len(window.project.layers) == 1  # the geometries did open


def test_a_project_with_odd_visible_words_shows_each_warning(qtbot, tmp_path):
    path = saved_project(tmp_path)

    def odd_words(meta):
        meta["layers"][0]["visible"] = "no"
        meta["layers"][1]["visible"] = "yes"

    edit_meta(path, odd_words)
    window = _window(qtbot)
    _open(window, qtbot, path)
    qtbot.waitUntil(lambda: len(window.data_warnings.messages) == 2, timeout=10_000)
    assert window.data_warnings_button.text() == "⚠ 2 data warnings"
    listed = _listed(window, qtbot)
    assert all("visible" in line and "town.twin" in line for line in listed), listed
    assert "'no'" in listed[0] and "'yes'" in listed[1]
    # Clear empties the list and hides the button
    qtbot.mouseClick(window.data_warnings_button.dialog.clear_button, Qt.MouseButton.LeftButton)
    assert window.data_warnings_button.dialog.items.count() == 0
    assert not window.data_warnings_button.isVisible()
    # opening the same project again warns again (not once per place in the code)
    _open(window, qtbot, path)
    qtbot.waitUntil(lambda: len(window.data_warnings.messages) == 2, timeout=10_000)
