"""Compare views: side-by-side maps that pan together, the swipe divider, the compare window
(difference layer shown and exported, KPI table) and open_compare with a controller."""

from __future__ import annotations

import csv
import io

import numpy as np
import pytest
import rasterio
from affine import Affine
from map_helpers import BLUE, CRS, RED, X0, Y0, box_layer, count_color, project_of
from PySide6 import QtCore, QtGui
from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QGuiApplication

from twin.kpi import Figure
from twin.layers import RasterLayer
from twin.layers.provenance import Provenance
from twin.ui.compare import CompareTable, SideBySideView, SwipeView, open_compare
from twin.ui.compare.maps import scenario_project
from twin.ui.compare.window import CompareWindow, ScenarioData

GREY = "#999999"


def result_box(scenario: str, color: str):
    """A scenario's result layer: a coloured box over the whole test view."""
    layer = box_layer(f"{scenario}: coverage", [(0, 0, 800, 600)], color)
    layer.provenance = Provenance(source="engine:radio", parameters={"scenario": scenario})
    return layer


def baseline_project():
    """The baseline: a grey building block under the results."""
    return project_of(box_layer("Buildings", [(10, 10, 30, 30)], GREY))


def color_at(image: QtGui.QImage, x: int, y: int) -> str:
    return image.pixelColor(QtCore.QPoint(x, y)).name().upper()


def drag(qtbot, widget, start: QtCore.QPoint, end: QtCore.QPoint) -> None:
    qtbot.mousePress(widget, Qt.MouseButton.LeftButton, pos=start)
    qtbot.mouseMove(widget, (start + end) / 2)
    qtbot.mouseMove(widget, end)
    qtbot.mouseRelease(widget, Qt.MouseButton.LeftButton, pos=end)


@pytest.fixture
def projects():
    base = baseline_project()
    a = scenario_project(base, [result_box("Densify", RED)])
    b = scenario_project(base, [result_box("Tram", BLUE)])
    return a, b


def test_scenario_project_puts_copies_of_results_over_the_baseline(projects):
    a, _b = projects
    assert [layer.name for layer in a.layers] == ["Densify: coverage", "Buildings"]
    assert a.layers[0] is not _b.layers[0]
    assert a.layers[1] is _b.layers[1]  # the baseline's data layer is shared, not copied


def test_side_by_side_follows_pan_and_shows_different_scenarios(qtbot, projects):
    view = SideBySideView(*projects, "Densify", "Tram")
    qtbot.addWidget(view)
    view.resize(808, 300)
    view.show()
    qtbot.waitExposed(view)
    view.zoom_to_bbox((X0 + 100, Y0 + 100, X0 + 400, Y0 + 400))
    a, b = view.canvases()
    assert abs(a.view_box.width() - b.view_box.width()) <= 2
    before = b.view_bbox()

    drag(qtbot, a.map_viewport(), QtCore.QPoint(200, 150), QtCore.QPoint(260, 190))

    after_a, after_b = a.view_bbox(), b.view_bbox()
    metres = a.map_units_per_pixel()
    # dragged 60 px right and 40 px down: the map moves 60 px west and 40 px north
    assert after_b[0] == pytest.approx(before[0] - 60 * metres, abs=2 * metres)
    assert after_b[1] == pytest.approx(before[1] + 40 * metres, abs=2 * metres)
    for mine, other in zip(after_a, after_b, strict=True):
        assert other == pytest.approx(mine, abs=2 * metres)
    image_a, image_b = a.grab_map(), b.grab_map()
    assert count_color(image_a, RED) > 1000 and count_color(image_a, BLUE) == 0
    assert count_color(image_b, BLUE) > 1000 and count_color(image_b, RED) == 0


def test_zoom_on_the_right_map_zooms_the_left(qtbot, projects):
    view = SideBySideView(*projects)
    qtbot.addWidget(view)
    view.resize(808, 300)
    view.show()
    qtbot.waitExposed(view)
    a, b = view.canvases()
    b.zoom_by(2.0)
    assert a.map_units_per_pixel() == pytest.approx(b.map_units_per_pixel(), rel=0.01)


@pytest.fixture
def swipe(qtbot, projects):
    view = SwipeView(*projects, "Densify", "Tram")
    qtbot.addWidget(view)
    view.resize(400, 300)
    view.show()
    qtbot.waitExposed(view)
    view.zoom_to_bbox((X0 + 100, Y0 + 100, X0 + 500, Y0 + 400))
    return view


def test_swipe_shows_a_left_and_b_right_of_the_divider(swipe):
    assert swipe.divider_x() == 200
    image = swipe.grab().toImage()
    assert color_at(image, 100, 200) == RED
    assert color_at(image, 300, 200) == BLUE


def drag_divider(qtbot, swipe, to_x: int) -> None:
    """Drag the divider's grip to ``to_x`` (view pixels) as a mouse would: every event is
    given where the pointer is relative to the handle, which moves under it."""
    handle = swipe.handle
    y = handle.height() // 2
    start_x = swipe.divider_x()

    def local(x: int) -> QtCore.QPoint:
        return QtCore.QPoint(x - handle.x(), y)

    qtbot.mousePress(handle, Qt.MouseButton.LeftButton, pos=local(start_x))
    for x in (start_x + (to_x - start_x) // 2, to_x):
        qtbot.mouseMove(handle, local(x))
    qtbot.mouseRelease(handle, Qt.MouseButton.LeftButton, pos=local(to_x))


def test_dragging_the_divider_changes_which_scenario_shows(qtbot, swipe):
    drag_divider(qtbot, swipe, 350)
    assert swipe.divider_x() == pytest.approx(350, abs=1)
    image = swipe.grab().toImage()
    assert color_at(image, 300, 200) == RED  # now left of the divider: scenario A
    assert color_at(image, 380, 200) == BLUE

    drag_divider(qtbot, swipe, 50)
    image = swipe.grab().toImage()
    assert swipe.divider_x() == pytest.approx(50, abs=1)
    assert color_at(image, 100, 200) == BLUE
    assert color_at(image, 20, 200) == RED


def test_panning_the_swipe_moves_both_maps(qtbot, swipe):
    a, b = swipe.canvases()
    drag(qtbot, b.map_viewport(), QtCore.QPoint(300, 150), QtCore.QPoint(320, 150))
    assert a.view_bbox() == pytest.approx(b.view_bbox(), abs=0.5)


# --- compare window -------------------------------------------------------------------------
TRANSFORM = Affine(10.0, 0.0, X0, 0.0, -10.0, Y0 + 300)


def level(scenario: str, values) -> RasterLayer:
    layer = RasterLayer(
        f"{scenario}: 5G coverage level",
        np.array(values, dtype=np.uint8),
        TRANSFORM,
        CRS,
        unit="level",
    )
    layer.provenance = Provenance(source="engine:radio", parameters={"scenario": scenario})
    return layer


def figures(good: float, capex: float) -> list[Figure]:
    return [
        Figure("radio.5g.persons.good", "5G persons: good", good, "persons", "radio", 1000.0),
        Figure("capex.total", "Capex total", capex, "EUR", "cost", 0.0, "down"),
    ]


@pytest.fixture
def window(qtbot):
    a = ScenarioData("Densify", [level("Densify", [[0, 1], [2, 3]])], figures(1500.0, 150_000.0))
    b = ScenarioData("Tram", [level("Tram", [[2, 1], [0, 3]])], figures(1200.0, 2_500_000.0))
    widget = CompareWindow(baseline_project(), "side-by-side")
    qtbot.addWidget(widget)
    widget.set_scenarios(a, b)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def test_window_difference_is_shown_on_both_maps_and_exported(window, tmp_path):
    assert window.difference_box.currentText() == "5G coverage level"
    window.difference_check.setChecked(True)
    layer = window.shown_difference
    assert layer.array.tolist() == [[2, 0], [-2, 0]]  # Tram minus Densify
    assert window.project_a.layers[0] is layer and window.project_b.layers[0] is layer
    path = window.export_difference(tmp_path / "change.tif")
    with rasterio.open(path) as dataset:
        assert dataset.crs.to_epsg() == 2154
        assert dataset.read(1).tolist() == [[2, 0], [-2, 0]]
    window.difference_check.setChecked(False)
    assert layer not in window.project_a.layers


def test_window_switches_to_swipe_keeping_the_place(window):
    side = window.current_view()
    side.zoom_to_bbox((X0, Y0, X0 + 200, Y0 + 200))
    centre = side.canvas_a.view_bbox()
    window.mode_buttons.button(1).click()
    swipe_view = window.current_view()
    assert isinstance(swipe_view, SwipeView)
    bbox = swipe_view.canvas_a.view_bbox()
    assert (bbox[0] + bbox[2]) / 2 == pytest.approx((centre[0] + centre[2]) / 2, abs=5)


def test_window_table_lists_both_scenarios(window):
    rows = {r["key"]: r for r in csv.DictReader(io.StringIO(window.table.csv_text()))}
    assert rows["capex.total"]["Densify"] == "150000"
    assert rows["capex.total"]["Tram"] == "2500000"
    assert rows["capex.total"]["change"] == "2350000"
    assert window.table.table.row_texts("capex.total")[1:] == ["150.0 k€", "2.50 M€", "+2.35 M€"]


def test_compare_table_copy_and_export(qtbot, tmp_path):
    table = CompareTable()
    qtbot.addWidget(table)
    table.set_figures(figures(1500.0, 0.0), figures(1200.0, 0.0), "Densify", "Tram")
    qtbot.mouseClick(table.copy_button, Qt.MouseButton.LeftButton)
    lines = QGuiApplication.clipboard().text().splitlines()
    assert lines[0] == "Domain\tFigure\tDensify\tTram\tChange"
    assert lines[1] == "Mobile coverage\t5G persons: good\t1 500 people\t1 200 people\t−300 people"
    table.export_csv(tmp_path / "c.csv")
    text = (tmp_path / "c.csv").read_text(encoding="utf-8")
    assert (
        text.splitlines()[1]
        == "radio,radio.5g.persons.good,5G persons: good,persons,1500,1200,-300"
    )


class FakeController(QObject):
    """The part of ScenarioController that open_compare uses."""

    def __init__(self) -> None:
        super().__init__()
        self.project = baseline_project()
        self.results = {
            None: [level("baseline", [[0, 0], [0, 0]])],
            "Tram": [level("Tram", [[1, 1], [3, 0]])],
        }

    def current_name(self):
        return None  # the baseline is current

    def result_layers(self, name):
        return self.results[name]

    def figures(self):
        return figures(1000.0, 0.0)  # the current (baseline) figures

    def figures_for(self, name):
        assert name == "Tram"
        return figures(1300.0, 9.0e5)


def test_open_compare_computes_in_a_worker_then_shows(qtbot):
    window = open_compare(None, FakeController(), None, "Tram", mode="swipe")
    qtbot.addWidget(window)
    qtbot.waitUntil(lambda: window.b is not None, timeout=5000)
    assert window.windowTitle() == "Compare Baseline and Tram"
    assert isinstance(window.current_view(), SwipeView)
    assert window.difference().array.tolist() == [[1, 1], [3, 0]]
    assert window.table.table.row_texts("radio.5g.persons.good")[3] == "+300 people"


def test_closing_the_window_detaches_the_maps(window):
    canvases = window.current_view().canvases()
    window.close()
    assert all(canvas.project is None for canvas in canvases)


def _dark_pixels(image: QtGui.QImage, width: int) -> int:
    """Pixels darker than mid grey in the ``width`` leftmost columns of ``image``."""
    from map_helpers import rgb_array

    pixels = rgb_array(image)[:, :width].astype(int)
    return int((pixels.max(axis=2) < 128).sum())


def test_the_theme_and_difference_boxes_show_their_names_whole(qtbot, request):
    """The chosen theme's name is not cut ("4G+5G coverage leve", "Isochrones from Rennes"
    were): the box shows as much text ink as a label of the same name."""
    from PySide6.QtWidgets import QLabel

    from twin.ui.app import STYLESHEET

    def named(scenario: str, theme: str, values) -> RasterLayer:
        layer = level(scenario, values)
        layer.name = f"{scenario}: {theme}"
        return layer

    themes = ("4G+5G coverage level", "Isochrones from Rennes town hall")
    a = ScenarioData("A", [named("A", t, [[0, 1], [2, 3]]) for t in themes], figures(1.0, 1.0))
    b = ScenarioData("B", [named("B", t, [[2, 1], [0, 3]]) for t in themes], figures(2.0, 2.0))
    app = QGuiApplication.instance()
    previous = app.styleSheet()
    app.setStyleSheet(STYLESHEET.read_text(encoding="utf-8"))  # the app's look
    request.addfinalizer(lambda: app.setStyleSheet(previous))
    widget = CompareWindow(baseline_project(), "side-by-side")
    qtbot.addWidget(widget)
    widget.resize(1600, 1000)
    widget.show()  # shown while the results are computed, then given them
    QGuiApplication.processEvents()
    widget.set_scenarios(a, b)
    QGuiApplication.processEvents()
    for box in (widget.theme_box, widget.difference_box):
        for index in range(box.count()):
            box.setCurrentIndex(index)
            QGuiApplication.processEvents()
            label = QLabel(box.currentText())
            label.setFont(box.font())
            label.setStyleSheet("background: white; color: black;")
            qtbot.addWidget(label)
            label.adjustSize()
            text_ink = _dark_pixels(label.grab().toImage(), label.width())
            arrow_room = 24  # px: the drop-down arrow at the box's right end
            shown_ink = _dark_pixels(box.grab().toImage(), box.width() - arrow_room)
            assert shown_ink >= 0.97 * text_ink, box.currentText()
