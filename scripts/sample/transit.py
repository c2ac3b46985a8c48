"""Generated public transport: one tram line and twelve radial bus lines, with a GTFS feed.

Method (generated; no French GTFS installs offline; the real Rennes network is not
reproduced): tram line "A" runs north-south through Rennes' centre (place de la Mairie;
route_type 0, stops every ~600 m); bus lines 1-12 run from the central stop "République"
along the primary road to the town hall of a commune on a radial axis (stops every ~500 m
in Rennes, ~900 m outside). Weekday service 05:30-00:30 (peak 07:00-09:00 and
16:30-19:00), weekend 06:30-00:30; run times from distance at 24 km/h (tram), 18 km/h (bus
in Rennes) or 35 km/h (bus outside) plus 20 s per stop. Calendar valid 2026-01-01 to
2027-12-31. The agency and URL are fictional.
"""

from __future__ import annotations

import io
import zipfile

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import Transformer

from sample.common import CRS
from sample.communes import RENNES_INSEE, Territory
from sample.roads import RADIAL_COMMUNES
from twin.layers.gtfs_tables import WEEKDAYS

STOP_LABELS = (
    "Gare",
    "Église",
    "Collège",
    "Les Prés",
    "Croix Verte",
    "Lycée",
    "Les Champs",
    "Pont",
    "Le Bourg",
    "La Poterie",
    "Stade",
    "Les Landes",
    "Le Moulin",
    "Centre commercial",
    "Château d'eau",
    "Cimetière",
    "Parc",
    "La Chesnaie",
    "Le Clos",
    "Zone d'activités",
)
TRAM_HEADWAYS = {"peak": 4, "day": 8, "evening": 15, "weekend": 10}
BUS_HEADWAYS = (
    # peak, day, evening, weekend (minutes) by line rank
    (8, 20, 30, 30),
    (10, 20, 30, 30),
    (10, 25, 30, 40),
    (12, 25, 40, 40),
    (12, 30, 40, 40),
    (15, 30, 40, 60),
)
CALENDAR = (("WEEKDAY", (1, 1, 1, 1, 1, 0, 0)), ("WEEKEND", (0, 0, 0, 0, 0, 1, 1)))
TRIP_CODE = {"WEEKDAY": "WD", "WEEKEND": "WE"}
START_DATE, END_DATE = "20260101", "20271231"
BUS_LINES = 12


def _inside(line: shapely.LineString, polygon) -> shapely.LineString:
    """The longest part of ``line`` inside ``polygon`` (shrunk by 300 m)."""
    part = line.intersection(polygon.buffer(-300))
    if part.geom_type == "MultiLineString":
        part = max(part.geoms, key=lambda g: g.length)
    return part


def _stops_along(line, spacing_m: float) -> np.ndarray:
    """Distances along ``line`` (m) of stops, first and last included."""
    count = max(1, round(line.length / spacing_m))
    return np.linspace(0.0, line.length, count + 1)


def _periods(service: str) -> list[tuple[int, int, str]]:
    """(start, end, period) in minutes after midnight."""
    if service == "WEEKEND":
        return [(390, 1260, "weekend"), (1260, 1470, "evening")]
    return [
        (330, 420, "day"),
        (420, 540, "peak"),
        (540, 990, "day"),
        (990, 1140, "peak"),
        (1140, 1260, "day"),
        (1260, 1470, "evening"),
    ]


def _departures(service: str, headways: dict[str, int]) -> list[int]:
    """Departure minutes from the first stop for one direction of one service."""
    times, t = [], 330 if service == "WEEKDAY" else 390
    for start, end, period in _periods(service):
        t = max(t, start)
        while t < end:
            times.append(t)
            t += headways[period]
    return times


def _gtfs_time(seconds: float) -> str:
    seconds = round(seconds)
    return f"{seconds // 3600:02d}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"


def generate_transit(territory: Territory, roads: gpd.GeoDataFrame):
    """(transit_stops, transit_routes, gtfs_zip_bytes) (see module docstring)."""
    names = territory.communes.set_index("insee")["name"]
    rennes = territory.communes.set_index("insee").geometry[RENNES_INSEE]
    hall = np.array(territory.centre(RENNES_INSEE))
    lines = []  # route_id, short name, type, mode, headways, geometry, spacing function
    tram = shapely.LineString(
        [
            np.add(hall, (600, 6000)),
            np.add(hall, (250, 2500)),
            np.add(hall, (-60, 80)),
            np.add(hall, (-250, -2500)),
            np.add(hall, (-800, -6000)),
        ]
    )
    lines.append(("A", "A", 0, "tram", TRAM_HEADWAYS, _inside(tram, rennes)))
    primaries = roads[roads["highway"] == "primary"].set_index("name").geometry
    for rank, code in enumerate(RADIAL_COMMUNES[:BUS_LINES]):
        road = primaries[f"Route de {names[code]}"]
        coords = [tuple(hall), *road.coords, territory.centre(code)]
        peak, day, evening, weekend = BUS_HEADWAYS[min(rank // 2, len(BUS_HEADWAYS) - 1)]
        headways = {"peak": peak, "day": day, "evening": evening, "weekend": weekend}
        lines.append(
            (f"B{rank + 1:02d}", str(rank + 1), 3, "bus", headways, shapely.LineString(coords))
        )
    stops: dict[str, dict] = {
        "RPUB": {"stop_name": "République", "modes": {"bus", "tram"}, "xy": tuple(hall)}
    }
    line_stops: dict[str, list[tuple[str, float]]] = {}
    for route_id, _, _, mode, _, geometry in lines:
        if mode == "tram":
            positions = _stops_along(geometry, 600.0)
            middle = int(
                np.argmin(
                    [geometry.interpolate(d).distance(shapely.Point(hall)) for d in positions]
                )
            )
        else:
            inside = _inside_length(geometry, rennes)
            positions = np.concatenate(
                [
                    _stops_along(shapely.LineString(geometry.coords), 500.0)[:1],
                    np.arange(500.0, inside, 500.0),
                    np.linspace(
                        inside, geometry.length, max(2, int((geometry.length - inside) / 900)) + 1
                    ),
                ]
            )
            middle = 0
        sequence = []
        for k, distance in enumerate(positions):
            point = geometry.interpolate(distance)
            if k == middle:
                stop_id = "RPUB"
            else:
                stop_id = f"{route_id}_{k:02d}"
                commune = _commune_at(territory, point)
                if k == len(positions) - 1 and mode == "bus":
                    label = "Mairie"
                else:
                    label = STOP_LABELS[
                        (k * 3 + len(route_id) + ord(route_id[-1])) % len(STOP_LABELS)
                    ]
                stops[stop_id] = {
                    "stop_name": f"{commune} {label}",
                    "modes": {mode},
                    "xy": (point.x, point.y),
                }
            sequence.append((stop_id, float(distance)))
        line_stops[route_id] = sequence
    gtfs = _write_gtfs(lines, stops, line_stops, rennes)
    # departures per hour at the peak, all routes together: busier stops are labelled first
    departures = dict.fromkeys(stops, 0.0)
    for line in lines:
        for stop_id, _ in line_stops[line[0]]:
            departures[stop_id] += 60.0 / float(line[4]["peak"])
    stop_frame = gpd.GeoDataFrame(
        {
            "stop_id": list(stops),
            "stop_name": [s["stop_name"] for s in stops.values()],
            "modes": [";".join(sorted(s["modes"])) for s in stops.values()],
            "departures_per_hour": [round(departures[k], 1) for k in stops],
        },
        geometry=shapely.points([tuple(np.round(s["xy"], 2)) for s in stops.values()]),
        crs=CRS,
    )
    route_frame = gpd.GeoDataFrame(
        {
            "route_id": [r[0] for r in lines],
            "route_short_name": [r[1] for r in lines],
            "route_type": np.array([r[2] for r in lines], dtype=np.int64),
            "mode": [r[3] for r in lines],
            "headway_min": [float(r[4]["peak"]) for r in lines],
        },
        geometry=[r[5] for r in lines],
        crs=CRS,
    )
    return stop_frame, route_frame, gtfs


def _inside_length(line, polygon) -> float:
    """Distance along ``line`` at which it first leaves ``polygon`` (m)."""
    for distance in np.arange(0.0, line.length, 100.0):
        if not polygon.contains(line.interpolate(distance)):
            return float(distance)
    return float(line.length)


def _commune_at(territory: Territory, point) -> str:
    hits = territory.communes[territory.communes.contains(point)]
    if len(hits):
        return str(hits["name"].iloc[0])
    distances = territory.communes.distance(point)
    return str(territory.communes["name"].iloc[int(np.argmin(distances))])


def _write_gtfs(lines, stops, line_stops, rennes) -> bytes:
    to_wgs84 = Transformer.from_crs(CRS, "EPSG:4326", always_xy=True)
    tables: dict[str, pd.DataFrame] = {}
    tables["agency"] = pd.DataFrame(
        [
            {
                "agency_id": "TWIN",
                "agency_name": "Réseau exemple de Rennes Métropole (fictif)",
                "agency_url": "https://example.org/twin-sample",
                "agency_timezone": "Europe/Paris",
                "agency_lang": "fr",
            }
        ]
    )
    lon, lat = to_wgs84.transform(
        [s["xy"][0] for s in stops.values()], [s["xy"][1] for s in stops.values()]
    )
    tables["stops"] = pd.DataFrame(
        {
            "stop_id": list(stops),
            "stop_name": [s["stop_name"] for s in stops.values()],
            "stop_lat": np.round(lat, 6),
            "stop_lon": np.round(lon, 6),
            "location_type": 0,
        }
    )
    tables["routes"] = pd.DataFrame(
        [
            {
                "route_id": route_id,
                "agency_id": "TWIN",
                "route_short_name": short,
                "route_long_name": _long_name(line_stops[route_id], stops),
                "route_type": route_type,
                "route_color": "D55E00" if mode == "tram" else "0072B2",
                "route_text_color": "FFFFFF",
            }
            for route_id, short, route_type, mode, _, _ in lines
        ]
    )
    tables["calendar"] = pd.DataFrame(
        [
            {
                "service_id": service,
                **dict(zip(WEEKDAYS, days, strict=True)),
                "start_date": START_DATE,
                "end_date": END_DATE,
            }
            for service, days in CALENDAR
        ]
    )
    shapes, trips, stop_times = [], [], []
    for route_id, _, _, mode, headways, geometry in lines:
        for direction in (0, 1):
            line = geometry if direction == 0 else shapely.LineString(geometry.coords[::-1])
            shape_id = f"{route_id}_{direction}"
            coords = np.asarray(line.coords)
            along = np.concatenate([[0.0], np.cumsum(np.hypot(*np.diff(coords, axis=0).T))])
            shape_lon, shape_lat = to_wgs84.transform(coords[:, 0], coords[:, 1])
            shapes += [
                (shape_id, round(la, 6), round(lo, 6), i + 1, round(d, 1))
                for i, (lo, la, d) in enumerate(zip(shape_lon, shape_lat, along, strict=True))
            ]
            sequence = line_stops[route_id]
            if direction == 1:
                sequence = [(s, geometry.length - d) for s, d in reversed(sequence)]
            offsets = _run_times(line, [d for _, d in sequence], mode, rennes)
            headsign = stops[sequence[-1][0]]["stop_name"]
            for service, _ in CALENDAR:
                for n, start in enumerate(_departures(service, headways)):
                    trip_id = f"{route_id}_{direction}_{TRIP_CODE[service]}_{n:03d}"
                    trips.append((route_id, service, trip_id, headsign, direction, shape_id))
                    for k, ((stop_id, distance), offset) in enumerate(
                        zip(sequence, offsets, strict=True)
                    ):
                        time = _gtfs_time(start * 60 + offset)
                        stop_times.append((trip_id, time, time, stop_id, k + 1, round(distance, 1)))
    tables["trips"] = pd.DataFrame(
        trips,
        columns=["route_id", "service_id", "trip_id", "trip_headsign", "direction_id", "shape_id"],
    )
    tables["stop_times"] = pd.DataFrame(
        stop_times,
        columns=[
            "trip_id",
            "arrival_time",
            "departure_time",
            "stop_id",
            "stop_sequence",
            "shape_dist_traveled",
        ],
    )
    tables["shapes"] = pd.DataFrame(
        shapes,
        columns=[
            "shape_id",
            "shape_pt_lat",
            "shape_pt_lon",
            "shape_pt_sequence",
            "shape_dist_traveled",
        ],
    )
    tables["feed_info"] = pd.DataFrame(
        [
            {
                "feed_publisher_name": "twin sample generator (fictional network)",
                "feed_publisher_url": "https://example.org/twin-sample",
                "feed_lang": "fr",
                "feed_start_date": START_DATE,
                "feed_end_date": END_DATE,
                "feed_version": "1",
            }
        ]
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, table in tables.items():
            info = zipfile.ZipInfo(f"{name}.txt", date_time=(2026, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, table.to_csv(index=False, lineterminator="\n"))
    return buffer.getvalue()


def _long_name(sequence, stops) -> str:
    return f"{stops[sequence[0][0]]['stop_name']} - {stops[sequence[-1][0]]['stop_name']}"


def _run_times(line, distances, mode, rennes) -> list[float]:
    """Seconds from the first stop to each stop (distance / speed + 20 s dwell per stop)."""
    offsets, total = [0.0], 0.0
    for k in range(1, len(distances)):
        length = distances[k] - distances[k - 1]
        middle = line.interpolate((distances[k] + distances[k - 1]) / 2)
        if mode == "tram":
            speed = 24.0
        else:
            speed = 18.0 if rennes.contains(middle) else 35.0
        total += length / (speed / 3.6) + 20.0
        offsets.append(total)
    return offsets
