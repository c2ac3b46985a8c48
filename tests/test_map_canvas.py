"""The map canvas draws each layer kind where its features are, follows layer events and
keeps its z-order (pixels of offscreen grabs)."""

from __future__ import annotations

import shapely
from map_helpers import (
    BLUE,
    GREEN,
    RED,
    X0,
    Y0,
    box_layer,
    color_at,
    differing_pixels,
    line_layer,
    point_layer,
    project_of,
    raster_layer,
    show_canvas,
)

from twin.layers.colors import colormap_lut, rgba_to_hex
from twin.layers.style import Category, ClassBreak, Style
from twin.ui.map.views import VIEW_CLASSES, RasterLayerView, VectorLayerView

WHITE = "#FFFFFF"


def test_registry_maps_layer_types_to_views():
    from twin.layers import RasterLayer, VectorLayer

    assert VIEW_CLASSES[VectorLayer] is VectorLayerView
    assert VIEW_CLASSES[RasterLayer] is RasterLayerView


def test_each_layer_kind_is_drawn_where_its_features_are(qtbot):
    polygons = box_layer("buildings", [(20, 80, 80, 120)], RED)
    lines = line_layer("roads", [(100, 150), (250, 150)], BLUE)
    points = point_layer("sites", [(200, 250)], GREEN)
    raster = raster_layer("grid")
    canvas = show_canvas(qtbot, project_of(points, lines, polygons, raster))
    image = canvas.grab_map()
    assert color_at(canvas, image, 50, 100) == RED
    assert color_at(canvas, image, 90, 100) == WHITE
    assert color_at(canvas, image, 175, 150) == BLUE
    assert color_at(canvas, image, 175, 160) == WHITE
    assert color_at(canvas, image, 200, 250) == GREEN
    assert color_at(canvas, image, 215, 250) == WHITE
    # raster pixel (row 1, col 2) holds value 6 -> LUT index round((6 - 1) / 14 * 255) = 91
    lut = colormap_lut("viridis")
    assert color_at(canvas, image, 325, 225) == rgba_to_hex(tuple(lut[91]))
    assert color_at(canvas, image, 305, 235) == WHITE  # nodata pixel (row 0, col 0)


def test_categorized_and_graduated_styles_use_class_colours(qtbot):
    categories = box_layer(
        "land", [(10, 60, 60, 110), (100, 60, 150, 110)], RED, use=["home", "shop"]
    )
    categories.style = Style(
        kind="categorized",
        column="use",
        stroke_width=0.0,
        categories=(Category("home", GREEN), Category("shop", BLUE)),
    )
    graduated = box_layer(
        "density", [(10, 150, 60, 200), (100, 150, 150, 200)], RED, people=[3.0, 40.0]
    )
    graduated.style = Style(
        kind="graduated",
        column="people",
        stroke_width=0.0,
        classes=(ClassBreak(0, 10, "#E69F00"), ClassBreak(10, 50, "#CC79A7")),
    )
    canvas = show_canvas(qtbot, project_of(categories, graduated))
    image = canvas.grab_map()
    assert color_at(canvas, image, 35, 85) == GREEN
    assert color_at(canvas, image, 125, 85) == BLUE
    assert color_at(canvas, image, 35, 175) == "#E69F00"
    assert color_at(canvas, image, 125, 175) == "#CC79A7"


def test_visibility_opacity_and_style_events_redraw(qtbot):
    layer = box_layer("buildings", [(20, 60, 80, 100)], RED)
    canvas = show_canvas(qtbot, project_of(layer))
    layer.visible = False
    assert color_at(canvas, canvas.grab_map(), 50, 80) == WHITE
    layer.visible = True
    layer.opacity = 0.5
    color = color_at(canvas, canvas.grab_map(), 50, 80)
    # 50 % of #D55E00 (213, 94, 0) over white: (234, 174, 127) within rounding
    assert abs(int(color[1:3], 16) - 234) <= 2 and abs(int(color[5:7], 16) - 127) <= 2
    layer.opacity = 1.0
    layer.style = layer.style.with_changes(fill_color=BLUE)
    assert color_at(canvas, canvas.grab_map(), 50, 80) == BLUE


def test_z_order_follows_the_layer_list_and_its_changes(qtbot):
    top = box_layer("top", [(20, 20, 100, 100)], RED)
    bottom = box_layer("bottom", [(50, 50, 150, 150)], BLUE)
    project = project_of(top, bottom)
    canvas = show_canvas(qtbot, project)
    assert color_at(canvas, canvas.grab_map(), 75, 75) == RED
    project.move_layer(top, 1)
    assert color_at(canvas, canvas.grab_map(), 75, 75) == BLUE
    project.remove_layer(bottom)
    assert canvas.view_of(bottom) is None
    assert color_at(canvas, canvas.grab_map(), 75, 75) == RED
    project.add_layer(box_layer("new", [(60, 60, 90, 90)], GREEN), 0)
    assert color_at(canvas, canvas.grab_map(), 75, 75) == GREEN


def test_removed_view_stops_listening_to_its_layer(qtbot):
    layer = box_layer("buildings", [(20, 20, 80, 60)], RED)
    project = project_of(layer)
    canvas = show_canvas(qtbot, project)
    view = canvas.view_of(layer)
    project.remove_layer(layer)
    layer.visible = False  # would toggle the view if it were still connected
    assert view.isVisible()


def test_polygon_hole_stays_open_and_overlaps_do_not_punch_holes(qtbot):
    outer = shapely.box(X0 + 10, Y0 + 10, X0 + 110, Y0 + 110)
    hole = shapely.box(X0 + 40, Y0 + 40, X0 + 80, Y0 + 80)
    ring = shapely.Polygon(outer.exterior.coords, [hole.exterior.coords])
    overlapping = shapely.box(X0 + 150, Y0 + 10, X0 + 250, Y0 + 110)
    overlapping_2 = shapely.box(X0 + 200, Y0 + 60, X0 + 300, Y0 + 160)
    layer = box_layer("b", [], RED)
    import geopandas as gpd

    layer.set_frame(gpd.GeoDataFrame(geometry=[ring, overlapping, overlapping_2], crs=layer.crs))
    canvas = show_canvas(qtbot, project_of(layer))
    image = canvas.grab_map()
    assert color_at(canvas, image, 20, 100) == RED
    assert color_at(canvas, image, 60, 60) == WHITE
    assert color_at(canvas, image, 225, 85) == RED


def test_sub_pixel_features_still_show_and_pans_match_a_fresh_frame(qtbot):
    import numpy as np

    rng = np.random.default_rng(3)
    boxes = [
        (x, y, x + s, y + s)
        for x, y, s in zip(
            rng.uniform(0, 390, 3000),
            rng.uniform(0, 290, 3000),
            rng.uniform(0.2, 12, 3000),
            strict=True,
        )
    ]
    boxes.append((150.3, 150.3, 150.6, 150.6))  # 0.3 m at 1 m per pixel
    layer = box_layer("many", boxes, RED)
    layer.style = layer.style.with_changes(stroke_width=1.0)
    canvas = show_canvas(qtbot, project_of(layer))
    assert color_at(canvas, canvas.grab_map(), 150.45, 150.45) == RED
    canvas.move_view_by(37.0, -23.0)  # scroll cache reuses most of the image
    panned = canvas.grab_map()
    fresh = show_canvas(qtbot, project_of(layer))
    fresh.zoom_to_bbox(canvas.view_bbox())
    assert canvas.view_of(layer).buffer.partial_renders >= 1
    # strokes clipped at strip edges may differ by a pixel; allow 0.1 % of the pixels
    assert differing_pixels(panned, fresh.grab_map()) < 0.001 * 400 * 300


def test_outlines_are_drawn_on_polygons_wide_enough_to_show_them(qtbot):
    layer = box_layer("big", [(100, 100, 200, 200)], RED)
    layer.style = layer.style.with_changes(stroke_color="#000000", stroke_width=1.0)
    canvas = show_canvas(qtbot, project_of(layer))
    image = canvas.grab_map()
    # 100 px wide at 1 m per pixel: the outline runs along its edges, the fill inside
    edge = [color_at(canvas, image, 100 + dx, 150) for dx in (-0.5, 0.5)]
    assert "#000000" in edge
    assert color_at(canvas, image, 150, 150) == RED


def test_a_view_whose_item_qt_deleted_stops_listening(qtbot):
    import shiboken6

    layer = box_layer("b", [(20, 60, 80, 100)], RED)
    canvas = show_canvas(qtbot, project_of(layer))
    view = canvas.view_of(layer)
    shiboken6.delete(view)
    layer.visible = False  # must not touch the deleted item
    assert view._connections == []


def test_hollow_polygons_show_their_outline_at_every_size(qtbot):
    layer = box_layer("outlines", [(100, 100, 103, 103), (200.2, 150.2, 200.6, 150.6)], RED)
    layer.style = layer.style.with_changes(
        fill_opacity=0.0, stroke_color="#000000", stroke_width=1.0
    )
    canvas = show_canvas(qtbot, project_of(layer))
    image = canvas.grab_map()
    around_small = {
        color_at(canvas, image, 100 + dx, 100 + dy) for dx in range(4) for dy in range(4)
    }
    assert "#000000" in around_small  # a 3 px square: its outline, not an empty fill
    assert color_at(canvas, image, 200.4, 150.4) == "#000000"  # sub-pixel: one dark pixel
    assert color_at(canvas, image, 150, 150) == WHITE


def test_without_numba_the_numpy_and_qpainter_fallbacks_draw_the_same_map(qtbot, monkeypatch):
    from twin.ui.map.views import linedraw, scanfill

    polygons = box_layer("buildings", [(20, 80, 80, 120), (150, 80, 250, 180)], RED)
    polygons.style = polygons.style.with_changes(stroke_color="#000000", stroke_width=1.0)
    lines = line_layer("roads", [(100, 200), (250, 200)], BLUE)
    fast = show_canvas(qtbot, project_of(lines, polygons)).grab_map()
    monkeypatch.setattr(scanfill, "_fill_features_compiled", None)
    monkeypatch.setattr(linedraw, "_draw_lines_compiled", None)
    canvas = show_canvas(qtbot, project_of(lines, polygons))
    image = canvas.grab_map()
    assert color_at(canvas, image, 50, 100) == RED
    assert color_at(canvas, image, 175, 200) == BLUE
    assert "#000000" in {color_at(canvas, image, 150 + dx, 130) for dx in (-0.5, 0.5)}
    # QPainter and the compiled fillers may differ along edges only
    assert differing_pixels(fast, image) < 0.01 * 400 * 300
