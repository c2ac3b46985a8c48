"""One colour scheme per theme: fiber, grid, transit and roads in distinct hues (ΔE ≥ 20 in
CIELAB between any two colours of two themes), the sample styled with them and labelled,
and the same colours in the app's map and in ``twin render``."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from map_helpers import X0, Y0, line_layer, project_of, show_canvas
from PySide6 import QtCore

import twin
from twin.layers.colors import NEW_TRANSIT_LINE_COLOR, THEME_COLORS, delta_e, srgb_to_lab
from twin.layers.style import new_transit_line_style

THEMES = ("fiber", "grid", "transit", "roads")
SAMPLE_THEME_LAYERS = {
    "fiber": ("Fiber cables", "Ducts and poles"),
    "grid": ("Grid lines",),
    "transit": ("Transit routes",),
    "roads": ("Roads",),
}


def test_cielab_and_delta_e_match_published_values():
    # sRGB white and black, and the CIE76 distance of pure red to pure green (Lab values of
    # the sRGB primaries: red (53.24, 80.09, 67.20), green (87.73, -86.18, 83.18))
    assert srgb_to_lab("#FFFFFF") == pytest.approx((100.0, 0.0, 0.0), abs=0.01)
    assert srgb_to_lab("#000000") == pytest.approx((0.0, 0.0, 0.0), abs=0.01)
    assert srgb_to_lab("#FF0000") == pytest.approx((53.24, 80.09, 67.20), abs=0.05)
    assert delta_e("#FF0000", "#00FF00") == pytest.approx(170.6, abs=0.2)


@pytest.mark.parametrize("first,second", list(itertools.combinations(THEMES, 2)))
def test_theme_colours_differ_pairwise_by_at_least_20(first, second):
    closest = min(delta_e(a, b) for a in THEME_COLORS[first] for b in THEME_COLORS[second])
    assert closest >= 20.0, (first, second, closest)


def test_a_new_transit_line_stands_out_from_every_theme():
    style = new_transit_line_style()
    assert style.stroke_width >= 4.0 and style.labels.enabled
    for colors in THEME_COLORS.values():
        assert min(delta_e(NEW_TRANSIT_LINE_COLOR, c) for c in colors) >= 20.0


@pytest.fixture(scope="module")
def sample():
    return twin.open_project(twin.sample_project_path())


def test_the_sample_uses_the_theme_colours_and_labels(sample):
    layers = {layer.name: layer for layer in sample.layers}
    for theme, names in SAMPLE_THEME_LAYERS.items():
        for name in names:
            colors = set(layers[name].style.class_colors())
            assert colors <= set(THEME_COLORS[theme]), (name, colors)
    # roads drawn thin, transit wider and above the roads
    assert layers["Roads"].style.stroke_width <= 1.0
    assert layers["Transit routes"].style.stroke_width > layers["Roads"].style.stroke_width
    order = [layer.name for layer in sample.layers]
    assert order.index("Transit routes") < order.index("Roads")  # first is on top
    # labels on by default for communes (larger first) and lines; stops only zoomed in
    communes = layers["Communes"].style.labels
    assert communes.field == "name" and communes.priority_field == "population"
    assert layers["Transit routes"].style.labels.field == "route_short_name"
    stops = layers["Transit stops"].style.labels
    assert stops.field == "stop_name" and 0 < stops.max_metres_per_pixel <= 10
    # busier stops first: République (tram and every bus line) is the busiest
    assert stops.priority_field == "departures_per_hour"
    frame = layers["Transit stops"].frame.set_index("stop_id")
    assert frame["departures_per_hour"].idxmax() == "RPUB"
    assert frame.loc["RPUB", "departures_per_hour"] > 60 / 4  # more than the tram alone


def test_the_app_and_twin_render_draw_a_layer_in_the_same_colour(qtbot, tmp_path):
    from twin.cli import main

    roads = line_layer("Roads", [(20, 150), (380, 150)], THEME_COLORS["roads"][0])
    fiber = line_layer("Fiber", [(200, 20), (200, 280)], THEME_COLORS["fiber"][0])
    project = project_of(fiber, roads)
    canvas = show_canvas(qtbot, project)
    image = canvas.grab_map()

    def app_color(dx, dy):
        point = canvas.map_to_widget(X0 + dx, Y0 + dy)
        return image.pixelColor(QtCore.QPoint(int(point.x()), int(point.y()))).name().upper()

    assert app_color(100, 150) == THEME_COLORS["roads"][0]
    assert app_color(200, 60) == THEME_COLORS["fiber"][0]
    path = tmp_path / "net.twin"
    project.save(path)
    out = tmp_path / "net.png"
    assert main(["render", str(path), "--out", str(out), "--size", "800x600"]) == 0
    from PySide6.QtGui import QImage

    rendered = QImage(str(out)).convertToFormat(QImage.Format.Format_RGB32)
    pixels = np.frombuffer(rendered.constBits(), np.uint32)[: rendered.width() * rendered.height()]
    names = {f"#{int(v) & 0xFFFFFF:06X}" for v in np.unique(pixels)}
    assert THEME_COLORS["roads"][0] in names and THEME_COLORS["fiber"][0] in names


def test_imported_grid_lines_and_fiber_plans_take_their_theme_colours():
    import geopandas as gpd
    import shapely

    from twin.layers.energy import grid_layer
    from twin.layers.fiber import ROUTE_COLORS
    from twin.layers.provenance import Provenance

    frame = gpd.GeoDataFrame(
        {
            "line_id": [1, 2],
            "name": ["a", "b"],
            "from_bus": [0, 1],
            "to_bus": [1, 2],
            "vn_kv": [20.0, 0.4],
            "std_type": ["x", "y"],
            "length_km": [1.0, 0.2],
            "parallel": [1, 1],
        },
        geometry=[shapely.LineString([(0, 0), (1, 1)]), shapely.LineString([(1, 1), (2, 1)])],
        crs="EPSG:2154",
    )
    lines = grid_layer("grid_lines", frame, Provenance(source="test"))
    assert set(lines.style.class_colors()) <= set(THEME_COLORS["grid"])
    colors = dict(
        zip([c.value for c in lines.style.categories], lines.style.class_colors(), strict=True)
    )
    assert colors[20] == THEME_COLORS["grid"][0]  # the higher voltage darker
    assert set(ROUTE_COLORS.values()) <= set(THEME_COLORS["fiber"])


def test_a_new_transit_line_is_visible_at_the_full_extent_of_the_sample(sample):
    import geopandas as gpd
    import shapely

    from twin.layers import VectorLayer
    from twin.project import Project
    from twin.ui.map.render import render_map

    minx, miny, maxx, maxy = sample.extent
    cx, cy = (minx + maxx) / 2, (miny + maxy) / 2
    line = gpd.GeoDataFrame(
        {"name": ["C9"]},
        geometry=[shapely.LineString([(cx - 4000, cy - 3000), (cx + 4000, cy + 3000)])],
        crs=sample.crs,
    )
    scene = Project(crs=sample.crs)
    for layer in sample.layers:
        scene.add_layer(layer, index=len(scene.layers))
    scene.add_layer(VectorLayer("C9: new lines", line, style=new_transit_line_style()), index=0)
    image, shown = render_map(scene, (1600, 1000))
    assert shown[2] - shown[0] > 60_000  # the whole territory, about 48 m per pixel
    from PySide6.QtGui import QImage

    rgb = image.convertToFormat(QImage.Format.Format_RGB32)
    pixels = np.frombuffer(rgb.constBits(), np.uint32)[: rgb.width() * rgb.height()].copy()
    target = int("FF" + NEW_TRANSIT_LINE_COLOR.lstrip("#"), 16)
    magenta = int(np.count_nonzero(pixels == target))
    # a 10 km line is about 200 px long at this scale: drawn 5 px wide, on top of everything
    assert magenta > 200 * 3
