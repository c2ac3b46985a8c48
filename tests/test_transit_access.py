"""Walk catchments, PTAL worked by hand, what-if lines and stops, hubs."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from test_transit_support import X0, Y0, street_grid, tiny_feed, write_zip

from twin.layers.transit import read_gtfs
from twin.sim.network import RoadGraph
from twin.sim.transit.access import AccessModel, StopSet, catchment_lines
from twin.sim.transit.catchment import stop_catchments, stop_walks
from twin.sim.transit.hubs import find_hubs
from twin.sim.transit.ptal import PtalParameters, accessibility_index, ptal_band, route_edfs
from twin.sim.transit.study import TransitStudy
from twin.sim.transit.whatif import NewLine, NewStop


def test_catchment_distances_on_a_toy_graph():
    """A 3 x 3 grid of 100 m blocks; stop A 10 m off the middle of edge (0,0)-(100,0).

    By hand: A enters the edge at (50, 0) after a 10 m connector, so node (0,0) and node
    (100,0) are 10 + 50 = 60 m away, node (200,0) 160 m, (100,100) 160 m, (200,200) 360 m.
    """
    xy, u, v = street_grid(3, 100.0)
    graph = RoadGraph.from_edges(xy, u, v)
    stops = graph.attach(np.array([[50.0, -10.0], [200.0, 200.0]]))
    reach = stop_catchments(graph, stops, limit_m=200.0).toarray()
    node = {tuple(p): i for i, p in enumerate(xy)}
    a = reach[0]
    assert a[node[(0, 0)]] == pytest.approx(60.0)
    assert a[node[(100, 0)]] == pytest.approx(60.0)
    assert a[node[(200, 0)]] == pytest.approx(160.0)
    assert a[node[(100, 100)]] == pytest.approx(160.0)
    assert a[node[(200, 200)]] == 0.0  # 360 m: beyond the 200 m cutoff, not stored
    assert reach[1][node[(200, 200)]] == pytest.approx(1e-9)  # the stop on the node: 0 m
    # a home 5 m off (80, 0): along A's own edge 10 + 30 + 5 = 45 m (not round by a node);
    # a home 20 m off (100, 150): 10 + 50 + 150 + 20 = 230 m from A, 100 + 50 + 20 = 170 m
    # from B at (200, 200) -> (200, 100)?? no: B -> (100,200) 100 m -> (100,150) 50 m + 20.
    homes = graph.attach(np.array([[80.0, 5.0], [120.0, 150.0]]))
    walks = stop_walks(graph, stops, homes, limit_m=400.0).set_index(["stop", "location"])
    assert walks.loc[(0, 0), "walk_m"] == pytest.approx(45.0)
    assert walks.loc[(0, 1), "walk_m"] == pytest.approx(230.0)
    assert walks.loc[(1, 1), "walk_m"] == pytest.approx(170.0)
    # the shared multi-source search agrees on the nearest stop
    nearest = graph.shortest_paths(stops, targets=homes, limit=400.0).point_distance
    np.testing.assert_allclose(nearest, [45.0, 170.0])


def test_ptal_worked_by_hand():
    """One location; TfL's formulas by hand (walk 80 m/min, SWT = 0.5 x 60 / f).

    bus route 1 at B1, 320 m, 6/h: walk 4.0 + SWT 5.0 + 2 = TAT 11.0 -> EDF 30/11 = 2.727273
    bus route 2 at B1, 320 m, 4/h: 4.0 + 7.5 + 2 = 13.5 -> EDF 2.222222
    bus route 3 at B2, 480 m, 12/h: 6.0 + 2.5 + 2 = 10.5 -> EDF 2.857143
    bus route 1 at B2 (farther, same route): 6.0 + 5.0 + 2 = 13.0 -> not its best stop
    bus route 4 at B3, 700 m: beyond 640 m for buses -> ignored
    tram T1 at T, 800 m, 10/h: 10.0 + 3.0 + 0.75 = 13.75 -> EDF 2.181818
    AI bus = 2.857143 + 0.5 x (2.727273 + 2.222222) = 5.331890; AI tram = 2.181818
    AI = 7.513709 -> band 2 (5.01-10).
    """
    walks = pd.DataFrame(
        {
            "location": [0, 0, 0, 0],
            "stop_id": ["B1", "B2", "B3", "T"],
            "walk_m": [320.0, 480.0, 700.0, 800.0],
        }
    )
    frequencies = pd.DataFrame(
        {
            "stop_id": ["B1", "B1", "B2", "B2", "B3", "T"],
            "route_id": ["1", "2", "3", "1", "4", "T1"],
            "mode": ["bus", "bus", "bus", "bus", "bus", "tram"],
            "departures_per_hour": [6.0, 4.0, 12.0, 6.0, 20.0, 10.0],
        }
    )
    edfs = route_edfs(walks, frequencies).set_index("route_id")
    assert edfs.loc["1", "stop_id"] == "B1" and edfs.loc["1", "tat_min"] == pytest.approx(11.0)
    assert "4" not in edfs.index
    result = accessibility_index(walks, frequencies, [0, 1])
    assert result.loc[0, "ai_bus"] == pytest.approx(30 / 10.5 + 0.5 * (30 / 11 + 30 / 13.5))
    assert result.loc[0, "ai_bus"] == pytest.approx(5.331890, abs=1e-6)
    assert result.loc[0, "ai_tram"] == pytest.approx(2.181818, abs=1e-6)
    assert result.loc[0, "ai"] == pytest.approx(7.513709, abs=1e-6)
    assert result.loc[0, "ptal"] == "2"
    assert result.loc[1, "ai"] == 0.0 and result.loc[1, "ptal"] == "0"
    # overridable: a 1000 m bus walk limit brings route 4 in (700 m: 8.75 + 1.5 + 2 = 12.25)
    wider = PtalParameters(max_walk_m={"bus": 1000.0, "tram": 960.0, "metro": 960.0, "rail": 960.0})
    assert accessibility_index(walks, frequencies, [0], wider).loc[0, "ai"] > 7.6


def test_ptal_bands_at_the_edges():
    ai = [0.0, 0.01, 2.5, 2.51, 5.0, 5.01, 10.0, 10.01, 15.0, 20.0, 25.0, 25.01, 40.0, 40.01]
    assert list(ptal_band(ai)) == [
        "0",
        "1a",
        "1a",
        "1b",
        "1b",
        "2",
        "2",
        "3",
        "3",
        "4",
        "5",
        "6a",
        "6a",
        "6b",
    ]


def _street_study(tmp_path, length_m=3000.0):
    """A straight street along y = 0 (nodes every 100 m) with the tiny feed's stops at
    x = 0, 100, 200 (route B1, 3 departures/hour at S1 and S2 in the peak) and one building
    of 10 persons / 4 premises every 100 m at x = 50, 150, ..., 20 m off the street."""
    network = read_gtfs(write_zip(tmp_path / "tiny.zip", tiny_feed()), crs="EPSG:2154")
    xs = np.arange(0.0, length_m + 1, 100.0)
    node_xy = np.column_stack([X0 + xs, np.full(len(xs), Y0)])
    graph = RoadGraph.from_edges(
        node_xy, np.arange(len(xs) - 1), np.arange(1, len(xs)), crs="EPSG:2154"
    )
    bx = np.arange(50.0, length_m, 100.0)
    homes = np.column_stack([X0 + bx, np.full(len(bx), Y0 + 20.0)])
    study = TransitStudy(
        network, graph, homes, np.full(len(bx), 10.0), np.full(len(bx), 4.0), day="2024-01-09"
    )
    return study, bx


def test_baseline_catchments_and_ptal_on_a_street(tmp_path):
    study, bx = _street_study(tmp_path)
    base = study.baseline()
    # catchments start from stops where one can board that day: S1 (x = 0) and S2 (100);
    # S3, the last stop of every trip, is only alighted at. Walk = |x - 100| + 20 beyond S2.
    # 5 min = 400 m: x <= 480 -> 50..450 = 5 buildings; 10 min = 800 m: x <= 880 -> 9.
    assert base.kpis["persons_within_5min"] == 50.0
    assert base.kpis["premises_within_10min"] == 9 * 4.0
    # PTAL: only S1, S2 have peak departures (S3 is the last stop), bus limit 640 m from S2:
    # |x - 100| + 20 <= 640 -> x <= 720: buildings 50..650 (7 buildings).
    # x = 50: S2 at 70 m (walk 0.875 min) and S1 at 70 m; SWT = 0.5 x 60 / 3 = 10 min,
    # TAT = 0.875 + 10 + 2 = 12.875, EDF = 30 / 12.875 = 2.330 -> one route: AI 2.33, 1a.
    table = base.locations
    assert table.loc[0, "ai"] == pytest.approx(30 / 12.875)
    assert table.loc[0, "ptal"] == "1a"
    assert (table["ai"] > 0).sum() == 7
    assert base.kpis["persons_per_ptal_band"]["0"] == 10.0 * (len(bx) - 7)


def test_new_line_raises_access_where_it_should(tmp_path):
    study, bx = _street_study(tmp_path)
    line = NewLine(
        ((X0 + 1500, Y0), (X0 + 2000, Y0), (X0 + 2500, Y0)), headway_min=5, mode="tram", name="T"
    )
    result = study.add_line(line)
    # length 1000 m by road; tram at 20 km/h = 333.3 m/min -> 3.0 min in the vehicle
    assert result.line.length_m == pytest.approx(1000.0)
    assert result.line.geometry.length == pytest.approx(1000.0)  # drawn along the street
    assert result.line.in_vehicle_min == pytest.approx(3.0)
    # tram reach 960 m: |x - x_stop| + 20 <= 960 -> x in [560, 3440]: buildings 650..2950;
    # 650 already had a bus, so 750..2950 = 23 buildings (230 persons) leave band 0.
    assert result.persons_gained_per_band["0"] == -230.0
    assert sum(result.persons_gained_per_band.values()) == pytest.approx(0.0)
    after = result.scenario.locations
    assert (after.loc[bx >= 750, "ai"] > 0).all()
    assert (after.loc[bx < 550, "ai"] == result.baseline.locations.loc[bx < 550, "ai"]).all()
    # x = 2050: tram stop at 2000, walk 70 m = 0.875 min; SWT = 0.5 x 60 / 12 = 2.5;
    # TAT = 0.875 + 2.5 + 0.75 = 4.125 -> EDF 7.2727; next tram stop is the same route.
    assert after.loc[np.flatnonzero(bx == 2050)[0], "ai"] == pytest.approx(30 / 4.125)
    assert after.loc[np.flatnonzero(bx == 2050)[0], "ptal"] == "2"
    # within 10 min (800 m): the new stops reach x in [720, 3280]; the bus already reached
    # x <= 880, so 950..2950 are new: 21 buildings, 210 persons
    assert result.persons_gained_within["10min"] == 210.0
    service = result.service.set_index("stop_id")
    assert service.loc["T:2", "departures_per_hour_after"] == pytest.approx(24.0)  # 2 ways
    assert service.loc["T:1", "departures_per_hour_after"] == pytest.approx(12.0)
    assert result.summary()["line_length_m"] == 1000.0


def test_new_stop_on_an_existing_route(tmp_path):
    study, bx = _street_study(tmp_path)
    result = study.add_stop(NewStop(X0 + 900, Y0, ("B1",), stop_id="N"))
    # the B1 frequency (3/h) now also at x = 900: buildings within 640 m gain access
    after = result.scenario.locations["ai"].to_numpy()
    before = result.baseline.locations["ai"].to_numpy()
    gained = (after > 0) & (before == 0)
    assert set(bx[gained]) == {750.0, 850.0, 950.0, 1050.0, 1150.0, 1250.0, 1350.0, 1450.0}
    assert result.persons_gained_per_band["0"] == -80.0
    assert result.persons_band_raised == 80.0


def test_access_model_leaves_far_stops_out(tmp_path):
    xy, u, v = street_grid(3, 100.0)
    graph = RoadGraph.from_edges(xy, u, v)
    model = AccessModel(graph, np.array([[50.0, 10.0]]), np.array([5.0]))
    stops = pd.DataFrame({"stop_id": ["near", "far"], "x": [0.0, 5000.0], "y": [0.0, 0.0]})
    frequencies = pd.DataFrame(
        {
            "stop_id": ["near", "far"],
            "route_id": ["r", "r"],
            "mode": ["bus", "bus"],
            "departures_per_hour": [6.0, 6.0],
        }
    )
    result = model.evaluate(StopSet(stops, frequencies, {"near", "far"}))
    assert any("1 of 2 stops" in w for w in result.warnings)
    assert result.locations.loc[0, "walk_m"] == pytest.approx(60.0)  # 10 + 50
    lines = catchment_lines(graph, result.node_distance, 100.0)
    # from the stop at node (0,0): 100 m along each of its two streets
    assert lines.length == pytest.approx(200.0)


def test_hubs_where_modes_or_lines_meet():
    stops = pd.DataFrame(
        {
            "stop_id": ["A", "B", "C", "D", "E", "F"],
            "stop_name": ["Gare bus", "Gare tram", "Lonely", "Mairie", "Mairie 2", "Far"],
            "x": [0.0, 100.0, 2000.0, 5000.0, 5060.0, 5400.0],
            "y": [0.0, 0.0, 0.0, 0.0, 0.0, 0.0],
        }
    )
    lines = pd.DataFrame(
        {
            "stop_id": ["A", "B", "C", "D", "D", "E", "F"],
            "line": ["1", "T", "2", "3", "4", "5", "6"],
            "mode": ["bus", "tram", "bus", "bus", "bus", "bus", "bus"],
        }
    )
    hubs = find_hubs(stops, lines, radius_m=150.0, min_lines=3, min_modes=2)
    assert len(hubs) == 2
    by_lines = hubs.set_index("lines")
    assert by_lines.loc["1;T", "modes"] == "bus;tram"  # two modes 100 m apart
    assert by_lines.loc["3;4;5", "stop_ids"] == "D;E"  # three bus lines 60 m apart
    assert by_lines.loc["3;4;5", "mode_count"] == 1
    assert hubs.geometry.x.min() == pytest.approx(50.0)  # between A and B


def test_windowed_catchments_equal_whole_graph_search():
    """The tiled searches (each on a window of the graph) give exactly what one Dijkstra
    per stop on the whole graph gives (scipy on the same entry matrix)."""
    from scipy.sparse.csgraph import dijkstra

    from twin.sim.transit.catchment import entry_matrix

    rng = np.random.default_rng(7)
    xy, u, v = street_grid(30, 60.0)
    xy = xy + rng.uniform(-15, 15, xy.shape)
    keep = rng.random(len(u)) > 0.1
    graph = RoadGraph.from_edges(xy, u[keep], v[keep])
    stops = graph.attach(rng.uniform(0, 1740, (60, 2)))
    windowed = stop_catchments(graph, stops, limit_m=400.0).toarray()
    matrix, virtual = entry_matrix(graph, stops)
    whole = dijkstra(matrix, directed=True, indices=virtual, limit=400.0)[:, : graph.node_count]
    whole = np.where(np.isfinite(whole), np.maximum(whole, 1e-9), 0.0)
    np.testing.assert_allclose(windowed, whole, rtol=0, atol=1e-9)
    assert (windowed > 0).sum() > 60 * 20  # the searches reach well beyond their stop


def test_catchment_of_a_stop_in_the_middle_of_a_long_street():
    # one 2 km street; a stop 5 m off its middle; 400 m walk: 395 m either side of x = 1000
    graph = RoadGraph.from_edges(np.array([[0.0, 0.0], [2000.0, 0.0]]), [0], [1])
    stop = graph.attach(np.array([[1000.0, 5.0]]))
    paths = graph.shortest_paths(stop, limit=400.0)
    assert not np.isfinite(paths.node_distance).any()  # both ends are 1005 m away
    lines = catchment_lines(graph, paths.node_distance, 400.0, stop)
    assert lines.length == pytest.approx(790.0)
    assert lines.bounds[0] == pytest.approx(605.0) and lines.bounds[2] == pytest.approx(1395.0)


def test_new_line_through_existing_stops_adds_a_route(tmp_path):
    study, _ = _street_study(tmp_path)
    result = study.add_line(NewLine(("S1", "S2"), headway_min=10, mode="bus", name="N"))
    assert result.line.length_m == pytest.approx(100.0)
    assert result.line.in_vehicle_min == pytest.approx(100.0 / 300.0)  # 18 km/h = 300 m/min
    # building x = 50 (70 m from S1 and S2, 0.875 min): B1 EDF 30/12.875 = 2.3301 as before;
    # line N 6/h: SWT 5, TAT 0.875 + 5 + 2 = 7.875, EDF 3.8095 (now the best bus route)
    # AI = 3.8095 + 0.5 x 2.3301 = 4.9746 -> band 1b
    after = result.scenario.locations.loc[0]
    assert after["ai"] == pytest.approx(30 / 7.875 + 0.5 * 30 / 12.875)
    assert after["ptal"] == "1b"
    assert result.persons_band_raised > 0
    assert len(study.stops) == 3  # no stop was added to the study itself
