"""Public transport feeds: read a GTFS feed into stop, route and shape layers.

GTFS ("General Transit Feed Specification", https://gtfs.org/schedule/reference/) is a zip
(or folder) of CSV tables. :func:`read_gtfs` reads it in memory (a zip is never extracted to
disk), checks the tables a planner's feed can get wrong, and returns a
:class:`TransitNetwork`: stops and routes as :class:`~twin.layers.VectorLayer` in the project
CRS (metres), shapes when the feed has them, and the timetable tables the service-level and
accessibility engines (:mod:`twin.sim.transit`) read. Times are seconds after midnight of the
service day (GTFS times may pass 24:00:00 for trips running after midnight).
"""

from __future__ import annotations

import io
import re
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from twin.errors import DataError
from twin.layers.io_common import existing_file, memory_budget_bytes
from twin.layers.provenance import Provenance
from twin.layers.style import Style, categorized_style
from twin.layers.vector import VectorLayer

#: Files a feed must have (calendar.txt and/or calendar_dates.txt is also required).
REQUIRED_FILES = ("stops.txt", "routes.txt", "trips.txt", "stop_times.txt")
#: Columns read from each file and required by the GTFS reference (or by twin's engines).
REQUIRED_COLUMNS: dict[str, tuple[str, ...]] = {
    "stops.txt": ("stop_id", "stop_lat", "stop_lon"),
    "routes.txt": ("route_id", "route_type"),
    "trips.txt": ("route_id", "service_id", "trip_id"),
    "stop_times.txt": ("trip_id", "stop_id", "stop_sequence", "arrival_time", "departure_time"),
    "calendar.txt": (
        "service_id",
        "monday",
        "tuesday",
        "wednesday",
        "thursday",
        "friday",
        "saturday",
        "sunday",
        "start_date",
        "end_date",
    ),
    "calendar_dates.txt": ("service_id", "date", "exception_type"),
    "shapes.txt": ("shape_id", "shape_pt_lat", "shape_pt_lon", "shape_pt_sequence"),
}
#: Largest total uncompressed size of a GTFS zip read in memory (bytes).
MAX_UNCOMPRESSED_BYTES = 4_000_000_000
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")

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
_TIME = re.compile(r"^(\d{1,3}):(\d{2}):(\d{2})$")


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
        frame = self.routes.frame
        return pd.Series(frame["mode"].to_numpy(), index=frame["route_id"].to_numpy())


def row_error(file: str, index: int, column: str, problem: str) -> DataError:
    """A :class:`DataError` naming the file, the row (1 = first data row, with its line in
    the file) and the field."""
    return DataError(f"{file}: row {index + 1} (line {index + 2}), field '{column}': {problem}")


class _FeedFiles:
    """Reads the feed's tables from a zip (in memory) or a folder; refuses zip slip."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._entries: dict[str, str] = {}
        self._zip: zipfile.ZipFile | None = None
        if not path.exists():
            raise DataError(f"{path}: no such GTFS file or folder")
        if existing_file(path, folder_ok=True).is_dir():  # a pipe or device: refused
            self._entries = {p.name: str(p) for p in path.iterdir() if p.suffix == ".txt"}
            return
        try:
            self._zip = zipfile.ZipFile(path)
        except (zipfile.BadZipFile, OSError) as error:
            raise DataError(f"{path.name}: not a GTFS zip archive ({error})") from error
        total = sum(info.file_size for info in self._zip.infolist())
        if total > MAX_UNCOMPRESSED_BYTES:
            raise DataError(
                f"{path.name}: the archive would unpack to {total / 1e9:.1f} GB, more than "
                f"{MAX_UNCOMPRESSED_BYTES / 1e9:.0f} GB; the feed is refused"
            )
        depth: dict[str, int] = {}
        for name in self._zip.namelist():
            parts = PurePosixPath(name.replace("\\", "/")).parts
            if name.startswith(("/", "\\")) or re.match(r"^[A-Za-z]:", name) or ".." in parts:
                raise DataError(
                    f"{path.name}: archive entry '{name}' points outside the archive "
                    "(absolute path or '..'); the feed is refused"
                )
            if name.endswith(".txt") and not name.endswith("/"):
                base = parts[-1]
                if base not in depth or len(parts) < depth[base]:
                    depth[base] = len(parts)
                    self._entries[base] = name

    def __contains__(self, file: str) -> bool:
        return file in self._entries

    def read(self, file: str) -> pd.DataFrame:
        """The table as strings (empty cells are ""), column names stripped."""
        if file not in self._entries:
            raise DataError(f"{self.path.name}: required file {file} is missing from the feed")
        try:
            if self._zip is not None:
                source = io.BytesIO(self._read_member(file))
            else:
                source = self._entries[file]
            frame = pd.read_csv(
                source,
                dtype=str,
                keep_default_na=False,
                encoding="utf-8-sig",
                skipinitialspace=True,
            )
        except (pd.errors.ParserError, UnicodeDecodeError, ValueError) as error:
            raise DataError(
                f"{self.path.name}/{file}: not a readable CSV table ({error})"
            ) from error
        frame.columns = [str(c).strip() for c in frame.columns]
        for column in REQUIRED_COLUMNS.get(file, ()):
            if column not in frame.columns:
                raise DataError(
                    f"{file}: header (line 1), field '{column}': required column is missing"
                )
        return frame

    def _read_member(self, file: str) -> bytes:
        """The bytes of a zip member, read in chunks and counted while they unpack: a member
        that unpacks beyond its declared size, beyond the memory budget, or whose data is
        damaged (bad CRC, corrupt deflate stream, encryption) raises :class:`DataError`."""
        assert self._zip is not None
        info = self._zip.getinfo(self._entries[file])
        budget = memory_budget_bytes()
        if info.file_size > budget:
            raise DataError(
                f"{self.path.name}/{file} would unpack to {info.file_size / 1e6:,.0f} MB, more "
                f"than the {budget / 1e6:,.0f} MB one table may take on this machine; refused"
            )
        chunks: list[bytes] = []
        size = 0
        try:
            with self._zip.open(info) as member:
                while chunk := member.read(1 << 20):
                    size += len(chunk)
                    if size > info.file_size:
                        raise DataError(
                            f"{self.path.name}/{file} unpacks to more than the {info.file_size:,}"
                            " bytes it declares (a damaged or hostile archive); refused"
                        )
                    chunks.append(chunk)
        except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError) as error:
            raise DataError(
                f"{self.path.name}/{file} is damaged in the archive ({error})"
            ) from None
        except RuntimeError as error:  # encrypted member
            raise DataError(f"{self.path.name}/{file} cannot be read ({error})") from None
        return b"".join(chunks)

    def close(self) -> None:
        """Close the archive (a folder needs nothing)."""
        if self._zip is not None:
            self._zip.close()


def parse_times(values: pd.Series, file: str, column: str) -> np.ndarray:
    """GTFS times "H:MM:SS" (hours may pass 24) to seconds as float; "" gives NaN.

    Raises :class:`DataError` naming the row for a malformed time such as "25:61:00".
    """
    # A feed repeats the same few thousand times over its rows: parse each distinct text once.
    codes, distinct = pd.factorize(values.astype(str), sort=False)
    text = pd.Series(distinct, dtype=object).str.strip()
    parts = text.str.extract(_TIME)
    empty = text == ""
    numbers = parts.astype(float)
    bad = (~empty & (numbers[0].isna() | (numbers[1] >= 60) | (numbers[2] >= 60))).to_numpy()
    if bad[codes].any():
        index = int(np.flatnonzero(bad[codes])[0])
        raise row_error(
            file,
            index,
            column,
            f"bad time '{text.iloc[codes[index]]}' (expected HH:MM:SS, minutes and seconds "
            "below 60)",
        )
    seconds = (numbers[0] * 3600 + numbers[1] * 60 + numbers[2]).to_numpy(dtype=float)
    return seconds[codes]


def parse_numbers(
    values: pd.Series,
    file: str,
    column: str,
    low: float | None = None,
    high: float | None = None,
    allow_empty: bool = False,
    integer: bool = False,
) -> np.ndarray:
    """Numbers of a column as float; a non-numeric or out-of-range cell raises DataError."""
    text = values.astype(str).str.strip()
    numbers = pd.to_numeric(text, errors="coerce")
    empty = text == ""
    bad = numbers.isna() & ~(empty & allow_empty)
    if integer:
        bad |= numbers.notna() & (numbers != numbers.round())
    if low is not None:
        bad |= numbers < low
    if high is not None:
        bad |= numbers > high
    if bad.any():
        index = int(np.flatnonzero(bad.to_numpy())[0])
        limits = f" between {low} and {high}" if low is not None and high is not None else ""
        kind = "an integer" if integer else "a number"
        raise row_error(file, index, column, f"'{text.iloc[index]}' is not {kind}{limits}")
    return numbers.to_numpy(dtype=float)


def _check_references(
    frame: pd.DataFrame, column: str, known: pd.Series, file: str, target: str
) -> None:
    missing = ~frame[column].isin(set(known))
    if missing.any():
        index = int(np.flatnonzero(missing.to_numpy())[0])
        raise row_error(file, index, column, f"'{frame[column].iloc[index]}' is not in {target}")


def _read_calendar(files: _FeedFiles) -> tuple[pd.DataFrame | None, pd.DataFrame | None]:
    calendar = dates = None
    if "calendar.txt" not in files and "calendar_dates.txt" not in files:
        raise DataError(
            f"{files.path.name}: required file calendar.txt (or calendar_dates.txt) is missing"
        )
    if "calendar.txt" in files:
        calendar = files.read("calendar.txt")
        for day in WEEKDAYS:
            calendar[day] = parse_numbers(calendar[day], "calendar.txt", day, 0, 1).astype(int)
        for column in ("start_date", "end_date"):
            calendar[column] = _parse_dates(calendar[column], "calendar.txt", column)
    if "calendar_dates.txt" in files:
        dates = files.read("calendar_dates.txt")
        dates["date"] = _parse_dates(dates["date"], "calendar_dates.txt", "date")
        dates["exception_type"] = parse_numbers(
            dates["exception_type"], "calendar_dates.txt", "exception_type", 1, 2
        ).astype(int)
    return calendar, dates


def _parse_dates(values: pd.Series, file: str, column: str) -> pd.Series:
    parsed = pd.to_datetime(values.str.strip(), format="%Y%m%d", errors="coerce")
    if parsed.isna().any():
        index = int(np.flatnonzero(parsed.isna().to_numpy())[0])
        raise row_error(file, index, column, f"'{values.iloc[index]}' is not a date YYYYMMDD")
    return parsed.dt.date


def _read_stops(files: _FeedFiles) -> pd.DataFrame:
    stops = files.read("stops.txt")
    if stops["stop_id"].duplicated().any():
        index = int(np.flatnonzero(stops["stop_id"].duplicated().to_numpy())[0])
        raise row_error(
            "stops.txt", index, "stop_id", f"duplicate stop_id '{stops.stop_id[index]}'"
        )
    for column in ("stop_name", "location_type", "parent_station"):
        if column not in stops.columns:
            stops[column] = ""
    location = parse_numbers(stops["location_type"], "stops.txt", "location_type", 0, 4, True)
    stops["location_type"] = np.nan_to_num(location, nan=0).astype(int)
    # generic nodes (3) and boarding areas (4) may have no coordinates
    optional = stops["location_type"].isin([3, 4]).to_numpy()
    stops["stop_lat"] = parse_numbers(stops["stop_lat"], "stops.txt", "stop_lat", -90, 90, True)
    stops["stop_lon"] = parse_numbers(stops["stop_lon"], "stops.txt", "stop_lon", -180, 180, True)
    for column in ("stop_lat", "stop_lon"):
        missing = stops[column].isna().to_numpy() & ~optional
        if missing.any():
            raise row_error("stops.txt", int(np.flatnonzero(missing)[0]), column, "is empty")
    return stops


def _read_stop_times(files: _FeedFiles, trips: pd.DataFrame, stops: pd.DataFrame) -> pd.DataFrame:
    file = "stop_times.txt"
    table = files.read(file)
    _check_references(table, "stop_id", stops["stop_id"], file, "stops.txt")
    _check_references(table, "trip_id", trips["trip_id"], file, "trips.txt")
    sequence = parse_numbers(table["stop_sequence"], file, "stop_sequence", 0, None, integer=True)
    arrival = parse_times(table["arrival_time"], file, "arrival_time")
    departure = parse_times(table["departure_time"], file, "departure_time")
    pickup = np.zeros(len(table), dtype=int)
    if "pickup_type" in table.columns:
        pickup = np.nan_to_num(
            parse_numbers(table["pickup_type"], file, "pickup_type", 0, 3, True), nan=0
        ).astype(int)
    result = pd.DataFrame(
        {
            "trip_id": table["trip_id"].to_numpy(),
            "stop_id": table["stop_id"].to_numpy(),
            "stop_sequence": sequence.astype(np.int64),
            "arrival_s": np.where(np.isnan(arrival), departure, arrival),
            "departure_s": np.where(np.isnan(departure), arrival, departure),
            "pickup_type": pickup,
        }
    )
    result = result.sort_values(["trip_id", "stop_sequence"], kind="stable").reset_index(drop=True)
    # untimed stops: interpolate linearly between timed stops of the same trip (GTFS rule)
    if result["departure_s"].isna().any():
        for column in ("arrival_s", "departure_s"):
            result[column] = result.groupby("trip_id", sort=False)[column].transform(
                lambda s: s.interpolate(limit_area="inside")
            )
    if result["departure_s"].isna().any():
        index = int(np.flatnonzero(result["departure_s"].isna().to_numpy())[0])
        raise DataError(
            f"{file}: trip '{result.trip_id[index]}' has no time at its first or last stop "
            "(field 'departure_time'); times can only be interpolated between timed stops"
        )
    return result


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
        raise DataError("the project names no GTFS feed (metadata 'gtfs'); give one with --gtfs")
    return path


def read_gtfs(
    path: str | Path, crs="EPSG:2154", provenance: Provenance | None = None
) -> TransitNetwork:
    """Read a GTFS zip or folder into a :class:`TransitNetwork` with layers in ``crs``.

    Raises :class:`DataError` naming the file, row and field for a malformed feed (missing
    file or column, bad time, unknown stop or trip, non-numeric coordinate) and refuses an
    archive whose entries point outside it (absolute paths, "..": "zip slip").
    """
    path = Path(path)
    files = _FeedFiles(path)
    try:
        stops = _read_stops(files)
        routes = files.read("routes.txt")
        routes["route_type"] = parse_numbers(
            routes["route_type"], "routes.txt", "route_type", 0, None, integer=True
        ).astype(int)
        for column in ("route_short_name", "route_long_name", "agency_id"):
            if column not in routes.columns:
                routes[column] = ""
        routes["mode"] = [mode_of_route_type(t) for t in routes["route_type"]]
        trips = files.read("trips.txt")
        _check_references(trips, "route_id", routes["route_id"], "trips.txt", "routes.txt")
        calendar, calendar_dates = _read_calendar(files)
        services = pd.concat([t["service_id"] for t in (calendar, calendar_dates) if t is not None])
        _check_references(
            trips, "service_id", services, "trips.txt", "calendar.txt or calendar_dates.txt"
        )
        stop_times = _read_stop_times(files, trips, stops)
        shapes = None
        if "shapes.txt" in files and "shape_id" in trips.columns:
            shapes = _read_shapes(files)
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


def _read_shapes(files: _FeedFiles) -> gpd.GeoDataFrame:
    table = files.read("shapes.txt")
    lat = parse_numbers(table["shape_pt_lat"], "shapes.txt", "shape_pt_lat", -90, 90)
    lon = parse_numbers(table["shape_pt_lon"], "shapes.txt", "shape_pt_lon", -180, 180)
    sequence = parse_numbers(table["shape_pt_sequence"], "shapes.txt", "shape_pt_sequence", 0)
    frame = pd.DataFrame({"shape_id": table["shape_id"], "x": lon, "y": lat, "seq": sequence})
    frame = frame.sort_values(["shape_id", "seq"], kind="stable")
    counts = frame.groupby("shape_id", sort=True).size()
    counts = counts[counts >= 2]
    frame = frame[frame["shape_id"].isin(counts.index)]
    indices = np.repeat(np.arange(len(counts)), counts.to_numpy())
    lines = shapely.linestrings(frame["x"].to_numpy(), frame["y"].to_numpy(), indices=indices)
    return gpd.GeoDataFrame({"shape_id": counts.index.to_numpy()}, geometry=lines, crs=4326)


def _stop_layer(stops, routes, trips, stop_times, crs, provenance) -> VectorLayer:
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
