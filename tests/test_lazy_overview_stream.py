"""The overview of a big GeoPackage layer built by streaming (twin.layers.lazy_overview:
sqlite3, R-tree boxes and WKB by chunks of rows) equals the one twin.layers.overview builds
with pyogrio in memory, shape for shape; its cache reads back through GDAL and through the
lean reader; ``twin render`` builds it on the first open and draws the same page as the
ordinary path drawing the overview built the old way."""

from __future__ import annotations

import shutil
import sqlite3

import numpy as np
import pytest
import shapely
from map_helpers import CRS
from PySide6 import QtGui
from test_lazy_layers import write_towns
from test_render_lean import changed_pixels, render_page, write_territory

from twin.cli import render_lean_view
from twin.errors import CancelledError
from twin.layers import io_vector, lazy_gpkg, lazy_overview
from twin.layers import overview as overview_module
from twin.layers.lazy_overview import build_overview_streamed, load_overview, overview_path
from twin.ui.map.views import lazy_reads


def cases(tmp_path):
    """(path, table, kind) of a polygon layer with blocks and huts (cells, some placed
    in doubt by the R-tree's float32 boxes) and of lines and polygons of many sizes."""
    towns = tmp_path / "towns.gpkg"
    write_towns(towns)
    territory = tmp_path / "territory.gpkg"
    write_territory(territory)
    return [
        (towns, "buildings", "polygon"),
        (territory, "roads", "line"),
        (territory, "buildings", "polygon"),
    ]


def table_of(path, name) -> lazy_gpkg.GpkgTable:
    return next(t for t in lazy_gpkg.feature_tables(path) if t.name == name)


def test_streamed_overview_equals_the_one_built_in_memory(tmp_path):
    for path, name, kind in cases(tmp_path):
        extent = table_of(path, name).extent
        today = overview_module.build_overview(path, name, extent, kind)
        build = build_overview_streamed(path, name, extent, kind)
        streamed = overview_module.read_cached_overview(path, name)  # read back by GDAL
        assert streamed is not None, (path.name, name)
        assert build.features == len(today.geometries) > 50
        assert streamed.cell == today.cell == build.cell
        np.testing.assert_array_equal(streamed.fids, today.fids)
        assert shapely.to_wkb(streamed.geometries).tolist() == (
            shapely.to_wkb(today.geometries).tolist()
        )
        # the lean render finds the cache valid too, with every shape
        cache, table = render_lean_view.cached_overview_table(path, name)
        assert cache == overview_path(path) and table.count == len(today.geometries)
    kinds = {shapely.get_type_id(g) for g in streamed.geometries}
    assert kinds == {3}  # polygons: blocks simplified and cell squares


def test_streamed_build_reads_the_file_by_chunks_of_rows(tmp_path):
    path = tmp_path / "towns.gpkg"
    frame = write_towns(path)
    extent = table_of(path, "buildings").extent
    build = build_overview_streamed(path, "buildings", extent, "polygon", chunk_rows=100)
    # the R-tree pass: every feature's box, at most 100 at a time (whole leaf nodes)
    assert max(build.box_reads) <= 100 and len(build.box_reads) >= len(frame) / 100
    assert sum(build.box_reads) == len(frame)
    # then the features the boxes leave unsure (here the blocks, and the huts: 3 m wide
    # for a 3.9 m cell, their float32 boxes 0.5 m coarse), by fid, 100 at a time
    assert max(build.geometry_reads) <= 100
    assert 64 <= sum(build.geometry_reads) <= len(frame)
    assert len(build.geometry_reads) == -(-sum(build.geometry_reads) // 100)
    whole = overview_module.build_overview(path, "buildings", extent, "polygon")
    read = overview_module.read_cached_overview(path, "buildings")
    np.testing.assert_array_equal(read.fids, whole.fids)


def test_rtree_nodes_hold_the_boxes_a_select_returns(tmp_path):
    path = tmp_path / "towns.gpkg"
    write_towns(path)
    table = table_of(path, "buildings")
    connection = lazy_gpkg.connect(path)
    try:
        chunks = list(lazy_overview._rtree_chunks(connection, table, 100, []))
        rows = list(lazy_overview._rtree_select_chunks(connection, table.rtree, 100, []))
    finally:
        connection.close()

    def table_of_boxes(chunks) -> np.ndarray:
        rows = np.concatenate([np.column_stack([fids, boxes]) for fids, boxes in chunks])
        return rows[np.argsort(rows[:, 0])]

    np.testing.assert_array_equal(table_of_boxes(chunks), table_of_boxes(rows))


def test_cancelled_build_leaves_the_cache_as_it_was(tmp_path):
    path = tmp_path / "territory.gpkg"
    write_territory(path)
    roads = table_of(path, "roads")
    build_overview_streamed(path, "roads", roads.extent, "line")
    before = overview_module.read_cached_overview(path, "roads")
    calls = []

    def cancel_midway(fraction: float) -> None:
        calls.append(fraction)
        if fraction > 0.5:
            raise CancelledError("cancelled")

    buildings = table_of(path, "buildings")
    with pytest.raises(CancelledError):
        build_overview_streamed(
            path, "buildings", buildings.extent, "polygon", cancel_midway, chunk_rows=64
        )
    assert calls == sorted(calls) and calls[-1] > 0.5
    assert overview_module.read_cached_overview(path, "buildings") is None
    after = overview_module.read_cached_overview(path, "roads")
    np.testing.assert_array_equal(after.fids, before.fids)
    with sqlite3.connect(overview_path(path)) as connection:
        names = {r[0] for r in connection.execute("SELECT table_name FROM gpkg_contents")}
    assert names == {"overview_roads"}


def test_app_loads_the_streamed_overview_and_falls_back_without_rtree(tmp_path, monkeypatch):
    path = tmp_path / "towns.gpkg"
    write_towns(path)
    extent = table_of(path, "buildings").extent
    built = []
    real = overview_module.build_overview
    monkeypatch.setattr(
        overview_module, "build_overview", lambda *a, **k: built.append(1) or real(*a, **k)
    )
    overview = load_overview(path, "buildings", extent, "polygon", progress=lambda _f: None)
    assert not built  # streamed, then read from its cache
    assert overview_path(path).exists() and len(overview.geometries) > 64
    again = load_overview(path, "buildings", extent, "polygon")
    np.testing.assert_array_equal(again.fids, overview.fids)
    assert lazy_reads.load_overview is load_overview  # what the map's overview job runs
    # a GeoPackage without a spatial index: the in-memory build, as before
    bare = tmp_path / "bare.gpkg"
    shutil.copy(path, bare)
    with sqlite3.connect(bare) as connection:
        connection.execute("DROP TABLE rtree_buildings_geom")
    fallback = load_overview(bare, "buildings", extent, "polygon", crs=CRS)
    assert built == [1]
    np.testing.assert_array_equal(fallback.fids, overview.fids)


def test_first_lean_render_builds_the_overview_and_draws_the_ordinary_page(
    qapp, tmp_path, monkeypatch
):
    for module in (io_vector, lazy_gpkg):
        monkeypatch.setattr(module, "LAZY_FEATURE_THRESHOLD", 1000)
        monkeypatch.setattr(module, "LAZY_MIN_FEATURES", 100)
    (tmp_path / "old").mkdir()
    (tmp_path / "new").mkdir()
    old, new = tmp_path / "old" / "territory.gpkg", tmp_path / "new" / "territory.gpkg"
    write_territory(old)
    shutil.copy(old, new)
    # the truth: the ordinary lazy path with the overview built the old way (in memory)
    monkeypatch.setattr(lazy_reads, "load_overview", overview_module.load_overview)
    assert render_page(old, tmp_path / "ordinary.png", None, False, monkeypatch) is None
    assert not overview_path(new).exists()
    drawing = render_page(new, tmp_path / "lean.png", None, True, monkeypatch)
    assert drawing is not None  # the lean path drew it, building the overview first
    assert drawing.built_overview == {"roads": True, "buildings": True}
    assert drawing.used_overview == {"roads": True, "buildings": True}
    first = QtGui.QImage(str(tmp_path / "ordinary.png"))
    second = QtGui.QImage(str(tmp_path / "lean.png"))
    assert first.size() == second.size()
    assert changed_pixels(first, second) == 0
    again = render_page(new, tmp_path / "again.png", None, True, monkeypatch)
    assert again.built_overview == {}  # cached now
    assert changed_pixels(second, QtGui.QImage(str(tmp_path / "again.png"))) == 0


def test_lean_png_keeps_every_pixel_and_transparency(qapp, tmp_path):
    from twin.cli.render_lean_png import write_png

    rng = np.random.default_rng(5)
    for alpha in (255, 128):
        values = rng.integers(0, 256, size=(60, 80, 4), dtype=np.uint8)
        values[..., 3] = alpha
        values[..., :3] = np.minimum(values[..., :3], alpha)  # premultiplied stays valid
        image = QtGui.QImage(values.tobytes(), 80, 60, 320, QtGui.QImage.Format.Format_ARGB32)
        out = tmp_path / f"page_{alpha}.png"
        write_png(image, out)
        read = QtGui.QImage(str(out))
        assert read.hasAlphaChannel() == (alpha < 255)  # an opaque page is written as RGB
        assert changed_pixels(image, read, levels=0) == 0
