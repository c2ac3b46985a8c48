"""RAPTOR (range) against a brute-force time-expanded search, on hand-made and real feeds."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import shapely
from raptor_brute import BruteForce
from scipy import sparse
from scipy.sparse.csgraph import shortest_path
from scipy.spatial import cKDTree
from test_transit_support import CALENDAR, hhmm, stops_csv, timetable, tiny_feed, write_zip

from twin.layers.transit import read_gtfs
from twin.sim.transit.raptor import percentiles, range_raptor, travel_times
from twin.sim.transit.timetable import compile_timetable

TUESDAY = "2024-01-09"
DATA = Path(__file__).parent / "data"


def _random_feed(seed: int, stops: int = 9, routes: int = 4) -> dict[str, str]:
    """Random routes over a few stops: random sequences, 3-6 trips each, some trips slower
    than the one before (overtaking), a few calls without pickup."""
    rng = np.random.default_rng(seed)
    names = [f"S{i}" for i in range(stops)]
    trips = []
    for r in range(routes):
        sequence = rng.choice(stops, size=int(rng.integers(2, 6)), replace=False)
        for t in range(int(rng.integers(3, 7))):
            start = 8 * 60 + float(rng.integers(0, 60))
            minute = start
            calls = []
            for k, s in enumerate(sequence):
                if k:
                    minute += float(rng.integers(1, 8))
                pickup = "!" if rng.random() < 0.1 else ""
                calls.append((names[s] + pickup, hhmm(minute)))
            trips.append((f"R{r}", "WK", f"R{r}T{t}", "0", calls))
    trips_txt, stop_times_txt = timetable(trips)
    routes_txt = "route_id,route_short_name,route_long_name,route_type\n" + "".join(
        f"R{r},{r},,3\n" for r in range(routes)
    )
    return {
        "stops.txt": stops_csv([(n, n, 100.0 * i, 0.0) for i, n in enumerate(names)]),
        "routes.txt": routes_txt,
        "trips.txt": trips_txt,
        "stop_times.txt": stop_times_txt,
        "calendar.txt": CALENDAR,
    }


def _compare(network, transfers: dict, minutes, origins) -> int:
    table = compile_timetable(network, TUESDAY)
    pairs = list(transfers.items())
    table = table.with_transfers(
        table.stop_index([a for (a, _), _ in pairs]),
        table.stop_index([b for (_, b), _ in pairs]),
        np.array([w for _, w in pairs], dtype=float),
    )
    departures = np.array(minutes, dtype=float) * 60.0
    brute = BruteForce(network, TUESDAY, transfers)
    checked = 0
    for origin in origins:
        access = {origin: 0.0}
        arrivals = range_raptor(
            table, table.stop_index(list(access)), list(access.values()), departures, 12
        )
        for d, start in enumerate(departures):
            expected = brute.arrivals_from(access, start)
            for s, stop_id in enumerate(table.stop_ids):
                assert arrivals[d, s] == expected.get(stop_id, np.inf), (origin, start, stop_id)
                checked += 1
    return checked


@pytest.mark.parametrize("seed", range(12))
def test_range_raptor_equals_brute_force_on_random_feeds(tmp_path, seed):
    network = read_gtfs(write_zip(tmp_path / "feed.zip", _random_feed(seed)))
    rng = np.random.default_rng(1000 + seed)
    walks = np.full((9, 9), np.inf)
    for _ in range(6):
        a, b = rng.choice(9, size=2, replace=False)
        walks[a, b] = float(rng.integers(30, 400))
    # RAPTOR needs footpaths closed under composition (the paper's assumption; the travel
    # model closes the road-graph walks the same way)
    closed = shortest_path(walks, directed=True)
    transfers = {
        (f"S{a}", f"S{b}"): float(closed[a, b])
        for a in range(9)
        for b in range(9)
        if a != b and closed[a, b] < np.inf
    }
    checked = _compare(network, transfers, range(7 * 60 + 50, 9 * 60 + 10, 3), ["S0", "S3", "S7"])
    assert checked == 3 * 27 * 9


def test_tiny_feed_by_hand(tmp_path):
    network = read_gtfs(write_zip(tmp_path / "tiny.zip", tiny_feed()))
    table = compile_timetable(network, TUESDAY)
    s1, s3 = table.stop_index(["S1", "S3"])
    # leaving S1 at 08:05: the 08:20 trip reaches S3 at 08:24 (19 min); at 08:21 the 08:40
    # trip (08:44), at 09:21 the night trip (24:30, S3 at 24:34); Monday's 24:30 trip is
    # Tuesday's 00:30 (S3 at 00:34)
    departures = np.array([8 * 3600 + 300, 8 * 3600 + 1260, 9 * 3600 + 1260, 1800.0])
    order = np.argsort(departures)
    arrivals = range_raptor(table, [s1], [0.0], departures[order])[np.argsort(order)]
    assert arrivals[:, s3].tolist() == [8 * 3600 + 1440, 8 * 3600 + 2640, 24 * 3600 + 2040, 2040.0]
    # S2 has no pickup on the 08:40 trip: boarding there at 08:41 waits for the 09:00 one
    s2 = table.stop_index(["S2"])[0]
    late = range_raptor(table, [s2], [0.0], [8 * 3600 + 2460.0])
    assert late[0, s3] == 9 * 3600 + 240


def test_newport_real_feed_equals_brute_force(newport_feed):
    """Real timetable (Newport, 2 686 stops), transfers between stops up to 250 m apart at
    1.2 m/s, closed under composition; three busy origins, a departure every 20 minutes."""
    xy = shapely.get_coordinates(newport_feed.stops.frame.geometry.values)
    ids = newport_feed.stops.frame["stop_id"].astype(str).to_numpy()
    pairs = cKDTree(xy).query_pairs(250.0, output_type="ndarray")
    pairs = np.vstack([pairs, pairs[:, ::-1]])
    seconds = np.hypot(*(xy[pairs[:, 0]] - xy[pairs[:, 1]]).T) / 1.2
    graph = sparse.csr_matrix((seconds, (pairs[:, 0], pairs[:, 1])), shape=(len(xy), len(xy)))
    used = np.unique(pairs)
    closed = shortest_path(graph, directed=True, indices=used)
    a, b = np.nonzero(np.isfinite(closed))
    keep = used[a] != b
    transfers = {
        (ids[used[i]], ids[j]): float(closed[i, j]) for i, j in zip(a[keep], b[keep], strict=True)
    }
    assert len(transfers) > 1000
    table = compile_timetable(newport_feed, "2023-06-13")
    table = table.with_transfers(
        table.stop_index([k[0] for k in transfers]),
        table.stop_index([k[1] for k in transfers]),
        np.fromiter(transfers.values(), dtype=float),
    )
    assert table.trip_count > 100 and table.route_count >= 16
    brute = BruteForce(newport_feed, "2023-06-13", transfers)
    origins = newport_feed.stop_times["stop_id"].value_counts().index[:3].tolist()
    departures = np.arange(7 * 60, 9 * 60, 20) * 60.0
    checked = 0
    for origin in origins:
        arrivals = range_raptor(table, table.stop_index([origin]), [0.0], departures, 12)
        for d, start in enumerate(departures):
            expected = brute.arrivals_from({origin: 0.0}, start)
            got = {table.stop_ids[s]: arrivals[d, s] for s in np.flatnonzero(arrivals[d] < np.inf)}
            assert got == pytest.approx(expected)
            checked += len(got)
    assert checked > 2000


@pytest.fixture(scope="module")
def newport_feed():
    return read_gtfs(DATA / "gtfs" / "newport-20230613_gtfs.zip", crs="EPSG:27700")


def test_egress_and_percentiles_by_hand():
    # two departures, two stops; destination 0 from stop 0 (+60 s) or stop 1 (+10 s)
    arrivals = np.array([[100.0, 200.0], [np.inf, 130.0]])
    departures = np.array([0.0, 60.0])
    times = travel_times(arrivals, departures, [0, 1, 2], [0, 0], [60.0, 10.0], [500.0])
    assert times[:, 0].tolist() == [160.0, 80.0]
    walk_only = travel_times(arrivals, departures, [0, 0, 0], [], [], [50.0])
    assert walk_only[:, 0].tolist() == [50.0, 50.0]
    spread = percentiles(np.arange(1, 101, dtype=np.float32)[:, None])
    assert (spread[5][0], spread[50][0], spread[95][0]) == (5.0, 50.0, 95.0)
