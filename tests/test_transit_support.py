"""Small hand-made GTFS feeds and street grids for the transit tests (no tests here).

Positions are given in Lambert-93 metres (EPSG:2154) and written to the feed as WGS84
longitude/latitude, so that a feed read back with ``crs="EPSG:2154"`` lands where planned.
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import numpy as np
from pyproj import Transformer

X0, Y0 = 350_000.0, 6_790_000.0  # Rennes, Lambert-93 metres
_TO_LONLAT = Transformer.from_crs("EPSG:2154", "EPSG:4326", always_xy=True)

CALENDAR = (
    "service_id,monday,tuesday,wednesday,thursday,friday,saturday,sunday,start_date,end_date\n"
    "WK,1,1,1,1,1,0,0,20240101,20241231\n"
    "SAT,0,0,0,0,0,1,0,20240101,20241231\n"
)
CALENDAR_DATES = "service_id,date,exception_type\nWK,20240110,2\nSAT,20240110,1\n"


def stops_csv(stops: list[tuple[str, str, float, float]]) -> str:
    """stops.txt from (stop_id, name, x, y) in metres relative to (X0, Y0)."""
    lines = ["stop_id,stop_name,stop_lat,stop_lon"]
    for stop_id, name, x, y in stops:
        lon, lat = _TO_LONLAT.transform(X0 + x, Y0 + y)
        lines.append(f"{stop_id},{name},{lat:.9f},{lon:.9f}")
    return "\n".join(lines) + "\n"


def timetable(trips: list[tuple[str, str, str, str, list[tuple[str, str]]]]) -> tuple[str, str]:
    """trips.txt and stop_times.txt from (route_id, service_id, trip_id, direction_id,
    [(stop_id, "HH:MM:SS"), ...])."""
    trip_lines = ["route_id,service_id,trip_id,direction_id"]
    time_lines = ["trip_id,arrival_time,departure_time,stop_id,stop_sequence,pickup_type"]
    for route_id, service_id, trip_id, direction, calls in trips:
        trip_lines.append(f"{route_id},{service_id},{trip_id},{direction}")
        for sequence, (stop_id, time) in enumerate(calls, start=1):
            pickup = "1" if stop_id.endswith("!") else "0"
            stop_id = stop_id.rstrip("!")
            time_lines.append(f"{trip_id},{time},{time},{stop_id},{sequence},{pickup}")
    return "\n".join(trip_lines) + "\n", "\n".join(time_lines) + "\n"


def hhmm(minutes: float) -> str:
    """Minutes after midnight as HH:MM:SS."""
    seconds = round(minutes * 60)
    return f"{seconds // 3600:02d}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"


def tiny_feed() -> dict[str, str]:
    """Route B1 (bus) S1 -> S2 -> S3, 100 m apart along y = 0.

    Weekday trips leave S1 at 08:00, 08:20, 08:40, 09:00, 09:20 (S2 +2 min, S3 +4 min);
    the 08:40 trip does not pick up at S2; one trip of the previous service day leaves S1 at
    24:30:00; a Saturday trip leaves at 08:30. On Wednesday 2024-01-10 (calendar_dates) the
    weekday service is removed and the Saturday one added.
    """
    starts = [8 * 60, 8 * 60 + 20, 8 * 60 + 40, 9 * 60, 9 * 60 + 20]
    trips = []
    for number, start in enumerate(starts, start=1):
        s2 = "S2!" if start == 8 * 60 + 40 else "S2"
        calls = [("S1", hhmm(start)), (s2, hhmm(start + 2)), ("S3", hhmm(start + 4))]
        trips.append(("B1", "WK", f"W{number}", "0", calls))
    trips.append(
        ("B1", "WK", "NIGHT", "0", [("S1", "24:30:00"), ("S2", "24:32:00"), ("S3", "24:34:00")])
    )
    trips.append(
        ("B1", "SAT", "SAT1", "0", [("S1", "08:30:00"), ("S2", "08:32:00"), ("S3", "08:34:00")])
    )
    trips_txt, stop_times_txt = timetable(trips)
    return {
        "agency.txt": "agency_id,agency_name,agency_url,agency_timezone\nA,Tiny,http://x,UTC\n",
        "stops.txt": stops_csv(
            [("S1", "One", 0, 0), ("S2", "Two", 100, 0), ("S3", "Three", 200, 0)]
        ),
        "routes.txt": "route_id,route_short_name,route_long_name,route_type\nB1,1,,3\n",
        "trips.txt": trips_txt,
        "stop_times.txt": stop_times_txt,
        "calendar.txt": CALENDAR,
        "calendar_dates.txt": CALENDAR_DATES,
    }


def zip_bytes(files: dict[str, str]) -> bytes:
    """A zip archive (in memory) of the given name -> text entries."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, text in files.items():
            archive.writestr(name, text)
    return buffer.getvalue()


def write_zip(path: Path, files: dict[str, str]) -> Path:
    """Write ``files`` as a zip at ``path``."""
    path.write_bytes(zip_bytes(files))
    return path


def street_grid(size: int, spacing: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A size x size grid of streets (node_xy relative to X0, Y0; edge_u; edge_v)."""
    ii, jj = np.meshgrid(np.arange(size), np.arange(size), indexing="ij")
    node = ii * size + jj
    xy = np.column_stack([jj.ravel() * spacing, ii.ravel() * spacing]).astype(float)
    u = np.concatenate([node[:, :-1].ravel(), node[:-1, :].ravel()])
    v = np.concatenate([node[:, 1:].ravel(), node[1:, :].ravel()])
    return xy, u, v
