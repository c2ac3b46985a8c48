"""Engine results kept in a ``.twin`` file, as text and bytes (DESIGN.md "Results live with
the project"): tables ``twin_results(key TEXT PRIMARY KEY, domain TEXT, meta TEXT)`` and
``twin_result_blobs(key TEXT, name TEXT, data BLOB)``. ``key`` is the hash of the inputs a
result was computed from, ``meta`` JSON, the blobs result layers as GeoTIFF (rasters) or
GeoParquet (vectors). What they mean is for :mod:`twin.sim.whatif.store`; this module
reads and writes them and checks their types, and never interprets or runs anything.
"""

from __future__ import annotations

import io
import sqlite3
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from rasterio.errors import RasterioError
from rasterio.io import MemoryFile

from twin.errors import ProjectError
from twin.i18n import tr
from twin.layers.io_common import sqlite_uri
from twin.layers.io_raster import check_raster_header, geotiff_array_and_profile
from twin.layers.raster import RasterLayer

MAX_RESULT_BLOB_BYTES = 512 * 1024 * 1024  # a larger blob is refused as damaged


class ResultsWarning(UserWarning):
    """A stored result in a project file was ignored (damaged or of an unknown format)."""


@dataclass(frozen=True)
class ResultRecord:
    """One stored engine result as text and bytes: ``key`` (hash of its inputs), ``domain``,
    ``meta`` (JSON text) and ``blobs`` (name -> GeoTIFF or GeoParquet bytes). Entries of
    ``Project.results`` are records or objects with the same :meth:`to_record` method."""

    key: str
    domain: str
    meta: str
    blobs: dict[str, bytes] = field(default_factory=dict)

    def to_record(self) -> ResultRecord:
        """Itself (entries computed in this session encode themselves on save)."""
        return self


def write_results(connection: sqlite3.Connection, results: dict[str, Any]) -> None:
    """The project's stored results (entries with ``to_record()``) into the two tables."""
    connection.execute(
        "CREATE TABLE twin_results (key TEXT PRIMARY KEY, domain TEXT NOT NULL, meta TEXT NOT NULL)"
    )
    connection.execute(
        "CREATE TABLE twin_result_blobs (key TEXT NOT NULL, name TEXT NOT NULL,"
        " data BLOB NOT NULL, PRIMARY KEY (key, name))"
    )
    for key, entry in list(results.items()):
        try:
            record = entry.to_record()
        except Exception as error:  # a result that cannot be encoded never stops a save
            warnings.warn(
                tr("a stored result was not saved ({error})").format(error=error),
                ResultsWarning,
                stacklevel=3,
            )
            continue
        if record is None:
            continue
        connection.execute(
            "INSERT INTO twin_results VALUES (?, ?, ?)", (key, record.domain, record.meta)
        )
        connection.executemany(
            "INSERT INTO twin_result_blobs VALUES (?, ?, ?)",
            [(key, name, data) for name, data in record.blobs.items()],
        )


def read_results(path: Path) -> dict[str, ResultRecord]:
    """The stored results of a project file by key. Rows of the wrong types (a damaged or
    forged table) are skipped with a :class:`ResultsWarning`; nothing is interpreted here."""
    path = Path(path)
    connection = sqlite3.connect(sqlite_uri(path), uri=True)
    try:
        try:
            rows = connection.execute("SELECT key, domain, meta FROM twin_results").fetchall()
            blob_rows = connection.execute(
                "SELECT key, name, data FROM twin_result_blobs"
            ).fetchall()
        except sqlite3.DatabaseError as error:
            if "no such table" not in str(error):
                warnings.warn(
                    tr("{path_name}: stored results ignored ({error})").format(
                        path_name=path.name, error=error
                    ),
                    ResultsWarning,
                    stacklevel=2,
                )
            return {}
    finally:
        connection.close()
    blobs: dict[str, dict[str, bytes]] = {}
    bad: set[str] = set()
    for key, name, data in blob_rows:
        if not (isinstance(key, str) and isinstance(name, str) and isinstance(data, bytes)):
            bad.add(str(key))
            continue
        if len(data) > MAX_RESULT_BLOB_BYTES:
            bad.add(key)
            continue
        blobs.setdefault(key, {})[name] = data
    results: dict[str, ResultRecord] = {}
    skipped = 0
    for key, domain, text in rows:
        if not (isinstance(key, str) and isinstance(domain, str) and isinstance(text, str)):
            skipped += 1
            continue
        if key in bad:
            skipped += 1
            continue
        results[key] = ResultRecord(key, domain, text, blobs.get(key, {}))
    if skipped:
        warnings.warn(
            tr("{path_name}: {skipped} stored result(s) of the wrong types ignored").format(
                path_name=path.name, skipped=skipped
            ),
            ResultsWarning,
            stacklevel=2,
        )
    return results


# --- result layers as blobs ------------------------------------------------------------------
def raster_to_geotiff(layer: RasterLayer) -> bytes:
    """A raster layer's pixels as a deflate-compressed GeoTIFF (bytes)."""
    array, profile = geotiff_array_and_profile(
        layer.array, layer.transform, layer.crs, layer.nodata
    )
    with MemoryFile() as memory:
        with memory.open(**profile) as dataset:
            dataset.write(array, 1)
        return memory.read()


def geotiff_to_array(blob: bytes) -> tuple[np.ndarray, Any, float | None, str | None]:
    """(array, transform, nodata, CRS WKT) of a GeoTIFF blob; ProjectError when it is not
    a readable GeoTIFF."""
    try:
        with MemoryFile(blob) as memory, memory.open() as dataset:
            if dataset.driver != "GTiff":
                raise ProjectError(tr("a stored raster is not a GeoTIFF"))
            crs = dataset.crs.to_wkt() if dataset.crs else None
            check_raster_header(dataset, crs, "a stored result raster")
            return dataset.read(1), dataset.transform, dataset.nodata, crs
    except RasterioError as error:
        raise ProjectError(
            tr("a stored raster is damaged ({error})").format(error=error)
        ) from error


def frame_to_geoparquet(frame) -> bytes:
    """A GeoDataFrame as GeoParquet bytes, or a plain DataFrame as Parquet (columns and
    dtypes kept exactly)."""
    buffer = io.BytesIO()
    frame.to_parquet(buffer, compression="zstd", index=False)
    return buffer.getvalue()


def geoparquet_to_frame(blob: bytes, geometry: bool = True):
    """The GeoDataFrame of GeoParquet bytes (a plain DataFrame with ``geometry=False``);
    ProjectError when they are not (Geo)Parquet."""
    import geopandas as gpd
    import pandas as pd

    try:
        if geometry:
            return gpd.read_parquet(io.BytesIO(blob))
        return pd.read_parquet(io.BytesIO(blob))
    except Exception as error:  # pyarrow raises several error types for bad input
        raise ProjectError(
            tr("a stored vector layer is damaged ({error})").format(error=error)
        ) from error
