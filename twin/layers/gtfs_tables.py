"""The tables of a GTFS feed (https://gtfs.org/schedule/reference/), read and checked for
:func:`twin.layers.transit.read_gtfs`: a zip read in memory (never extracted to disk, zip
slip and zip bombs refused) or a folder (:class:`FeedFiles`), and the stops, stop times,
calendars and shapes parsed with an error naming the file, row and field of the first bad
value. Times are seconds after midnight of the service day (GTFS times may pass 24:00:00);
coordinates are WGS84 degrees."""

from __future__ import annotations

import io
import re
import zipfile
import zlib
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING

import numpy as np
import shapely

from twin.errors import DataError
from twin.i18n import tr
from twin.layers.io_common import existing_file, memory_budget_bytes

if TYPE_CHECKING:
    import geopandas as gpd
    import pandas as pd

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

_TIME = re.compile(r"^(\d{1,3}):(\d{2}):(\d{2})$")


def row_error(file: str, index: int, column: str, problem: str) -> DataError:
    """A :class:`DataError` naming the file, the row (1 = first data row, with its line in
    the file) and the field."""
    return DataError(
        tr("{file}: row {index} (line {line}), field '{column}': {problem}").format(
            file=file, index=index + 1, line=index + 2, column=column, problem=problem
        )
    )


class FeedFiles:
    """Reads the feed's tables from a zip (in memory) or a folder; refuses zip slip."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._entries: dict[str, str] = {}
        self._zip: zipfile.ZipFile | None = None
        if not path.exists():
            raise DataError(tr("{path}: no such GTFS file or folder").format(path=path))
        if existing_file(path, folder_ok=True).is_dir():  # a pipe or device: refused
            self._entries = {p.name: str(p) for p in path.iterdir() if p.suffix == ".txt"}
            return
        try:
            self._zip = zipfile.ZipFile(path)
        except (zipfile.BadZipFile, OSError) as error:
            raise DataError(
                tr("{path_name}: not a GTFS zip archive ({error})").format(
                    path_name=path.name, error=error
                )
            ) from error
        total = sum(info.file_size for info in self._zip.infolist())
        if total > MAX_UNCOMPRESSED_BYTES:
            raise DataError(
                tr(
                    "{path_name}: the archive would unpack to {total:.1f} GB, more "
                    "than {max_uncompressed_bytes:.0f} GB; the feed is refused"
                ).format(
                    path_name=path.name,
                    total=total / 1e9,
                    max_uncompressed_bytes=MAX_UNCOMPRESSED_BYTES / 1e9,
                )
            )
        depth: dict[str, int] = {}
        for name in self._zip.namelist():
            parts = PurePosixPath(name.replace("\\", "/")).parts
            if name.startswith(("/", "\\")) or re.match(r"^[A-Za-z]:", name) or ".." in parts:
                raise DataError(
                    tr(
                        "{path_name}: archive entry '{name}' points outside the "
                        "archive (absolute path or '..'); the feed is refused"
                    ).format(path_name=path.name, name=name)
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
        import pandas as pd

        if file not in self._entries:
            raise DataError(
                tr("{path_name}: required file {file} is missing from the feed").format(
                    path_name=self.path.name, file=file
                )
            )
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
                tr("{path_name}/{file}: not a readable CSV table ({error})").format(
                    path_name=self.path.name, file=file, error=error
                )
            ) from error
        frame.columns = [str(c).strip() for c in frame.columns]
        for column in REQUIRED_COLUMNS.get(file, ()):
            if column not in frame.columns:
                raise DataError(
                    tr(
                        "{file}: header (line 1), field '{column}': required column is missing"
                    ).format(file=file, column=column)
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
                tr(
                    "{path_name}/{file} would unpack to {file_size:,.0f} MB, more than "
                    "the {budget:,.0f} MB one table may take on this machine; refused"
                ).format(
                    path_name=self.path.name,
                    file=file,
                    file_size=info.file_size / 1e6,
                    budget=budget / 1e6,
                )
            )
        chunks: list[bytes] = []
        size = 0
        try:
            with self._zip.open(info) as member:
                while chunk := member.read(1 << 20):
                    size += len(chunk)
                    if size > info.file_size:
                        raise DataError(
                            tr(
                                "{path_name}/{file} unpacks to more than the "
                                "{file_size:,} bytes it declares (a damaged or hostile "
                                "archive); refused"
                            ).format(path_name=self.path.name, file=file, file_size=info.file_size)
                        )
                    chunks.append(chunk)
        except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError) as error:
            raise DataError(
                tr("{path_name}/{file} is damaged in the archive ({error})").format(
                    path_name=self.path.name, file=file, error=error
                )
            ) from None
        except RuntimeError as error:  # encrypted member
            raise DataError(
                tr("{path_name}/{file} cannot be read ({error})").format(
                    path_name=self.path.name, file=file, error=error
                )
            ) from None
        return b"".join(chunks)

    def close(self) -> None:
        """Close the archive (a folder needs nothing)."""
        if self._zip is not None:
            self._zip.close()


def parse_times(values: pd.Series, file: str, column: str) -> np.ndarray:
    """GTFS times "H:MM:SS" (hours may pass 24) to seconds as float; "" gives NaN.

    Raises :class:`DataError` naming the row for a malformed time such as "25:61:00".
    """
    import pandas as pd

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
            tr("bad time '{value}' (expected HH:MM:SS, minutes and seconds below 60)").format(
                value=text.iloc[codes[index]]
            ),
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
    import pandas as pd

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
        value = text.iloc[index]
        if low is not None and high is not None:
            if integer:
                problem = tr("'{value}' is not an integer between {low} and {high}")
            else:
                problem = tr("'{value}' is not a number between {low} and {high}")
        else:
            problem = (
                tr("'{value}' is not an integer") if integer else tr("'{value}' is not a number")
            )
        raise row_error(file, index, column, problem.format(value=value, low=low, high=high))
    return numbers.to_numpy(dtype=float)


def check_references(
    frame: pd.DataFrame, column: str, known: pd.Series, file: str, target: str
) -> None:
    """DataError at the first row of ``frame`` whose ``column`` is not among ``known`` (the
    ids of the file ``target``)."""
    missing = ~frame[column].isin(set(known))
    if missing.any():
        index = int(np.flatnonzero(missing.to_numpy())[0])
        raise row_error(
            file,
            index,
            column,
            tr("'{value}' is not in {target}").format(
                value=frame[column].iloc[index], target=target
            ),
        )


def read_calendar(files: FeedFiles) -> tuple[pd.DataFrame | None, pd.DataFrame | None]:
    """calendar.txt and calendar_dates.txt (None for one the feed lacks; it must have one),
    weekdays and exception types as integers, dates as timestamps."""
    calendar = dates = None
    if "calendar.txt" not in files and "calendar_dates.txt" not in files:
        raise DataError(
            tr("{path_name}: required file calendar.txt (or calendar_dates.txt) is missing").format(
                path_name=files.path.name
            )
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
    import pandas as pd

    parsed = pd.to_datetime(values.str.strip(), format="%Y%m%d", errors="coerce")
    if parsed.isna().any():
        index = int(np.flatnonzero(parsed.isna().to_numpy())[0])
        raise row_error(
            file,
            index,
            column,
            tr("'{value}' is not a date YYYYMMDD").format(value=values.iloc[index]),
        )
    return parsed.dt.date


def read_stops(files: FeedFiles) -> pd.DataFrame:
    """stops.txt checked (unique ids, coordinates in WGS84 degrees where required)."""
    stops = files.read("stops.txt")
    if stops["stop_id"].duplicated().any():
        index = int(np.flatnonzero(stops["stop_id"].duplicated().to_numpy())[0])
        raise row_error(
            "stops.txt",
            index,
            "stop_id",
            tr("duplicate stop_id '{value}'").format(value=stops.stop_id[index]),
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
            raise row_error("stops.txt", int(np.flatnonzero(missing)[0]), column, tr("is empty"))
    return stops


def read_stop_times(files: FeedFiles, trips: pd.DataFrame, stops: pd.DataFrame) -> pd.DataFrame:
    """stop_times.txt checked against ``trips`` and ``stops``, times in seconds after
    midnight of the service day."""
    import pandas as pd

    file = "stop_times.txt"
    table = files.read(file)
    check_references(table, "stop_id", stops["stop_id"], file, "stops.txt")
    check_references(table, "trip_id", trips["trip_id"], file, "trips.txt")
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
            tr(
                "{file}: trip '{trip_id}' has no time at its first or last stop (field "
                "'departure_time'); times can only be interpolated between timed stops"
            ).format(file=file, trip_id=result.trip_id[index])
        )
    return result


def read_shapes(files: FeedFiles) -> gpd.GeoDataFrame:
    """shapes.txt as one line per shape with two points or more (WGS84, EPSG:4326)."""
    import geopandas as gpd
    import pandas as pd

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
