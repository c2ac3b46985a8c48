"""Saving a project to its ``.twin`` file (the layout is described in
:mod:`twin.project_file`, which reads it): the whole project atomically
(:func:`save_project`: temporary file, fsync, rename) or only its stored engine results
(:func:`save_results`, one SQLite transaction). Errors raise :class:`ProjectError` with one
line; the previous file is then untouched."""

from __future__ import annotations

import json
import os
import sqlite3
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
import pyogrio

from twin.errors import ProjectError
from twin.fingerprint import layer_fingerprint
from twin.i18n import tr
from twin.layers.io_write import writable_frame
from twin.layers.raster import RasterLayer
from twin.layers.vector import VectorLayer
from twin.project_checks import (
    SQLITE_SIDE_FILES,
    check_unique_layer_ids,
    fsync,
    os_text,
    save_target,
    temporary_prefix,
)
from twin.project_file import FORMAT_NAME, FORMAT_VERSION, read_meta
from twin.project_results import raster_to_geotiff, write_results
from twin.story import stories_to_json

# GeoPackage 1.3: GDAL before 3.7 (QGIS 3.22 on Debian 12) opens a GeoPackage whose
# extension is not .gpkg only when it knows its version, and it does not know 1.4.
GEOPACKAGE_OPTIONS = {"VERSION": "1.3"}
GEOPACKAGE_USER_VERSION = 10300


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
        raise ProjectError(
            tr("Could not save the project to {path}: {os_text}").format(
                path=path, os_text=os_text(error)
            )
        ) from error
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
        raise ProjectError(
            tr("Could not save the project to {path}: {text}").format(path=path, text=text)
        ) from error
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
            "fingerprint": layer_fingerprint(layer),
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
            rasters.append((layer.id, raster_to_geotiff(layer)))
            record["unit"] = layer.unit
        else:
            raise ProjectError(
                tr("layer {layer_name!r} of kind {layer_kind!r} cannot be saved").format(
                    layer_name=layer.name, layer_kind=layer.kind
                )
            )
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
        "stories": stories_to_json(getattr(project, "stories", {})),
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
        write_results(connection, getattr(project, "results", {}))
        _write_private(connection, getattr(project, "private", {}) or {})
        connection.commit()
    finally:
        connection.close()


def _write_private(connection: sqlite3.Connection, private: dict[str, bytes]) -> None:
    """The ``twin_private`` table (only when there is something to keep)."""
    if not private:
        return
    connection.execute("CREATE TABLE twin_private (key TEXT PRIMARY KEY, value BLOB NOT NULL)")
    connection.executemany(
        "INSERT INTO twin_private VALUES (?, ?)",
        [(str(key), bytes(value)) for key, value in private.items()],
    )


def save_results(project, path: Path | None = None) -> Path:
    """Replace the stored results in the project file ``path`` (default: the project's own)
    by ``project.results``, in one SQLite transaction (all or nothing), without rewriting
    the layers: for a project whose layers are those of the file (``twin simulate``)."""
    path = Path(path if path is not None else project.path)
    if not path.exists():
        raise ProjectError(tr("No project file at {path}").format(path=path))
    read_meta(path)  # a twin project, or ProjectError
    try:
        connection = sqlite3.connect(path, isolation_level=None)
        try:
            connection.execute("BEGIN IMMEDIATE")
            try:
                connection.execute("DROP TABLE IF EXISTS twin_results")
                connection.execute("DROP TABLE IF EXISTS twin_result_blobs")
                write_results(connection, getattr(project, "results", {}))
                connection.execute("COMMIT")
            except BaseException:
                connection.execute("ROLLBACK")
                raise
            connection.execute("VACUUM")  # give back the pages of the results replaced
        finally:
            connection.close()
    except sqlite3.DatabaseError as error:
        raise ProjectError(
            tr("Could not save the results in {path}: {error}").format(path=path, error=error)
        ) from error
    return path


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


def _json_default(value: Any) -> Any:
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, (set, tuple)):
        return list(value)
    raise TypeError(f"cannot store {type(value).__name__} in a project file")
