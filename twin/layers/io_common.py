"""Shared pieces of the readers and writers: format detection, CRS handling, provenance,
default styles and the translation of library errors into :class:`DataError` messages.
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from twin.errors import DataError
from twin.i18n import N_, tr
from twin.layers.colors import OKABE_ITO
from twin.layers.provenance import Provenance
from twin.layers.style import Style

if TYPE_CHECKING:
    from pyproj import CRS

# Format keys returned by detect_format, with the words used in messages.
FORMAT_LABELS = {
    "gpkg": "GeoPackage",
    "project": "twin project",
    "geojson": "GeoJSON",
    "shp": "Shapefile",
    "zip": "zipped Shapefile",
    "tiff": "GeoTIFF",
    "csv": "CSV",
    "osm": "OpenStreetMap",
}

SUPPORTED_TEXT = N_(
    "twin reads GeoPackage (.gpkg), GeoJSON (.geojson, .json), Shapefile (.shp, or a .zip "
    "holding one), GeoTIFF (.tif, .tiff), CSV with lon/lat or x/y columns (.csv) and "
    "OpenStreetMap (.osm.pbf, .pbf, .osm)"
)

_EXTENSIONS = {
    ".gpkg": "gpkg",
    ".twin": "project",
    ".geojson": "geojson",
    ".json": "geojson",
    ".shp": "shp",
    ".zip": "zip",
    ".tif": "tiff",
    ".tiff": "tiff",
    ".csv": "csv",
    ".pbf": "osm",
    ".osm": "osm",
}

OSM_LICENCE = "ODbL"
OSM_ATTRIBUTION = "© OpenStreetMap contributors"

# Colour-blind safe (Okabe-Ito) default colours, one per geometry kind so that layers added
# one after the other are told apart: polygons sky blue, lines vermillion, points orange.
DEFAULT_POLYGON_STYLE = Style(
    fill_color=OKABE_ITO[1], fill_opacity=0.8, stroke_color=OKABE_ITO[4], stroke_width=0.5
)
DEFAULT_LINE_STYLE = Style(fill_color=OKABE_ITO[5], stroke_color=OKABE_ITO[5], stroke_width=1.5)
DEFAULT_POINT_STYLE = Style(
    fill_color=OKABE_ITO[0], stroke_color="#3A3A3A", stroke_width=0.5, point_size=7.0
)


def default_style(geometry_kind: str) -> Style:
    """The default single-colour style of a vector layer of ``geometry_kind``
    ("polygon", "line" or "point"); stroke widths and point sizes in screen pixels."""
    if geometry_kind == "line":
        return DEFAULT_LINE_STYLE
    if geometry_kind == "point":
        return DEFAULT_POINT_STYLE
    return DEFAULT_POLYGON_STYLE


def detect_format(path: Path) -> str:
    """The format key of ``path`` from its extension, else from its first bytes.

    Raises :class:`DataError` for a format twin does not read.
    """
    suffix = path.suffix.lower()
    if suffix in _EXTENSIONS:
        return _EXTENSIONS[suffix]
    sniffed = sniff_format(path)
    if sniffed is None:
        if suffix:
            shown = tr("'{suffix}' files").format(suffix=suffix)
        else:
            shown = tr("files without an extension")
        raise DataError(
            tr("{path_name}: unknown format ({shown}); {supported_text}").format(
                path_name=path.name, shown=shown, supported_text=tr(SUPPORTED_TEXT)
            )
        )
    return sniffed


def sniff_format(path: Path) -> str | None:
    """Guess the format from the first bytes of the file; None when unknown."""
    try:
        with open(path, "rb") as handle:
            head = handle.read(64)
    except OSError as error:
        raise DataError(
            tr("{path_name}: cannot be read ({strerror})").format(
                path_name=path.name, strerror=error.strerror
            )
        ) from error
    if head.startswith(b"SQLite format 3\x00"):
        return "gpkg"
    if head.startswith(b"PK\x03\x04"):
        return "zip"
    if head[:4] in (b"II*\x00", b"MM\x00*", b"II+\x00", b"MM\x00+"):
        return "tiff"
    if b"OSMHeader" in head[:32]:
        return "osm"
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if text.startswith(b"{"):
        return "geojson"
    if text.startswith(b"<?xml") or text.startswith(b"<osm"):
        return "osm"
    return None


def sqlite_uri(path: str | os.PathLike, mode: str = "ro") -> str:
    """The SQLite URI opening ``path`` in ``mode`` ("ro", "rw"...), with ``#``, ``?``, ``%``
    and spaces escaped so a file called ``x#y.twin`` is that file, not ``x`` (RFC 3986)."""
    return f"file:{quote(str(Path(path).resolve()))}?mode={mode}"


#: Share of the free memory one layer may take: the data, a reprojected copy and the image
#: the map draws from it (RGBA, 4 bytes a pixel) must all fit.
LAYER_MEMORY_SHARE = 0.25


def memory_budget_bytes() -> int:
    """Bytes a reader may allocate for one array or table: :data:`LAYER_MEMORY_SHARE` of the
    memory that is free (Linux ``MemAvailable``, else physical memory), also bounded by the
    cgroup's memory limit and this process's address-space limit (``RLIMIT_AS``). A header
    that asks for more is refused before anything is read."""
    free = 1 << 62
    try:
        with open("/proc/meminfo", encoding="ascii") as handle:
            for line in handle:
                if line.startswith("MemAvailable:"):
                    free = int(line.split()[1]) * 1024
                    break
    except (OSError, ValueError):
        with contextlib.suppress(ValueError, OSError, AttributeError):
            free = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    with contextlib.suppress(OSError, ValueError):
        limit = Path("/sys/fs/cgroup/memory.max").read_text().strip()
        used = Path("/sys/fs/cgroup/memory.current").read_text().strip()
        if limit.isdigit() and used.isdigit():
            free = min(free, max(int(limit) - int(used), 0))
    try:
        import resource

        soft, _ = resource.getrlimit(resource.RLIMIT_AS)
        if soft != resource.RLIM_INFINITY:
            free = min(free, soft)
    except (ImportError, ValueError, OSError):
        pass
    return int(free * LAYER_MEMORY_SHARE)


def existing_file(path: str | os.PathLike, folder_ok: bool = False) -> Path:
    """``path`` as a Path; :class:`DataError` (one line, at once) if there is no regular file
    there: missing, a folder (unless ``folder_ok``), a named pipe, a device or a socket
    (reading those could wait forever or never end)."""
    path = Path(path).expanduser()
    if path.is_dir():
        if folder_ok:
            return path
        raise DataError(tr("{path} is a folder, not a data file").format(path=path))
    if not path.exists():
        raise DataError(tr("No file at {path}: check the path and the file name").format(path=path))
    if not path.is_file():
        raise DataError(
            tr("{path} is not a regular file (a device, pipe or socket)").format(path=path)
        )
    return path


def to_crs(value: Any, what: str = "CRS") -> CRS | None:
    """A :class:`pyproj.CRS` from a user value (``"EPSG:2154"``, 2154, WKT, CRS) or None."""
    if value is None:
        return None
    from pyproj import CRS  # here: the default styles and formats need no pyproj
    from pyproj.exceptions import CRSError

    try:
        return CRS.from_user_input(value)
    except CRSError as error:
        raise DataError(
            tr("{what} {value!r} is not a coordinate reference system ({error})").format(
                what=what, value=value, error=error
            )
        ) from error


def crs_label(crs: CRS | None) -> str:
    """A short readable CRS name, e.g. ``EPSG:2154``, for provenance and messages."""
    if crs is None:
        return "none"
    authority = crs.to_authority(min_confidence=70)
    if authority is not None:
        return f"{authority[0]}:{authority[1]}"
    return crs.name or crs.to_string()


def same_crs(first: CRS | None, second: CRS | None) -> bool:
    """True when both are set and equal (so no reprojection is needed)."""
    return first is not None and second is not None and first.equals(second)


def file_date(path: Path) -> str:
    """The file's modification date, ISO 8601 (YYYY-MM-DD)."""
    return _dt.date.fromtimestamp(path.stat().st_mtime).isoformat()


def gdal_message(error: BaseException) -> str:
    """The first line of a GDAL/pyogrio/rasterio error, shortened for a one-line message."""
    text = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
    return text if len(text) <= 160 else text[:157] + "..."


def missing_crs_error(path: Path, format_key: str) -> DataError:
    """The message for a file whose coordinate reference system is unknown."""
    if format_key in ("shp", "zip"):
        return DataError(
            tr(
                "{path_name} has no coordinate reference system: the .prj file that "
                "goes with the .shp is missing. Put the .prj that came with the data "
                "beside it (same name), or pass source_crs='EPSG:...' when reading"
            ).format(path_name=path.name)
        )
    return DataError(
        tr(
            "{path_name} has no coordinate reference system; pass "
            "source_crs='EPSG:...' when reading, or fix the file in a GIS"
        ).format(path_name=path.name)
    )


def build_provenance(
    path: Path,
    driver: str,
    source_crs: CRS | None,
    target_crs: CRS | None,
    layer_name: str | None,
    format_key: str,
    repaired: int = 0,
    dropped_empty: int = 0,
    dropped_degenerate: int = 0,
    reader: str = "pyogrio/GDAL",
    extra: dict[str, Any] | None = None,
) -> Provenance:
    """The provenance of a layer read from ``path`` (method text says what was done)."""
    method = f"read with {reader} {driver}"
    if target_crs is not None and not same_crs(source_crs, target_crs):
        method += f", reprojected from {crs_label(source_crs)} to {crs_label(target_crs)}"
    if repaired:
        method += f"; {repaired} invalid geometries repaired with shapely.make_valid"
    if dropped_empty:
        method += f"; {dropped_empty} features without geometry left out"
    if dropped_degenerate:
        method += (
            f"; {dropped_degenerate} degenerate geometries (no area or length left, e.g. a "
            "ring of fewer than 3 points) could not be repaired and were left out"
        )
    parameters: dict[str, Any] = {
        "driver": driver,
        "source_crs": crs_label(source_crs),
        "layer": layer_name,
        "dropped_empty_geometries": int(dropped_empty),
    }
    if dropped_degenerate:
        parameters["dropped_degenerate_geometries"] = int(dropped_degenerate)
    if target_crs is not None:
        parameters["crs"] = crs_label(target_crs)
    if extra:
        parameters.update(extra)
    is_osm = format_key == "osm"
    return Provenance(
        source=str(path.resolve()),
        licence=OSM_LICENCE if is_osm else "",
        attribution=OSM_ATTRIBUTION if is_osm else "",
        date=file_date(path),
        method=method,
        parameters=parameters,
        repaired_geometries=int(repaired),
    )
