"""Issue 12's colour schemes: coverage levels with thresholds in the legend and a visible
"no coverage"; line loading by classes (pale below 50 %, thick red above 100 %)."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
from affine import Affine
from shapely.geometry import LineString

from twin.layers import Provenance
from twin.layers.colors import COVERAGE_LEVEL_COLORS, hex_to_rgba
from twin.layers.raster import RasterLayer
from twin.sim.energy.result_layers import line_loading_style, overloaded_lines_layer
from twin.sim.radio.layers import level_labels, level_style


def test_level_legend_names_the_thresholds_and_no_coverage_is_opaque():
    assert level_labels() == (
        "no coverage: below -115 dBm",
        "limited: -115 to -105 dBm",
        "good: -105 to -95 dBm",
        "very good: -95 dBm and above",
    )
    assert level_labels((-110, -100, -90))[2] == "good: -100 to -90 dBm"
    style = level_style()
    entries = style.legend_entries("raster")
    assert [e.label for e in entries][:1] == ["no coverage: below -115 dBm"]
    no_coverage = hex_to_rgba(COVERAGE_LEVEL_COLORS[0])
    assert no_coverage[3] == 255 and no_coverage[0] > 150 > no_coverage[2]  # a clear red
    # four distinct colours, none of them the old yellow
    assert len(set(COVERAGE_LEVEL_COLORS)) == 4 and "#F0E442" not in COVERAGE_LEVEL_COLORS
    # the generic raster view paints level 0 with that colour (not transparent)
    from twin.ui.map.views.raster import raster_rgba

    levels = np.array([[0, 1], [2, 3]], dtype=np.uint8)
    layer = RasterLayer("level", levels, Affine(100, 0, 0, 0, -100, 200), 2154, style=style)
    rgba = raster_rgba(layer)
    assert tuple(rgba[0, 0]) == no_coverage
    assert tuple(rgba[1, 1]) == hex_to_rgba(COVERAGE_LEVEL_COLORS[3])


def test_line_loading_is_styled_by_classes_and_overloads_are_drawn_thick_red():
    style = line_loading_style()
    index = style.class_index(np.array([10.0, 60.0, 90.0, 150.0]))
    colors = [style.class_colors()[i] for i in index]
    pale, overload = hex_to_rgba(colors[0]), hex_to_rgba(colors[3])
    assert min(pale[:3]) > 180  # pale grey, recedes
    assert overload[0] > 180 and overload[1] < 60 and overload[2] < 60  # red
    assert len(set(colors)) == 4
    assert style.stroke_width <= 2.0  # thin: not every grid line painted thick
    lines = gpd.GeoDataFrame(
        {"line_id": [1, 2, 3], "loading_percent": [20.0, 101.0, 250.0]},
        geometry=[LineString([(0, 0), (i + 1, 1)]) for i in range(3)],
        crs=2154,
    )
    overloaded = overloaded_lines_layer(lines, Provenance(source="test"))
    assert overloaded.frame.line_id.tolist() == [2, 3]
    assert overloaded.style.stroke_width >= 4.0
    assert hex_to_rgba(overloaded.style.stroke_color)[:3] == overload[:3]
