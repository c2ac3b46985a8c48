"""Writing an overview table into the cache GeoPackage beside a big layer, with sqlite3,
as GDAL writes it (its skeleton tables, the layer's SRS, GDAL's layer metadata), so that
pyogrio, the lean ``twin render`` and QGIS read it. Used by the streamed build
(:mod:`twin.layers.lazy_overview`). Qt-free, pandas-free.
"""

from __future__ import annotations

import sqlite3
import struct
from xml.sax.saxutils import escape

import numpy as np
import shapely


def quoted(name: str) -> str:
    """``name`` as an SQL identifier."""
    return '"' + name.replace('"', '""') + '"'


_GPKG_APPLICATION_ID = 0x47504B47  # "GPKG"
_GPKG_USER_VERSION = 10400  # GeoPackage 1.4, as GDAL writes it
_WGS84 = (
    'GEOGCS["WGS 84",DATUM["WGS_1984",SPHEROID["WGS 84",6378137,298.257223563,'
    'AUTHORITY["EPSG","7030"]],AUTHORITY["EPSG","6326"]],PRIMEM["Greenwich",0,'
    'AUTHORITY["EPSG","8901"]],UNIT["degree",0.0174532925199433,AUTHORITY["EPSG","9122"]],'
    'AXIS["Latitude",NORTH],AXIS["Longitude",EAST],AUTHORITY["EPSG","4326"]]'
)
_SKELETON = (
    "CREATE TABLE IF NOT EXISTS gpkg_spatial_ref_sys (srs_name TEXT NOT NULL,"
    "srs_id INTEGER NOT NULL PRIMARY KEY,organization TEXT NOT NULL,"
    "organization_coordsys_id INTEGER NOT NULL,definition TEXT NOT NULL,description TEXT)",
    "CREATE TABLE IF NOT EXISTS gpkg_contents (table_name TEXT NOT NULL PRIMARY KEY,"
    "data_type TEXT NOT NULL,identifier TEXT UNIQUE,description TEXT DEFAULT '',"
    "last_change DATETIME NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),"
    "min_x DOUBLE, min_y DOUBLE,max_x DOUBLE, max_y DOUBLE,srs_id INTEGER,"
    "CONSTRAINT fk_gc_r_srs_id FOREIGN KEY (srs_id) REFERENCES gpkg_spatial_ref_sys(srs_id))",
    "CREATE TABLE IF NOT EXISTS gpkg_ogr_contents(table_name TEXT NOT NULL PRIMARY KEY,"
    "feature_count INTEGER DEFAULT NULL)",
    "CREATE TABLE IF NOT EXISTS gpkg_geometry_columns (table_name TEXT NOT NULL,"
    "column_name TEXT NOT NULL,geometry_type_name TEXT NOT NULL,srs_id INTEGER NOT NULL,"
    "z TINYINT NOT NULL,m TINYINT NOT NULL,"
    "CONSTRAINT pk_geom_cols PRIMARY KEY (table_name, column_name),"
    "CONSTRAINT uk_gc_table_name UNIQUE (table_name),"
    "CONSTRAINT fk_gc_tn FOREIGN KEY (table_name) REFERENCES gpkg_contents(table_name),"
    "CONSTRAINT fk_gc_srs FOREIGN KEY (srs_id) REFERENCES gpkg_spatial_ref_sys (srs_id))",
    "CREATE TABLE IF NOT EXISTS gpkg_extensions (table_name TEXT,column_name TEXT,"
    "extension_name TEXT NOT NULL,definition TEXT NOT NULL,scope TEXT NOT NULL,"
    "CONSTRAINT ge_tce UNIQUE (table_name, column_name, extension_name))",
    "CREATE TABLE IF NOT EXISTS gpkg_metadata (id INTEGER CONSTRAINT m_pk PRIMARY KEY ASC "
    "NOT NULL,md_scope TEXT NOT NULL DEFAULT 'dataset',md_standard_uri TEXT NOT NULL,"
    "mime_type TEXT NOT NULL DEFAULT 'text/xml',metadata TEXT NOT NULL DEFAULT '')",
    "CREATE TABLE IF NOT EXISTS gpkg_metadata_reference (reference_scope TEXT NOT NULL,"
    "table_name TEXT,column_name TEXT,row_id_value INTEGER,timestamp DATETIME NOT NULL "
    "DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),md_file_id INTEGER NOT NULL,"
    "md_parent_id INTEGER,CONSTRAINT crmr_mfi_fk FOREIGN KEY (md_file_id) REFERENCES "
    "gpkg_metadata(id),CONSTRAINT crmr_mpi_fk FOREIGN KEY (md_parent_id) REFERENCES "
    "gpkg_metadata(id))",
)
_METADATA_EXTENSION = "http://www.geopackage.org/spec120/#extension_metadata"


class CacheWriter:
    """Writes one overview table into the cache GeoPackage, inside a transaction."""

    def __init__(self, connection: sqlite3.Connection, name: str, srs_id: int) -> None:
        self.connection, self.name, self.srs_id = connection, name, srs_id
        self.count = 0
        self.extent = [np.inf, np.inf, -np.inf, -np.inf]
        self.header = struct.pack("<2sBBi", b"GP", 0, 0x03, srs_id)  # little end., xy box
        self._insert_feature = f"INSERT INTO {quoted(name)} (fid, geom, feature) VALUES (?, ?, ?)"

    def write(self, fids: np.ndarray, geometries: np.ndarray) -> None:
        """Append shapes (with the feature id each stands for)."""
        if not len(geometries):
            return
        bounds = shapely.bounds(geometries)
        envelopes = np.ascontiguousarray(bounds[:, [0, 2, 1, 3]], dtype="<f8")
        wkb = shapely.to_wkb(geometries, byte_order=1)
        ids = np.arange(self.count + 1, self.count + 1 + len(geometries), dtype=np.int64)
        header = self.header
        self.connection.executemany(
            self._insert_feature,
            (
                (int(i), header + envelope.tobytes() + blob, int(f))
                for i, envelope, blob, f in zip(ids, envelopes, wkb, fids, strict=True)
            ),
        )
        self.count += len(geometries)
        self.extent = [
            min(self.extent[0], float(bounds[:, 0].min())),
            min(self.extent[1], float(bounds[:, 1].min())),
            max(self.extent[2], float(bounds[:, 2].max())),
            max(self.extent[3], float(bounds[:, 3].max())),
        ]


def prepare_cache(connection: sqlite3.Connection, source_connection, name: str, srs_id: int):
    """Create the GeoPackage tables if missing, drop an older ``name``, add its table."""
    connection.execute(f"PRAGMA application_id = {_GPKG_APPLICATION_ID}")
    connection.execute(f"PRAGMA user_version = {_GPKG_USER_VERSION}")
    for statement in _SKELETON:
        connection.execute(statement)
    known = {row[0] for row in connection.execute("SELECT srs_id FROM gpkg_spatial_ref_sys")}
    rows = [
        ("Undefined Cartesian SRS", -1, "NONE", -1, "undefined", "undefined Cartesian SRS"),
        ("Undefined geographic SRS", 0, "NONE", 0, "undefined", "undefined geographic SRS"),
        ("WGS 84 geodetic", 4326, "EPSG", 4326, _WGS84, "longitude/latitude on WGS 84"),
    ]
    source_row = source_connection.execute(
        "SELECT srs_name, srs_id, organization, organization_coordsys_id, definition, "
        "description FROM gpkg_spatial_ref_sys WHERE srs_id = ?",
        (srs_id,),
    ).fetchone()
    if source_row is not None:
        rows.append(tuple(source_row))
    for row in rows:
        if row[1] not in known:
            connection.execute("INSERT INTO gpkg_spatial_ref_sys VALUES (?, ?, ?, ?, ?, ?)", row)
            known.add(row[1])
    tables = {
        str(row[0])
        for row in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
    }
    for old in (name, f"rtree_{name}_geom"):  # GDAL's cache had an R-tree
        if old in tables:
            connection.execute(f"DROP TABLE {quoted(old)}")
    old_metadata = "SELECT md_file_id FROM gpkg_metadata_reference WHERE table_name = ?"
    connection.execute(f"DELETE FROM gpkg_metadata WHERE id IN ({old_metadata})", (name,))
    for registry in (
        "gpkg_metadata_reference",
        "gpkg_extensions",
        "gpkg_geometry_columns",
        "gpkg_ogr_contents",
        "gpkg_contents",
    ):
        connection.execute(f"DELETE FROM {registry} WHERE table_name = ?", (name,))
    connection.execute(
        f"CREATE TABLE {quoted(name)} (fid INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL, "
        "geom GEOMETRY, feature INTEGER)"
    )
    has_metadata_extension = connection.execute(
        "SELECT 1 FROM gpkg_extensions WHERE extension_name = 'gpkg_metadata'"
    ).fetchone()
    extensions = []
    if has_metadata_extension is None:
        for registry in ("gpkg_metadata", "gpkg_metadata_reference"):
            extensions.append((registry, None, "gpkg_metadata", _METADATA_EXTENSION, "read-write"))
    connection.executemany("INSERT INTO gpkg_extensions VALUES (?, ?, ?, ?, ?)", extensions)


def finish_cache(writer: CacheWriter, metadata: dict[str, str]) -> None:
    """Register the written table: contents, geometry column, count, metadata."""
    connection, name = writer.connection, writer.name
    extent = writer.extent if writer.count else [None] * 4
    connection.execute(
        "INSERT INTO gpkg_contents (table_name, data_type, identifier, description, "
        "min_x, min_y, max_x, max_y, srs_id) VALUES (?, 'features', ?, '', ?, ?, ?, ?, ?)",
        (name, name, *extent, writer.srs_id),
    )
    connection.execute(
        "INSERT INTO gpkg_geometry_columns VALUES (?, 'geom', 'GEOMETRY', ?, 0, 0)",
        (name, writer.srs_id),
    )
    connection.execute("INSERT INTO gpkg_ogr_contents VALUES (?, ?)", (name, writer.count))
    items = "".join(
        f'    <MDI key="{escape(key)}">{escape(value)}</MDI>\n'
        for key, value in sorted(metadata.items())
    )
    xml = (
        f"<GDALMultiDomainMetadata>\n  <Metadata>\n{items}  </Metadata>\n"
        "</GDALMultiDomainMetadata>\n"
    )
    cursor = connection.execute(
        "INSERT INTO gpkg_metadata (md_scope, md_standard_uri, mime_type, metadata) "
        "VALUES ('dataset', 'http://gdal.org', 'text/xml', ?)",
        (xml,),
    )
    connection.execute(
        "INSERT INTO gpkg_metadata_reference (reference_scope, table_name, md_file_id) "
        "VALUES ('table', ?, ?)",
        (name, cursor.lastrowid),
    )
