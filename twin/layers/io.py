"""Readers and writers: data files in, layers in the project CRS out (and back to files).

Formats, recognised by extension and, without a known extension, by their first bytes:

====================  ==========================================  ===========================
format                extensions                                  layers
====================  ==========================================  ===========================
GeoPackage            ``.gpkg``                                   every vector table and raster
                                                                  table (tiles/coverage)
twin project          ``.twin``                                   the project's layers
GeoJSON               ``.geojson``, ``.json``                     one
Shapefile             ``.shp``; ``.zip`` holding one or more      one per ``.shp``
GeoTIFF               ``.tif``, ``.tiff``                         band 1
CSV                   ``.csv`` (see :mod:`twin.layers.io_csv`)     one, points
OpenStreetMap         ``.osm.pbf``, ``.pbf``, ``.osm``            points, lines, multipolygons
                                                                  (the non-empty ones)
====================  ==========================================  ===========================

Every layer is reprojected into ``crs`` (the project CRS; None keeps the file's CRS).
``source_crs`` supplies a CRS the file lacks (a Shapefile without ``.prj``, x/y columns of a
CSV in another CRS than the project's). Invalid geometries are repaired with
``shapely.make_valid`` and counted in ``Provenance.repaired_geometries``; features without
geometry are left out and counted in the provenance parameter ``dropped_empty_geometries``.
Bad input raises :class:`twin.errors.DataError` with a message naming the file.
"""

from __future__ import annotations

import os
import sqlite3
import warnings
import zipfile
from dataclasses import dataclass
from pathlib import Path

from pyproj import CRS

from twin.errors import DataError
from twin.feedback import Feedback, ensure_feedback
from twin.i18n import tr
from twin.layers.base import Layer
from twin.layers.io_checks import check_complete
from twin.layers.io_common import (
    FORMAT_LABELS,
    crs_label,
    detect_format,
    existing_file,
    same_crs,
    sqlite_uri,
    to_crs,
)
from twin.layers.io_csv import read_csv_points
from twin.layers.io_raster import read_raster, reproject_array
from twin.layers.io_vector import (
    EmptyLayerError,
    corrupt_error,
    read_vector,
    reproject_frame,
    vector_layer_names,
)
from twin.layers.io_write import write_layer
from twin.layers.raster import RasterLayer
from twin.layers.vector import VectorLayer

__all__ = ["DataError", "detect_format", "layer_names", "read_layer", "read_layers", "write_layer"]

OSM_LAYERS = ("points", "lines", "multipolygons")


@dataclass(frozen=True)
class _Entry:
    """One readable layer of a file: display name, kind, GDAL source and GDAL layer."""

    name: str
    kind: str  # "vector", "raster" or "csv"
    source: str
    layer: str | None


def read_layers(
    path: str | os.PathLike,
    crs: CRS | str | int | None = None,
    feedback: Feedback | None = None,
    source_crs: CRS | str | int | None = None,
) -> list[Layer]:
    """Every non-empty layer of the file at ``path``, each reprojected to ``crs``.

    ``feedback`` receives progress (percent) and may cancel (raises CancelledError).
    """
    path = existing_file(path)
    feedback = ensure_feedback(feedback)
    target, given = to_crs(crs, "crs"), to_crs(source_crs, "source_crs")
    feedback.set_progress(0, f"Reading {path.name}")
    format_key = detect_format(path)
    if format_key == "project":
        layers = _project_layers(path, target)
        feedback.set_progress(100, f"Read {path.name}")
        return layers
    check_complete(path, format_key)
    entries = _entries(path, format_key)
    layers: list[Layer] = []
    for index, entry in enumerate(entries):
        part = _SliceFeedback(
            feedback, 100 * index / len(entries), 100 * (index + 1) / len(entries)
        )
        try:
            layers.append(_read_entry(path, format_key, entry, part, target, given))
        except EmptyLayerError:
            continue
    if not layers:
        raise DataError(
            tr(
                "{path_name} has no features with a geometry in any of its layers (is "
                "the file empty or cut short?)"
            ).format(path_name=path.name)
        )
    feedback.set_progress(100, f"Read {path.name}")
    return layers


def read_layer(
    path: str | os.PathLike,
    layer: str | None = None,
    crs: CRS | str | int | None = None,
    feedback: Feedback | None = None,
    source_crs: CRS | str | int | None = None,
) -> Layer:
    """One layer of the file at ``path`` reprojected to ``crs``: the layer named ``layer``,
    or the first non-empty one."""
    path = existing_file(path)
    feedback = ensure_feedback(feedback)
    target, given = to_crs(crs, "crs"), to_crs(source_crs, "source_crs")
    feedback.set_progress(0, f"Reading {path.name}")
    format_key = detect_format(path)
    if format_key == "project":
        layers = _project_layers(path, target)
        if layer is None:
            chosen = layers[0]
        else:
            chosen = _choose(path, layers, layer, lambda item: (item.name, item.id))
        feedback.set_progress(100, f"Read {path.name}")
        return chosen
    check_complete(path, format_key)
    entries = _entries(path, format_key)
    if layer is not None:
        entry = _choose(path, entries, layer, lambda item: (item.name, item.layer))
        result = _read_entry(path, format_key, entry, feedback, target, given)
    else:
        result = None
        for entry in entries:
            try:
                result = _read_entry(path, format_key, entry, feedback, target, given)
                break
            except EmptyLayerError:
                if len(entries) == 1:
                    raise
        if result is None:
            raise DataError(
                tr(
                    "{path_name} has no features with a geometry in any of its layers "
                    "(is the file empty or cut short?)"
                ).format(path_name=path.name)
            )
    feedback.set_progress(100, f"Read {path.name}")
    return result


def layer_names(path: str | os.PathLike) -> list[str]:
    """Names of the layers :func:`read_layer` can read from ``path`` (for pickers)."""
    path = existing_file(path)
    format_key = detect_format(path)
    if format_key == "project":
        return [layer.name for layer in _project_layers(path, None)]
    return [entry.name for entry in _entries(path, format_key)]


def _choose(path: Path, items: list, wanted: str, keys):
    for item in items:
        if wanted in keys(item):
            return item
    available = ", ".join(str(keys(item)[0]) for item in items) or "none"
    raise DataError(
        tr("{path_name} has no layer named '{wanted}'; available: {available}").format(
            path_name=path.name, wanted=wanted, available=available
        )
    )


# --- what a file holds ------------------------------------------------------------------------
def _stem(path: Path) -> str:
    name = path.name
    for suffix in (".osm.pbf", ".shp.zip"):
        if name.lower().endswith(suffix):
            return name[: -len(suffix)]
    return path.stem


def _entries(path: Path, format_key: str) -> list[_Entry]:
    source = str(path)
    if format_key == "gpkg":
        rasters, has_features = _geopackage_tables(path)
        listed = vector_layer_names(source, path, format_key) if has_features else []
        vectors = [
            _Entry(name, "vector", source, name) for name, _ in listed if name not in rasters
        ]
        raster_entries = [_Entry(t, "raster", f"GPKG:{source}:{t}", t) for t in rasters]
        return vectors + raster_entries
    if format_key == "osm":
        return [_Entry(f"{_stem(path)} {name}", "vector", source, name) for name in OSM_LAYERS]
    if format_key == "zip":
        members = _zip_shapefiles(path)
        return [
            _Entry(Path(member).stem, "vector", f"/vsizip/{path.resolve()}/{member}", None)
            for member in members
        ]
    if format_key == "tiff":
        return [_Entry(_stem(path), "raster", source, None)]
    if format_key == "csv":
        return [_Entry(_stem(path), "csv", source, None)]
    return [_Entry(_stem(path), "vector", source, None)]


def _geopackage_tables(path: Path) -> tuple[list[str], bool]:
    """Raster tables (tiles or gridded coverage) registered in a GeoPackage, and whether it
    registers any feature table."""
    try:
        connection = sqlite3.connect(sqlite_uri(path), uri=True)
        try:
            rows = connection.execute("SELECT table_name, data_type FROM gpkg_contents").fetchall()
        finally:
            connection.close()
    except UnicodeDecodeError as error:
        raise corrupt_error(path, "gpkg", error) from error
    except sqlite3.DatabaseError as error:
        if "no such table" in str(error):
            raise DataError(
                tr(
                    "{path_name} is an SQLite database but not a GeoPackage (no gpkg_contents)"
                ).format(path_name=path.name)
            ) from error
        raise corrupt_error(path, "gpkg", error) from error
    rasters = [str(name) for name, kind in rows if kind in ("tiles", "2d-gridded-coverage")]
    return rasters, any(kind == "features" for _, kind in rows)


def _zip_shapefiles(path: Path) -> list[str]:
    try:
        with zipfile.ZipFile(path) as archive:
            names = archive.namelist()
    except (zipfile.BadZipFile, OSError) as error:
        raise DataError(
            tr("{path_name} is not a readable zip archive ({error})").format(
                path_name=path.name, error=error
            )
        ) from error
    shapefiles = [n for n in names if n.lower().endswith(".shp") and "__MACOSX" not in n]
    if not shapefiles:
        shown = ", ".join(names[:8]) + (" ..." if len(names) > 8 else "") if names else "nothing"
        raise DataError(
            tr(
                "{path_name} holds no Shapefile (.shp); it contains: {shown}. Unzip it "
                "and open the data file inside"
            ).format(path_name=path.name, shown=shown)
        )
    return sorted(shapefiles)


def _read_entry(
    path: Path,
    format_key: str,
    entry: _Entry,
    feedback: Feedback,
    target: CRS | None,
    given: CRS | None,
) -> Layer:
    feedback.set_progress(0, f"Reading {entry.name}")
    if entry.kind == "raster":
        return read_raster(
            path, format_key, entry.name, feedback, target, given, entry.source, entry.layer
        )
    if entry.kind == "csv":
        return read_csv_points(path, entry.name, feedback, target, given)
    return read_vector(
        path, format_key, entry.name, feedback, target, given, entry.source, entry.layer
    )


def _project_layers(path: Path, target: CRS | None) -> list[Layer]:
    """The layers of a ``.twin`` project, reprojected when ``target`` differs."""
    from twin.errors import ProjectError
    from twin.project import Project

    try:
        with warnings.catch_warnings():  # GDAL notes the .twin extension of a GeoPackage
            warnings.filterwarnings("ignore", message=".*non conformant file extension.*")
            project = Project.open(path)
    except ProjectError as error:
        raise DataError(str(error)) from error
    if not project.layers:
        raise DataError(
            tr("{path_name} is a twin project without layers").format(path_name=path.name)
        )
    if target is None or same_crs(project.crs, target):
        return list(project.layers)
    for layer in project.layers:
        if isinstance(layer, VectorLayer):
            layer.set_frame(reproject_frame(layer.frame, target, f"{path.name}: {layer.name}"))
            layer.crs = target
        elif isinstance(layer, RasterLayer):
            array, transform, nodata, _ = reproject_array(
                layer.array, layer.transform, layer.crs, target, layer.nodata
            )
            reprojected = RasterLayer(
                layer.name,
                array,
                transform,
                target,
                nodata=nodata,
                style=layer.style,
                provenance=layer.provenance,
                unit=layer.unit,
                visible=layer.visible,
                opacity=layer.opacity,
                layer_id=layer.id,
            )
            project.layers[project.layers.index(layer)] = reprojected
    return list(project.layers)


class _SliceFeedback(Feedback):
    """Maps a sub-job's 0-100 % onto ``low``-``high`` % of its parent's progress."""

    def __init__(self, parent: Feedback, low: float, high: float) -> None:
        super().__init__()
        self._parent, self._low, self._high = parent, low, high

    def set_progress(self, percent: float, message: str = "") -> None:
        """Forward progress (percent of the sub-job) to the parent; raises if cancelled."""
        self.progress = float(percent)
        self._parent.set_progress(self._low + (self._high - self._low) * percent / 100, message)

    @property
    def cancelled(self) -> bool:
        """True once the parent job was cancelled."""
        return self._parent.cancelled

    def check(self) -> None:
        """Raise CancelledError if the parent job was cancelled."""
        self._parent.check()


def describe_format(path: str | os.PathLike) -> str:
    """The readable name of the file's format (e.g. "GeoPackage"), for `twin info`."""
    return FORMAT_LABELS[detect_format(existing_file(path))]


def describe_crs(crs: CRS | None) -> str:
    """A short CRS label, e.g. ``EPSG:2154 (RGF93 v1 / Lambert-93)``."""
    if crs is None:
        return "none"
    return f"{crs_label(crs)} ({crs.name})"
