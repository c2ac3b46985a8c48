"""Raster reader and writer: band 1 of a GeoTIFF (or a GeoPackage raster table) through
rasterio, reprojected with ``rasterio.warp`` (nearest for integers, bilinear for floats)."""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
import warnings
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import rasterio
import rasterio.warp
from affine import Affine
from rasterio.enums import Resampling
from rasterio.errors import NotGeoreferencedWarning, RasterioError

from twin.errors import DataError
from twin.feedback import Feedback
from twin.i18n import tr
from twin.layers.colors import rgba_to_hex
from twin.layers.io_common import (
    FORMAT_LABELS,
    build_provenance,
    crs_label,
    gdal_message,
    memory_budget_bytes,
    missing_crs_error,
    same_crs,
)
from twin.layers.raster import RasterLayer
from twin.layers.style import Category, Style
from twin.layers.validate import check_bounds

if TYPE_CHECKING:
    from pyproj import CRS


def read_raster(
    path: Path,
    format_key: str,
    name: str,
    feedback: Feedback,
    target_crs: CRS | None,
    source_crs: CRS | None = None,
    gdal_source: str | None = None,
    layer: str | None = None,
) -> RasterLayer:
    """Band 1 of ``gdal_source`` (default ``path``) as a :class:`RasterLayer` called
    ``name`` in ``target_crs`` (None keeps the file's CRS); nodata is kept."""
    from pyproj import CRS

    source = gdal_source or str(path)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", NotGeoreferencedWarning)
            with rasterio.open(source) as dataset:
                if dataset.count < 1:
                    raise DataError(
                        tr("{path_name} holds no raster band").format(path_name=path.name)
                    )
                driver = dataset.driver
                file_crs = CRS.from_wkt(dataset.crs.to_wkt()) if dataset.crs else source_crs
                if file_crs is None:
                    raise missing_crs_error(path, format_key)
                if dataset.transform == Affine.identity():
                    raise DataError(
                        tr(
                            "{path_name} is not georeferenced: it has no position on "
                            "the map (add a world file or georeference it in a GIS)"
                        ).format(path_name=path.name)
                    )
                pixel = max(abs(dataset.transform.a), abs(dataset.transform.e))
                check_bounds(tuple(dataset.bounds), file_crs, path.name, margin=pixel)
                check_raster_memory(path, dataset.width, dataset.height, dataset.dtypes[0])
                array = dataset.read(1)
                transform = dataset.transform
                nodata = dataset.nodata
                style = palette_style(dataset, array)
    except RasterioError as error:
        label = FORMAT_LABELS.get(format_key, "raster")
        raise DataError(
            tr(
                "{path_name} is not a readable {label} file: it is damaged or of "
                "another kind (GDAL says: {gdal_message})"
            ).format(path_name=path.name, label=label, gdal_message=gdal_message(error))
        ) from error
    if array.size == 0:
        raise DataError(
            tr("{path_name} is an empty raster (no pixels)").format(path_name=path.name)
        )
    feedback.set_progress(50, f"Read {array.shape[1]} x {array.shape[0]} pixels of {path.name}")
    extra: dict[str, object] = {"band": 1, "nodata": _json_number(nodata)}
    if target_crs is not None and not same_crs(file_crs, target_crs):
        array, transform, nodata, resampling = reproject_array(
            array, transform, file_crs, target_crs, nodata
        )
        extra["resampling"] = resampling
    feedback.set_progress(90, f"Reprojected {path.name}")
    provenance = build_provenance(
        path,
        driver,
        file_crs,
        target_crs,
        layer,
        format_key,
        reader="rasterio/GDAL",
        extra=extra,
    )
    return RasterLayer(
        name,
        array,
        transform,
        target_crs if target_crs is not None else file_crs,
        nodata=nodata,
        style=style,
        provenance=provenance,
    )


def check_raster_header(dataset, crs: CRS | str | None, where: str) -> None:
    """Refuse an open raster ``dataset`` (band 1 about to be read) whose bounds are out of
    range for ``crs`` or whose band needs more memory than :func:`memory_budget_bytes`; the
    checks of :func:`read_raster`, for rasters that come from elsewhere than a file (a
    GeoTIFF stored inside a ``.twin``). ``where`` names it in the one-line error."""
    if dataset.count < 1:
        raise DataError(tr("{where} holds no raster band").format(where=where))
    pixel = max(abs(dataset.transform.a), abs(dataset.transform.e))
    check_bounds(tuple(dataset.bounds), crs, where, margin=pixel)
    check_raster_memory(where, dataset.width, dataset.height, dataset.dtypes[0])


def check_raster_memory(path: Path | str, width: int, height: int, dtype) -> None:
    """Refuse a raster whose band needs more memory than :func:`memory_budget_bytes` (a
    4 KB sparse GeoTIFF can declare 100000 x 100000 pixels: 9.3 GiB of float32). ``path``
    names it in the error (a file path, or a text such as "x.twin: raster layer 'dem'")."""
    label = path.name if isinstance(path, Path) else str(path)
    needed = int(width) * int(height) * np.dtype(dtype).itemsize
    budget = memory_budget_bytes()
    if needed > budget:
        raise DataError(
            tr(
                "{label}: {width} x {height} pixels of {name} need {needed:,.1f} GiB, "
                "more than the {budget:,.1f} GiB one layer may take on this machine; "
                "crop or resample it in a GIS first"
            ).format(
                label=label,
                width=width,
                height=height,
                name=np.dtype(dtype).name,
                needed=needed / 2**30,
                budget=budget / 2**30,
            )
        )


def palette_style(dataset, array: np.ndarray) -> Style | None:
    """The file's colour table as a class style (one class per value present, labelled
    from the ``TWIN_CLASS_LABELS`` tag when twin wrote it), so a paletted GeoTIFF such as
    ``twin coverage``'s level.tif is drawn with its own colours; None without a table."""
    if not np.issubdtype(array.dtype, np.integer):
        return None
    try:
        table = dataset.colormap(1)
    except ValueError:  # no colour table
        return None
    labels = {}
    text = dataset.tags(1).get(CLASS_LABELS_TAG)
    if text:
        with contextlib.suppress(ValueError, TypeError, AttributeError):
            labels = {int(k): str(v) for k, v in json.loads(text).items()}
    values = [int(v) for v in np.unique(array)[:256] if int(v) in table]
    values = sorted(set(values) | {v for v in labels if v in table})
    return Style(
        kind="raster-classes",
        categories=tuple(Category(v, rgba_to_hex(table[v]), labels.get(v, str(v))) for v in values),
    )


def fill_value_for(dtype: np.dtype) -> float | int:
    """The nodata value given to pixels outside the source after reprojection when the
    source declares none: NaN for floats, the largest value for integers."""
    if np.issubdtype(dtype, np.floating):
        return float("nan")
    if dtype == np.bool_:
        return 0
    return int(np.iinfo(dtype).max)


def reproject_array(
    array: np.ndarray,
    transform: Affine,
    source_crs: CRS,
    target_crs: CRS,
    nodata: float | None,
) -> tuple[np.ndarray, Affine, float | int, str]:
    """Warp ``array`` to ``target_crs`` at about the same resolution; returns the array,
    its transform, its nodata value and the resampling used ("nearest" or "bilinear")."""
    if array.dtype == np.bool_:
        array = array.astype(np.uint8)
    rows, cols = array.shape
    left, top = transform @ (0, 0)
    right, bottom = transform @ (cols, rows)
    source_wkt, target_wkt = source_crs.to_wkt(), target_crs.to_wkt()
    try:
        with warnings.catch_warnings():  # rasterio's own use of Affine's `*` (affine 3)
            warnings.simplefilter("ignore", PendingDeprecationWarning)
            new_transform, width, height = rasterio.warp.calculate_default_transform(
                source_wkt,
                target_wkt,
                cols,
                rows,
                left=min(left, right),
                bottom=min(top, bottom),
                right=max(left, right),
                top=max(top, bottom),
            )
    except Exception as error:  # rasterio raises CRSError or GDAL errors
        raise DataError(
            tr(
                "cannot reproject the raster from {source_crs} to {target_crs} ({gdal_message})"
            ).format(
                source_crs=crs_label(source_crs),
                target_crs=crs_label(target_crs),
                gdal_message=gdal_message(error),
            )
        ) from error
    check_raster_memory(Path("reprojected raster"), width, height, array.dtype)
    integer = not np.issubdtype(array.dtype, np.floating)
    resampling = Resampling.nearest if integer else Resampling.bilinear
    target_nodata = nodata if nodata is not None else fill_value_for(array.dtype)
    destination = np.full((height, width), target_nodata, dtype=array.dtype)
    rasterio.warp.reproject(
        source=array,
        destination=destination,
        src_transform=transform,
        src_crs=source_wkt,
        src_nodata=nodata,
        dst_transform=new_transform,
        dst_crs=target_wkt,
        dst_nodata=target_nodata,
        resampling=resampling,
    )
    return destination, new_transform, target_nodata, resampling.name


def geotiff_array_and_profile(
    array: np.ndarray, transform, crs, nodata: float | None
) -> tuple[np.ndarray, dict]:
    """``array`` in a dtype GeoTIFF stores (bool -> uint8, int8 -> int16) and the rasterio
    profile of a single-band, deflate-compressed GeoTIFF of it in ``crs``."""
    if array.dtype == np.bool_:
        array = array.astype(np.uint8)
    elif array.dtype == np.int8:
        array = array.astype(np.int16)
    if crs is not None and not isinstance(crs, str):
        crs = crs.to_wkt()
    profile = {
        "driver": "GTiff",
        "height": array.shape[0],
        "width": array.shape[1],
        "count": 1,
        "dtype": array.dtype.name,
        "crs": crs,
        "transform": transform,
        "nodata": nodata,
        "compress": "deflate",
    }
    return array, profile


def set_default_permissions(path: str | os.PathLike) -> None:
    """Give ``path`` the mode a plain ``open()`` would (0666 minus the umask, e.g. 0644):
    files made with ``tempfile.mkstemp`` are 0600, unreadable to colleagues and servers."""
    os.chmod(path, 0o666 & ~current_umask())


def current_umask() -> int:
    """The process umask (read from /proc on Linux, else set and restored at once)."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except OSError:
        pass
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


CLASS_LABELS_TAG = "TWIN_CLASS_LABELS"  # band tag: JSON {value: legend label}


def write_array_geotiff(
    array: np.ndarray, transform, crs, nodata: float | None, path: Path
) -> None:
    """Write one band to ``path`` as a GeoTIFF, atomically (temporary file + rename)."""
    array, profile = geotiff_array_and_profile(array, transform, crs, nodata)
    path = Path(path)
    handle, temporary = tempfile.mkstemp(suffix=".tif", prefix=f".{path.stem}-", dir=path.parent)
    os.close(handle)
    try:
        with rasterio.open(temporary, "w", **profile) as dataset:
            dataset.write(array, 1)
        set_default_permissions(temporary)  # mkstemp makes 0600; outputs follow the umask
        os.replace(temporary, path)
    finally:
        if os.path.exists(temporary):
            os.unlink(temporary)


def write_geotiff(layer: RasterLayer, path: Path) -> None:
    """Write ``layer`` as a single-band, deflate-compressed GeoTIFF (atomic replace)."""
    write_array_geotiff(layer.array, layer.transform, layer.crs, layer.nodata, path)


def _json_number(value: float | None) -> float | None:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return None
    return float(value)
