"""Writers: a layer to GeoPackage, GeoJSON, Shapefile (zipped too) or GeoTIFF.

Exports pass the privacy gate (:mod:`twin.layers.privacy`): the people columns
(population, households, ...) of a feature that describes fewer than 11 households are
written empty, unless the user explicitly exports raw data (``raw=True``). The project file
itself (:mod:`twin.project_file`) keeps the raw data.
"""

from __future__ import annotations

import os
import tempfile
import warnings
import zipfile
from pathlib import Path

import pandas as pd
import pyogrio

from twin.errors import DataError
from twin.i18n import tr
from twin.layers.base import Layer, slugify
from twin.layers.io_raster import set_default_permissions, write_geotiff
from twin.layers.privacy import disclosable_rows, people_columns
from twin.layers.raster import RasterLayer
from twin.layers.vector import VectorLayer

_VECTOR_DRIVERS = {
    ".gpkg": "GPKG",
    ".geojson": "GeoJSON",
    ".json": "GeoJSON",
    ".shp": "ESRI Shapefile",
}
_RASTER_SUFFIXES = (".tif", ".tiff")


def write_layer(layer: Layer, path: str | os.PathLike, raw: bool = False) -> Path:
    """Write ``layer`` to ``path``: a vector layer to GeoPackage (added to an existing file as
    a table named after the layer), GeoJSON (in the layer's CRS), Shapefile or zipped
    Shapefile (``.zip``); a raster layer to GeoTIFF. Returns the path written.

    People columns of features below the disclosure threshold are written empty unless
    ``raw`` (the user explicitly exports raw data; see :func:`exportable_frame`)."""
    path = Path(path).expanduser()
    suffix = path.suffix.lower()
    if not path.parent.exists():
        raise DataError(
            tr("Cannot write {path_name}: the folder {parent} does not exist").format(
                path_name=path.name, parent=path.parent
            )
        )
    if isinstance(layer, RasterLayer):
        if suffix not in _RASTER_SUFFIXES:
            raise DataError(
                tr(
                    "Cannot write the raster layer '{layer_name}' to {path_name}: "
                    "rasters are written as GeoTIFF (.tif)"
                ).format(layer_name=layer.name, path_name=path.name)
            )
        write_geotiff(layer, path)
        return path
    if not isinstance(layer, VectorLayer):
        raise DataError(
            tr("Cannot write layer '{layer_name}' of kind {layer_kind}").format(
                layer_name=layer.name, layer_kind=layer.kind
            )
        )
    if suffix == ".zip":
        _write_zipped_shapefile(layer, path, raw)
        return path
    driver = _VECTOR_DRIVERS.get(suffix)
    if driver is None:
        raise DataError(
            tr(
                "Cannot write the vector layer '{layer_name}' to {path_name}: choose "
                ".gpkg, .geojson, .shp or .zip (zipped Shapefile)"
            ).format(layer_name=layer.name, path_name=path.name)
        )
    _write_vector(layer, path, driver, raw)
    return path


def _write_vector(layer: VectorLayer, path: Path, driver: str, raw: bool = False) -> None:
    frame = writable_frame(layer) if raw else exportable_frame(layer)
    options: dict[str, object] = {"driver": driver}
    if driver == "GPKG":
        options["layer"] = slugify(layer.name)
    elif path.exists():
        path.unlink()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # Shapefile field name truncation
            pyogrio.write_dataframe(frame, path, **options)
    except Exception as error:  # pyogrio/GDAL raise several kinds
        raise DataError(
            tr("Cannot write {path_name} ({error})").format(path_name=path.name, error=error)
        ) from error


def _write_zipped_shapefile(layer: VectorLayer, path: Path, raw: bool = False) -> None:
    stem = slugify(layer.name)
    with tempfile.TemporaryDirectory(dir=path.parent, prefix=".twin-zip-") as folder:
        _write_vector(layer, Path(folder) / f"{stem}.shp", "ESRI Shapefile", raw)
        temporary = Path(folder) / "archive.zip"
        with zipfile.ZipFile(temporary, "w", zipfile.ZIP_DEFLATED) as archive:
            for part in sorted(Path(folder).glob(f"{stem}.*")):
                archive.write(part, part.name)
        set_default_permissions(temporary)
        os.replace(temporary, path)


def writable_frame(layer: VectorLayer):
    """A copy whose columns GDAL can store (mixed-type object columns become text)."""
    frame = layer.frame.copy()
    if frame.crs is None and layer.crs is not None:
        frame = frame.set_crs(layer.crs)
    for column in layer.attribute_columns:
        series = frame[column]
        if series.dtype == object:
            kinds = {type(v) for v in series.dropna()}
            if len(kinds) > 1 or (kinds and not kinds <= {str, bytes}):
                frame[column] = series.map(_text_or_none)
    return frame


def exportable_frame(layer: VectorLayer):
    """:func:`writable_frame` with the people columns of each feature below the disclosure
    threshold emptied (the same rule as the inspector, :func:`twin.layers.privacy.
    is_disclosable`); features at or above it keep their figures. Citizen reports are
    snapped to the 100 m grid, without pseudonym or text (:func:`twin.layers.reports.
    export_frame`)."""
    from twin.layers.reports import export_view

    frame = writable_frame(export_view(layer))  # type: ignore[arg-type]
    columns = people_columns(frame.columns)
    if not columns or not len(frame):
        return frame
    hidden = ~disclosable_rows(frame)
    if hidden.any():
        for column in columns:
            series = frame[column]
            if pd.api.types.is_numeric_dtype(series):
                frame[column] = series.astype(float).where(~hidden)  # NaN: written as NULL
            else:
                frame[column] = series.astype(object).where(~hidden, None)
    return frame


def _text_or_none(value: object) -> str | None:
    """``value`` as text, None for a missing value (None, NaN, NaT)."""
    if value is None or (not isinstance(value, (list, tuple, dict)) and pd.isna(value)):
        return None
    return str(value)
