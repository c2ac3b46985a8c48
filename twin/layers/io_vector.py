"""Vector readers: one layer of a GDAL data source through pyogrio (Arrow), with geometry
repair and reprojection."""

from __future__ import annotations

import warnings
from pathlib import Path

import geopandas as gpd
import numpy as np
import pyogrio
import shapely
from pyarrow import ArrowException
from pyogrio.errors import DataLayerError, DataSourceError
from pyproj import CRS

from twin.errors import DataError
from twin.feedback import Feedback
from twin.i18n import tr
from twin.layers.io_common import (
    FORMAT_LABELS,
    build_provenance,
    default_style,
    gdal_message,
    missing_crs_error,
    same_crs,
)
from twin.layers.lazy import LAZY_FEATURE_THRESHOLD, LAZY_MIN_FEATURES, LazyVectorLayer
from twin.layers.validate import check_coordinates, check_people_columns
from twin.layers.vector import VectorLayer

_POLYGONAL = ("Polygon", "MultiPolygon")


class EmptyLayerError(DataError):
    """A layer with no feature that has a geometry (skipped when reading every layer)."""


def vector_layer_names(source: str, path: Path, format_key: str) -> list[tuple[str, str | None]]:
    """(name, geometry type) of every layer GDAL sees in ``source``."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            listed = pyogrio.list_layers(source)
    except (DataSourceError, DataLayerError, OSError) as error:
        raise corrupt_error(path, format_key, error) from error
    return [(str(name), None if kind is None else str(kind)) for name, kind in listed]


def corrupt_error(path: Path, format_key: str, error: BaseException) -> DataError:
    """The message for a file GDAL cannot open."""
    label = FORMAT_LABELS.get(format_key, "data")
    return DataError(
        tr(
            "{path_name} is not a readable {label} file: it is damaged or of another "
            "kind (GDAL says: {gdal_message})"
        ).format(path_name=path.name, label=label, gdal_message=gdal_message(error))
    )


def read_vector(
    path: Path,
    format_key: str,
    name: str,
    feedback: Feedback,
    target_crs: CRS | None,
    source_crs: CRS | None = None,
    gdal_source: str | None = None,
    layer: str | None = None,
) -> VectorLayer:
    """Read one vector layer (``layer`` of ``gdal_source``, default ``path``) into a
    :class:`VectorLayer` called ``name``, repaired and reprojected to ``target_crs``."""
    source = gdal_source or str(path)
    where = f"{path.name}" + (f", layer '{layer}'" if layer else "")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            info = pyogrio.read_info(source, layer=layer)
    except (DataSourceError, DataLayerError, OSError) as error:
        raise corrupt_error(path, format_key, error) from error
    if info["geometry_type"] is None:
        raise EmptyLayerError(
            tr("{where} is a table without geometry: there is nothing to map").format(where=where)
        )
    if info["features"] == 0:
        raise EmptyLayerError(tr("{where} is empty: it has no features").format(where=where))
    driver = str(info["driver"])
    file_crs = CRS.from_user_input(info["crs"]) if info["crs"] else source_crs
    if file_crs is None:
        raise missing_crs_error(path, format_key)
    lazy = _lazy_layer(path, format_key, info, source, layer, name, file_crs, target_crs)
    if lazy is not None:
        return lazy
    frame, unreadable = _read_frame(source, layer, path, format_key)
    feedback.set_progress(50, f"Read {len(frame)} features from {where}")
    frame, repaired, dropped_empty, dropped_degenerate = clean_geometries(frame)
    # geometries GEOS could not parse came back missing: count them as degenerate, not empty
    dropped_empty -= unreadable
    dropped_degenerate += unreadable
    if len(frame) == 0:
        raise EmptyLayerError(tr("{where} has no features with a geometry").format(where=where))
    frame = frame.set_crs(file_crs, allow_override=True)
    check_people_columns(frame, where)  # negative or non-numeric population refused
    check_coordinates(frame, file_crs, where)  # out of range for their CRS refused
    if target_crs is not None and not same_crs(file_crs, target_crs):
        frame = reproject_frame(frame, target_crs, where)
    feedback.set_progress(90, f"Reprojected {where}")
    provenance = build_provenance(
        path,
        driver,
        file_crs,
        target_crs,
        layer,
        format_key,
        repaired=repaired,
        dropped_empty=dropped_empty,
        dropped_degenerate=dropped_degenerate,
    )
    layer_obj = VectorLayer(name, frame, provenance=provenance)
    layer_obj.style = default_style(layer_obj.geometry_kind)
    return layer_obj


def _lazy_layer(
    path: Path,
    format_key: str,
    info: dict,
    source: str,
    layer: str | None,
    name: str,
    file_crs: CRS,
    target_crs: CRS | None,
) -> VectorLayer | None:
    """A :class:`LazyVectorLayer` for a big polygon or line layer of a GeoPackage already in
    the project CRS (read by box as the map needs it); None: read it whole as usual."""
    if format_key != "gpkg" or not _big_enough(source, int(info["features"])):
        return None
    if target_crs is not None and not same_crs(file_crs, target_crs):
        return None  # reprojecting by box is not done: read and reproject everything
    lazy = LazyVectorLayer.open(source, layer, name, file_crs)
    if lazy.geometry_kind == "point":
        return None
    lazy.provenance = build_provenance(
        path, str(info["driver"]), file_crs, target_crs, layer, format_key
    )
    lazy.style = default_style(lazy.geometry_kind)
    return lazy


def _big_enough(source: str, features: int) -> bool:
    """Whether a GeoPackage layer of ``features`` opens lazily: over the threshold itself,
    or a sizeable layer (over :data:`LAZY_MIN_FEATURES`) of a file holding more than the
    threshold in all (e.g. the roads beside a million buildings)."""
    if features > LAZY_FEATURE_THRESHOLD:
        return True
    if features <= LAZY_MIN_FEATURES:
        return False
    total = 0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        for name, _kind in pyogrio.list_layers(source):
            total += int(pyogrio.read_info(source, layer=name)["features"])
    return total > LAZY_FEATURE_THRESHOLD


def _read_frame(
    source: str, layer: str | None, path: Path, format_key: str
) -> tuple[gpd.GeoDataFrame, int]:
    """Read with Arrow (GDAL's text decoding without it when Arrow cannot decode the
    attributes, e.g. a Latin-1 Shapefile without .cpg); returns the frame and the number of
    geometries GEOS could not even parse (e.g. OSM rings clipped to 2 points)."""
    try:
        try:
            return _read_counting_unparsable(source, layer, use_arrow=True)
        except (ArrowException, UnicodeDecodeError):
            pass
        except DataSourceError as error:
            if "UTF-8" not in str(error):
                raise
        return _read_counting_unparsable(source, layer, use_arrow=False)
    except (DataSourceError, DataLayerError, OSError) as error:
        raise corrupt_error(path, format_key, error) from error
    except (ArrowException, UnicodeDecodeError) as error:
        raise DataError(
            tr(
                "{path_name}: text attributes are not in a readable encoding; save it as UTF-8"
            ).format(path_name=path.name)
        ) from error


def _read_counting_unparsable(
    source: str, layer: str | None, use_arrow: bool
) -> tuple[gpd.GeoDataFrame, int]:
    options = {"layer": layer, "use_arrow": use_arrow}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        try:
            return pyogrio.read_dataframe(source, **options), 0
        except shapely.errors.GEOSException:
            frame = pyogrio.read_dataframe(source, on_invalid="ignore", **options)
            _, table = pyogrio.read_arrow(source, layer=layer, columns=[])
            null_in_file = table.column(table.column_names[-1]).null_count
            unreadable = int(frame.geometry.isna().sum()) - int(null_in_file)
            return frame, max(unreadable, 0)


def clean_geometries(frame: gpd.GeoDataFrame) -> tuple[gpd.GeoDataFrame, int, int, int]:
    """Drop missing/empty geometries and repair invalid ones with ``shapely.make_valid``.

    Polygons are repaired with the "structure" method without collapsed parts, so a polygon
    layer stays polygonal (a bow-tie becomes two triangles). Returns (frame, repaired count,
    dropped empty count, dropped degenerate count: repairs that left nothing).
    """
    geometry = frame.geometry.to_numpy()
    missing = shapely.is_missing(geometry) | shapely.is_empty(geometry)
    dropped_empty = int(missing.sum())
    if dropped_empty:
        frame = frame.loc[~missing]
        geometry = frame.geometry.to_numpy()
    invalid = ~shapely.is_valid(geometry)
    repaired = int(invalid.sum())
    if not repaired:
        return frame.reset_index(drop=True), 0, dropped_empty, 0
    fixed = geometry.copy()
    bad = geometry[invalid]
    polygonal = np.isin(shapely.get_type_id(bad), (3, 6))
    fixed_bad = np.empty(len(bad), dtype=object)
    if polygonal.any():
        fixed_bad[polygonal] = shapely.make_valid(
            bad[polygonal], method="structure", keep_collapsed=False
        )
    if (~polygonal).any():
        fixed_bad[~polygonal] = shapely.make_valid(bad[~polygonal])
    fixed[invalid] = fixed_bad
    frame = frame.copy()
    frame[frame.geometry.name] = gpd.GeoSeries(fixed, index=frame.index, crs=frame.crs)
    collapsed = shapely.is_empty(fixed) | shapely.is_missing(fixed)
    dropped_degenerate = int(collapsed.sum())
    if dropped_degenerate:
        frame = frame.loc[~collapsed]
    return (
        frame.reset_index(drop=True),
        repaired - dropped_degenerate,
        dropped_empty,
        dropped_degenerate,
    )


def reproject_frame(frame: gpd.GeoDataFrame, target_crs: CRS, where: str) -> gpd.GeoDataFrame:
    """``frame`` in ``target_crs``; DataError when coordinates fall outside the projection."""
    try:
        result = frame.to_crs(target_crs)
    except Exception as error:  # pyproj raises several kinds
        raise DataError(
            tr("{where}: cannot reproject to {target_crs_name} ({error})").format(
                where=where, target_crs_name=target_crs.name, error=error
            )
        ) from error
    bounds = result.total_bounds
    if not np.all(np.isfinite(bounds)):
        raise DataError(
            tr(
                "{where}: some coordinates fall outside the area of {target_crs_name}; "
                "is this data from the project's territory?"
            ).format(where=where, target_crs_name=target_crs.name)
        )
    return result
