"""GTFS reading (a real public feed and broken feeds) and service levels."""

from __future__ import annotations

import io
import zipfile

import pandas as pd
import pytest
from test_transit_support import X0, Y0, tiny_feed, write_zip

from twin.errors import DataError
from twin.layers.transit import mode_of_route_type, read_gtfs
from twin.sim.transit.service import (
    active_services,
    departures,
    route_service_levels,
    route_stop_frequencies,
    stop_service_levels,
)


@pytest.fixture(scope="module")
def newport(request):
    from conftest import DATA

    return read_gtfs(DATA / "gtfs" / "newport-20230613_gtfs.zip", crs="EPSG:27700")


def test_real_feed_counts_and_layers(newport):
    # counts of the Newport feed (see tests/data/gtfs/README.md), checked with `wc -l`
    assert len(newport.stops.frame) == 2686
    assert len(newport.routes.frame) == 16
    assert len(newport.trips) == 176
    assert len(newport.stop_times) == 7765
    assert newport.shapes is not None and len(newport.shapes.frame) > 0
    assert "Newport Bus" in newport.agencies
    assert newport.stops.crs.to_epsg() == 27700
    modes = newport.routes.frame.set_index("route_short_name")["mode"]
    assert modes["M34"] == "coach" and modes["X60"] == "bus"  # route_type 200 and 3
    # Newport city centre is near British National Grid (331 000, 188 000)
    busiest = newport.stops.frame.set_index("stop_id").geometry["5310AWB30328"]
    assert 320_000 < busiest.x < 340_000 and 180_000 < busiest.y < 195_000
    assert newport.routes.frame.geometry.notna().all()


def test_departures_match_independent_pandas_count(newport, data_dir):
    """Departures of every stop on Tue 2023-06-13, 07:00-10:00, counted straight from the
    CSV files with pandas (calendar weekday + range; no calendar_dates in this feed). Trips
    of Monday's service with times past 24:00 run on Tuesday morning (e.g. a 31:25:00 call
    at stop 5710AWA11112 is Tuesday 07:25)."""
    archive = zipfile.ZipFile(data_dir / "gtfs" / "newport-20230613_gtfs.zip")
    read = lambda name: pd.read_csv(io.BytesIO(archive.read(name)), dtype=str)  # noqa: E731
    calendar, trips, all_times = read("calendar.txt"), read("trips.txt"), read("stop_times.txt")
    counted = []
    for weekday, date, shift in (("tuesday", "20230613", 0), ("monday", "20230612", 86400)):
        running = calendar[
            (calendar[weekday] == "1") & (calendar.start_date <= date) & (calendar.end_date >= date)
        ].service_id
        times = all_times.merge(trips[trips.service_id.isin(running)][["trip_id"]], on="trip_id")
        times["seq"] = times.stop_sequence.astype(int)
        last = times.groupby("trip_id").seq.transform("max")
        hms = times.departure_time.str.split(":", expand=True).astype(int)
        seconds = hms[0] * 3600 + hms[1] * 60 + hms[2] - shift
        boarding = (times.pickup_type.fillna("0") != "1") & (times.seq != last)
        window = (seconds >= 7 * 3600) & (seconds < 10 * 3600)
        counted.append(times[boarding & window])
    expected = pd.concat(counted).groupby("stop_id").size()
    assert expected["5710AWA11112"] >= 1
    levels = stop_service_levels(newport, "2023-06-13", "07:00", "10:00").set_index("stop_id")
    got = levels.loc[levels.departures > 0, "departures"]
    pd.testing.assert_series_equal(
        got.sort_index(), expected.sort_index(), check_names=False, check_dtype=False
    )
    assert levels.loc[expected.idxmax(), "departures_per_hour"] == expected.max() / 3.0


def test_tiny_feed_departures_by_hand(tmp_path):
    network = read_gtfs(write_zip(tmp_path / "tiny.zip", tiny_feed()))
    # Tuesday 2024-01-09: weekday trips leave S1 at 08:00, 08:20, 08:40, 09:00, 09:20;
    # in [08:15, 09:15) that is 08:20, 08:40, 09:00 -> 3 departures, 3 per hour.
    levels = stop_service_levels(network, "2024-01-09", "08:15", "09:15").set_index("stop_id")
    assert levels.loc["S1", "departures"] == 3
    assert levels.loc["S1", "departures_per_hour"] == pytest.approx(3.0)
    # S2 at 08:22, 08:42 (no pickup: not counted), 09:02 -> 2; S3 is the last stop -> 0
    assert levels.loc["S2", "departures"] == 2
    assert levels.loc["S3", "departures"] == 0
    # the previous day's 24:30:00 trip leaves S1 at 00:30 on Tuesday, none on Monday 00:30
    assert len(departures(network, "2024-01-09", "00:00", "01:00").query("stop_id == 'S1'")) == 1
    assert len(departures(network, "2024-01-08", "00:00", "01:00")) == 0  # Sunday before
    # Wednesday 2024-01-10: calendar_dates removes WK and adds SAT -> only the 08:30 trip
    assert active_services(network, "2024-01-10") == {"SAT"}
    wednesday = stop_service_levels(network, "2024-01-10", "08:15", "09:15").set_index("stop_id")
    assert wednesday.loc["S1", "departures"] == 1
    routes = route_service_levels(network, "2024-01-09", "08:15", "09:15")
    assert routes.loc[0, "trips"] == 3 and routes.loc[0, "headway_min"] == pytest.approx(20.0)
    frequencies = route_stop_frequencies(network, "2024-01-09", "08:15", "09:15")
    assert set(frequencies["stop_id"]) == {"S1", "S2"}
    stops = network.stops.frame.set_index("stop_id")
    assert stops.geometry["S2"].x == pytest.approx(X0 + 100, abs=0.01)
    assert stops.geometry["S2"].y == pytest.approx(Y0, abs=0.01)


def test_folder_feed_reads_like_zip(tmp_path):
    for name, text in tiny_feed().items():
        (tmp_path / name).write_text(text)
    network = read_gtfs(tmp_path)
    assert len(network.stop_times) == 21


def _broken(tmp_path, change) -> str:
    files = tiny_feed()
    change(files)
    with pytest.raises(DataError) as error:
        read_gtfs(write_zip(tmp_path / "broken.zip", files))
    return str(error.value)


def _replace(name, old, new):
    def change(files):
        assert old in files[name]
        files[name] = files[name].replace(old, new, 1)

    return change


def test_broken_feeds_name_file_row_and_field(tmp_path):
    message = _broken(tmp_path, lambda f: f.pop("stops.txt"))
    assert "stops.txt" in message and "missing" in message
    message = _broken(tmp_path, lambda f: f.pop("calendar.txt") and f.pop("calendar_dates.txt"))
    assert "calendar.txt" in message
    message = _broken(tmp_path, _replace("stops.txt", "stop_lat", "latitude"))
    assert "stops.txt" in message and "'stop_lat'" in message and "missing" in message
    # row 1 of stop_times is W1 at S1 08:00:00; make its arrival 25:61:00
    message = _broken(tmp_path, _replace("stop_times.txt", "08:00:00,", "25:61:00,"))
    assert message.startswith("stop_times.txt: row 1 (line 2), field 'arrival_time'")
    assert "25:61:00" in message
    message = _broken(tmp_path, _replace("stop_times.txt", ",S3,3,", ",S9,3,"))
    assert "stop_times.txt: row 3 (line 4), field 'stop_id'" in message and "'S9'" in message
    message = _broken(tmp_path, _replace("stops.txt", "S2,Two,", "S2,Two,abc"))
    assert "stops.txt: row 2 (line 3), field 'stop_lat'" in message and "not a number" in message
    message = _broken(tmp_path, _replace("trips.txt", "B1,WK,W2", "B9,WK,W2"))
    assert "trips.txt: row 2 (line 3), field 'route_id'" in message
    message = _broken(tmp_path, _replace("calendar.txt", "20241231", "2024-12-31"))
    assert "calendar.txt: row 1 (line 2), field 'end_date'" in message


@pytest.mark.parametrize("evil", ["../evil.txt", "/etc/evil.txt", "sub/../../evil.txt"])
def test_zip_slip_refused(tmp_path, evil):
    files = tiny_feed()
    files[evil] = "x\n"
    path = write_zip(tmp_path / "slip.zip", files)
    with pytest.raises(DataError, match="outside the archive"):
        read_gtfs(path)
    assert not (tmp_path.parent / "evil.txt").exists()


def test_not_a_zip(tmp_path):
    path = tmp_path / "feed.zip"
    path.write_text("hello")
    with pytest.raises(DataError, match="not a GTFS zip"):
        read_gtfs(path)


def test_modes_of_route_types():
    assert [mode_of_route_type(t) for t in (0, 1, 2, 3, 200, 700, 900, 1700)] == [
        "tram",
        "metro",
        "rail",
        "bus",
        "coach",
        "bus",
        "tram",
        "other",
    ]
