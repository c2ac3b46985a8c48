"""Door-to-door travel times on hand-made streets and feeds, worked by hand."""

from __future__ import annotations

import numpy as np
import pytest
from test_transit_support import CALENDAR, X0, Y0, hhmm, stops_csv, timetable, write_zip

from twin.errors import DataError
from twin.layers.transit import read_gtfs
from twin.sim.network import RoadGraph
from twin.sim.transit.travel import TravelModel, Window
from twin.sim.transit.whatif import NewLine, NewStop

DAY = "2024-01-09"  # a Tuesday of the test calendar


def _line_feed(tmp_path):
    """Stop A at x = 0 and B at x = 2000 on the street y = 0; a trip A -> B every 10 min
    from 08:05 to 08:55 (4 min ride)."""
    trips = [
        ("L", "WK", f"T{k}", "0", [("A", hhmm(485 + 10 * k)), ("B", hhmm(489 + 10 * k))])
        for k in range(6)
    ]
    trips_txt, stop_times_txt = timetable(trips)
    feed = {
        "stops.txt": stops_csv([("A", "A", 0.0, 0.0), ("B", "B", 2000.0, 0.0)]),
        "routes.txt": "route_id,route_short_name,route_long_name,route_type\nL,L,,3\n",
        "trips.txt": trips_txt,
        "stop_times.txt": stop_times_txt,
        "calendar.txt": CALENDAR,
    }
    return read_gtfs(write_zip(tmp_path / "line.zip", feed), crs="EPSG:2154")


def _street(start=-1000.0, end=3000.0):
    xs = np.arange(start, end + 1, 100.0)
    node_xy = np.column_stack([X0 + xs, np.full(len(xs), Y0)])
    return RoadGraph.from_edges(node_xy, np.arange(len(xs) - 1), np.arange(1, len(xs)))


def _model(tmp_path, destinations, **options):
    xy = np.asarray(destinations, dtype=float) + np.array([X0, Y0])
    return TravelModel(_line_feed(tmp_path), _street(), xy, day=DAY, **options)


def test_walk_wait_ride_walk_by_hand(tmp_path):
    model = _model(tmp_path, [(2000.0, 20.0)])
    result = model.from_point((X0, Y0 + 20.0), Window("08:00", 10), ("walk", "transit"))
    # 20 m to A (15 s at 80 m/min), wait for the 08:05 trip (08:15 from 08:05 on), 4 min
    # ride, 20 m to the door (15 s); walking the 2 040 m would take 25.5 min
    expected = [9.25, 8.25, 7.25, 6.25, 5.25, 14.25, 13.25, 12.25, 11.25, 10.25]
    assert (result.per_departure[:, 0] / 60.0).tolist() == pytest.approx(expected)
    # nearest-rank percentiles over the 10 departures: ranks 1, 5 and 10
    assert result.p5[0] / 60 == pytest.approx(5.25)
    assert result.median[0] / 60 == pytest.approx(9.25)
    assert result.p95[0] / 60 == pytest.approx(14.25)
    assert result.within(9.25)[0] and not result.within(9.0)[0]
    # by bike (15 km/h = 250 m/min) the 2 040 m take 8.16 min at any departure
    bike = model.from_point((X0, Y0 + 20.0), Window("08:00", 10), ("walk", "bike", "transit"))
    assert bike.median[0] / 60 == pytest.approx(8.16)
    walk = model.from_point((X0, Y0 + 20.0), Window("08:00", 10), ("walk",))
    assert walk.median[0] / 60 == pytest.approx(25.5)


def test_bike_and_ride_and_park_and_ride_by_hand(tmp_path):
    model = _model(
        tmp_path, [(2000.0, 20.0)], bike_parking_stops=("A",), park_and_ride_stops=("A",)
    )
    origin = (X0 - 1000.0, Y0 + 20.0)
    window = Window("07:58", 1)

    def minutes(modes):
        return float(model.from_point(origin, window, modes).median[0]) / 60.0

    # walking 1 020 m to A takes 12.75 min: at A 08:10:45, the 08:15 trip, door 08:19:15
    assert minutes(("transit",)) == pytest.approx(21.25)
    # biking takes 4.08 min + 2 min to lock: at A 08:04:05, the 08:05 trip, door 08:09:15
    assert minutes(("transit", "bike_and_ride")) == pytest.approx(11.25)
    # driving at 30 km/h takes 2.04 min + 5 min to park: 08:05:02, too late for 08:05
    assert minutes(("transit", "park_and_ride")) == pytest.approx(21.25)
    # biking the whole 3 040 m takes 12.16 min: bike-and-ride is still better
    assert minutes(("walk", "bike", "transit", "bike_and_ride")) == pytest.approx(11.25)


def test_new_lines_never_make_a_journey_longer(tmp_path):
    network = _line_feed(tmp_path)
    graph = _street()
    rng = np.random.default_rng(7)
    destinations = np.column_stack(
        [X0 + rng.uniform(-900, 2900, 40), Y0 + rng.uniform(-60, 60, 40)]
    )
    origins = [(X0 + x, Y0 + 15.0) for x in (-800.0, 0.0, 1200.0)]
    window = Window("07:50", 40)
    base = TravelModel(network, graph, destinations, day=DAY)
    improved = 0
    for case in range(6):
        xs = np.sort(rng.uniform(-900, 2900, int(rng.integers(2, 5))))
        if rng.random() < 0.5:
            xs = xs[::-1]
        line = NewLine(
            tuple((X0 + x, Y0) for x in xs),
            headway_min=float(rng.integers(3, 20)),
            name=f"new{case}",
            service_start="07:30",
            service_end="09:30",
        )
        changed = TravelModel(network, graph, destinations, day=DAY, lines=(line,))
        assert changed.timetable.trip_count > base.timetable.trip_count
        for origin in origins:
            before = base.from_point(origin, window).per_departure
            after = changed.from_point(origin, window).per_departure
            assert np.all(after <= before + 1e-3)
            improved += int(np.sum(after < before - 1.0))
    assert improved > 100  # the lines do shorten journeys: the check is not vacuous


def test_bad_queries_are_refused_in_one_line(tmp_path):
    model = _model(tmp_path, [(2000.0, 20.0)])
    with pytest.raises(DataError, match="unknown travel mode"):
        model.from_point((X0, Y0), Window(), ("teleport",))
    with pytest.raises(DataError, match="from any street"):
        model.from_point((X0, Y0 + 5000.0), Window(), ("walk",))
    with pytest.raises(DataError, match="window"):
        Window("08:00", 0).times()


def test_a_new_stop_on_an_existing_route_by_hand(tmp_path):
    network = _line_feed(tmp_path)
    destination = np.array([[X0 + 2000.0, Y0 + 20.0]])
    stop = NewStop(X0 + 1000.0, Y0 + 30.0, ("L",), stop_id="M", name="Middle")
    model = TravelModel(network, _street(), destination, day=DAY, new_stops=(stop,))
    origin = (X0 + 1000.0, Y0 + 40.0)
    # the stop is half way between A and B: trips call at 08:07, 08:17, ...; from the origin
    # 40 m + 30 m of walk (52.5 s), the 08:07 trip, B at 08:09, 20 m to the door (15 s)
    result = model.from_point(origin, Window("08:06", 1))
    assert result.median[0] / 60 == pytest.approx(3.25)
    # without it: walking the 1 060 m takes 13.25 min
    before = TravelModel(network, _street(), destination, day=DAY).from_point(
        origin, Window("08:06", 1)
    )
    assert before.median[0] / 60 == pytest.approx(13.25)
    with pytest.raises(DataError, match="route 'X' has no trip"):
        TravelModel(network, _street(), destination, day=DAY, new_stops=(NewStop(X0, Y0, ("X",)),))


def test_batched_reach_equals_one_origin_at_a_time(tmp_path):
    network = _line_feed(tmp_path)
    rng = np.random.default_rng(3)
    destinations = np.column_stack(
        [X0 + rng.uniform(-900, 2900, 60), Y0 + rng.uniform(-80, 80, 60)]
    )
    weights = rng.integers(1, 20, size=(60, 2)).astype(float)
    model = TravelModel(network, _street(), destinations, day=DAY)
    origins = np.column_stack([X0 + rng.uniform(-900, 2900, 9), Y0 + rng.uniform(-60, 60, 9)])
    window = Window("08:00", 30)
    for modes in (("walk", "transit"), ("walk", "bike", "transit"), ("transit",)):
        batched = model.reach_from_many(origins, weights, 20 * 60.0, window, modes, chunk=4)
        for i, origin in enumerate(origins):
            inside = model.from_point(origin, window, modes).within(20)
            assert batched[i].tolist() == weights[inside].sum(axis=0).tolist()
    assert batched[:, 0].min() < batched[:, 0].max()  # the origins do differ
