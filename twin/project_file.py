"""The ``.twin`` project file: a GeoPackage that QGIS, GDAL and pyogrio can open.

Layout:
- one GeoPackage feature table per vector layer (table name = layer id);
- table ``twin_rasters(layer_id TEXT PRIMARY KEY, geotiff BLOB)``: each raster layer as a
  complete GeoTIFF, so the file is self-contained and bit-exact;
- table ``twin_meta(key TEXT PRIMARY KEY, value TEXT)``: key ``project`` holds JSON with the
  CRS, layer order, names, visibility, opacity, styles, provenance, views, metadata and
  scenarios.

Opening reads JSON and GeoPackage tables only: no pickle, no eval, nothing from the file is
ever executed. Saving writes a temporary file beside the target, then renames it.
"""

from __future__ import annotations

import json
import os
import sqlite3
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
import pyogrio
import rasterio
from pyproj.exceptions import CRSError
from rasterio.errors import RasterioError
from rasterio.io import MemoryFile

from twin.errors import ProjectError
from twin.layers.base import Layer
from twin.layers.io_common import sqlite_uri
from twin.layers.io_raster import check_raster_memory, geotiff_array_and_profile
from twin.layers.io_write import writable_frame
from twin.layers.provenance import Provenance
from twin.layers.raster import RasterLayer
from twin.layers.style import Style
from twin.layers.vector import VectorLayer
from twin.project_checks import (
    SQLITE_SIDE_FILES,
    check_gtfs_path,
    check_meta_shapes,
    check_style,
    check_unique_layer_ids,
    clean_stale_temporaries,
    fsync,
    os_text,
    parse_visible,
    save_target,
    temporary_prefix,
    unique_layer_records,
)

# GeoPackage 1.3: GDAL before 3.7 (QGIS 3.22 on Debian 12) opens a GeoPackage whose
# extension is not .gpkg only when it knows its version, and it does not know 1.4.
GEOPACKAGE_OPTIONS = {"VERSION": "1.3"}
GEOPACKAGE_USER_VERSION = 10300
FORMAT_NAME = "twin-project"
FORMAT_VERSION = 1


def save_project(project, path: Path) -> Path:
    """Write ``project`` to ``path`` atomically (temporary file + fsync + rename).

    Saving onto a symbolic link updates the file it points to and keeps the link. Errors
    (read-only folder, disk full, permission) raise :class:`ProjectError` with one line; the
    previous file is then untouched and no temporary file is left behind.
    """
    path = Path(path)
    if path.suffix.lower() not in (".twin", ".gpkg"):
        path = path.with_suffix(".twin")
    target = save_target(path)
    check_unique_layer_ids(project, path)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(
            suffix=".gpkg", prefix=temporary_prefix(target), dir=target.parent
        )
    except OSError as error:
        raise ProjectError(f"Could not save the project to {path}: {os_text(error)}") from error
    os.close(handle)
    os.unlink(temporary)  # GDAL wants to create the GeoPackage itself
    try:
        _write(project, Path(temporary))
        fsync(temporary)
        os.replace(temporary, target)
        fsync(target.parent)
    except Exception as error:
        for leftover in (temporary, *(temporary + s for s in SQLITE_SIDE_FILES)):
            if os.path.exists(leftover):
                os.unlink(leftover)
        if isinstance(error, ProjectError):
            raise
        text = os_text(error) if isinstance(error, OSError) else str(error)
        raise ProjectError(f"Could not save the project to {path}: {text}") from error
    return path


def _write(project, path: Path) -> None:
    layer_records: list[dict[str, Any]] = []
    rasters: list[tuple[str, bytes]] = []
    wrote_any_table = False
    for layer in project.layers:
        record = {
            "id": layer.id,
            "name": layer.name,
            "kind": layer.kind,
            "visible": layer.visible,
            "opacity": layer.opacity,
            "style": layer.style.to_dict(),
            "provenance": layer.provenance.to_dict(),
        }
        if isinstance(layer, VectorLayer):
            frame = _writable_frame(layer)
            pyogrio.write_dataframe(
                frame,
                path,
                layer=layer.id,
                driver="GPKG",
                append=wrote_any_table,
                **({} if wrote_any_table else {"dataset_options": GEOPACKAGE_OPTIONS}),
            )
            wrote_any_table = True
            record["geometry_column"] = frame.geometry.name
        elif isinstance(layer, RasterLayer):
            rasters.append((layer.id, _geotiff_bytes(layer)))
            record["unit"] = layer.unit
        else:
            raise ProjectError(f"layer {layer.name!r} of kind {layer.kind!r} cannot be saved")
        layer_records.append(record)
    meta = {
        "format": FORMAT_NAME,
        "version": FORMAT_VERSION,
        "crs": project.crs.to_wkt(),
        "crs_name": project.crs.to_string(),
        "layers": layer_records,
        "views": [view.to_dict() for view in project.views],
        "metadata": project.metadata,
        "scenarios": project.scenarios,
    }
    text = json.dumps(meta, ensure_ascii=False, allow_nan=False, default=_json_default)
    connection = sqlite3.connect(path)
    try:
        if not wrote_any_table:
            _init_empty_geopackage(connection)
        connection.execute("CREATE TABLE twin_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
        connection.execute("INSERT INTO twin_meta VALUES ('project', ?)", (text,))
        connection.execute(
            "CREATE TABLE twin_rasters (layer_id TEXT PRIMARY KEY, geotiff BLOB NOT NULL)"
        )
        connection.executemany("INSERT INTO twin_rasters VALUES (?, ?)", rasters)
        connection.commit()
    finally:
        connection.close()


def _init_empty_geopackage(connection: sqlite3.Connection) -> None:
    """Minimal GeoPackage header tables for a project without vector layers."""
    connection.execute("PRAGMA application_id = 1196444487")  # 'GPKG'
    connection.execute(f"PRAGMA user_version = {GEOPACKAGE_USER_VERSION}")
    connection.execute(
        "CREATE TABLE gpkg_spatial_ref_sys (srs_name TEXT NOT NULL, srs_id INTEGER PRIMARY KEY,"
        " organization TEXT NOT NULL, organization_coordsys_id INTEGER NOT NULL,"
        " definition TEXT NOT NULL, description TEXT)"
    )
    connection.execute(
        "CREATE TABLE gpkg_contents (table_name TEXT NOT NULL PRIMARY KEY, data_type TEXT NOT"
        " NULL, identifier TEXT UNIQUE, description TEXT DEFAULT '', last_change DATETIME NOT"
        " NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')), min_x DOUBLE, min_y DOUBLE,"
        " max_x DOUBLE, max_y DOUBLE, srs_id INTEGER)"
    )


def _writable_frame(layer: VectorLayer):
    """The writable copy of :func:`writable_frame`, with a user column ``fid`` renamed so
    it does not clash with the GeoPackage's own feature id."""
    frame = writable_frame(layer)
    lowered = {c.lower(): c for c in frame.columns}
    if "fid" in lowered:
        frame = frame.rename(columns={lowered["fid"]: "fid_"})
    return frame


def _geotiff_bytes(layer: RasterLayer) -> bytes:
    array, profile = geotiff_array_and_profile(
        layer.array, layer.transform, layer.crs, layer.nodata
    )
    with MemoryFile() as memory:
        with memory.open(**profile) as dataset:
            dataset.write(array, 1)
        return memory.read()


def _json_default(value: Any) -> Any:
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, (set, tuple)):
        return list(value)
    raise TypeError(f"cannot store {type(value).__name__} in a project file")


# --- reading ---------------------------------------------------------------------------------
def load_project(path: Path):
    """Read a ``.twin`` file into a :class:`twin.project.Project`."""
    from twin.project import Project, View

    path = Path(path)
    if not path.exists():
        raise ProjectError(f"No project file at {path}")
    if not path.is_file():
        raise ProjectError(f"{path} is not a project file (a folder, device or pipe)")
    clean_stale_temporaries(path)
    meta = _read_meta(path)
    check_meta_shapes(path, meta)
    try:
        project = Project(crs=meta["crs"])
        project.views = [View.from_dict(v) for v in meta.get("views", [])]
        project.metadata = dict(meta.get("metadata", {}))
        check_gtfs_path(path, project.metadata)
        project.scenarios = list(meta.get("scenarios", []))
        rasters = _read_rasters(path)
        for record in unique_layer_records(path, meta["layers"]):
            project.layers.append(_read_layer(path, record, rasters))
    except ProjectError:
        raise
    except (KeyError, TypeError, ValueError, AttributeError, CRSError) as error:
        raise ProjectError(f"{path.name} has a damaged twin_meta table ({error!r})") from error
    project.path = path
    return project


def _read_meta(path: Path) -> dict[str, Any]:
    try:
        connection = sqlite3.connect(sqlite_uri(path), uri=True)
        try:
            connection.text_factory = bytes  # decoded below: damaged text is one line
            row = connection.execute("SELECT value FROM twin_meta WHERE key='project'").fetchone()
        finally:
            connection.close()
    except (sqlite3.DatabaseError, UnicodeDecodeError) as error:
        raise ProjectError(
            f"{path.name} is not a twin project (not a GeoPackage with a twin_meta table: {error})"
        ) from error
    if row is None:
        raise ProjectError(f"{path.name} has no project record in its twin_meta table")
    try:
        text = row[0].decode("utf-8") if isinstance(row[0], bytes) else None
    except UnicodeDecodeError as error:
        raise ProjectError(f"{path.name}: the project record is damaged text ({error})") from None
    if text is None:
        raise ProjectError(f"{path.name}: the project record is not valid JSON (not text)")
    try:
        meta = json.loads(text)
    except json.JSONDecodeError as error:
        raise ProjectError(
            f"{path.name}: the project record is not valid JSON ({error})"
        ) from error
    except RecursionError:
        raise ProjectError(
            f"{path.name}: the project record is nested too deeply to be a twin project"
        ) from None
    if not isinstance(meta, dict) or meta.get("format") != FORMAT_NAME:
        raise ProjectError(f"{path.name} is not a twin project file")
    try:
        version = int(meta.get("version", 0))
    except (TypeError, ValueError) as error:
        raise ProjectError(f"{path.name} has a damaged twin_meta table (version)") from error
    if version > FORMAT_VERSION:
        raise ProjectError(
            f"{path.name} was saved by a newer twin (format {meta['version']}); update twin"
        )
    return meta


def _read_rasters(path: Path) -> dict[str, bytes]:
    connection = sqlite3.connect(sqlite_uri(path), uri=True)
    try:
        rows = connection.execute("SELECT layer_id, geotiff FROM twin_rasters").fetchall()
    except (sqlite3.DatabaseError, UnicodeDecodeError):
        rows = []
    finally:
        connection.close()
    return {str(layer_id): bytes(blob) for layer_id, blob in rows}


def _read_layer(path: Path, record: dict[str, Any], rasters: dict[str, bytes]) -> Layer:
    style = Style.from_dict(record.get("style", {}))
    check_style(style, path, str(record.get("name", record.get("id"))))
    common = {
        "style": style,
        "provenance": Provenance.from_dict(record.get("provenance", {})),
        "visible": parse_visible(record.get("visible", True), path, record),
        "opacity": float(record.get("opacity", 1.0)),
        "layer_id": str(record["id"]),
    }
    name = str(record.get("name", record["id"]))
    if record.get("kind") == "raster":
        blob = rasters.get(record["id"])
        if blob is None:
            raise ProjectError(f"{path.name}: raster layer {name!r} has no data")
        try:
            with MemoryFile(blob) as memory, memory.open() as dataset:
                if dataset.driver != "GTiff":
                    raise ProjectError(f"{path.name}: raster layer {name!r} is not a GeoTIFF")
                check_raster_memory(path, dataset.width, dataset.height, dataset.dtypes[0])
                array = dataset.read(1)
                transform, nodata = dataset.transform, dataset.nodata
                crs = dataset.crs.to_wkt() if dataset.crs else None
        except RasterioError as error:
            raise ProjectError(
                f"{path.name}: raster layer {name!r} is damaged ({error})"
            ) from error
        return RasterLayer(
            name,
            array,
            transform,
            crs,
            nodata=nodata,
            unit=str(record.get("unit", "")),
            **common,
        )
    if record.get("kind") == "vector":
        try:
            frame = pyogrio.read_dataframe(path, layer=record["id"], use_arrow=True)
        except Exception as error:  # pyogrio raises several error types for missing tables
            raise ProjectError(f"{path.name}: cannot read layer {name!r} ({error})") from error
        if "fid_" in frame.columns and "fid" not in frame.columns:
            frame = frame.rename(columns={"fid_": "fid"})
        return VectorLayer(name, frame, **common)
    raise ProjectError(f"{path.name}: unknown layer kind {record.get('kind')!r}")


def list_tables(path: Path) -> list[str]:
    """Names of the vector tables pyogrio/GDAL see in a project file (for `twin info`)."""
    with rasterio.Env():
        return [str(name) for name, _ in pyogrio.list_layers(path)]
