"""The ``.twin`` project file: a GeoPackage that QGIS, GDAL and pyogrio can open.

Layout:
- one GeoPackage feature table per vector layer (table name = layer id);
- table ``twin_rasters(layer_id TEXT PRIMARY KEY, geotiff BLOB)``: each raster layer as a
  complete GeoTIFF, so the file is self-contained and bit-exact;
- table ``twin_meta(key TEXT PRIMARY KEY, value TEXT)``: key ``project`` holds JSON with the
  CRS, layer order, names, visibility, opacity, styles, provenance (and a content
  fingerprint, see :mod:`twin.fingerprint`) of each layer, views, metadata and scenarios;
- tables ``twin_results(key TEXT PRIMARY KEY, domain TEXT, meta TEXT)`` and
  ``twin_result_blobs(key TEXT, name TEXT, data BLOB)``: engine results kept with the project
  (DESIGN.md "Results live with the project"): ``key`` is the hash of the inputs the result
  was computed from, ``meta`` JSON (figures, warnings, layer records), the blobs are result
  layers as GeoTIFF (rasters) or GeoParquet (vectors). What they mean is for
  :mod:`twin.sim.whatif.store`; this module only reads and writes them as text and bytes;
- table ``twin_private(key TEXT PRIMARY KEY, value BLOB)``: secrets and personal data kept
  apart from the layers (``project.private``: the key of citizen report pseudonyms and
  encrypted contact data, see :mod:`twin.layers.reports_gdpr`); absent when empty.

Opening reads JSON, GeoPackage tables, GeoTIFF and GeoParquet only: no pickle, no eval,
nothing from the file is ever executed. Saving (:mod:`twin.project_save`) writes a temporary
file beside the target, then renames it. This module does not import :mod:`twin.project`
(the project imports it): :func:`read_project` returns the parts,
:meth:`twin.project.Project.open` assembles them.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyogrio
import rasterio
from pyproj.exceptions import CRSError
from rasterio.errors import RasterioError
from rasterio.io import MemoryFile

from twin.errors import ProjectError
from twin.fingerprint import is_fingerprint, set_fingerprint
from twin.i18n import tr
from twin.layers import lazy
from twin.layers.base import Layer
from twin.layers.io_common import sqlite_uri
from twin.layers.io_raster import (
    check_raster_header,
)
from twin.layers.provenance import Provenance
from twin.layers.raster import RasterLayer
from twin.layers.style import Style
from twin.layers.validate import check_people_columns
from twin.layers.vector import VectorLayer
from twin.project_checks import (
    check_gtfs_path,
    check_meta_shapes,
    check_style,
    clean_stale_temporaries,
    parse_visible,
    unique_layer_records,
)
from twin.project_results import (  # noqa: F401 (part of this module's API)
    ResultRecord,
    ResultsWarning,
    frame_to_geoparquet,
    geoparquet_to_frame,
    geotiff_to_array,
    raster_to_geotiff,
    read_results,
    write_results,
)

FORMAT_NAME = "twin-project"
FORMAT_VERSION = 1


@dataclass
class ProjectContents:
    """What a ``.twin`` file holds, read but not yet assembled into a Project: the CRS (WKT),
    layers, views (dicts), metadata, scenarios (dicts) and stored results by key."""

    crs: str
    layers: list[Layer]
    views: list[dict[str, Any]]
    metadata: dict[str, Any]
    scenarios: list[dict[str, Any]]
    results: dict[str, ResultRecord]
    stories: dict[str, Any] = field(default_factory=dict)
    private: dict[str, bytes] = field(default_factory=dict)


def read_private(path: Path) -> dict[str, bytes]:
    """The ``twin_private`` table of a project file (empty when it has none)."""
    connection = sqlite3.connect(sqlite_uri(path), uri=True)
    try:
        rows = connection.execute("SELECT key, value FROM twin_private").fetchall()
    except sqlite3.DatabaseError:
        rows = []
    finally:
        connection.close()
    return {str(key): bytes(value) for key, value in rows}


# --- reading ---------------------------------------------------------------------------------
def read_project(
    path: Path, wanted: Callable[[dict[str, Any]], bool] | None = None
) -> ProjectContents:
    """Read a ``.twin`` file into its parts (see :meth:`twin.project.Project.open`).

    ``wanted(record)`` (a layer's entry in ``twin_meta``: id, name, kind, visible...) picks
    the layers read now (default: all); :func:`read_project_layers` reads the others later.
    """
    path = Path(path)
    if not path.exists():
        raise ProjectError(tr("No project file at {path}").format(path=path))
    if not path.is_file():
        raise ProjectError(
            tr("{path} is not a project file (a folder, device or pipe)").format(path=path)
        )
    clean_stale_temporaries(path)
    meta = read_meta(path)
    check_meta_shapes(path, meta)
    try:
        crs = meta["crs"]
        if not isinstance(crs, str):
            raise TypeError("the CRS is not text")
        views = list(meta.get("views", []))
        metadata = dict(meta.get("metadata", {}))
        check_gtfs_path(path, metadata)
        scenarios = list(meta.get("scenarios", []))
        unique = unique_layer_records(path, meta["layers"])
        records = [r for r in unique if wanted is None or wanted(r)]
        rasters = _read_rasters(path) if any(r.get("kind") == "raster" for r in records) else {}
        counts = _feature_counts(path)
        layers = [_read_layer(path, record, rasters, counts) for record in records]
    except ProjectError:
        raise
    except (KeyError, TypeError, ValueError, AttributeError, CRSError) as error:
        raise ProjectError(
            tr("{path_name} has a damaged twin_meta table ({error!r})").format(
                path_name=path.name, error=error
            )
        ) from error
    stories = meta.get("stories", {})
    return ProjectContents(
        crs, layers, views, metadata, scenarios, read_results(path), stories, read_private(path)
    )


def read_project_layers(
    path: Path, wanted: Callable[[dict[str, Any]], bool]
) -> list[tuple[int, Layer]]:
    """The layers of a ``.twin`` file that ``wanted(record)`` picks, each with its position
    in the file's layer order (0 = top), for a project opened with ``Project.open(path,
    wanted=...)`` that skipped them."""
    path = Path(path)
    meta = read_meta(path)
    check_meta_shapes(path, meta)
    try:
        unique = unique_layer_records(path, meta["layers"], warn=False)
        chosen = [(i, r) for i, r in enumerate(unique) if wanted(r)]
        rasters = _read_rasters(path) if any(r.get("kind") == "raster" for _, r in chosen) else {}
        counts = _feature_counts(path)
        return [(index, _read_layer(path, record, rasters, counts)) for index, record in chosen]
    except ProjectError:
        raise
    except (KeyError, TypeError, ValueError, AttributeError, CRSError) as error:
        raise ProjectError(
            tr("{path_name} has a damaged twin_meta table ({error!r})").format(
                path_name=path.name, error=error
            )
        ) from error


def read_meta(path: Path) -> dict[str, Any]:
    """The ``project`` JSON of ``twin_meta`` in the file ``path``, checked to be a twin project
    of a version this twin reads; :class:`ProjectError` (one line) otherwise."""
    try:
        connection = sqlite3.connect(sqlite_uri(path), uri=True)
        try:
            connection.text_factory = bytes  # decoded below: damaged text is one line
            row = connection.execute("SELECT value FROM twin_meta WHERE key='project'").fetchone()
        finally:
            connection.close()
    except (sqlite3.DatabaseError, UnicodeDecodeError) as error:
        raise ProjectError(
            tr(
                "{name} is not a twin project (not a GeoPackage with a twin_meta table: {error})"
            ).format(name=path.name, error=error)
        ) from error
    if row is None:
        raise ProjectError(
            tr("{path_name} has no project record in its twin_meta table").format(
                path_name=path.name
            )
        )
    try:
        text = row[0].decode("utf-8") if isinstance(row[0], bytes) else None
    except UnicodeDecodeError as error:
        raise ProjectError(
            tr("{path_name}: the project record is damaged text ({error})").format(
                path_name=path.name, error=error
            )
        ) from None
    if text is None:
        raise ProjectError(
            tr("{path_name}: the project record is not valid JSON (not text)").format(
                path_name=path.name
            )
        )
    try:
        meta = json.loads(text)
    except json.JSONDecodeError as error:
        raise ProjectError(
            tr("{path_name}: the project record is not valid JSON ({error})").format(
                path_name=path.name, error=error
            )
        ) from error
    except RecursionError:
        raise ProjectError(
            tr("{path_name}: the project record is nested too deeply to be a twin project").format(
                path_name=path.name
            )
        ) from None
    if not isinstance(meta, dict) or meta.get("format") != FORMAT_NAME:
        raise ProjectError(tr("{name} is not a twin project file").format(name=path.name))
    try:
        version = int(meta.get("version", 0))
    except (TypeError, ValueError) as error:
        raise ProjectError(
            tr("{path_name} has a damaged twin_meta table (version)").format(path_name=path.name)
        ) from error
    if version > FORMAT_VERSION:
        raise ProjectError(
            tr("{path_name} was saved by a newer twin (format {version}); update twin").format(
                path_name=path.name, version=meta["version"]
            )
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


def _feature_counts(path: Path) -> dict[str, int]:
    """Features per vector table from the GeoPackage's ``gpkg_ogr_contents`` (kept by GDAL),
    one query for all: {} where the table is missing (each layer is then asked through
    GDAL, 5-10 ms per table)."""
    try:
        connection = sqlite3.connect(sqlite_uri(path), uri=True)
        try:
            rows = connection.execute(
                "SELECT table_name, feature_count FROM gpkg_ogr_contents"
            ).fetchall()
        finally:
            connection.close()
    except (sqlite3.DatabaseError, UnicodeDecodeError):
        return {}
    return {
        str(name): int(count)
        for name, count in rows
        if isinstance(count, int) and not isinstance(count, bool) and count >= 0
    }


def _read_layer(
    path: Path,
    record: dict[str, Any],
    rasters: dict[str, bytes],
    counts: dict[str, int] | None = None,
) -> Layer:
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
            raise ProjectError(
                tr("{path_name}: raster layer {name!r} has no data").format(
                    path_name=path.name, name=name
                )
            )
        try:
            with MemoryFile(blob) as memory, memory.open() as dataset:
                if dataset.driver != "GTiff":
                    raise ProjectError(
                        tr("{path_name}: raster layer {name!r} is not a GeoTIFF").format(
                            path_name=path.name, name=name
                        )
                    )
                crs = dataset.crs.to_wkt() if dataset.crs else None
                where = f"{path.name}: raster layer {name!r}"
                check_raster_header(dataset, crs, where)
                array = dataset.read(1)
                transform, nodata = dataset.transform, dataset.nodata
        except RasterioError as error:
            raise ProjectError(
                tr("{path_name}: raster layer {name!r} is damaged ({error})").format(
                    path_name=path.name, name=name, error=error
                )
            ) from error
        layer = RasterLayer(
            name,
            array,
            transform,
            crs,
            nodata=nodata,
            unit=str(record.get("unit", "")),
            **common,
        )
        _restore_fingerprint(layer, record)
        return layer
    if record.get("kind") == "vector":
        lazy = _lazy_layer(path, record, name, common, (counts or {}).get(str(record["id"])))
        if lazy is not None:
            return lazy
        try:
            frame = pyogrio.read_dataframe(path, layer=record["id"], use_arrow=True)
        except Exception as error:  # pyogrio raises several error types for missing tables
            raise ProjectError(
                tr("{path_name}: cannot read layer {name!r} ({error})").format(
                    path_name=path.name, name=name, error=error
                )
            ) from error
        if "fid_" in frame.columns and "fid" not in frame.columns:
            frame = frame.rename(columns={"fid_": "fid"})
        check_people_columns(frame, f"{path.name}, layer {name!r}")
        layer = VectorLayer(name, frame, **common)
        _restore_fingerprint(layer, record)
        return layer
    raise ProjectError(
        tr("{path_name}: unknown layer kind {kind!r}").format(
            path_name=path.name, kind=record.get("kind")
        )
    )


def _lazy_layer(
    path: Path,
    record: dict[str, Any],
    name: str,
    common: dict[str, Any],
    count: int | None = None,
) -> Layer | None:
    """A :class:`LazyVectorLayer` for a big polygon or line table (over
    ``LAZY_FEATURE_THRESHOLD`` features, read by box as the map needs it); None: read it
    whole as before. ``count``: the table's features when the GeoPackage says (GDAL is
    then not asked for a small table)."""
    if count is not None and count <= lazy.LAZY_FEATURE_THRESHOLD:
        return None
    try:
        info = pyogrio.read_info(path, layer=record["id"], force_total_bounds=False)
    except Exception:  # the usual read below reports the problem
        return None
    if int(info["features"]) <= lazy.LAZY_FEATURE_THRESHOLD:
        return None
    layer = lazy.LazyVectorLayer.open(path, record["id"], name)
    if layer.geometry_kind == "point":
        return None
    layer = lazy.LazyVectorLayer(
        name,
        path,
        record["id"],
        layer.feature_count,
        layer.bounds,
        layer.geometry_kind,
        [c for c in layer.attribute_columns if c != "fid_"],
        layer.crs,
        **common,
    )
    _restore_fingerprint(layer, record)
    return layer


def _restore_fingerprint(layer: Layer, record: dict[str, Any]) -> None:
    """The fingerprint saved with the layer (of the data just read), when it has one."""
    value = record.get("fingerprint")
    if is_fingerprint(value):
        set_fingerprint(layer, value)


def list_tables(path: Path) -> list[str]:
    """Names of the vector tables pyogrio/GDAL see in a project file (for `twin info`)."""
    with rasterio.Env():
        return [str(name) for name, _ in pyogrio.list_layers(path)]
