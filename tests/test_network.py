"""The shared road graph (twin.sim.network) on small hand-drawn networks."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
from shapely.geometry import LineString, MultiLineString, box

from twin.errors import DataError
from twin.sim.network import RoadGraph


def roads(*lines, classes=None) -> gpd.GeoDataFrame:
    classes = classes or ["residential"] * len(lines)
    return gpd.GeoDataFrame({"highway": classes}, geometry=list(lines), crs="EPSG:2154")


def test_cross_is_noded_at_the_crossing():
    # Two 100 m lines crossing at (50, 0): 5 nodes (4 ends + the crossing), 4 edges of 50 m.
    frame = roads(
        LineString([(0, 0), (100, 0)]),
        LineString([(50, -50), (50, 50)]),
        classes=["primary", "service"],
    )
    graph = RoadGraph.from_lines(frame)
    assert graph.node_count == 5
    assert graph.edge_count == 4
    np.testing.assert_allclose(graph.edge_length, 50.0)
    assert sorted(graph.edge_class) == ["primary", "primary", "service", "service"]
    crossing = np.flatnonzero((graph.node_xy == [50.0, 0.0]).all(axis=1))
    assert len(crossing) == 1
    degree = np.bincount(np.concatenate([graph.edge_u, graph.edge_v]))
    assert degree[crossing[0]] == 4
    # Total length is kept: 2 x 100 m.
    assert graph.matrix.sum() / 2 == pytest.approx(200.0)


def test_crossing_not_noded_when_asked_keeps_two_pieces():
    frame = roads(LineString([(0, 0), (100, 0)]), LineString([(50, -50), (50, 50)]))
    graph = RoadGraph.from_lines(frame, node_crossings=False)
    assert graph.edge_count == 2
    assert graph.components().count == 2


def test_endpoints_half_a_metre_apart_snap_with_1m_not_with_10cm():
    frame = roads(LineString([(0, 0), (100, 0)]), LineString([(100.5, 0), (200, 0)]))
    snapped = RoadGraph.from_lines(frame, snap_tolerance=1.0)
    assert snapped.node_count == 3
    assert snapped.components().count == 1
    apart = RoadGraph.from_lines(frame, snap_tolerance=0.1)
    assert apart.node_count == 4
    report = apart.components()
    assert report.count == 2
    # Both pieces are reported with their metres (100 m and 99.5 m), none dropped.
    np.testing.assert_allclose(sorted(report.length_m), [99.5, 100.0])
    assert "2 disconnected pieces" in report.summary()


def test_dead_end_short_of_a_road_is_joined_to_it():
    # A side street ending 0.6 m short of the main road: joined at (40, 0) with 1 m tolerance,
    # splitting the main road into 40 m + 60 m; the side street keeps about 50 m.
    frame = roads(LineString([(0, 0), (100, 0)]), LineString([(40, 0.6), (40, 50)]))
    graph = RoadGraph.from_lines(frame, snap_tolerance=1.0)
    assert graph.components().count == 1
    assert graph.node_count == 4
    np.testing.assert_allclose(sorted(graph.edge_length), [40.0, 50.0, 60.0])


def test_components_are_reported_largest_first():
    frame = roads(
        LineString([(0, 0), (300, 0)]),
        LineString([(0, 100), (50, 100)]),
        LineString([(0, 200), (20, 200)]),
    )
    report = RoadGraph.from_lines(frame).components()
    assert report.count == 3
    np.testing.assert_allclose(report.length_m, [300.0, 50.0, 20.0])
    np.testing.assert_array_equal(report.node_count, [2, 2, 2])


def test_multilines_and_bad_inputs():
    frame = roads(MultiLineString([[(0, 0), (10, 0)], [(10, 0), (10, 10)]]))
    graph = RoadGraph.from_lines(frame)
    assert graph.edge_count == 2
    assert set(graph.edge_source) == {0}
    with pytest.raises(DataError):
        RoadGraph.from_lines(roads()[:0])


def test_attachment_connector_and_offset():
    # Road from (0,0) to (100,0); a point at (30, 12) projects to (30, 0): offset 30 m,
    # connector 12 m; distances along the edge 30 m to u and 70 m to v.
    graph = RoadGraph.from_lines(roads(LineString([(0, 0), (100, 0)])))
    attachment = graph.attach(np.array([[30.0, 12.0], [500.0, 500.0]]), max_distance=50.0)
    assert attachment.edge[0] == 0
    assert attachment.connector_m[0] == pytest.approx(12.0)
    u_is_origin = (graph.node_xy[graph.edge_u[0]] == [0.0, 0.0]).all()
    expected_offset = 30.0 if u_is_origin else 70.0
    assert attachment.offset_m[0] == pytest.approx(expected_offset)
    assert attachment.to_u_m[0] + attachment.to_v_m[0] == pytest.approx(100.0)
    np.testing.assert_allclose(attachment.projected_xy[0], [30.0, 0.0])
    assert not attachment.attached[1]


def test_multi_source_distances_count_connectors_and_limit():
    # An L: (0,0)-(100,0)-(100,100). Stop at (10, 5): connector 5 m, 10 m from (0,0).
    # Home at (100, 60) on the vertical street, connector 0:
    #   stop -> (100,0): 5 + 90 = 95 m, then 60 m up: 155 m.
    # Home at (20, -3) on the same street as the stop: directly 5 + 10 + 3 = 18 m.
    graph = RoadGraph.from_lines(roads(LineString([(0, 0), (100, 0), (100, 100)])))
    assert graph.edge_count == 1  # a single line, no crossing: one edge of 200 m
    stops = graph.attach(np.array([[10.0, 5.0]]))
    homes = graph.attach(np.array([[100.0, 60.0], [20.0, -3.0]]))
    paths = graph.shortest_paths(stops, targets=homes)
    np.testing.assert_allclose(paths.point_distance, [155.0, 18.0])
    np.testing.assert_array_equal(paths.point_source, [0, 0])
    limited = graph.shortest_paths(stops, targets=homes, limit=100.0)
    assert np.isinf(limited.point_distance[0])
    assert limited.point_source[0] == -1
    assert limited.point_distance[1] == pytest.approx(18.0)


def test_multi_source_from_nodes_picks_nearest_source():
    # Path 0 -- 1 -- 2 -- 3 with 10 m edges; sources at nodes 0 and 3.
    xy = np.array([[0, 0], [10, 0], [20, 0], [30, 0]], dtype=float)
    graph = RoadGraph.from_edges(xy, np.array([0, 1, 2]), np.array([1, 2, 3]))
    paths = graph.shortest_paths(np.array([0, 3]))
    np.testing.assert_allclose(paths.node_distance, [0, 10, 10, 0])
    np.testing.assert_array_equal(paths.node_source, [0, 0, 1, 1])
    weighted = graph.shortest_paths(np.array([0]), edge_weight=np.array([1.0, 2.0, 3.0]))
    np.testing.assert_allclose(weighted.node_distance, [0, 1, 3, 6])


def test_split_at_attachments_keeps_lengths():
    graph = RoadGraph.from_lines(roads(LineString([(0, 0), (100, 0)])))
    points = np.array([[30.0, 4.0], [60.0, -2.0], [30.0, -7.0], [0.0, 3.0]])
    attachment = graph.attach(points)
    split, nodes = graph.split_at(attachment)
    # Two distinct interior points (30 and 60) -> 3 pieces; points 0 and 2 share a node;
    # point 3 projects onto the end node (0, 0).
    assert split.edge_count == 3
    assert nodes[0] == nodes[2]
    np.testing.assert_allclose(split.node_xy[nodes[3]], [0.0, 0.0])
    assert split.edge_length.sum() == pytest.approx(100.0)
    np.testing.assert_allclose(sorted(split.edge_length), [30.0, 30.0, 40.0])
    geometry_lengths = [g.length for g in split.edge_geometries()]
    np.testing.assert_allclose(sorted(geometry_lengths), [30.0, 30.0, 40.0])
    np.testing.assert_array_equal(split.parent_edge, [0, 0, 0])


def test_polygons_attach_by_centroid_and_edges_frame():
    # A 10 m square centred on (40, 25) attaches to the street y=0 with a 25 m connector.
    graph = RoadGraph.from_lines(roads(LineString([(0, 0), (100, 0)]), classes=["tertiary"]))
    homes = gpd.GeoDataFrame(geometry=[box(35, 20, 45, 30)], crs="EPSG:2154")
    attachment = graph.attach(homes)
    assert attachment.connector_m[0] == pytest.approx(25.0)
    edges = graph.edges_frame()
    assert list(edges.columns[:6]) == ["edge", "u", "v", "road_class", "length_m", "source_row"]
    assert edges.loc[0, "road_class"] == "tertiary"
    assert edges.geometry.iloc[0].length == pytest.approx(100.0)
    assert edges.crs == "EPSG:2154"
