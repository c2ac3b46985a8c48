"""Long features of big layers read lazily: a road or a big polygon crossing the view whose
box centre (and first vertex) lies far outside it is drawn, once, as the layer in memory
draws it."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pyogrio
import shapely
from map_helpers import CRS, X0, Y0, differing_pixels, project_of

from twin.feedback import Feedback
from twin.layers import Style, VectorLayer, io_vector
from twin.layers.io import read_layer
from twin.layers.lazy import LazyVectorLayer
from twin.ui.map.views.lazy_reads import TileGrid, read_big_features, read_tile

VIEW = (X0 + 400, Y0 + 300, X0 + 600, Y0 + 450)  # 200 m wide: 0.5 m per pixel


def long_lines() -> list:
    """Lines crossing VIEW from far away: long ones (kilometres, longer than the tiles
    reach) and medium ones (250 m, starting two tiles out), either way, an L whose box
    centre lies off the line, and a short one starting in the next tile."""
    p = shapely.LineString
    return [
        p([(X0 - 4000, Y0 + 320), (X0 + 620, Y0 + 320)]),  # from 4 km west, ends just east
        p([(X0 + 5000, Y0 + 340), (X0 + 450, Y0 + 340)]),  # from 5 km east
        p([(X0 + 500, Y0 - 3000), (X0 + 500, Y0 + 460)]),  # from 3 km south
        p([(X0 - 3000, Y0 - 3125), (X0 + 2000, Y0 + 1875)]),  # a diagonal through it
        p([(X0 + 160, Y0 + 380), (X0 + 410, Y0 + 380)]),  # medium, from the west
        p([(X0 + 840, Y0 + 400), (X0 + 590, Y0 + 400)]),  # medium, from the east
        p([(X0 + 2000, Y0 + 2000), (X0 + 2000, Y0 + 420), (X0 + 420, Y0 + 420)]),  # an L
        p([(X0 + 300, Y0 + 440), (X0 + 420, Y0 + 440)]),  # short, from the next tile west
    ]


def write_roads(path, polygons: bool = False) -> gpd.GeoDataFrame:
    """1200 short lines (20 m every 25 m) and the long lines; with ``polygons``, squares
    (20 m every 25 m), the lines as 4 m wide strips and a 4 by 8 km block covering the
    west of the view. In a GeoPackage; (X0, Y0) origin."""
    x, y = np.meshgrid(np.arange(40) * 25.0, np.arange(30) * 25.0)
    x, y = X0 + x.ravel(), Y0 + y.ravel()
    squares = list(shapely.linestrings(np.stack([[x, y], [x + 20, y + 20]]).transpose(2, 0, 1)))
    lines = long_lines()
    if polygons:
        squares = list(shapely.box(x, y, x + 20, y + 20))
        lines = [line.buffer(2.0, cap_style="flat") for line in lines]
        lines.append(shapely.box(X0 - 3500, Y0 - 3500, X0 + 450, Y0 + 4500))  # to mid-view
    frame = gpd.GeoDataFrame(geometry=squares + lines, crs=CRS)
    pyogrio.write_dataframe(frame, path, layer="roads", driver="GPKG")
    return frame


def open_lazy(path, monkeypatch) -> LazyVectorLayer:
    """``path`` opened as the user would, with the lazy threshold lowered under its size."""
    monkeypatch.setattr(io_vector, "LAZY_FEATURE_THRESHOLD", 1000)
    layer = read_layer(path, feedback=Feedback())
    assert isinstance(layer, LazyVectorLayer) and not layer.is_loaded
    return layer


def shown_canvas(qtbot, layer, box=VIEW):
    from twin.ui.map.canvas import MapCanvas

    canvas = MapCanvas()
    canvas.show_scale_bar = canvas.show_north_arrow = False  # pixels of the map alone
    qtbot.addWidget(canvas)
    canvas.resize(400, 300)
    canvas.show()
    qtbot.waitExposed(canvas)
    canvas.set_project(project_of(layer))
    canvas.zoom_to_bbox(box)
    return canvas


def test_half_size_of_the_largest_feature_comes_from_the_rtree_and_the_frame(tmp_path):
    path = tmp_path / "roads.gpkg"
    frame = write_roads(path)
    layer = LazyVectorLayer.open(path, "roads", "roads")
    bounds = shapely.bounds(frame.geometry.values)
    expected = np.max(np.maximum(bounds[:, 2] - bounds[:, 0], bounds[:, 3] - bounds[:, 1])) / 2
    assert expected == 5000 / 2  # the diagonal: 5 km across
    # the R-tree stores float32 boxes rounded outwards: at most a few millimetres more
    assert expected <= layer.feature_half_size() <= expected + 0.01
    layer.set_frame(frame.iloc[:1200])  # the short lines only: the frame's boxes now
    assert layer.feature_half_size() == 10.0


def test_every_feature_meeting_the_view_is_read_once_by_the_tiles_or_the_big_read(tmp_path):
    path = tmp_path / "roads.gpkg"
    frame = write_roads(path)
    layer = LazyVectorLayer.open(path, "roads", "roads")
    grid = TileGrid(layer.bounds)
    reach = 2 * layer.feature_half_size()
    for width in (60.0, 200.0, 1500.0):  # street zoom to town zoom
        cx, cy = X0 + 500, Y0 + 375
        view = (cx - width / 2, cy - width * 0.375, cx + width / 2, cy + width * 0.375)
        expected = set(np.flatnonzero(frame.intersects(shapely.box(*view))) + 1)  # GPKG fids
        keys = grid.tiles_meeting(view, ring=0, reach=reach)
        big = grid.big_limit(keys[0][0])
        read: list[int] = []
        for key in keys:
            read += sorted(set(read_tile(layer, grid.tile_box(key), big=big).rows.tolist()))
        read += sorted(set(read_big_features(layer, view, big=big).rows.tolist()))
        assert len(read) == len(set(read))  # no feature read twice
        assert expected <= set(read)  # every feature meeting the view
        if width == 200.0:  # the view the lines were drawn across: all of them in it
            assert set(range(1201, 1209)) <= expected


def test_long_lines_of_a_lazy_layer_draw_the_pixels_of_the_layer_in_memory(
    qtbot, tmp_path, monkeypatch
):
    path = tmp_path / "roads.gpkg"
    write_roads(path)
    lazy = open_lazy(path, monkeypatch)
    eager = VectorLayer("roads", pyogrio.read_dataframe(path, layer="roads"))
    lazy.style = eager.style = Style(fill_color="#D55E00", stroke_width=3.0)
    lazy_canvas, eager_canvas = shown_canvas(qtbot, lazy), shown_canvas(qtbot, eager)
    lazy_image, eager_image = lazy_canvas.grab_map(), eager_canvas.grab_map()
    assert lazy_canvas.view_of(lazy).tile_count >= 1  # drawn from tiles
    assert differing_pixels(lazy_image, eager_image) == 0
    assert lazy.geometry_kind == "line"
    # the lines are there: without them most of the view is empty
    empty = shown_canvas(qtbot, VectorLayer("none", gpd.GeoDataFrame(geometry=[], crs=CRS)))
    assert differing_pixels(lazy_image, empty.grab_map()) > 7 * 3 * 150
    assert not lazy.is_loaded


def test_long_semi_transparent_polygons_of_a_lazy_layer_are_drawn_once(
    qtbot, tmp_path, monkeypatch
):
    path = tmp_path / "roads.gpkg"
    write_roads(path, polygons=True)
    lazy = open_lazy(path, monkeypatch)
    eager = VectorLayer("roads", pyogrio.read_dataframe(path, layer="roads"))
    # half-transparent fill (the map fills each feature over what is drawn under it;
    # features read twice are ruled out by the test of the reads above)
    style = Style(fill_color="#0072B2", fill_opacity=0.5, stroke_width=0.0)
    lazy.style = eager.style = style
    lazy_canvas, eager_canvas = shown_canvas(qtbot, lazy), shown_canvas(qtbot, eager)
    lazy_image, eager_image = lazy_canvas.grab_map(), eager_canvas.grab_map()
    assert differing_pixels(lazy_image, eager_image) == 0
    # panned half a view east, where other tiles and another big read are needed
    box = (VIEW[0] + 100, VIEW[1], VIEW[2] + 100, VIEW[3])
    lazy_canvas.zoom_to_bbox(box)
    eager_canvas.zoom_to_bbox(box)
    assert differing_pixels(lazy_canvas.grab_map(), eager_canvas.grab_map()) == 0
