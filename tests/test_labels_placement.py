"""Label placement, Qt-free: anchors of areas, lines and points; greedy placement that never
lets two boxes overlap, in priority order; label properties saved with the style."""

from __future__ import annotations

import itertools

import geopandas as gpd
import numpy as np
import shapely

from twin.layers.labels import (
    POINT_POSITIONS,
    PlacedLabel,
    boxes_overlap,
    label_anchors,
    place_labels,
)
from twin.layers.style import LabelStyle, Style


def assert_no_overlap(placed: list[PlacedLabel]) -> None:
    for a, b in itertools.combinations(placed, 2):
        assert not boxes_overlap(a.box, b.box), (a, b)


def test_boxes_overlap_counts_shared_area_not_touching_edges():
    assert boxes_overlap((0, 0, 10, 10), (5, 5, 10, 10))
    assert boxes_overlap((0, 0, 10, 10), (2, 2, 2, 2))  # inside
    assert not boxes_overlap((0, 0, 10, 10), (10, 0, 10, 10))  # touching
    assert not boxes_overlap((0, 0, 10, 10), (0, 11, 10, 10))


def test_crowded_labels_never_overlap_and_the_first_in_priority_wins():
    rng = np.random.default_rng(7)
    count = 400
    anchors = rng.uniform(0, 600, size=(count, 2))
    sizes = np.column_stack([rng.uniform(30, 120, count), np.full(count, 16.0)])
    priority = rng.uniform(0, 100, count)
    for centred in (True, False):
        placed = place_labels(anchors, sizes, priority, centred, (640, 640))
        assert 20 < len(placed) < count  # crowded: some placed, some skipped
        assert_no_overlap(placed)
        assert placed[0].index == int(np.argmax(priority))  # the most important goes first
        for label in placed:  # inside the viewport, at the measured size
            assert label.left >= 0 and label.top >= 0
            assert label.left + label.width <= 640 and label.top + label.height <= 640
            assert (label.width, label.height) == tuple(sizes[label.index])


def test_larger_commune_keeps_its_label_when_two_collide():
    anchors = np.array([[100.0, 100.0], [105.0, 100.0]])
    sizes = np.array([[80.0, 16.0], [80.0, 16.0]])
    placed = place_labels(anchors, sizes, np.array([500.0, 20000.0]), True, (400, 400))
    # the second (20 000 inhabitants) goes first at its centre; the first moves above or below
    assert placed[0].index == 1
    assert placed[0].box == (65.0, 92.0, 80.0, 16.0)
    assert len(placed) == 2 and placed[1].top in (92.0 - 18.0, 92.0 + 18.0)
    assert_no_overlap(placed)


def test_point_labels_try_positions_around_the_symbol():
    # two symbols at one place: the first label goes right of it, the second left
    anchors = np.array([[100.0, 100.0], [100.0, 100.0]])
    sizes = np.array([[40.0, 10.0], [40.0, 10.0]])
    placed = place_labels(anchors, sizes, np.array([2.0, 1.0]), False, (400, 400), gap_px=5)
    assert [p.index for p in placed] == [0, 1]
    right, left = placed
    assert right.left == 105.0 and right.top == 95.0  # beside the symbol, right
    assert left.left + left.width == 95.0  # then left of it
    assert len(POINT_POSITIONS) == 8


def test_one_label_per_group_and_labels_avoid_those_already_placed():
    anchors = np.array([[50.0, 50.0], [200.0, 50.0]])
    sizes = np.array([[30.0, 10.0], [30.0, 10.0]])
    placed = place_labels(anchors, sizes, np.ones(2), True, (400, 400), group=np.array([3, 3]))
    assert len(placed) == 1 and placed[0].index == 0
    blocker = PlacedLabel(-1, 0.0, 0.0, 400.0, 100.0)
    assert place_labels(anchors, sizes, np.ones(2), True, (400, 400), placed=[blocker]) == []


def test_anchors_of_areas_lines_and_points():
    crs = "EPSG:2154"
    ring = shapely.Polygon([(0, 0), (100, 0), (100, 10), (10, 10), (10, 100), (0, 100)])
    communes = gpd.GeoDataFrame(
        {"name": ["L-shape", "Square", None], "population": [10, 900, 5]},
        geometry=[ring, shapely.box(200, 0, 300, 100), shapely.box(0, 0, 1, 1)],
        crs=crs,
    )
    anchors = label_anchors(
        communes, "polygon", LabelStyle(field="name", priority_field="population")
    )
    assert anchors.text == ["L-shape", "Square"]  # no label without text
    assert anchors.centred and list(anchors.priority) == [10.0, 900.0]
    # the L's centroid is outside it: its anchor is moved inside; the square's is its centre
    assert ring.contains(shapely.Point(anchors.x[0], anchors.y[0]))
    assert (anchors.x[1], anchors.y[1]) == (250.0, 50.0)

    lines = gpd.GeoDataFrame(
        {"route": ["C1", "C1", "C2"]},
        geometry=[
            shapely.LineString([(0, 0), (100, 0)]),
            shapely.LineString([(0, 50), (1000, 50)]),
            shapely.LineString([(0, 90), (10, 90)]),
        ],
        crs=crs,
    )
    anchors = label_anchors(lines, "line", LabelStyle(field="route"))
    assert anchors.text == ["C1", "C2"]  # one label per line name
    first = anchors.group == 0
    assert list(anchors.x[first]) == [500.0, 300.0, 700.0]  # along the longer C1 feature
    assert set(anchors.y[first]) == {50.0}

    stops = gpd.GeoDataFrame(
        {"stop": ["Gare", "Gare", "Gare", "Mairie"]},
        geometry=shapely.points([(0, 0), (30, 0), (5000, 0), (60, 0)]),
        crs=crs,
    )
    anchors = label_anchors(stops, "point", LabelStyle(field="stop"))
    assert not anchors.centred
    # the two platforms of one stop share a label; the far stop of the same name has its own
    assert list(anchors.group) == [0, 0, 2, 3]
    assert anchors.text[anchors.group[3]] == "Mairie"


def test_label_properties_round_trip_through_the_style_dict():
    labels = LabelStyle(
        field="name",
        size=14.0,
        color="#102030",
        halo_color="#FFFFEE",
        halo_width=3.0,
        priority_field="population",
        max_metres_per_pixel=8.0,
        bold=True,
    )
    style = Style(labels=labels)
    assert Style.from_dict(style.to_dict()) == style
    assert Style.from_dict({"kind": "single"}).labels == LabelStyle()  # older project files
    assert labels.in_scale_range(4.0) and not labels.in_scale_range(9.0)
    assert not LabelStyle().enabled and labels.enabled
    assert LabelStyle(min_metres_per_pixel=2.0).in_scale_range(1.0) is False
