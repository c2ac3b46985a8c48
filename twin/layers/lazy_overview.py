"""The overview of a big GeoPackage layer, built by streaming: sqlite3, the R-tree, numpy.

The same overview as :func:`twin.layers.overview.build_overview` (features at least a cell
wide simplified to half a cell; the smaller polygons replaced by one square per occupied
cell of a 1024-cell grid; see that module), built without pyogrio, pandas or geopandas and
never holding the layer: one pass over the R-tree's boxes, ``chunk_rows`` rows at a time,
then the features the boxes leave unsure (the large ones, and the small ones whose float32
box could fall either side of a cell border or of the cell size) read by fid,
``chunk_rows`` at a time, each simplified and written to the cache at once. What is held
meanwhile: the unsure fids, and the occupied cells (two int64 per cell).

The cache is written with sqlite3 as GDAL writes it (``<file>.twin-overview.gpkg``, one
table ``overview_<table>`` per layer, the source's signature in GDAL's layer metadata), so
:func:`twin.layers.overview.read_cached_overview` (pyogrio), the lean ``twin render`` and
QGIS read it. It has no spatial index: it is always read whole (building an SQLite
R-tree of the 445k shapes of 1M buildings + 200k roads took longer than the rest of the
build, for nothing: no reader asks it for a box). A layer's table is replaced in one
transaction: a cancelled or failed build leaves the previous cache as it was. Qt-free,
pandas-free. Units: the layer's CRS (metres).
"""

from __future__ import annotations

import contextlib
import json
import os
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import shapely

from twin.layers import lazy_gpkg
from twin.layers.lazy_gpkg import GpkgTable
from twin.layers.overview_cache_writer import CacheWriter, finish_cache, prepare_cache, quoted

BBox = tuple[float, float, float, float]

OVERVIEW_CELLS_PER_SIDE = 1024  # as twin.layers.overview (tests check they agree)
OVERVIEW_SUFFIX = ".twin-overview.gpkg"
OVERVIEW_VERSION = "2"  # as twin.layers.overview: an older cache is not read
CHUNK_ROWS = 65_536  # rows read (R-tree boxes or geometries) and written at a time


def overview_cell(extent: BBox) -> float:
    """Cell size (m) of the overview of a layer covering ``extent``
    (:func:`twin.layers.overview.overview_cell`)."""
    minx, miny, maxx, maxy = extent
    return max(maxx - minx, maxy - miny, 1e-6) / OVERVIEW_CELLS_PER_SIDE


def overview_path(source: str | Path) -> Path:
    """Where the overview of a foreign file is cached (beside it)."""
    return Path(str(source) + OVERVIEW_SUFFIX)


def overview_table_name(table: str | None) -> str:
    """The cache's table holding the overview of layer ``table``."""
    return f"overview_{table or 'layer'}"


def source_signature(source: str | Path, table: str | None) -> dict[str, str]:
    """The metadata a cached overview records of its source (size, modification time,
    layer, grid, version): a cache whose signature differs is stale."""
    status = os.stat(source)
    return {
        "twin_source_size": str(status.st_size),
        "twin_source_mtime_ns": str(status.st_mtime_ns),
        "twin_source_table": str(table),
        "twin_cells_per_side": str(OVERVIEW_CELLS_PER_SIDE),
        "twin_overview_version": OVERVIEW_VERSION,
    }


@dataclass
class OverviewBuild:
    """What a streamed build did: the cell size (m), the shapes written (features), and
    the rows of each read of the source, in order: R-tree boxes, then geometries."""

    cell: float
    features: int
    box_reads: list[int] = field(default_factory=list)
    geometry_reads: list[int] = field(default_factory=list)


class _CellSorter:
    """Sorts boxes into large features and occupied cells, as
    :func:`twin.layers.overview.build_overview`'s ``take`` does (same arithmetic)."""

    def __init__(self, extent: BBox, kind: str) -> None:
        self.cell = overview_cell(extent)
        self.minx, self.miny = extent[0], extent[1]
        self.polygons = kind == "polygon"
        self.unsure: list[np.ndarray] = []  # fids to read: large, or placed in doubt
        self.cells: list[np.ndarray] = []
        self.cell_fids: list[np.ndarray] = []

    def _place(self, boxes: np.ndarray):
        cell = self.cell
        size = np.maximum(boxes[:, 2] - boxes[:, 0], boxes[:, 3] - boxes[:, 1])
        centre_x, centre_y = (boxes[:, 0] + boxes[:, 2]) / 2, (boxes[:, 1] + boxes[:, 3]) / 2
        column = np.floor((centre_x - self.minx) / cell)
        row = np.floor((centre_y - self.miny) / cell)
        return size, centre_x, centre_y, column, row

    def take_boxes(self, fids: np.ndarray, boxes: np.ndarray) -> None:
        """One chunk of R-tree boxes (float32 steps): the small features sure of their
        cell go to cells; the large and the doubtful wait in :attr:`unsure`."""
        cell = self.cell
        size, centre_x, centre_y, column, row = self._place(boxes)
        step = np.spacing(np.abs(boxes).astype(np.float32)).max(axis=1).astype(float)
        x_off = (centre_x - self.minx) / cell - column
        y_off = (centre_y - self.miny) / cell - row
        near = step / cell
        doubt = (np.abs(size - cell) <= 2 * step) | (
            (size < cell)
            & ((x_off < near) | (x_off > 1 - near) | (y_off < near) | (y_off > 1 - near))
        )
        keep = ~doubt
        large = size[keep] >= cell
        self.unsure.append(fids[doubt])
        self.unsure.append(fids[keep][large])
        self._add_cells(fids[keep][~large], row[keep][~large], column[keep][~large])

    def take_geometries(self, fids: np.ndarray, geometries: np.ndarray) -> tuple:
        """One chunk of exact geometries: (fids, simplified shapes) of the large ones
        (empty simplifications left out); the small ones go to cells."""
        size, _cx, _cy, column, row = self._place(shapely.bounds(geometries))
        large = size >= self.cell
        simple = shapely.simplify(geometries[large], self.cell / 2, preserve_topology=True)
        kept = ~shapely.is_empty(simple)
        self._add_cells(fids[~large], row[~large], column[~large])
        return fids[large][kept], simple[kept]

    def _add_cells(self, fids: np.ndarray, row: np.ndarray, column: np.ndarray) -> None:
        if self.polygons and len(fids):
            key = row.astype(np.int64) << 32 | column.astype(np.int64)
            keys, last = last_per_key(key, fids)
            self.cells.append(keys)
            self.cell_fids.append(last)

    def cell_boxes(self) -> tuple[np.ndarray, np.ndarray]:
        """(fids, square shapes) of the occupied cells, in key order (row, column)."""
        if not self.cells:
            return np.zeros(0, np.int64), np.zeros(0, dtype=object)
        occupied, last = last_per_key(np.concatenate(self.cells), np.concatenate(self.cell_fids))
        row, column = occupied >> 32, occupied & 0xFFFFFFFF
        x0, y0 = self.minx + column * self.cell, self.miny + row * self.cell
        return last, shapely.box(x0, y0, x0 + self.cell, y0 + self.cell)


def last_per_key(keys: np.ndarray, fids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(distinct keys, sorted, and the largest fid of each)."""
    order = np.lexsort((fids, keys))
    keys, fids = keys[order], fids[order]
    last = np.flatnonzero(np.r_[keys[1:] != keys[:-1], True])
    return keys[last], fids[last]


# one entry of an R-tree node as SQLite stores it (big-endian): id, minx, maxx, miny, maxy
_RTREE_ENTRY = np.dtype([("id", ">i8"), ("box", ">f4", 4)])


def _node_entries(blob: bytes) -> np.ndarray:
    """The entries of one R-tree node blob (2 bytes depth, 2 bytes count, then entries)."""
    return np.frombuffer(blob, _RTREE_ENTRY, int.from_bytes(blob[2:4], "big"), 4)


def _nodes(connection: sqlite3.Connection, rtree: str, numbers: list[int]) -> list[bytes]:
    return [
        row[0]
        for row in connection.execute(
            f"SELECT data FROM {quoted(rtree + '_node')} WHERE nodeno IN "
            "(SELECT value FROM json_each(?)) ORDER BY nodeno",
            (json.dumps(numbers),),
        )
    ]


def _rtree_chunks(connection: sqlite3.Connection, table: GpkgTable, chunk_rows: int, reads):
    """(fids, (n, 4) boxes minx, miny, maxx, maxy) of the R-tree, at most ``chunk_rows``
    at a time: its leaf nodes read as SQLite stores them (float32 big-endian boxes, the
    values a ``SELECT`` of the R-tree returns, 4x sooner than through one Python tuple per
    row), or, for an R-tree of another kind, by ``SELECT``. sqlite3.DatabaseError if the
    nodes do not hold every row."""
    rtree = table.rtree or ""
    definition = connection.execute(
        "SELECT sql FROM sqlite_master WHERE name = ?", (rtree,)
    ).fetchone()
    if definition is None or "rtree(" not in str(definition[0]).lower().replace(" ", ""):
        yield from _rtree_select_chunks(connection, rtree, chunk_rows, reads)
        return
    root = _nodes(connection, rtree, [1])[0]
    level = [1]
    for _depth in range(int.from_bytes(root[:2], "big")):  # down to the leaves
        children = [_node_entries(blob)["id"] for blob in _nodes(connection, rtree, level)]
        level = np.sort(np.concatenate(children)).tolist() if children else []
    per_chunk = max(1, chunk_rows // max(1, (len(root) - 4) // _RTREE_ENTRY.itemsize))
    expected = connection.execute(f"SELECT COUNT(*) FROM {quoted(rtree + '_rowid')}").fetchone()
    done = 0
    for first in range(0, len(level), per_chunk):
        entries = [
            _node_entries(b) for b in _nodes(connection, rtree, level[first : first + per_chunk])
        ]
        entries = np.concatenate(entries) if entries else np.zeros(0, _RTREE_ENTRY)
        reads.append(len(entries))
        done += len(entries)
        boxes = entries["box"].astype(float)[:, [0, 2, 1, 3]]
        yield entries["id"].astype(np.int64), boxes
    if done != int(expected[0]):
        raise sqlite3.DatabaseError(f"{rtree}: {done} entries in the leaves, {expected[0]} rows")


def _rtree_select_chunks(connection: sqlite3.Connection, rtree: str, chunk_rows: int, reads):
    """As :func:`_rtree_chunks`, by ``SELECT`` (one Python tuple per row)."""
    cursor = connection.execute(f"SELECT id, minx, miny, maxx, maxy FROM {quoted(rtree)}")
    while rows := cursor.fetchmany(chunk_rows):
        reads.append(len(rows))
        array = np.array(rows, dtype=float)
        del rows
        yield array[:, 0].astype(np.int64), array[:, 1:]


def _geometries_by_fid(
    connection: sqlite3.Connection, table: GpkgTable, fids: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """(fids ascending, shapely geometries) of the features ``fids`` (missing and empty
    geometries left out)."""
    key, column = quoted(table.key), quoted(table.geometry_column)
    rows = connection.execute(
        f"SELECT {key}, {column} FROM {quoted(table.name)} WHERE {key} IN "
        f"(SELECT value FROM json_each(?)) ORDER BY {key}",
        (json.dumps(fids.tolist()),),
    ).fetchall()
    read = np.fromiter((row[0] for row in rows), dtype=np.int64, count=len(rows))
    geometries = shapely.from_wkb(lazy_gpkg.wkb_of_blobs([r[1] for r in rows]), on_invalid="ignore")
    del rows
    present = ~(shapely.is_missing(geometries) | shapely.is_empty(geometries))
    return read[present], geometries[present]


def lean_table(source: str | Path, table: str | None) -> GpkgTable | None:
    """The GeoPackage table ``table`` of ``source`` (the only one when None) when it has
    an R-tree (what the streamed build needs), else None."""
    try:
        tables = lazy_gpkg.feature_tables(source)
    except sqlite3.Error:
        return None
    found = [t for t in tables if t.name == table] if table is not None else tables
    if len(found) != 1 or found[0].rtree is None:
        return None
    return found[0]


def build_overview_streamed(
    source: str | Path,
    table: str | None,
    extent: BBox,
    kind: str,
    progress: Callable[[float], None] | None = None,
    chunk_rows: int = CHUNK_ROWS,
) -> OverviewBuild:
    """Build the overview of ``table`` of GeoPackage ``source`` (it must have an R-tree:
    :func:`lean_table`) and write it to the cache beside it (see the module docstring);
    ``extent`` (metres) sets the grid, ``kind`` ("polygon" or "line") whether small
    features become cells. ``progress(fraction)`` after each chunk may raise to cancel:
    the cache is then left as it was. sqlite3.Error when the cache cannot be written."""
    found = lean_table(source, table)
    if found is None:
        raise ValueError(f"{source}: no GeoPackage layer {table!r} with an R-tree")
    sorter = _CellSorter(extent, kind)
    build = OverviewBuild(sorter.cell, 0)
    name = overview_table_name(table)
    metadata = {**source_signature(source, table), "twin_cell": repr(sorter.cell)}
    reader = lazy_gpkg.connect(source)
    writer_connection = sqlite3.connect(str(overview_path(source)), timeout=60.0)
    writer_connection.isolation_level = None  # transactions by hand
    try:
        done = 0
        total = max(found.count, 1)
        for fids, boxes in _rtree_chunks(reader, found, chunk_rows, build.box_reads):
            sorter.take_boxes(fids, boxes)
            done += len(fids)
            if progress is not None:
                progress(0.5 * min(done / total, 1.0))
        wanted = np.sort(np.concatenate(sorter.unsure)) if sorter.unsure else np.zeros(0, np.int64)
        sorter.unsure = []
        writer_connection.execute("BEGIN IMMEDIATE")
        try:
            prepare_cache(writer_connection, reader, name, found.srs_id)
            writer = CacheWriter(writer_connection, name, found.srs_id)
            for first in range(0, len(wanted), chunk_rows):
                fids, geometries = _geometries_by_fid(
                    reader, found, wanted[first : first + chunk_rows]
                )
                build.geometry_reads.append(len(fids))
                writer.write(*sorter.take_geometries(fids, geometries))
                del fids, geometries
                if progress is not None:
                    progress(0.5 + 0.5 * min((first + chunk_rows) / len(wanted), 1.0))
            cell_fids, cell_boxes = sorter.cell_boxes()
            for first in range(0, len(cell_fids), chunk_rows):
                part = slice(first, first + chunk_rows)
                writer.write(cell_fids[part], cell_boxes[part])
            finish_cache(writer, metadata)
            writer_connection.execute("COMMIT")
        except BaseException:
            writer_connection.execute("ROLLBACK")
            raise
        if progress is not None:
            progress(1.0)
        build.features = writer.count
    finally:
        reader.close()
        writer_connection.close()
    return build


def load_overview(
    source: str | Path,
    table: str | None,
    extent: BBox,
    kind: str,
    crs=None,
    progress: Callable[[float], None] | None = None,
    count: int = 0,
):
    """The :class:`twin.layers.overview.Overview` of ``table`` of ``source``: from the
    cache beside it; else, for a GeoPackage layer with an R-tree, built by streaming into
    the cache (:func:`build_overview_streamed`) and read from it; else (another format, a
    folder that cannot be written) by :func:`twin.layers.overview.load_overview`, in
    memory. ``progress`` may raise to cancel. Run it in a worker (a pass over the file)."""
    from twin.layers import overview

    with overview._build_lock(source, table):  # a second view waits, then reads the cache
        cached = overview.read_cached_overview(source, table)
        if cached is None and lean_table(source, table) is not None:
            with contextlib.suppress(sqlite3.Error, OSError):
                build_overview_streamed(source, table, extent, kind, progress)
                cached = overview.read_cached_overview(source, table)
    if cached is not None:
        return cached
    return overview.load_overview(source, table, extent, kind, crs, progress, count)
