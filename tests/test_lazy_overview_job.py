"""The overview of a big layer is built in a worker that shows progress in the status bar
and can be cancelled there; the map keeps working meanwhile."""

from __future__ import annotations

import threading
import time

import numpy as np
import pyogrio
import shapely
from map_helpers import X0, Y0, project_of
from test_lazy_style import write_blocks

from twin.layers.lazy import LazyVectorLayer
from twin.layers.overview import build_overview
from twin.layers.style import Style


def test_overview_build_reports_its_progress_to_the_end(tmp_path):
    path = tmp_path / "blocks.gpkg"
    frame = write_blocks(path)
    extent = tuple(frame.total_bounds)
    fractions: list[float] = []
    overview = build_overview(
        path, "buildings", extent, "polygon", progress=fractions.append, count=len(frame)
    )
    assert fractions and fractions[-1] == 1.0
    assert fractions == sorted(fractions)
    assert len(overview.fids) == len(overview.geometries)
    # every overview shape stands for a feature of the file
    fids = set(pyogrio.read_dataframe(path, layer="buildings", fid_as_index=True).index)
    assert set(overview.fids.tolist()) <= fids


def test_overview_build_shows_in_the_status_bar_and_cancels(qtbot, tmp_path, monkeypatch):
    from twin.ui.map.canvas import MapCanvas
    from twin.ui.map.views import lazy_reads
    from twin.ui.workers import job_board

    path = tmp_path / "blocks.gpkg"
    write_blocks(path)
    layer = LazyVectorLayer.open(path, "buildings", "buildings")
    layer.style = Style(stroke_width=0.0)
    builds: list[str] = []

    def slow_build(*_args, progress=None, **_kwargs):
        builds.append(threading.current_thread().name)
        deadline = time.monotonic() + 20.0
        while time.monotonic() < deadline:  # a long pass over the file, until cancelled
            progress(0.25)
            time.sleep(0.02)
        raise AssertionError("the build was not cancelled")

    monkeypatch.setattr(lazy_reads, "load_overview", slow_build)
    canvas = MapCanvas()
    qtbot.addWidget(canvas)
    canvas.resize(400, 300)
    canvas.show()
    qtbot.waitExposed(canvas)
    canvas.set_project(project_of(layer))
    canvas.zoom_to_bbox((X0 - 100, Y0 - 100, X0 + 2000, Y0 + 1000))  # the overview's scale
    titles = lambda: [handle.title for handle in job_board().shown]  # noqa: E731
    qtbot.waitUntil(lambda: "Building the overview of buildings" in titles(), timeout=10000)
    handle = next(h for h in job_board().shown if h.title.startswith("Building the overview"))
    qtbot.waitUntil(lambda: handle.percent == 25.0, timeout=10000)
    assert builds and builds[0] != threading.main_thread().name
    handle.cancel()  # the Cancel button of the status bar
    qtbot.waitUntil(lambda: handle.done, timeout=10000)
    assert "Building the overview of buildings" not in titles()
    view = canvas.view_of(layer)
    assert not view.overview_loaded
    canvas.grab_map()  # the map still draws (nothing at that scale) without a new build
    canvas.pan_by(0.1, 0.0)
    canvas.grab_map()
    assert len(builds) == 1


def test_overview_from_the_rtree_agrees_with_the_one_from_the_geometries(tmp_path, monkeypatch):
    from test_lazy_layers import write_towns

    from twin.layers import overview as overview_module

    path = tmp_path / "towns.gpkg"
    frame = write_towns(path)  # 64 blocks of 200 m and ~2 500 huts of 3 m on 4 km
    extent = tuple(frame.total_bounds)
    assert overview_module._rtree_name(path, "buildings") == "rtree_buildings_geom"
    from_rtree = build_overview(path, "buildings", extent, "polygon")
    monkeypatch.setattr(overview_module, "_rtree_name", lambda *_args: None)
    from_geometry = build_overview(path, "buildings", extent, "polygon")
    cell = from_rtree.cell

    def shapes(overview):
        boxes = np.round(shapely.bounds(overview.geometries), 3)
        return {tuple(box): int(fid) for box, fid in zip(boxes, overview.fids, strict=True)}

    rtree_shapes, geometry_shapes = shapes(from_rtree), shapes(from_geometry)
    # the blocks (over a cell wide) are the same simplified shapes of the same features
    blocks = {k: v for k, v in geometry_shapes.items() if k[2] - k[0] > 2 * cell}
    assert len(blocks) == 64
    assert all(rtree_shapes.get(box) == fid for box, fid in blocks.items())
    # the huts' cells (about 4 m) too: boxes the R-tree's float32 rounding (up to 0.5 m
    # here) leaves unsure, across a cell border or the cell size, are read by fid
    assert len(geometry_shapes) - len(blocks) > 1000
    assert rtree_shapes == geometry_shapes


def test_tiles_not_read_yet_are_drawn_from_the_overview_then_refined(qtbot, tmp_path, monkeypatch):
    from map_helpers import color_at, differing_pixels
    from test_lazy_layers import eager_layer, lazy_layer, shown_canvas, write_towns

    from twin.layers import lazy as lazy_module

    path = tmp_path / "towns.gpkg"
    write_towns(path)
    layer = lazy_layer(path)
    canvas = shown_canvas(qtbot, layer, (X0, Y0, X0 + 4000, Y0 + 3000))
    canvas.grab_map()  # the whole territory: the overview is read
    view = canvas.view_of(layer)
    assert view.overview_loaded
    canvas.zoom_to_bbox((X0 + 100, Y0 + 100, X0 + 300, Y0 + 250))  # a street: the tiles
    canvas.grab_map()
    release = threading.Event()
    read = lazy_module.read_geometry_in_bbox

    def slow_read(source, table, bbox):
        release.wait(20.0)  # the disk is slow: the tiles come later
        return read(source, table, bbox)

    monkeypatch.setattr(lazy_module, "read_geometry_in_bbox", slow_read)
    canvas.move_view_by(600.0, 0.0)  # to x 700-900 m, never read: a block's east side, huts
    waiting = canvas.grab().toImage()  # what the user sees at once
    assert view.pending_count() > 0
    assert color_at(canvas, waiting, 760.0, 130.0) == "#D55E00"  # the block, from the overview
    assert color_at(canvas, waiting, 710.0, 200.0) == "#FFFFFF"  # its courtyard
    release.set()
    qtbot.waitUntil(lambda: view.pending_count() == 0, timeout=20000)
    qtbot.wait(50)
    refined = canvas.grab().toImage()
    eager = shown_canvas(qtbot, eager_layer(path), canvas.view_bbox())
    assert differing_pixels(refined, eager.grab_map()) < 0.005 * 400 * 300
    assert differing_pixels(refined, waiting) > 0  # the huts' true shapes replaced the cells
