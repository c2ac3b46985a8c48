"""Honest comparisons: both halves of the swipe and both side-by-side panes show one view
transform (a feature's pixels are on the same rows left and right of the divider, and at
the same pixel in both panes) over the same base layers; every theme with a result can be
picked and differenced."""

from __future__ import annotations

import numpy as np
import pytest
from map_helpers import BLUE, RED, X0, Y0, box_layer, project_of, rgb_array
from PySide6 import QtGui
from PySide6.QtWidgets import QApplication

from twin.layers.provenance import Provenance
from twin.ui.compare import SideBySideView, SwipeView
from twin.ui.compare.maps import scenario_project

ROAD = "#3CB44B"


def rows_of(image: QtGui.QImage, color: str, columns: slice) -> list[int]:
    """Rows of ``image`` where ``color`` appears within ``columns``."""
    target = np.array(QtGui.QColor(color).getRgb()[:3])
    hit = np.all(rgb_array(image)[:, columns] == target, axis=2).any(axis=1)
    return np.flatnonzero(hit).tolist()


def columns_of(image: QtGui.QImage, color: str) -> list[int]:
    target = np.array(QtGui.QColor(color).getRgb()[:3])
    hit = np.all(rgb_array(image) == target, axis=2).any(axis=0)
    return np.flatnonzero(hit).tolist()


def result(scenario: str, color: str):
    layer = box_layer(f"{scenario}: coverage", [(150, 180, 250, 260)], color)
    layer.provenance = Provenance(source="engine:radio", parameters={"scenario": scenario})
    return layer


@pytest.fixture
def projects():
    # the shared base layers: a road (a 6 m high band across the whole view) and a building
    base = project_of(
        box_layer("Roads", [(-5000, 100, 5000, 106)], ROAD),
        box_layer("Buildings", [(50, 40, 90, 70)], "#8F8579"),
    )
    return scenario_project(base, [result("A", RED)]), scenario_project(base, [result("B", BLUE)])


def settle() -> None:
    for _ in range(5):
        QApplication.processEvents()


@pytest.mark.parametrize("size", [(400, 300), (523, 377), (900, 341)])
def test_swipe_halves_line_up_across_the_divider(qtbot, projects, size):
    view = SwipeView(*projects, "A", "B")
    qtbot.addWidget(view)
    view.resize(300, 200)
    view.show()
    qtbot.waitExposed(view)
    view.zoom_to_bbox((X0, Y0, X0 + 400, Y0 + 300))
    view.resize(*size)  # a resize after the zoom: both halves must follow it alike
    settle()
    a, b = view.canvases()
    assert a.view_bbox() == pytest.approx(b.view_bbox(), abs=1e-6)
    assert a.map_units_per_pixel() == pytest.approx(b.map_units_per_pixel(), rel=1e-9)
    image = view.grab().toImage()
    divider = view.divider_x()
    left = rows_of(image, ROAD, slice(5, divider - 20))
    right = rows_of(image, ROAD, slice(divider + 20, image.width() - 5))
    assert left and left == right  # the road is on the same pixel rows on both sides
    # and B's result shows right of the divider, A's left of it, on the same rows
    assert rows_of(image, RED, slice(0, divider - 8)) or rows_of(
        image, BLUE, slice(divider + 8, None)
    )


def test_swipe_shows_the_same_base_layers_on_both_sides(projects):
    a, b = projects
    names = lambda p: [x.name for x in p.layers if "scenario" not in x.provenance.parameters]  # noqa: E731
    assert names(a) == names(b) == ["Roads", "Buildings"]
    assert all(x is y for x, y in zip(a.layers[1:], b.layers[1:], strict=True))


def test_side_by_side_panes_show_a_feature_at_the_same_pixel(qtbot, projects):
    view = SideBySideView(*projects, "A", "B")
    qtbot.addWidget(view)
    view.resize(900, 400)
    view.show()
    qtbot.waitExposed(view)
    view.zoom_to_bbox((X0, Y0, X0 + 400, Y0 + 300))
    view.resize(1000, 450)
    settle()
    a, b = view.canvases()
    assert a.size() == b.size()
    assert a.view_bbox() == pytest.approx(b.view_bbox(), abs=1e-6)
    image_a, image_b = a.grab_map(), b.grab_map()
    all_columns = slice(0, None)
    assert rows_of(image_a, ROAD, all_columns) == rows_of(image_b, ROAD, all_columns)
    building = "#8F8579"
    assert columns_of(image_a, building) == columns_of(image_b, building) != []
    assert rows_of(image_a, building, all_columns) == rows_of(image_b, building, all_columns)


def test_the_compare_window_swipe_lines_up_after_switching_modes_and_resizing(qtbot):
    from twin.ui.compare.window import CompareWindow, ScenarioData

    base = project_of(
        box_layer("Roads", [(-5000, 100, 5000, 106)], ROAD),
        box_layer("Buildings", [(50, 40, 90, 70)], "#8F8579"),
    )
    window = CompareWindow(base, "side-by-side")
    qtbot.addWidget(window)
    window.resize(1000, 700)
    window.show()
    qtbot.waitExposed(window)
    window.set_scenarios(
        ScenarioData("A", [result("A", RED)]), ScenarioData("B", [result("B", BLUE)])
    )
    window.current_view().zoom_to_bbox((X0, Y0, X0 + 400, Y0 + 300))
    settle()
    view = window.set_mode("swipe")
    window.resize(1200, 760)
    settle()
    a, b = view.canvases()
    assert a.view_bbox() == pytest.approx(b.view_bbox(), abs=1e-6)
    image = view.grab().toImage()
    divider = view.divider_x()
    left = rows_of(image, ROAD, slice(5, divider - 20))
    right = rows_of(image, ROAD, slice(divider + 20, image.width() - 5))
    assert left and left == right


@pytest.mark.parametrize("view_class", [SwipeView, SideBySideView])
def test_both_maps_place_the_same_labels(qtbot, projects, view_class):
    import geopandas as gpd
    import shapely

    from twin.layers import Style, VectorLayer
    from twin.layers.style import LabelStyle

    view = view_class(*projects, "A", "B")
    qtbot.addWidget(view)
    view.resize(800, 300)
    view.show()
    qtbot.waitExposed(view)
    view.zoom_to_bbox((X0 - 20, Y0 - 20, X0 + 380, Y0 + 120))
    settle()
    first, second = view.canvases()
    # places to label everywhere, the corners too (under one map's scale bar or north arrow)
    minx, miny, maxx, maxy = first.view_bbox()
    xs, ys = np.meshgrid(np.linspace(minx + 5, maxx - 5, 6), np.linspace(miny + 3, maxy - 3, 5))
    frame = gpd.GeoDataFrame(
        {"name": [f"Place {i}" for i in range(xs.size)]},
        geometry=shapely.points(np.column_stack([xs.ravel(), ys.ravel()])),
        crs="EPSG:2154",
    )
    places = VectorLayer("Places", frame, style=Style(labels=LabelStyle(field="name")))
    for project in projects:
        project.add_layer(places)
    settle()
    first.grab_map(), second.grab_map()
    placed = [
        [(text, label.box) for _, text, label in canvas.labels.last_placed]
        for canvas in (first, second)
    ]
    assert len(placed[0]) > 5 and placed[0] == placed[1]


def test_result_rasters_look_the_same_on_both_sides_inside_the_territory():
    import geopandas as gpd
    import shapely
    from affine import Affine

    from twin.layers import RasterLayer, VectorLayer
    from twin.ui.compare.maps import RESULT_RASTER_OPACITY

    communes = VectorLayer(
        "Communes",
        gpd.GeoDataFrame(
            {"name": ["Pacé"]}, geometry=[shapely.box(X0, Y0, X0 + 100, Y0 + 200)], crs="EPSG:2154"
        ),
        layer_id="communes",
    )
    base = project_of(communes)

    def level(scenario: str, opacity: float) -> RasterLayer:
        layer = RasterLayer(
            f"{scenario}: 4G coverage level",
            np.array([[1, 2], [3, 0]], dtype=np.uint8),
            Affine(100.0, 0.0, X0, 0.0, -100.0, Y0 + 200),
            "EPSG:2154",
        )
        layer.provenance = Provenance(source="engine:radio", parameters={"scenario": scenario})
        layer.opacity = opacity
        return layer

    # one side from the what-if run (opaque), the other from the live map (half transparent)
    a = scenario_project(base, [level("Baseline", 1.0)])
    b = scenario_project(base, [level("Scenario", 0.55)])
    shown_a, shown_b = a.layers[0], b.layers[0]
    assert shown_a.opacity == shown_b.opacity == RESULT_RASTER_OPACITY
    # the east column lies outside the commune: not drawn on either side
    assert np.asarray(shown_a.array).tolist() == [[1, 255], [3, 255]]
    assert np.asarray(shown_b.array).tolist() == np.asarray(shown_a.array).tolist()
    assert a.layers[1] is b.layers[1] is communes


def test_switching_modes_back_and_forth_keeps_the_place_and_the_scale(qtbot):
    """Side by side -> swipe -> side by side ... keeps the centre and the metres per pixel
    (fitting one mode's box into the other's differently shaped map zoomed out at each
    switch: the sample ended up at a 500 km scale bar after four switches)."""
    from twin.ui.compare.window import CompareWindow, ScenarioData

    base = project_of(
        box_layer("Roads", [(-5000, 100, 5000, 106)], ROAD),
        box_layer("Buildings", [(50, 40, 90, 70)], "#8F8579"),
    )
    window = CompareWindow(base, "side-by-side")
    qtbot.addWidget(window)
    window.resize(1400, 700)
    window.show()
    qtbot.waitExposed(window)
    window.set_scenarios(
        ScenarioData("A", [result("A", RED)]), ScenarioData("B", [result("B", BLUE)])
    )
    settle()
    window.current_view().zoom_to_bbox((X0, Y0, X0 + 400, Y0 + 300))
    settle()
    first = window.current_view().canvas_a
    scale = first.map_units_per_pixel()
    minx, miny, maxx, maxy = first.view_bbox()
    centre = ((minx + maxx) / 2, (miny + maxy) / 2)
    for _ in range(3):
        for button in (1, 0):  # the user clicks Swipe, then Side by side
            window.mode_buttons.button(button).click()
            settle()
            for canvas in window.current_view().canvases():
                assert canvas.map_units_per_pixel() == pytest.approx(scale, rel=0.02)
                minx, miny, maxx, maxy = canvas.view_bbox()
                assert (minx + maxx) / 2 == pytest.approx(centre[0], abs=scale * 2)
                assert (miny + maxy) / 2 == pytest.approx(centre[1], abs=scale * 2)
