"""Public transport feeds: read a GTFS feed into stop, route and shape layers.

GTFS ("General Transit Feed Specification", https://gtfs.org/schedule/reference/) is a zip
(or folder) of CSV tables. :func:`read_gtfs` reads it in memory (a zip is never extracted to
disk), checks the tables a planner's feed can get wrong (:mod:`twin.layers.gtfs_tables`),
and returns a :class:`TransitNetwork`: stops and routes as :class:`~twin.layers.VectorLayer`
in the project CRS (metres), shapes when the feed has them, and the timetable tables the
service-level and accessibility engines (:mod:`twin.sim.transit`) read. Times are seconds
after midnight of the service day (GTFS times may pass 24:00:00 for trips running after
midnight).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import shapely

from twin.errors import DataError
from twin.i18n import tr
from twin.layers.gtfs_tables import (
    FeedFiles,
    check_references,
    parse_numbers,
    read_calendar,
    read_shapes,
    read_stop_times,
    read_stops,
)
from twin.layers.provenance import Provenance
from twin.layers.style import Style, categorized_style
from twin.layers.vector import VectorLayer

if TYPE_CHECKING:
    import pandas as pd

_BASIC_MODES = {
    0: "tram",
    1: "metro",
    2: "rail",
    3: "bus",
    4: "ferry",
    5: "tram",
    6: "aerial",
    7: "funicular",
    11: "bus",
    12: "metro",
}
_EXTENDED_MODES = (  # Google's extended route types, by hundreds
    (100, 200, "rail"),
    (200, 300, "coach"),
    (400, 500, "metro"),
    (700, 800, "bus"),
    (800, 900, "bus"),
    (900, 1000, "tram"),
    (1000, 1100, "ferry"),
    (1200, 1300, "ferry"),
    (1300, 1400, "aerial"),
    (1400, 1500, "funicular"),
)


def mode_of_route_type(route_type: int) -> str:
    """The travel mode ("bus", "tram", "metro", "rail", "coach", "ferry", ...) of a GTFS
    ``route_type`` (basic 0-12 or Google's extended 100-1700 codes); "other" if unknown."""
    if route_type in _BASIC_MODES:
        return _BASIC_MODES[route_type]
    for low, high, mode in _EXTENDED_MODES:
        if low <= route_type < high:
            return mode
    return "other"


@dataclass
class TransitNetwork:
    """A GTFS feed read for planning: layers in the project CRS plus timetable tables.

    ``stops``: stop_id, stop_name, location_type, parent_station, modes ("bus;tram"),
    routes (";"-joined short names), point geometry. ``routes``: route_id, route_short_name,
    route_long_name, route_type, mode, line geometry (the feed's shapes, else the stop
    sequence of the route's longest trip). ``stop_times``: trip_id, stop_id, stop_sequence,
    arrival_s, departure_s (seconds after midnight of the service day), pickup_type.
    """

    stops: VectorLayer
    routes: VectorLayer
    trips: pd.DataFrame
    stop_times: pd.DataFrame
    calendar: pd.DataFrame | None = None
    calendar_dates: pd.DataFrame | None = None
    shapes: VectorLayer | None = None
    source: str = ""
    agencies: list[str] = field(default_factory=list)

    @property
    def crs(self):
        """The CRS of the layers (the project CRS)."""
        return self.stops.crs

    def route_modes(self) -> pd.Series:
        """Mode of every route, indexed by route_id."""
        import pandas as pd

        frame = self.routes.frame
        return pd.Series(frame["mode"].to_numpy(), index=frame["route_id"].to_numpy())


def project_feed_path(project) -> Path | None:
    """The GTFS feed a project names (``metadata["gtfs"]``, relative to the project file or
    absolute), None when it names none."""
    relative = project.metadata.get("gtfs")
    if not relative:
        return None
    path = Path(str(relative))
    if not path.is_absolute():
        base = project.path.parent if project.path is not None else Path.cwd()
        path = base / path
    return path


def project_gtfs_path(project, given: str | Path | None = None) -> Path:
    """The feed a command reads: ``given`` (its ``--gtfs``), else the project's own;
    DataError when there is neither."""
    if given:
        return Path(given)
    path = project_feed_path(project)
    if path is None:
        raise DataError(
            tr("the project names no GTFS feed (metadata 'gtfs'); give one with --gtfs")
        )
    return path


def read_gtfs(
    path: str | Path, crs="EPSG:2154", provenance: Provenance | None = None
) -> TransitNetwork:
    """Read a GTFS zip or folder into a :class:`TransitNetwork` with layers in ``crs``.

    Raises :class:`DataError` naming the file, row and field for a malformed feed (missing
    file or column, bad time, unknown stop or trip, non-numeric coordinate) and refuses an
    archive whose entries point outside it (absolute paths, "..": "zip slip").
    """
    import pandas as pd

    path = Path(path)
    files = FeedFiles(path)
    try:
        stops = read_stops(files)
        routes = files.read("routes.txt")
        routes["route_type"] = parse_numbers(
            routes["route_type"], "routes.txt", "route_type", 0, None, integer=True
        ).astype(int)
        for column in ("route_short_name", "route_long_name", "agency_id"):
            if column not in routes.columns:
                routes[column] = ""
        routes["mode"] = [mode_of_route_type(t) for t in routes["route_type"]]
        trips = files.read("trips.txt")
        check_references(trips, "route_id", routes["route_id"], "trips.txt", "routes.txt")
        calendar, calendar_dates = read_calendar(files)
        services = pd.concat([t["service_id"] for t in (calendar, calendar_dates) if t is not None])
        check_references(
            trips, "service_id", services, "trips.txt", "calendar.txt or calendar_dates.txt"
        )
        stop_times = read_stop_times(files, trips, stops)
        shapes = None
        if "shapes.txt" in files and "shape_id" in trips.columns:
            shapes = read_shapes(files)
        agencies = []
        if "agency.txt" in files:
            agency = files.read("agency.txt")
            if "agency_name" in agency.columns:
                agencies = [str(n) for n in agency["agency_name"] if str(n)]
    finally:
        files.close()
    provenance = provenance or Provenance(
        source=str(path),
        method="GTFS feed read by twin.layers.transit.read_gtfs",
        attribution=", ".join(agencies),
    )
    stop_layer = _stop_layer(stops, routes, trips, stop_times, crs, provenance)
    route_layer = _route_layer(routes, trips, stop_times, stops, shapes, crs, provenance)
    shape_layer = None
    if shapes is not None:
        shape_layer = VectorLayer(
            "Transit shapes",
            shapes.to_crs(crs),
            Style(stroke_color="#999999"),
            provenance,
            layer_id="transit_shapes",
        )
    return TransitNetwork(
        stop_layer,
        route_layer,
        trips,
        stop_times,
        calendar,
        calendar_dates,
        shape_layer,
        str(path),
        agencies,
    )


def _stop_layer(stops, routes, trips, stop_times, crs, provenance) -> VectorLayer:
    import geopandas as gpd

    pairs = stop_times[["trip_id", "stop_id"]].drop_duplicates()
    pairs = pairs.merge(trips[["trip_id", "route_id"]], on="trip_id")[["stop_id", "route_id"]]
    pairs = pairs.drop_duplicates().merge(
        routes[["route_id", "route_short_name", "mode"]], on="route_id"
    )
    names = pairs.assign(
        name=pairs["route_short_name"].where(pairs["route_short_name"] != "", pairs["route_id"])
    )
    modes = names.groupby("stop_id")["mode"].agg(lambda m: ";".join(sorted(set(m))))
    lines = names.groupby("stop_id")["name"].agg(lambda n: ";".join(sorted(set(n))))
    located = stops[stops["stop_lat"].notna()].reset_index(drop=True)
    frame = gpd.GeoDataFrame(
        {
            "stop_id": located["stop_id"],
            "stop_name": located["stop_name"],
            "location_type": located["location_type"],
            "parent_station": located["parent_station"],
            "modes": located["stop_id"].map(modes).fillna("").to_numpy(),
            "routes": located["stop_id"].map(lines).fillna("").to_numpy(),
        },
        geometry=gpd.points_from_xy(located["stop_lon"], located["stop_lat"]),
        crs=4326,
    ).to_crs(crs)
    style = categorized_style(frame["modes"], "modes", Style(point_size=6.0))
    return VectorLayer("Transit stops", frame, style, provenance, layer_id="transit_stops")


def _route_layer(routes, trips, stop_times, stops, shapes, crs, provenance) -> VectorLayer:
    import geopandas as gpd

    geometries: dict[str, object] = {}
    if shapes is not None:
        by_shape = dict(zip(shapes["shape_id"], shapes.geometry, strict=True))
        used = trips[["route_id", "shape_id"]].drop_duplicates()
        for route_id, group in used.groupby("route_id"):
            lines = [by_shape[s] for s in group["shape_id"] if s in by_shape]
            if lines:
                geometries[route_id] = shapely.multilinestrings(lines)
    sizes = stop_times.groupby("trip_id").size().rename("size").reset_index()
    longest = sizes.merge(trips[["trip_id", "route_id"]], on="trip_id")
    longest = longest.sort_values("size", ascending=False, kind="stable").drop_duplicates(
        "route_id"
    )
    position = stops.set_index("stop_id")[["stop_lon", "stop_lat"]]
    for trip_id, route_id in zip(longest["trip_id"], longest["route_id"], strict=True):
        if route_id in geometries:
            continue
        ids = stop_times.loc[stop_times["trip_id"] == trip_id, "stop_id"]
        xy = position.loc[ids].dropna().to_numpy()
        if len(xy) >= 2:
            geometries[route_id] = shapely.linestrings(xy)
    frame = gpd.GeoDataFrame(
        routes[["route_id", "route_short_name", "route_long_name", "route_type", "mode"]],
        geometry=[geometries.get(r) for r in routes["route_id"]],
        crs=4326,
    ).to_crs(crs)
    style = categorized_style(frame["mode"], "mode", Style(stroke_width=2.0))
    return VectorLayer("Transit routes", frame, style, provenance, layer_id="transit_routes")
