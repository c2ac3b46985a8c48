"""Every theme with a result can be compared and differenced: coverage level per technology
(4G, 5G), PTAL, line loading and fiber eligibility; in the compare window each can be
picked, shown on both maps, and its difference colours gained (blue) and lost (orange)."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
import shapely
from affine import Affine
from map_helpers import count_color

from twin.layers import RasterLayer, VectorLayer
from twin.layers.compare_themes import (
    BETTER,
    SAME,
    VALUE_CHANGE_COLORS,
    WORSE,
    comparable_pairs,
    fiber_eligibility_layer,
    theme_difference,
    value_change,
    value_theme_of,
)
from twin.layers.provenance import Provenance
from twin.project import Project

CRS = "EPSG:2154"
X0, Y0 = 350_000.0, 6_790_000.0
TRANSFORM = Affine(50.0, 0.0, X0, 0.0, -50.0, Y0 + 200)


def tagged(layer, scenario: str, engine: str):
    layer.provenance = Provenance(
        source=f"engine:{engine}", parameters={"scenario": scenario, "engine": engine}
    )
    return layer


def level(scenario: str, technology: str, array) -> RasterLayer:
    layer = RasterLayer(
        f"{scenario}: {technology} coverage level",
        np.array(array, dtype=np.uint8),
        TRANSFORM,
        CRS,
        unit="level",
    )
    return tagged(layer, scenario, "radio")


def ptal(scenario: str, bands) -> VectorLayer:
    frame = gpd.GeoDataFrame(
        {"building_id": ["b1", "b2", "b3"], "ptal": bands},
        geometry=shapely.points([(X0 + 20, Y0 + 20), (X0 + 60, Y0 + 60), (X0 + 120, Y0 + 20)]),
        crs=CRS,
    )
    return tagged(VectorLayer(f"{scenario}: PTAL", frame), scenario, "transit")


def loading(scenario: str, percents) -> VectorLayer:
    frame = gpd.GeoDataFrame(
        {"line_id": ["l1", "l2", "l3"], "loading_percent": percents},
        geometry=[
            shapely.LineString([(X0, Y0 + 10 + 40 * i), (X0 + 150, Y0 + 10 + 40 * i)])
            for i in range(3)
        ],
        crs=CRS,
    )
    return tagged(VectorLayer(f"{scenario}: Line loading", frame), scenario, "energy")


def buildings() -> VectorLayer:
    frame = gpd.GeoDataFrame(
        {
            "building_id": ["b1", "b2", "b3"],
            "fiber_status": ["connected", "not-eligible", "not-eligible"],
        },
        geometry=[
            shapely.box(X0 + 10 + 50 * i, Y0 + 10, X0 + 40 + 50 * i, Y0 + 40) for i in range(3)
        ],
        crs=CRS,
    )
    return VectorLayer("Buildings", frame)


def passed(scenario: str) -> VectorLayer:
    frame = gpd.GeoDataFrame(
        {"building_id": ["b3"]}, geometry=shapely.points([(X0 + 125, Y0 + 25)]), crs=CRS
    )
    return tagged(VectorLayer(f"{scenario}: premises passed", frame), scenario, "fiber")


def test_line_loading_change_is_matched_on_the_line_and_classed_by_direction():
    a, b = loading("Baseline", [40.0, 90.0, 70.0]), loading("EV", [40.2, 120.0, 50.0])
    theme = value_theme_of(a)
    assert theme is not None and theme.lower_is_better
    change = value_change(a, b, theme, "Baseline", "EV")
    assert change.frame["change_value"].round(1).tolist() == [0.2, 30.0, -20.0]
    # within 0.5 % is unchanged; more loaded is worse; less loaded is better
    assert change.frame["change"].tolist() == [SAME, WORSE, BETTER]
    values = [c.value for c in change.style.categories]
    colors = dict(zip(values, change.style.class_colors(), strict=True))
    assert colors[WORSE] == VALUE_CHANGE_COLORS[WORSE] and colors[BETTER] == "#0072B2"


def test_fiber_eligibility_adds_the_premises_a_plan_passes():
    base = fiber_eligibility_layer(buildings(), None, "Baseline")
    plan = fiber_eligibility_layer(buildings(), passed("Fiber"), "Fiber")
    assert base.frame["eligible"].tolist() == [1, 0, 0]
    assert plan.frame["eligible"].tolist() == [1, 0, 1]
    change = theme_difference(base, plan, "Baseline", "Fiber")
    assert change.frame["change"].tolist() == [SAME, SAME, BETTER]
    assert "became eligible" in [c.label for c in change.style.categories]


def scenario_layers(name: str, changed: bool) -> list:
    return [
        level(name, "4G", [[1, 1], [1, 1]] if not changed else [[3, 1], [0, 1]]),
        level(name, "5G", [[0, 0], [0, 2]] if not changed else [[2, 0], [0, 0]]),
        ptal(name, ["1a", "2", "3"] if not changed else ["4", "2", "1b"]),
        loading(name, [40.0, 90.0, 70.0] if not changed else [40.0, 120.0, 20.0]),
        *([passed(name)] if changed else []),
    ]


def test_comparable_pairs_cover_every_theme():
    pairs = comparable_pairs(scenario_layers("A", False), scenario_layers("B", True))
    names = [a.name.split(": ", 1)[1] for a, _ in pairs]
    assert names == ["4G coverage level", "5G coverage level", "PTAL", "Line loading"]


@pytest.fixture
def window(qtbot):
    from twin.ui.compare.window import CompareWindow, ScenarioData

    baseline = Project(crs=CRS)
    baseline.add_layer(buildings())
    window = CompareWindow(baseline, "side-by-side")
    qtbot.addWidget(window)
    window.resize(1000, 700)
    window.show()
    qtbot.waitExposed(window)
    window.set_scenarios(
        ScenarioData(None, scenario_layers("Baseline", False)),
        ScenarioData("Changed", scenario_layers("Changed", True)),
    )
    return window


THEMES = ("4G coverage level", "5G coverage level", "PTAL", "Line loading", "Fiber eligibility")


def test_each_theme_can_be_picked_on_the_maps(window):
    themes = [window.theme_box.itemText(i) for i in range(window.theme_box.count())]
    assert set(THEMES) <= set(themes)
    for theme in THEMES:
        window.theme_box.setCurrentIndex(themes.index(theme))
        for project in (window.project_a, window.project_b):
            shown = [
                layer.name.split(": ", 1)[1]
                for layer in project.layers
                if layer.visible and "scenario" in layer.provenance.parameters
            ]
            assert theme in shown and "4G coverage level" not in set(shown) - {theme}


@pytest.mark.parametrize("theme", THEMES)
def test_each_theme_shows_a_non_empty_difference(window, theme):
    names = [window.difference_box.itemText(i) for i in range(window.difference_box.count())]
    assert theme in names
    window.difference_box.setCurrentIndex(names.index(theme))
    window.difference_check.setChecked(True)
    change = window.shown_difference
    assert change is not None and theme in change.name
    if isinstance(change, RasterLayer):
        values = np.asarray(change.array)[change.valid_mask()]
        assert (values > 0).any() and (values < 0).any()  # levels gained and lost
    else:
        classes = set(change.frame["change"])
        assert classes & {BETTER, "gained"}
    # the difference is drawn: gained in blue on the map
    canvas = window.current_view().canvases()[1]
    canvas.zoom_to_bbox((X0 - 10, Y0 - 10, X0 + 160, Y0 + 210))
    image = canvas.grab_map()
    assert count_color(image, "#0072B2") + count_color(image, "#56B4E9") > 0


def test_pixels_outside_the_levels_are_no_change():
    # the live map marks pixels outside the territory 255: not a level, so not a change
    a = level("A", "4G+5G", [[1, 1], [2, 3]])
    b = level("B", "4G+5G", [[255, 255], [3, 3]])
    change = theme_difference(a, b, "A", "B")
    assert change.valid_mask().tolist() == [[False, False], [True, True]]
    assert np.asarray(change.array)[change.valid_mask()].tolist() == [1, 0]
