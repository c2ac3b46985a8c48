"""What-if transit changes: a new line along the roads, or a new stop on existing routes.

A new line is an ordered list of stops (project coordinates in metres, or ids of existing
stops) routed stop to stop along the shortest road path, with a headway (min), a service
span (clock times) and a mode. Its length (m) is the road length between its first and last
stop; its in-vehicle time (min) is length / commercial speed. The commercial speed (km/h)
includes stops and traffic; defaults per mode in :data:`COMMERCIAL_SPEED_KMH` are typical
French urban figures (CEREMA/UTP observatories: city bus 15-20 km/h, tram 18-22 km/h,
automatic metro 30-35 km/h, regional rail 40-60 km/h) and can be overridden per line.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np
import pandas as pd
import shapely
import shapely.ops

from twin.errors import DataError
from twin.i18n import tr
from twin.sim.network import RoadGraph
from twin.sim.transit.catchment import subset_attachment
from twin.sim.transit.service import clock_seconds

#: Default commercial speed per mode (km/h), dwell times and traffic included.
COMMERCIAL_SPEED_KMH: dict[str, float] = {
    "bus": 18.0,
    "coach": 25.0,
    "tram": 20.0,
    "metro": 32.0,
    "rail": 45.0,
}


@dataclass(frozen=True)
class NewLine:
    """A planned line: ``stops`` in order, each (x, y) in project metres or an existing
    stop_id; ``headway_min`` (min between departures, each direction); service span
    ``service_start``-``service_end`` (clock times); ``mode`` ("bus", "tram", ...);
    ``commercial_speed_kmh`` (None: the mode's default)."""

    stops: tuple
    headway_min: float
    mode: str = "bus"
    service_start: str = "06:00"
    service_end: str = "21:00"
    name: str = "new line"
    commercial_speed_kmh: float | None = None

    def __post_init__(self) -> None:
        if len(self.stops) < 2:
            raise DataError(tr("line '{name}' needs at least two stops").format(name=self.name))
        if not self.headway_min > 0:
            raise DataError(
                tr("line '{name}': the headway must be positive (minutes)").format(name=self.name)
            )
        if clock_seconds(self.service_end) <= clock_seconds(self.service_start):
            raise DataError(
                tr("line '{name}': service must end after it starts").format(name=self.name)
            )

    @property
    def speed_kmh(self) -> float:
        """Commercial speed used (km/h)."""
        if self.commercial_speed_kmh is not None:
            return float(self.commercial_speed_kmh)
        return COMMERCIAL_SPEED_KMH.get(self.mode, COMMERCIAL_SPEED_KMH["bus"])

    def departures_per_hour(self, start: str | float, end: str | float) -> float:
        """Departures per hour and direction averaged over the window ``start``-``end``."""
        window_start, window_end = clock_seconds(start), clock_seconds(end)
        overlap = min(window_end, clock_seconds(self.service_end)) - max(
            window_start, clock_seconds(self.service_start)
        )
        share = max(overlap, 0.0) / (window_end - window_start)
        return share * 60.0 / self.headway_min


@dataclass(frozen=True)
class NewStop:
    """A new stop at (x, y) project metres served by existing routes ``route_ids`` at their
    current frequency (each route's busiest stop in the peak)."""

    x: float
    y: float
    route_ids: tuple[str, ...]
    stop_id: str = "new-stop"
    name: str = "new stop"


@dataclass
class LineRoute:
    """A line routed on the road graph: ``geometry`` (LineString, project CRS),
    ``length_m`` (road metres between first and last stop), ``segment_m`` (per hop) and
    ``in_vehicle_min`` (length / commercial speed)."""

    geometry: shapely.LineString
    length_m: float
    segment_m: np.ndarray
    in_vehicle_min: float


def resolve_line_stops(line: NewLine, stops: pd.DataFrame) -> pd.DataFrame:
    """The line's stops as stop_id, x, y, stop_name (new stops get ids "<name>:<i>")."""
    known = stops.set_index("stop_id")
    rows = []
    for i, stop in enumerate(line.stops):
        if isinstance(stop, str):
            if stop not in known.index:
                raise DataError(
                    tr("line '{name}': stop {stop!r} is not in the feed").format(
                        name=line.name, stop=stop
                    )
                )
            rows.append((stop, known.at[stop, "x"], known.at[stop, "y"], str(stop)))
        else:
            x, y = (float(v) for v in stop)
            rows.append((f"{line.name}:{i + 1}", x, y, f"{line.name} stop {i + 1}"))
    return pd.DataFrame(rows, columns=["stop_id", "x", "y", "stop_name"])


def route_line(graph: RoadGraph, line_stops: pd.DataFrame, line: NewLine) -> LineRoute:
    """Route the line stop to stop along the shortest road paths (m, min)."""
    attachment = graph.attach(line_stops[["x", "y"]].to_numpy(dtype=float))
    if not attachment.attached.all():
        raise DataError(
            tr("line '{name}': a stop could not be placed on the road graph").format(name=line.name)
        )
    coordinates: list[np.ndarray] = []
    segments = []
    for i in range(len(line_stops) - 1):
        a, b = _single(attachment, i), _single(attachment, i + 1)
        paths = graph.shortest_paths(a, targets=b, return_predecessors=True)
        distance = float(paths.point_distance[0])
        if not np.isfinite(distance):
            raise DataError(
                tr("line '{name}': stops {first} and {second} are not joined by any road").format(
                    name=line.name, first=i + 1, second=i + 2
                )
            )
        segments.append(distance - a.connector_m[0] - b.connector_m[0])
        coordinates.append(_path_coordinates(graph, a, b, paths))
    vertices = np.concatenate(coordinates)
    keep = np.ones(len(vertices), dtype=bool)
    keep[1:] = np.any(np.abs(np.diff(vertices, axis=0)) > 1e-9, axis=1)
    geometry = shapely.LineString(vertices[keep] if keep.sum() >= 2 else vertices[:2])
    length = float(np.sum(segments))
    minutes = length / (line.speed_kmh * 1000.0 / 60.0)
    return LineRoute(geometry, length, np.asarray(segments), minutes)


def _single(attachment, i):
    return subset_attachment(attachment, np.array([i]))


def _along(graph: RoadGraph, edge: int, from_m: float, to_m: float) -> np.ndarray:
    """Vertices of ``edge`` between two distances along it (m from its ``u`` end)."""
    line = graph.edge_geometries(np.array([edge]))[0]
    piece = shapely.ops.substring(line, from_m, to_m)
    return shapely.get_coordinates(piece)


def _path_coordinates(graph: RoadGraph, a, b, paths) -> np.ndarray:
    """Vertices from stop a's projection to stop b's along the shortest-path tree."""
    edge_a, edge_b = int(a.edge[0]), int(b.edge[0])
    u, v = int(graph.edge_u[edge_b]), int(graph.edge_v[edge_b])
    via_u = paths.node_distance[u] + b.to_u_m[0]
    via_v = paths.node_distance[v] + b.to_v_m[0]
    direct = a.connector_m[0] + abs(a.offset_m[0] - b.offset_m[0])
    if edge_a == edge_b and direct <= min(via_u, via_v):
        return _along(graph, edge_a, a.offset_m[0], b.offset_m[0])
    n = graph.node_count
    last = u if via_u <= via_v else v
    nodes = [last]
    while 0 <= paths.predecessors[nodes[-1]] < n:
        nodes.append(int(paths.predecessors[nodes[-1]]))
    nodes.reverse()
    first = nodes[0]
    leave_at = 0.0 if first == graph.edge_u[edge_a] else graph.edge_length[edge_a]
    pieces = [_along(graph, edge_a, a.offset_m[0], leave_at)]
    steps = np.array(list(itertools.pairwise(nodes)), dtype=np.int64).reshape(-1, 2)
    edges = graph.edge_between(steps[:, 0], steps[:, 1])  # one lookup for the whole path
    for (p, _q), e, line in zip(steps, edges, graph.edge_geometries(edges), strict=True):
        xy = shapely.get_coordinates(line)
        pieces.append(xy if graph.edge_u[e] == p else xy[::-1])
    enter_at = 0.0 if last == u else graph.edge_length[edge_b]
    pieces.append(_along(graph, edge_b, enter_at, b.offset_m[0]))
    return np.concatenate(pieces).astype(float)


def line_calls(
    graph: RoadGraph, line: NewLine, stops: pd.DataFrame
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Stop calls of a what-if line for the router (both directions, a trip every headway
    from its service start to its end, stop to stop at the commercial speed on the road
    route) and its stops (stop_id, x, y). Columns as
    :func:`twin.sim.transit.timetable.day_stop_times`."""
    line_stops = resolve_line_stops(line, stops)
    route = route_line(graph, line_stops, line)
    speed = line.speed_kmh / 3.6
    rows = []
    first, last = clock_seconds(line.service_start), clock_seconds(line.service_end)
    for direction, order in (
        ("0", np.arange(len(line_stops))),
        ("1", np.arange(len(line_stops))[::-1]),
    ):
        hops = route.segment_m if direction == "0" else route.segment_m[::-1]
        offsets = np.concatenate([[0.0], np.cumsum(hops / speed)])
        for k, start in enumerate(np.arange(first, last + 1e-9, line.headway_min * 60.0)):
            trip = f"{line.name}:{direction}:{k}"
            for sequence, (stop, offset) in enumerate(zip(order, offsets, strict=True)):
                time = float(start + offset)
                rows.append(
                    (trip, line_stops["stop_id"].iat[stop], sequence, time, time, 0, line.name)
                )
    calls = pd.DataFrame(
        rows,
        columns=[
            "trip_id",
            "stop_id",
            "stop_sequence",
            "arrival_s",
            "departure_s",
            "pickup_type",
            "route_id",
        ],
    )
    return calls, line_stops[["stop_id", "x", "y"]]


def stop_calls(
    calls: pd.DataFrame, stop: NewStop, stop_xy: dict[str, tuple[float, float]]
) -> pd.DataFrame:
    """The trips of ``stop.route_ids`` in ``calls`` (the day's, see
    :func:`~twin.sim.transit.timetable.day_stop_times`) with the new stop inserted between
    the two consecutive calls it lengthens least (straight lines), at a time interpolated by
    distance; stop sequences renumbered. Raises DataError for a route without trips."""
    pieces = []
    for route_id in stop.route_ids:
        trips = calls[calls["route_id"].astype(str) == str(route_id)]
        if trips.empty:
            raise DataError(
                tr("new stop '{name}': route {route_id!r} has no trip that day").format(
                    name=stop.name, route_id=route_id
                )
            )
        for _trip, group in trips.groupby("trip_id", sort=False):
            group = group.sort_values("stop_sequence")
            xy = np.array([stop_xy[s] for s in group["stop_id"].astype(str)])
            if len(xy) < 2:
                continue
            to_new = np.hypot(xy[:, 0] - stop.x, xy[:, 1] - stop.y)
            hop = np.hypot(*np.diff(xy, axis=0).T)
            detour = to_new[:-1] + to_new[1:] - hop
            i = int(np.argmin(detour))
            share = to_new[i] / max(to_new[i] + to_new[i + 1], 1e-9)
            times = group[["arrival_s", "departure_s"]].to_numpy()
            at = times[i, 1] + share * (times[i + 1, 0] - times[i, 1])
            row = group.iloc[[i]].assign(
                stop_id=stop.stop_id, arrival_s=at, departure_s=at, pickup_type=0
            )
            rows = pd.concat([group.iloc[: i + 1], row, group.iloc[i + 1 :]], ignore_index=True)
            pieces.append(rows.assign(stop_sequence=np.arange(len(rows))))
    return pd.concat(pieces, ignore_index=True) if pieces else calls.iloc[0:0]
