"""The numpy and the numba scanline fillers agree with each other and with geometry."""

from __future__ import annotations

import numpy as np
import shapely

from twin.ui.map.views import scanfill
from twin.ui.map.views.geometry import extract_geometry


def random_polygons(count: int, seed: int = 4) -> np.ndarray:
    """Rotated rectangles 0.5-12 px wide in a 60 x 40 px frame, plus one with a hole."""
    rng = np.random.default_rng(seed)
    centres = rng.uniform([0, -40], [60, 0], (count, 2))
    sizes = rng.uniform(0.5, 12, count)
    polygons = [
        shapely.affinity.rotate(
            shapely.box(x - s / 2, y - s / 3, x + s / 2, y + s / 3), rng.uniform(0, 180)
        )
        for (x, y), s in zip(centres, sizes, strict=True)
    ]
    polygons.append(shapely.box(5, -35, 25, -15).difference(shapely.box(10, -30, 20, -20)))
    return np.array(polygons, dtype=object)


def fill_with(function, geometry, count: int, bands=(0, 40)) -> np.ndarray:
    array = np.zeros((40, 60), np.uint32)
    features = np.arange(count)
    colors = np.full(count, 7, np.uint32)
    outlined = np.zeros(count, dtype=bool)
    function(
        array,
        geometry.xs,
        geometry.ys,
        geometry.connect,
        geometry.vertex_start,
        features,
        colors,
        1.0,
        0,
        0,
        outlined,
        colors,
        1,
        *(bands if function is not scanfill.fill_features else ()),
    )
    return array


def test_compiled_python_and_numpy_fillers_fill_the_same_pixels():
    polygons = random_polygons(60)
    geometry = extract_geometry(polygons, "polygon")
    python = fill_with(scanfill._fill_features_python, geometry, len(polygons))
    banded = fill_with(scanfill._fill_features_python, geometry, len(polygons), (0, 17))
    banded += fill_with(scanfill._fill_features_python, geometry, len(polygons), (17, 40))
    assert np.array_equal(banded, python)
    starts = geometry.vertex_start[:-1]
    lengths = np.diff(geometry.vertex_start)
    numpy_fill = np.zeros((40, 60), np.uint32)
    scanfill.fill_polygons(
        numpy_fill,
        geometry.xs,
        -geometry.ys,
        geometry.connect,
        np.zeros(len(geometry.xs), np.int64),
        np.array([7], np.uint32),
    )
    assert np.array_equal(python, numpy_fill)
    assert np.array_equal(fill_with(scanfill.fill_features, geometry, len(polygons)), python)
    assert starts.size == lengths.size == len(polygons)


def test_filled_pixels_are_those_whose_centre_is_inside():
    polygons = random_polygons(60)
    geometry = extract_geometry(polygons, "polygon")
    filled = fill_with(scanfill.fill_features, geometry, len(polygons)) != 0
    rows, columns = np.mgrid[0:40, 0:60]
    centres = shapely.points(columns.ravel() + 0.5, -(rows.ravel() + 0.5))
    inside = shapely.contains_xy(
        shapely.union_all(polygons), columns.ravel() + 0.5, -(rows.ravel() + 0.5)
    ).reshape(40, 60)
    assert centres.size == 2400
    # exact except centres lying on an edge (ties), a few at most
    assert np.count_nonzero(filled != inside) <= 3


def test_holes_stay_open_whatever_the_ring_orientation():
    outer = [(5, -35), (25, -35), (25, -15), (5, -15), (5, -35)]  # counter-clockwise
    hole = [(10, -30), (20, -30), (20, -20), (10, -20), (10, -30)]  # also counter-clockwise
    geometry = extract_geometry(np.array([shapely.Polygon(outer, [hole])]), "polygon")
    filled = fill_with(scanfill.fill_features, geometry, 1) != 0
    # pixel (row 25, column 15) has its centre (15.5, -25.5) in the hole
    assert not filled[25, 15] and filled[32, 7] and filled[17, 22]
    assert np.count_nonzero(filled) == 20 * 20 - 10 * 10


def test_line_drawer_steps_every_pixel_between_the_ends():
    from twin.ui.map.views import linedraw

    # a line from pixel centre (2.5, 3.5) to (12.5, 8.5): 10 columns, 5 rows (y down = -y)
    xs, ys = np.array([2.5, 12.5]), np.array([-3.5, -8.5])
    args = (
        np.array([True, False]),
        np.array([0, 2], np.int64),
        np.array([0], np.int64),
        np.array([9], np.uint32),
    )
    compiled = np.zeros((12, 16), np.uint32)
    assert linedraw.draw_lines(compiled, xs, ys, *args, 1, 1.0, 0, 0)
    python = np.zeros((12, 16), np.uint32)
    linedraw._draw_lines_python(python, xs, ys, *args, 1, 1.0, 0, 0)
    assert np.array_equal(compiled, python)
    rows, columns = np.nonzero(compiled)
    assert compiled[3, 2] == 9 and compiled[8, 12] == 9
    assert set(columns.tolist()) == set(range(2, 13))  # no gap along the major axis
    thick = np.zeros((12, 16), np.uint32)
    linedraw.draw_lines(thick, xs, ys, *args, 3, 1.0, 0, 0)
    assert np.count_nonzero(thick) > 2.5 * np.count_nonzero(compiled)
    assert rows.min() == 3 and rows.max() == 8
