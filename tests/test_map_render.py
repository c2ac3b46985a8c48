"""Overlays (scale bar, north arrow), the offscreen renderer and the chunked geometry."""

from __future__ import annotations

import numpy as np
import pytest
import shapely
from map_helpers import BLUE, RED, X0, Y0, box_layer, project_of, show_canvas
from PySide6 import QtCore

from twin.ui.map.overlays import format_length, nice_length
from twin.ui.map.render import render_project
from twin.ui.map.views.geometry import chunk_features, extract_geometry


@pytest.mark.parametrize(
    ("max_metres", "expected", "label"),
    [
        (130.0, 100.0, "100 m"),
        (260.0, 250.0, "250 m"),
        (1900.0, 1000.0, "1 km"),
        (4300.0, 2500.0, "2.5 km"),
        (0.7, 0.5, "50 cm"),
    ],
)
def test_scale_bar_lengths_are_round(max_metres, expected, label):
    assert nice_length(max_metres) == pytest.approx(expected)
    assert format_length(nice_length(max_metres)) == label


def test_scale_bar_and_north_arrow_are_drawn_on_top(qtbot):
    canvas = show_canvas(qtbot, project_of(box_layer("b", [(0, 0, 400, 300)], BLUE)))
    image = canvas.grab_map()

    def dark_pixels(rect: QtCore.QRect) -> int:
        return sum(
            1
            for x in range(rect.left(), rect.right())
            for y in range(rect.top(), rect.bottom())
            if image.pixelColor(x, y).lightness() < 60
        )

    # scale bar bottom left (100 m = 100 px at 1 m per pixel), north arrow top right
    assert dark_pixels(QtCore.QRect(10, 250, 130, 45)) > 80
    assert dark_pixels(QtCore.QRect(355, 10, 40, 55)) > 40
    canvas.show_scale_bar = canvas.show_north_arrow = False
    assert dark_pixels(QtCore.QRect(10, 250, 130, 45)) > 80  # old image
    image = canvas.grab_map()
    assert dark_pixels(QtCore.QRect(10, 250, 130, 45)) == 0


def test_render_project_draws_the_requested_box_at_the_requested_size(qtbot):
    project = project_of(
        box_layer("b", [(100, 100, 200, 200)], RED), box_layer("c", [(0, 0, 1000, 1000)], BLUE)
    )
    image = render_project(project, size=(320, 200), bbox=(X0 + 50, Y0 + 50, X0 + 250, Y0 + 250))
    assert (image.width(), image.height()) == (320, 200)
    # 200 m tall in 200 px, centred: x from X0 + 150 - 160 m; the red square spans
    # x 100..200 m -> pixels 110..210, y 100..200 m -> rows 50..150
    assert image.pixelColor(160, 100).name().upper() == RED
    assert image.pixelColor(60, 100).name().upper() == BLUE
    assert image.pixelColor(260, 100).name().upper() == BLUE


def test_chunks_keep_every_feature_once_sorted_by_class_and_size():
    rng = np.random.default_rng(5)
    x, y = rng.uniform(0, 10_000, 5000), rng.uniform(0, 5000, 5000)
    sizes = rng.uniform(1, 30, 5000)
    geometries = shapely.box(x, y, x + sizes, y + sizes)
    geometries[7] = None
    geometry = extract_geometry(geometries, "polygon")
    assert geometry.count == 4999 and 7 not in geometry.rows
    classes = rng.integers(0, 3, geometry.count)
    chunked = chunk_features(geometry, classes, 3)
    assert sorted(chunked.rows.tolist()) == geometry.rows.tolist()
    assert chunked.chunk_count > 10
    for group in range(chunked.chunk_count * 3):
        start, end = chunked.group_start[group], chunked.group_start[group + 1]
        assert np.all(chunked.class_id[start:end] == group % 3)
        assert np.all(np.diff(chunked.size[start:end]) <= 0)
    # vertices follow their features: 5 per box, ring closed on its first vertex
    first = chunked.vertex_start[0]
    ring_x = chunked.xs[first : first + 5]
    assert ring_x[0] == ring_x[-1] and not chunked.connect[first + 4]
    everything = chunked.features_of_chunks(chunked.chunks_in(-1, -1, 20_000, 20_000))
    assert len(everything) == 4999
