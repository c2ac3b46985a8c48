"""Coarse level-of-detail geometry of a big vector layer, drawn at small scales.

An overview keeps the features at least :attr:`Overview.cell` metres wide, simplified to
half a cell, and replaces the smaller ones by one square cell per occupied cell of a grid
(polygons; small lines are left out). At a resolution of at least half a cell per pixel the
map draws the overview instead of reading the features: a cell square is under two pixels
there, so it is drawn as the dot a small feature would have made.

Built by streaming the file in Arrow batches (the whole layer is never held at once), then
cached beside the source as ``<file>.twin-overview.gpkg`` (a GeoPackage whose layer metadata
records the source's size and modification time), so the second open reads only the
overview. Qt-free. Units: the layer's CRS (project metres).
"""

from __future__ import annotations

import os
import threading
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import shapely

OVERVIEW_CELLS_PER_SIDE = 1024  # grid cells across the layer's larger side
OVERVIEW_SUFFIX = ".twin-overview.gpkg"  # GDAL wants the .gpkg extension
OVERVIEW_VERSION = "2"  # 2: each shape records the feature id it stands for

BBox = tuple[float, float, float, float]


@dataclass
class Overview:
    """Overview geometries (shapely array) and the cell size (m) they were built for;
    ``fids``: the file's feature id each shape stands for (a simplified feature: its own;
    a cell: the last feature of the file whose box centre lies in it), so that a style by
    field can colour the overview; None for an overview without them."""

    geometries: np.ndarray
    cell: float
    fids: np.ndarray | None = None

    def usable_at(self, resolution: float) -> bool:
        """Whether the overview may stand in for the features at ``resolution`` m/pixel."""
        return resolution >= self.cell / 2


def overview_cell(extent: BBox) -> float:
    """Cell size (m) of the overview of a layer covering ``extent``."""
    minx, miny, maxx, maxy = extent
    return max(maxx - minx, maxy - miny, 1e-6) / OVERVIEW_CELLS_PER_SIDE


def build_overview(
    source: str | Path,
    table: str | None,
    extent: BBox,
    kind: str,
    progress: Callable[[float], None] | None = None,
    count: int = 0,
) -> Overview:
    """Build the overview of ``table`` of ``source`` (see the module docstring) in one
    pass over the boxes of its features: those of the GeoPackage's R-tree when it has one
    (no geometry is parsed; only the features at least a cell wide are read, by fid, to
    be simplified), else those of the geometries streamed in Arrow batches.
    ``progress(fraction)`` is called after each batch when ``count`` (features) is given;
    it may raise to stop the build (cancel)."""
    done = 0
    cell = overview_cell(extent)
    minx, miny = extent[0], extent[1]
    large_parts: list[np.ndarray] = []
    large_fids: list[np.ndarray] = []
    unsure: list[np.ndarray] = []  # fids whose R-tree box is too coarse to place them
    cells: list[np.ndarray] = []
    cell_fids: list[np.ndarray] = []

    def take(fids: np.ndarray, boxes: np.ndarray, geometries: np.ndarray | None) -> None:
        """Sort one batch into large features (simplified; read later by fid when only
        their box is known) and cells; boxes known to a float32 step only (R-tree) that
        could fall either side of the size or of a cell border wait in ``unsure``."""
        size = np.maximum(boxes[:, 2] - boxes[:, 0], boxes[:, 3] - boxes[:, 1])
        centre_x, centre_y = (boxes[:, 0] + boxes[:, 2]) / 2, (boxes[:, 1] + boxes[:, 3]) / 2
        column, row = np.floor((centre_x - minx) / cell), np.floor((centre_y - miny) / cell)
        if geometries is None:
            step = np.spacing(np.abs(boxes).astype(np.float32)).max(axis=1).astype(float)
            x_off = (centre_x - minx) / cell - column
            y_off = (centre_y - miny) / cell - row
            near = step / cell
            doubt = (np.abs(size - cell) <= 2 * step) | (
                (size < cell)
                & ((x_off < near) | (x_off > 1 - near) | (y_off < near) | (y_off > 1 - near))
            )
            unsure.append(fids[doubt])
            keep = ~doubt
            fids, size, column, row = fids[keep], size[keep], column[keep], row[keep]
        large = size >= cell
        if large.any() and geometries is None:
            unsure.append(fids[large])  # read below, by fid, to be simplified
        elif large.any():
            simple = shapely.simplify(geometries[large], cell / 2, preserve_topology=True)
            kept = ~shapely.is_empty(simple)
            large_parts.append(simple[kept])
            large_fids.append(fids[large][kept])
        if kind == "polygon" and (~large).any():
            key = row[~large].astype(np.int64) << 32 | column[~large].astype(np.int64)
            keys, last = _last_per_key(key, fids[~large])
            cells.append(keys)
            cell_fids.append(last)

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        rtree = _rtree_name(source, table)
        batches = _rtree_boxes(source, rtree) if rtree else _geometry_boxes(source, table)
        for fids, boxes, geometries in batches:
            take(fids, boxes, geometries)
            done += len(fids)
            if progress is not None and count > 0:
                progress(min(done / count, 1.0))
        if unsure:
            wanted = np.sort(np.concatenate(unsure))
            for first in range(0, len(wanted), 65536):
                fids, geometries = _geometries_of(source, table, wanted[first : first + 65536])
                present = ~shapely.is_missing(geometries) & ~shapely.is_empty(geometries)
                fids, geometries = fids[present], geometries[present]
                take(fids, shapely.bounds(geometries), geometries)
    parts, part_fids = list(large_parts), list(large_fids)
    if cells:
        occupied, last = _last_per_key(np.concatenate(cells), np.concatenate(cell_fids))
        row, column = occupied >> 32, occupied & 0xFFFFFFFF
        x0, y0 = minx + column * cell, miny + row * cell
        parts.append(shapely.box(x0, y0, x0 + cell, y0 + cell))
        part_fids.append(last)
    geometries = np.concatenate(parts) if parts else np.zeros(0, dtype=object)
    fids = np.concatenate(part_fids) if part_fids else np.zeros(0, dtype=np.int64)
    return Overview(geometries, cell, fids)


def _rtree_name(source: str | Path, table: str | None) -> str | None:
    """The R-tree table of a GeoPackage layer (``rtree_<table>_<geometry column>``), or
    None when the file has none (another format, or no spatial index)."""
    import pyogrio

    try:
        info = pyogrio.read_info(str(source), layer=table)
        name = f"rtree_{info['layer_name']}_{info['geometry_name']}"
        pyogrio.read_arrow(str(source), sql=f'SELECT id FROM "{name}" LIMIT 1', read_geometry=False)
    except Exception:
        return None
    return name


def _rtree_boxes(source: str | Path, rtree: str):
    """(fids, (n, 4) boxes, None) per batch, from the R-tree (float32 boxes, rounded out)."""
    import pyogrio

    sql = f'SELECT id, minx, miny, maxx, maxy FROM "{rtree}"'
    with pyogrio.raw.open_arrow(
        str(source), sql=sql, read_geometry=False, batch_size=262144, use_pyarrow=True
    ) as (_meta, reader):
        for batch in reader:
            columns = [batch.column(i).to_numpy(zero_copy_only=False) for i in range(5)]
            fids = np.asarray(columns[0], dtype=np.int64)
            yield fids, np.column_stack([np.asarray(c, dtype=float) for c in columns[1:]]), None


def _geometry_boxes(source: str | Path, table: str | None):
    """(fids, (n, 4) boxes, geometries) per batch of the geometries streamed with Arrow."""
    import pyogrio

    with pyogrio.raw.open_arrow(
        str(source), layer=table, columns=[], batch_size=65536, use_pyarrow=True, return_fids=True
    ) as (_meta, reader):
        for batch in reader:
            wkb = batch.column(batch.num_columns - 1).to_numpy(zero_copy_only=False)
            fids = np.asarray(batch.column(0).to_numpy(zero_copy_only=False), np.int64)
            geometries = shapely.from_wkb(wkb, on_invalid="ignore")
            present = ~shapely.is_missing(geometries)
            geometries, fids = geometries[present], fids[present]
            yield fids, shapely.bounds(geometries), geometries


def _geometries_of(source: str | Path, table: str | None, fids: np.ndarray):
    """(fids, shapely geometries) of the features ``fids`` of ``table``."""
    import pyogrio

    _meta, arrow = pyogrio.read_arrow(
        str(source), layer=table, columns=[], fids=fids, return_fids=True
    )
    wkb = arrow.column(arrow.num_columns - 1).to_numpy(zero_copy_only=False)
    read = np.asarray(arrow.column(0).to_numpy(zero_copy_only=False), dtype=np.int64)
    return read, shapely.from_wkb(wkb, on_invalid="ignore")


def _last_per_key(keys: np.ndarray, fids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(distinct keys, sorted, and the largest fid of each)."""
    order = np.lexsort((fids, keys))
    keys, fids = keys[order], fids[order]
    last = np.flatnonzero(np.r_[keys[1:] != keys[:-1], True])
    return keys[last], fids[last]


def overview_path(source: str | Path) -> Path:
    """Where the overview of a foreign file is cached (beside it)."""
    return Path(str(source) + OVERVIEW_SUFFIX)


def _signature(source: str | Path, table: str | None) -> dict[str, str]:
    status = os.stat(source)
    return {
        "twin_source_size": str(status.st_size),
        "twin_source_mtime_ns": str(status.st_mtime_ns),
        "twin_source_table": str(table),
        "twin_cells_per_side": str(OVERVIEW_CELLS_PER_SIDE),
        "twin_overview_version": OVERVIEW_VERSION,
    }


def _layer_name(table: str | None) -> str:
    return f"overview_{table or 'layer'}"


def read_cached_overview(source: str | Path, table: str | None) -> Overview | None:
    """The cached overview of ``table`` if it is there and its source has not changed."""
    import pyogrio

    cache = overview_path(source)
    if not cache.exists():
        return None
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            info = pyogrio.read_info(str(cache), layer=_layer_name(table))
            metadata = info.get("layer_metadata") or {}
            wanted = _signature(source, table)
            if any(metadata.get(key) != value for key, value in wanted.items()):
                return None
            _meta, arrow = pyogrio.read_arrow(
                str(cache), layer=_layer_name(table), columns=["feature"]
            )
    except Exception:  # a damaged or foreign cache: build it again
        return None
    wkb = arrow.column(arrow.num_columns - 1).to_numpy(zero_copy_only=False)
    fids = np.asarray(arrow.column("feature").to_numpy(zero_copy_only=False), dtype=np.int64)
    return Overview(shapely.from_wkb(wkb), float(metadata["twin_cell"]), fids)


def write_overview(source: str | Path, table: str | None, overview: Overview, crs) -> bool:
    """Cache ``overview`` beside ``source``; False when that folder is not writable."""
    import geopandas as gpd
    import pyogrio

    metadata = {**_signature(source, table), "twin_cell": repr(overview.cell)}
    cache = overview_path(source)
    fids = overview.fids if overview.fids is not None else np.full(len(overview.geometries), -1)
    frame = gpd.GeoDataFrame({"feature": fids}, geometry=overview.geometries, crs=crs)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            pyogrio.write_dataframe(
                frame,
                str(cache),
                layer=_layer_name(table),
                driver="GPKG",
                layer_metadata=metadata,
                promote_to_multi=False,
                geometry_type="Unknown",
            )
    except Exception:  # read-only folder, full disk: draw from memory this time
        return False
    return True


def load_overview(
    source: str | Path,
    table: str | None,
    extent: BBox,
    kind: str,
    crs=None,
    progress: Callable[[float], None] | None = None,
    count: int = 0,
) -> Overview:
    """The overview of ``table`` of ``source``: from the cache beside it, else built (with
    ``progress``, see :func:`build_overview`) and cached. Slow the first time (a pass over
    the file: 36 s for 10M features from the R-tree under load avg ~9 on 2 cores); run it
    in a worker."""
    with _build_lock(source, table):  # a second view of the layer waits, then reads the cache
        cached = read_cached_overview(source, table)
        if cached is not None:
            return cached
        overview = build_overview(source, table, extent, kind, progress, count)
        write_overview(source, table, overview, crs)
    return overview


_LOCKS: dict[tuple[str, str | None], threading.Lock] = {}
_LOCKS_GUARD = threading.Lock()


def _build_lock(source: str | Path, table: str | None) -> threading.Lock:
    """One lock per layer of a file: its overview is built once at a time."""
    with _LOCKS_GUARD:
        return _LOCKS.setdefault((str(Path(source).resolve()), table), threading.Lock())
