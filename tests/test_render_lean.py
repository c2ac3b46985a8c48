"""``twin render`` of a big GeoPackage takes the lean path (twin.cli.render_lean): the same
page, pixel for pixel, as the ordinary path drawing the whole layers (and, at a small
scale, as the ordinary lazy path drawing the overview), read through the R-tree (only what
is in view) without importing the model's heavy modules.

Pages are compared by :func:`changed_pixels`: the antialiased text and north arrow that Qt
paints over the map vary by a few grey levels between processes (and between the first page
of a process and the next ones); a map pixel of another colour differs by far more."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import geopandas as gpd
import numpy as np
import pyogrio
import pytest
import shapely
from map_helpers import CRS, X0, Y0, differing_pixels
from PySide6 import QtGui

from twin.cli import main, render_lean, render_lean_view
from twin.layers import io_vector, lazy_gpkg
from twin.layers import overview as overview_module

ROOT = Path(__file__).resolve().parent.parent
STREET = (X0 + 300.0, Y0 + 250.0, X0 + 360.0, Y0 + 290.0)  # metres: tiles, few features
MIDDLE = (X0 + 150.0, Y0 + 120.0, X0 + 400.0, Y0 + 300.0)  # tiles, most features
SIZE = "960x540"
LEAN_RENDER = render_lean.render_lean  # the real one (tests swap it for a spy)


def write_territory(path: Path) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """Roads (first layer, on top) over buildings: rectangles of many sizes every 20 m,
    some with a courtyard, tiny sheds (drawn as dots) and rotated blocks; lines of many
    lengths, some much longer than a street view. 800 x 600 m from (X0, Y0)."""
    rng = np.random.default_rng(13)
    buildings = []
    for row in range(30):
        for column in range(40):
            x, y = X0 + column * 20.0, Y0 + row * 20.0
            w, h = rng.uniform(3.0, 16.0), rng.uniform(3.0, 16.0)
            kind = (row * 40 + column) % 7
            if kind == 0:
                outer = shapely.box(x, y, x + 17, y + 17)
                buildings.append(outer.difference(shapely.box(x + 6, y + 6, x + 11, y + 11)))
            elif kind == 1:
                buildings.append(shapely.box(x + 1, y + 1, x + 1.4, y + 1.3))  # a shed
            elif kind == 2:
                block = shapely.box(x + 2, y + 2, x + 2 + w, y + 2 + h / 2)
                buildings.append(shapely.affinity.rotate(block, rng.uniform(0, 80)))
            else:
                buildings.append(shapely.box(x + 1, y + 1, x + 1 + w, y + 1 + h))
    starts = rng.uniform((X0, Y0), (X0 + 800, Y0 + 600), size=(300, 2))
    lengths = rng.choice([15.0, 60.0, 250.0, 900.0], size=300)
    angles = rng.uniform(0, np.pi, size=300)
    ends = starts + np.c_[np.cos(angles), np.sin(angles)] * lengths[:, None]
    roads = [shapely.LineString([a, b]) for a, b in zip(starts, ends, strict=True)]
    road_frame = gpd.GeoDataFrame({"lanes": np.ones(300, int)}, geometry=roads, crs=CRS)
    building_frame = gpd.GeoDataFrame(geometry=buildings, crs=CRS)
    pyogrio.write_dataframe(road_frame, path, layer="roads")
    pyogrio.write_dataframe(building_frame, path, layer="buildings", promote_to_multi=False)
    return road_frame, building_frame


def changed_pixels(first: QtGui.QImage, second: QtGui.QImage, levels: int = 8) -> int:
    """How many pixels of two same-size images differ by more than ``levels`` (of 255) in
    some channel."""

    def channels(image: QtGui.QImage) -> np.ndarray:
        image = image.convertToFormat(QtGui.QImage.Format.Format_ARGB32)
        raw = np.frombuffer(image.constBits(), np.uint8)[: image.width() * image.height() * 4]
        return raw.reshape(-1, 4).astype(np.int16)

    return int(np.count_nonzero(np.abs(channels(first) - channels(second)).max(axis=1) > levels))


@pytest.fixture
def territory(tmp_path, monkeypatch):
    """A GeoPackage whose two layers open lazily (thresholds lowered for the test)."""
    path = tmp_path / "territory.gpkg"
    frames = write_territory(path)
    for module in (io_vector, lazy_gpkg):
        monkeypatch.setattr(module, "LAZY_FEATURE_THRESHOLD", 1000)
        monkeypatch.setattr(module, "LAZY_MIN_FEATURES", 100)
    return path, frames


def render_page(
    path: Path, out: Path, bbox, lean: bool, monkeypatch, whole: bool = False
) -> object:
    """Run ``twin render`` in this process, the lean path allowed or not (``whole``: the
    ordinary path reads the layers whole, else lazily); returns what render_lean returned
    (its LeanMap, or None)."""
    taken = {}
    threshold, minimum = (10**9, 10**9) if whole else (1000, 100)
    monkeypatch.setattr(io_vector, "LAZY_FEATURE_THRESHOLD", threshold)
    monkeypatch.setattr(io_vector, "LAZY_MIN_FEATURES", minimum)

    def spy(*args, **kwargs):
        taken["lean"] = LEAN_RENDER(*args, **kwargs) if lean else None
        return taken["lean"]

    monkeypatch.setattr(render_lean, "render_lean", spy)
    args = ["render", str(path), "--out", str(out), "--size", SIZE, "--subtitle", "s"]
    if bbox is not None:
        args += ["--bbox", ",".join(str(v) for v in bbox)]
    assert main(args) == 0
    return taken["lean"]


@pytest.mark.parametrize("box", [STREET, MIDDLE, None], ids=["street", "middle", "full"])
def test_lean_page_equals_the_ordinary_page_pixel_for_pixel(
    qapp, territory, tmp_path, monkeypatch, box
):
    path, _frames = territory
    # the truth: every feature drawn from the whole layers; at the full extent the lazy
    # path's overview (drawn instead of a million features by both)
    ordinary = render_page(
        path, tmp_path / "ordinary.png", box, False, monkeypatch, box is not None
    )
    assert ordinary is None
    drawing = render_page(path, tmp_path / "lean.png", box, True, monkeypatch)
    assert drawing is not None  # the lean path drew it
    first, second = (
        QtGui.QImage(str(tmp_path / "ordinary.png")),
        QtGui.QImage(str(tmp_path / "lean.png")),
    )
    assert first.size() == second.size()
    assert changed_pixels(first, second) == 0
    # a small view reads the features there, the full extent the cached overview
    assert all(drawing.used_overview[name] == (box is None) for name in ("roads", "buildings"))


def test_lean_read_takes_only_the_features_meeting_the_view(qapp, territory, tmp_path, monkeypatch):
    path, (roads, buildings) = territory
    drawing = render_page(path, tmp_path / "lean.png", STREET, True, monkeypatch)
    margin = 5.0  # metres: the view widened to the page's aspect and the outline margin
    for name, frame in (("roads", roads), ("buildings", buildings)):
        boxes = shapely.bounds(frame.geometry.to_numpy())
        shown_x0, shown_x1 = STREET[0] - 30.0, STREET[2] + 30.0  # 16:9 widening of 60x40
        near = (boxes[:, 2] >= shown_x0 - margin) & (boxes[:, 0] <= shown_x1 + margin)
        near &= (boxes[:, 3] >= STREET[1] - margin) & (boxes[:, 1] <= STREET[3] + margin)
        assert 0 < drawing.read_counts[name] <= int(near.sum()) < len(frame)


def test_bbox_batches_return_exactly_the_features_whose_box_meets_it(tmp_path):
    path = tmp_path / "territory.gpkg"
    _roads, buildings = write_territory(path)
    tables = lazy_gpkg.feature_tables(path)
    assert [t.name for t in tables] == [str(n) for n, _kind in pyogrio.list_layers(path)]
    table = next(t for t in tables if t.name == "buildings")
    info = pyogrio.read_info(path, layer="buildings")
    assert table.count == info["features"] == len(buildings)
    assert table.extent == pytest.approx(tuple(info["total_bounds"]))
    assert lazy_gpkg.geometry_kind(table.geometry_type) == "polygon"
    connection = lazy_gpkg.connect(path)
    try:
        parts = list(lazy_gpkg.batches_in_bbox(connection, table, MIDDLE, batch_size=100))
        counted = lazy_gpkg.count_in_bbox(connection, table, MIDDLE)
    finally:
        connection.close()
    fids = np.concatenate([f for f, _g in parts])
    geometries = np.concatenate([g for _f, g in parts])
    assert len(parts) > 1 and np.all(np.diff(fids) > 0)  # batches, fid order, no repeat
    boxes = shapely.bounds(buildings.geometry.to_numpy())
    meets = (boxes[:, 2] >= MIDDLE[0]) & (boxes[:, 0] <= MIDDLE[2])
    meets &= (boxes[:, 3] >= MIDDLE[1]) & (boxes[:, 1] <= MIDDLE[3])
    # the R-tree stores float32 boxes rounded outwards: it may add a feature touching the
    # edge, never miss one
    expected = set((np.flatnonzero(meets) + 1).tolist())  # GeoPackage fids start at 1
    assert expected <= set(fids.tolist()) and len(fids) - len(expected) <= 2
    assert counted == len(fids)
    whole = buildings.geometry.to_numpy()
    assert all(
        shapely.equals_exact(g, whole[f - 1], 1e-9) for f, g in zip(fids, geometries, strict=True)
    )


def test_lean_constants_agree_with_the_canvas_and_the_overview():
    from twin.ui.map import canvas
    from twin.ui.map.views import lazy_reads

    assert render_lean_view.FULL_EXTENT_MARGIN == canvas.FULL_EXTENT_MARGIN
    assert render_lean_view.MAX_LEVEL == lazy_reads.MAX_LEVEL
    assert render_lean_view.OVERVIEW_CELLS_PER_SIDE == overview_module.OVERVIEW_CELLS_PER_SIDE
    assert render_lean_view.OVERVIEW_SUFFIX == overview_module.OVERVIEW_SUFFIX
    assert render_lean_view.OVERVIEW_VERSION == overview_module.OVERVIEW_VERSION
    bounds = (X0, Y0, X0 + 812.5, Y0 + 433.0)
    assert render_lean_view.overview_cell(bounds) == overview_module.overview_cell(bounds)


def test_small_mixed_or_project_files_take_the_ordinary_path(tmp_path, monkeypatch):
    path = tmp_path / "territory.gpkg"
    write_territory(path)
    assert render_lean.lean_layers(path) is None  # 1200 + 300 features: read whole
    monkeypatch.setattr(lazy_gpkg, "LAZY_FEATURE_THRESHOLD", 1000)
    monkeypatch.setattr(lazy_gpkg, "LAZY_MIN_FEATURES", 100)
    assert [layer.name for layer in render_lean.lean_layers(path)] == ["roads", "buildings"]
    points = gpd.GeoDataFrame(
        geometry=shapely.points(np.c_[np.arange(5.0) + X0, np.full(5, Y0)]), crs=CRS
    )
    pyogrio.write_dataframe(points, path, layer="sites")
    assert render_lean.lean_layers(path) is None  # a point layer is read whole
    assert render_lean.lean_layers(ROOT / "resources" / "sample" / "rennes.twin") is None
    text = tmp_path / "notes.gpkg"
    text.write_text("not a database")
    assert render_lean.lean_layers(text) is None  # the ordinary path explains the error


LEAN_RUN = """
import json, sys
from twin.layers import lazy_gpkg
lazy_gpkg.LAZY_FEATURE_THRESHOLD, lazy_gpkg.LAZY_MIN_FEATURES = 1000, 100
from twin.cli import main
main(sys.argv[1:])
heavy = ("pandas", "geopandas", "pyogrio", "pyproj", "rasterio", "pyqtgraph", "numba",
         "scipy", "twin.project", "twin.layers.vector")
print(json.dumps(sorted(name for name in heavy if name in sys.modules)))
"""


def test_lean_render_process_imports_no_model_and_no_numba_for_a_street(
    qapp, territory, tmp_path, monkeypatch
):
    path, _frames = territory
    out = tmp_path / "lean.png"
    env = dict(os.environ, PYTHONPATH=str(ROOT), QT_QPA_PLATFORM="offscreen")
    args = [sys.executable, "-c", LEAN_RUN, "render", str(path), "--out", str(out)]
    args += ["--size", SIZE, "--subtitle", "s", "--bbox", ",".join(str(v) for v in STREET)]
    done = subprocess.run(args, capture_output=True, text=True, env=env, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    assert json.loads(done.stdout.strip().splitlines()[-1]) == []
    # numba's kernels ran as numpy there (render_lean_fill): still the whole layers' pixels
    render_page(path, tmp_path / "ordinary.png", STREET, False, monkeypatch, whole=True)
    first, second = QtGui.QImage(str(out)), QtGui.QImage(str(tmp_path / "ordinary.png"))
    assert changed_pixels(first, second) == 0


WIDE = (X0 + 50.0, Y0 + 50.0, X0 + 380.0, Y0 + 230.0)  # metres: sheds as dots


@pytest.mark.parametrize("bands", [1, 2])
@pytest.mark.parametrize("dpi", [96.0, 250.0], ids=["1px", "3px"])  # pens 1 and 3 pixels
@pytest.mark.parametrize("box", [STREET, MIDDLE, WIDE], ids=["street", "middle", "wide"])
def test_numpy_kernels_draw_the_pixels_of_the_numba_kernels(
    qapp, territory, monkeypatch, box, dpi, bands
):
    from twin.ui.map import jit
    from twin.ui.map.views import scanfill

    path, _frames = territory
    layers = render_lean.lean_layers(path)
    jit.load()  # numba's kernels, to compare with
    monkeypatch.setattr(scanfill, "BANDS", bands)
    images = {}
    for numpy_kernels in (False, True):

        def choose(self, region, resolution, numpy_kernels=numpy_kernels):
            self.numpy_kernels = numpy_kernels

        monkeypatch.setattr(render_lean.LeanMap, "_choose_kernels", choose)
        drawing = render_lean.LeanMap(path, layers, dpi / 96.0)
        images[numpy_kernels], _shown = drawing.render(box, (960, 540))
        assert not any(drawing.used_overview.values())
    different = differing_pixels(images[False], images[True])
    # the same pixels; numba's filler draws in bands of rows (one thread each) and clips
    # each outline at its band's edges, which moves a few outline pixels there
    assert different == 0 if bands == 1 else different <= 60
    # and the map is drawn: roads, buildings, white background all there
    pixels = np.frombuffer(images[True].constBits(), np.uint32)[: 960 * 540]
    assert len(np.unique(pixels)) >= 3
