"""A lean GeoPackage reader for big layers: SQLite, the R-tree and WKB, nothing else.

``twin render`` of a big GeoPackage (:mod:`twin.cli.render_lean`) reads what it draws
through this module instead of pyogrio, because importing pyogrio imports pandas, geopandas
and pyarrow (about 160 MB and a second or more before the first feature). A GeoPackage is
an SQLite database (OGC 12-128r18): ``gpkg_contents`` lists the feature tables with their
extent, ``gpkg_geometry_columns`` their geometry column and type, ``rtree_<table>_<column>``
is the spatial index (one row per feature: id, minx, maxx, miny, maxy) and each geometry is
a small header followed by standard WKB, which shapely decodes.

Units: the layer's CRS (project metres). Qt-free, pandas-free.
"""

from __future__ import annotations

import re
import sqlite3
import xml.etree.ElementTree as ElementTree
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import numpy as np
import shapely

BBox = tuple[float, float, float, float]

LAZY_FEATURE_THRESHOLD = 250_000  # features: bigger GeoPackage layers open lazily
LAZY_MIN_FEATURES = 50_000  # ... and so do layers over this in a file bigger than that

# bytes of the envelope after the 8-byte header, by the envelope code of the flags byte
_ENVELOPE_BYTES = {0: 0, 1: 32, 2: 48, 3: 48, 4: 64}


@dataclass(frozen=True)
class GpkgTable:
    """One feature table of a GeoPackage: name, geometry column and type (e.g.
    "POLYGON"), spatial reference id, feature count, extent (minx, miny, maxx, maxy, CRS
    units; None when the file does not record it), primary key, R-tree table (None: no
    spatial index)."""

    name: str
    geometry_column: str
    geometry_type: str
    srs_id: int
    count: int
    extent: BBox | None
    key: str
    rtree: str | None


def _uri(path: str | Path) -> str:
    return f"file:{quote(str(Path(path).resolve()))}?mode=ro"


def connect(path: str | Path) -> sqlite3.Connection:
    """A read-only connection to the GeoPackage at ``path`` (sqlite3.Error if it is not
    an SQLite file)."""
    return sqlite3.connect(_uri(path), uri=True, check_same_thread=False)


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def feature_tables(path: str | Path) -> list[GpkgTable]:
    """The feature tables of the GeoPackage at ``path``, in the order of ``gpkg_contents``
    (GDAL's order); sqlite3.Error when it is not a readable GeoPackage."""
    connection = connect(path)
    try:
        rows = connection.execute(
            "SELECT c.table_name, g.column_name, g.geometry_type_name, g.srs_id, "
            "c.min_x, c.min_y, c.max_x, c.max_y FROM gpkg_contents c "
            "JOIN gpkg_geometry_columns g ON g.table_name = c.table_name "
            "WHERE c.data_type = 'features' ORDER BY c.rowid"
        ).fetchall()
        names = {
            str(row[0])
            for row in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
        }
        counts: dict[str, int] = {}
        if "gpkg_ogr_contents" in names:
            counts = {
                str(name): int(count)
                for name, count in connection.execute(
                    "SELECT table_name, feature_count FROM gpkg_ogr_contents"
                )
                if count is not None
            }
        tables = []
        for name, column, kind, srs_id, *extent in rows:
            name, column = str(name), str(column)
            key = next(
                (
                    str(info[1])
                    for info in connection.execute(f"PRAGMA table_info({_quoted(name)})")
                    if info[5]
                ),
                "rowid",
            )
            count = counts.get(name)
            if count is None:
                count = int(
                    connection.execute(f"SELECT COUNT(*) FROM {_quoted(name)}").fetchone()[0]
                )
            rtree = f"rtree_{name}_{column}"
            bounds = None
            if all(v is not None for v in extent):
                bounds = tuple(float(v) for v in extent)
            tables.append(
                GpkgTable(
                    name,
                    column,
                    str(kind).upper(),
                    int(srs_id),
                    count,
                    bounds,  # type: ignore[arg-type]
                    key,
                    rtree if rtree in names else None,
                )
            )
        return tables
    finally:
        connection.close()


def srs_definition(path: str | Path, srs_id: int) -> tuple[str, int] | None:
    """(organization, code) of spatial reference ``srs_id`` in the GeoPackage, e.g.
    ("EPSG", 2154); None when unknown."""
    connection = connect(path)
    try:
        row = connection.execute(
            "SELECT organization, organization_coordsys_id FROM gpkg_spatial_ref_sys "
            "WHERE srs_id = ?",
            (srs_id,),
        ).fetchone()
    finally:
        connection.close()
    if row is None or row[0] is None or row[1] is None:
        return None
    return str(row[0]).upper(), int(row[1])


def wkb_of_blobs(blobs: list[bytes]) -> list[bytes]:
    """The standard WKB inside GeoPackage geometry blobs (their header and envelope cut);
    empty blobs (flag bit 4) and missing ones become None."""
    out: list = []
    for blob in blobs:
        if blob is None or len(blob) < 8 or blob[:2] != b"GP" or blob[3] & 0x10:
            out.append(None)
            continue
        out.append(blob[8 + _ENVELOPE_BYTES.get((blob[3] >> 1) & 7, 0) :])
    return out


def read_in_bbox(
    connection: sqlite3.Connection, table: GpkgTable, bbox: BBox
) -> tuple[np.ndarray, np.ndarray]:
    """(fids ascending, shapely geometries) of the features of ``table`` whose R-tree box
    meets ``bbox`` (minx, miny, maxx, maxy); missing and empty geometries are left out.
    Without an R-tree every feature's geometry is read and tested by its box."""
    minx, miny, maxx, maxy = (float(v) for v in bbox)
    name, column, key = _quoted(table.name), _quoted(table.geometry_column), _quoted(table.key)
    if table.rtree is not None:
        rows = connection.execute(
            f"SELECT {key}, {column} FROM {name} WHERE {key} IN "
            f"(SELECT id FROM {_quoted(table.rtree)} WHERE maxx >= ? AND minx <= ? "
            f"AND maxy >= ? AND miny <= ?) ORDER BY {key}",
            (minx, maxx, miny, maxy),
        ).fetchall()
    else:
        rows = connection.execute(f"SELECT {key}, {column} FROM {name} ORDER BY {key}").fetchall()
    fids = np.fromiter((row[0] for row in rows), dtype=np.int64, count=len(rows))
    geometries = shapely.from_wkb(wkb_of_blobs([row[1] for row in rows]), on_invalid="ignore")
    del rows
    keep = ~(shapely.is_missing(geometries) | shapely.is_empty(geometries))
    if table.rtree is None:
        boxes = shapely.bounds(geometries)
        keep &= (boxes[:, 2] >= minx) & (boxes[:, 0] <= maxx)
        keep &= (boxes[:, 3] >= miny) & (boxes[:, 1] <= maxy)
    return fids[keep], geometries[keep]


def count_in_bbox(connection: sqlite3.Connection, table: GpkgTable, bbox: BBox) -> int:
    """How many features of ``table`` have an R-tree box meeting ``bbox`` (the index
    alone is read); the feature count when there is no R-tree."""
    if table.rtree is None:
        return table.count
    minx, miny, maxx, maxy = (float(v) for v in bbox)
    return int(
        connection.execute(
            f"SELECT COUNT(*) FROM {_quoted(table.rtree)} WHERE maxx >= ? AND minx <= ? "
            "AND maxy >= ? AND miny <= ?",
            (minx, maxx, miny, maxy),
        ).fetchone()[0]
    )


def batches_in_bbox(
    connection: sqlite3.Connection,
    table: GpkgTable,
    bbox: BBox | None,
    batch_size: int = 65_536,
) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """(fids, shapely geometries) of ``table`` in fid order, ``batch_size`` features at a
    time (so the whole selection is never held as rows and objects at once): the features
    whose R-tree box meets ``bbox``, or every feature (``bbox`` None). Missing and empty
    geometries are left out."""
    name, column, key = _quoted(table.name), _quoted(table.geometry_column), _quoted(table.key)
    if bbox is not None and table.rtree is not None:
        minx, miny, maxx, maxy = (float(v) for v in bbox)
        cursor = connection.execute(
            f"SELECT {key}, {column} FROM {name} WHERE {key} IN "
            f"(SELECT id FROM {_quoted(table.rtree)} WHERE maxx >= ? AND minx <= ? "
            f"AND maxy >= ? AND miny <= ?) ORDER BY {key}",
            (minx, maxx, miny, maxy),
        )
    else:
        cursor = connection.execute(f"SELECT {key}, {column} FROM {name} ORDER BY {key}")
    while True:
        rows = cursor.fetchmany(batch_size)
        if not rows:
            return
        fids = np.fromiter((row[0] for row in rows), dtype=np.int64, count=len(rows))
        wkb = wkb_of_blobs([row[1] for row in rows])
        del rows
        geometries = shapely.from_wkb(wkb, on_invalid="ignore")
        del wkb
        keep = ~(shapely.is_missing(geometries) | shapely.is_empty(geometries))
        if bbox is not None and table.rtree is None:
            boxes = shapely.bounds(geometries)
            keep &= (boxes[:, 2] >= bbox[0]) & (boxes[:, 0] <= bbox[2])
            keep &= (boxes[:, 3] >= bbox[1]) & (boxes[:, 1] <= bbox[3])
        yield fids[keep], geometries[keep]


def read_all(connection: sqlite3.Connection, table: GpkgTable) -> np.ndarray:
    """Every geometry of ``table`` (shapely array, fid order; missing ones left out)."""
    name, column, key = _quoted(table.name), _quoted(table.geometry_column), _quoted(table.key)
    rows = connection.execute(f"SELECT {column} FROM {name} ORDER BY {key}").fetchall()
    geometries = shapely.from_wkb(wkb_of_blobs([row[0] for row in rows]), on_invalid="ignore")
    del rows
    return geometries[~shapely.is_missing(geometries)]


def table_metadata(path: str | Path, table: str) -> dict[str, str]:
    """The metadata GDAL wrote for layer ``table`` (``gpkg_metadata``, GDAL's XML items);
    empty when there is none."""
    connection = connect(path)
    try:
        names = {
            str(row[0])
            for row in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
        }
        if not {"gpkg_metadata", "gpkg_metadata_reference"} <= names:
            return {}
        rows = connection.execute(
            "SELECT m.metadata FROM gpkg_metadata m JOIN gpkg_metadata_reference r "
            "ON r.md_file_id = m.id WHERE r.reference_scope = 'table' AND r.table_name = ? "
            "AND m.md_standard_uri = 'http://gdal.org' AND m.mime_type = 'text/xml'",
            (table,),
        ).fetchall()
    finally:
        connection.close()
    items: dict[str, str] = {}
    for (text,) in rows:
        try:
            root = ElementTree.fromstring(str(text))
        except ElementTree.ParseError:
            continue
        for metadata in root.iter("Metadata"):
            if metadata.get("domain") not in (None, ""):
                continue
            for item in metadata.iter("MDI"):
                key = item.get("key")
                if key:
                    items[key] = item.text or ""
    return items


def geometry_kind(geometry_type: str) -> str:
    """ "polygon", "line", "point" or "" (unknown/mixed) for a GeoPackage geometry type."""
    key = re.sub(r"(Z|M|ZM)$", "", str(geometry_type).upper())
    return {
        "POLYGON": "polygon",
        "MULTIPOLYGON": "polygon",
        "CURVEPOLYGON": "polygon",
        "MULTISURFACE": "polygon",
        "LINESTRING": "line",
        "MULTILINESTRING": "line",
        "POINT": "point",
        "MULTIPOINT": "point",
    }.get(key, "")
