"""Big vector layers drawn from what is in view: tiles read in worker threads.

A :class:`LazyVectorLayerView` divides the layer's extent into square tiles whose side
suits the zoom (between half the view width and the view width: few small reads at street
zoom, wherever the features are dense). Painting finds the tiles meeting the view (and a ring
of one tile around it, read ahead for panning, and as many more as the largest feature
reaches, up to :data:`REACH_TILES`), asks a worker thread to read the missing
ones from the file (:meth:`LazyVectorLayer.read_geometry`, a GeoPackage R-tree read) and
draws the tiles already there; a tile that arrives is drawn at once. The UI thread never
reads the file. Each tile keeps only flat coordinate arrays (:class:`ChunkedFeatures`),
not shapely objects. A feature crossing tile borders belongs to the tile holding its first
vertex, so it is drawn once; the tiles drawn reach as far beyond the view as the largest
feature box of the layer (:meth:`LazyVectorLayer.feature_half_size`, asked once in a
worker), so a long road crossing the view from far away is drawn. Features longer than
:data:`REACH_TILES` tiles belong to no tile: they are read with the view in one "big
features" read, drawn once per frame (twin/ui/map/views/lazy_long.py). Units: project
metres.
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import threading
from collections import OrderedDict

import numpy as np
from PySide6 import QtCore, QtGui

from twin.layers.lazy import LazyVectorLayer
from twin.layers.overview import overview_cell
from twin.layers.style import Style
from twin.layers.style_fields import classification_key
from twin.ui.map.views.base import (
    LayerView,
    class_colors_with_fallback,
    draw_grid_image,
    pixel_box,
    pixel_grid,
)
from twin.ui.map.views.chunk_painter import (
    ChunkPainter,
    class_paints,
)
from twin.ui.map.views.framebuffer import FrameBuffer, new_image
from twin.ui.map.views.lazy_long import LongFeatures
from twin.ui.map.views.lazy_overview_view import LayerOverview
from twin.ui.map.views.lazy_reads import TileGrid, TileKey, chunked_bytes, read_tile
from twin.ui.map.views.linedraw import warm_up as line_warm_up
from twin.ui.map.views.scanfill import warm_up as fill_warm_up

TILE_CACHE_MB = 512  # MiB of tile arrays kept; past it the least recently drawn tiles go
READ_THREADS = 2  # the machine's cores
_EXECUTOR = concurrent.futures.ThreadPoolExecutor(READ_THREADS, thread_name_prefix="twin-tile")


class LazyVectorLayerView(LayerOverview, LongFeatures, LayerView):
    """Draws a :class:`LazyVectorLayer` (polygons or lines) tile by tile as tiles arrive.

    The style's fill, stroke and opacity apply, and so do classes by field (categories,
    graduated): each tile is read with the one column the style colours by and sorted into
    its classes in the worker; the overview takes the classes of the features its shapes
    stand for. A new colour re-colours what was read; new classes or another column read
    the tiles again (the previous drawing stays until they arrive).
    """

    tile_ready = QtCore.Signal(object, object)  # (key, ChunkedFeatures or exception)
    overview_ready = QtCore.Signal(object, object)  # (generation, ChunkedFeatures or error)
    half_size_ready = QtCore.Signal(object, object)  # (generation, metres or exception)
    big_ready = QtCore.Signal(object, object, object)  # (generation, region, chunked/error)

    def __init__(self, layer: LazyVectorLayer) -> None:
        super().__init__(layer)
        self.buffer = FrameBuffer()
        self.read_threads: list[str] = []  # thread name of each tile read (for checks)
        self._tiles: OrderedDict[TileKey, ChunkPainter] = OrderedDict()
        self._pending: dict[TileKey, concurrent.futures.Future] = {}
        self._tile_bytes = 0
        self._generation = 0
        self._guard = threading.Lock()
        self._overview: ChunkPainter | None = None
        self._overview_future: concurrent.futures.Future | None = None
        self._drawn: dict[int, ChunkPainter] = {}
        self._drawn_holes: set[TileKey] = set()
        self.region_redraws = 0  # parts of the cached image drawn again (for benchmarks)
        self.paints = 0  # calls of paint (for benchmarks)
        self._holes: tuple[TileKey, ...] = ()
        self._painters: list[ChunkPainter] = []
        self.tile_ready.connect(self._on_tile_ready)
        self.overview_ready.connect(self._on_overview_ready)
        self.half_size_ready.connect(self._on_half_size_ready)
        self.big_ready.connect(self._on_big_ready)
        self.reload()

    # --- tiles ---------------------------------------------------------------------------
    def reload(self) -> None:
        """Forget every tile (the file or frame changed); they are read again on paint."""
        self._generation += 1
        self._tiles.clear()
        for future in self._pending.values():
            future.cancel()
        self._pending.clear()
        self._view_bbox = None
        self._view_resolution = 0.0
        self._tile_bytes = 0
        if self._overview_future is not None:
            self._overview_future.cancel()
        self._overview = None
        self._overview_future = None
        self._overview_current = False  # the overview drawn has the style's classes
        self._overview_cancelled = False
        self._stale: dict[TileKey, ChunkPainter] = {}
        self._forget_big()
        self._half_size: float | None = None  # of the largest feature box (metres)
        self._half_size_future = self._submit(self._read_half_size, self._generation)
        self._overview_cell = overview_cell(self.layer.bounds)
        self.buffer.invalidate()
        self.grid = TileGrid(self.layer.bounds)
        (fill_warm_up if self.layer.geometry_kind == "polygon" else line_warm_up)()
        self._style = self.layer.style
        self._style_key = classification_key(self._style)
        self._colors = self._style_colors()

    def restyle(self) -> None:
        """Apply the layer's style: new colours and pens to the tiles already read; new
        classes (another column, categories or breaks) read the tiles and the overview
        again in the workers, the current drawing staying until they arrive."""
        style = self.layer.style
        key = classification_key(style)
        self._style = style
        self._colors = self._style_colors()
        if key != self._style_key:
            self._style_key = key
            self._generation += 1  # reads under way were for the old classes
            for future in self._pending.values():
                future.cancel()
            self._pending.clear()
            self._stale = dict(self._tiles)  # drawn until the new tiles are in
            self._forget_big()
            self._tiles.clear()
            self._tile_bytes = 0
            if self._overview_future is not None:
                self._overview_future.cancel()
            self._overview_future = None
            self._overview_current = False
            self.buffer.invalidate()
            self.update()
            return
        others = [self._overview, self._big]
        for painter in [*self._tiles.values(), *self._stale.values(), *others]:
            if painter is not None and painter.chunked.classes == len(self._colors[0]):
                painter.set_colors(*self._colors)
        self.buffer.invalidate()

    def _style_colors(self):
        """(brushes, pens, dot colours, stroke pixels) per class, base fill colour last."""
        style = self._style
        return class_paints(style, self.layer.geometry_kind, class_colors_with_fallback(style))

    def level_for(self, view_width: float) -> int:
        """Tile level for a view ``view_width`` metres wide (see :class:`TileGrid`)."""
        return self.grid.level_for(view_width)

    def tile_box(self, key: TileKey) -> tuple[float, float, float, float]:
        """The box (minx, miny, maxx, maxy metres) of tile ``key`` = (level, column, row)."""
        return self.grid.tile_box(key)

    def tiles_meeting(
        self, bbox: tuple[float, float, float, float], ring: int = 1, reach: float = 0.0
    ) -> list:
        """Keys of the tiles meeting ``bbox`` (metres) plus ``ring`` tiles around and those
        within ``reach`` metres (see :meth:`TileGrid.tiles_meeting`), nearest first."""
        return self.grid.tiles_meeting(bbox, ring, reach)

    def request_tiles(self, bbox: tuple[float, float, float, float]) -> int:
        """Ask the workers for the tiles meeting ``bbox`` not yet read, with the ring read
        ahead and the tiles long features reach from (and the big features of the view if
        any); returns how many tiles were asked for."""
        self._view_bbox = bbox
        wanted = self.tiles_meeting(bbox, ring=1, reach=self.reach)
        self._cancel_pending_except(set(wanted))
        asked = 0
        for key in wanted:
            if key in self._tiles or key in self._pending:
                continue
            future = _EXECUTOR.submit(self._read, key, self._generation, self._style)
            self._pending[key] = future
            asked += 1
        self._request_big(bbox)
        return asked

    def _submit(self, function, *args) -> concurrent.futures.Future:
        """Run ``function(*args)`` in a tile reading thread."""
        return _EXECUTOR.submit(function, *args)

    def _cancel_pending_except(self, keys: set) -> None:
        """Drop the queued reads of tiles not in ``keys`` (the view moved on); reads
        already running finish and their tiles are kept."""
        for key, future in list(self._pending.items()):
            if key not in keys and future.cancel():
                del self._pending[key]

    def _read(self, key: TileKey, generation: int, style: Style):
        """Worker: read one tile (classes of ``style``) and hand it to the UI thread."""
        with self._guard:
            self.read_threads.append(threading.current_thread().name)
        try:
            big = self.grid.big_limit(key[0])
            result = read_tile(self.layer, self.tile_box(key), style, big)
        except Exception as error:  # shown as a missing tile, never a crash
            result = error
        if generation == self._generation:
            with contextlib.suppress(RuntimeError):  # the view was deleted meanwhile
                self.tile_ready.emit(key, result)
        return result

    def _on_tile_ready(self, key: TileKey, result) -> None:
        if self._pending.pop(key, None) is None or not self._alive():
            return
        if isinstance(result, Exception):
            return
        brushes, pens, dots, stroke = self._colors
        painter = ChunkPainter(
            result, brushes, pens, dots, stroke, filled=self.layer.geometry_kind == "polygon"
        )
        self._tiles[key] = painter
        self._tile_bytes += chunked_bytes(result)
        if self._stale and not self._pending:  # every tile asked for is in: forget the old
            self._stale.clear()
        while self._tile_bytes > TILE_CACHE_MB * 2**20 and len(self._tiles) > 1:
            _old_key, old = self._tiles.popitem(last=False)  # the least recently drawn
            self._tile_bytes -= chunked_bytes(old.chunked)
        self.update()  # paint draws again only the part of the image the tile meets

    def pending_count(self) -> int:
        """Tiles asked for and not yet drawn."""
        return len(self._pending)

    def finish_reads(self, timeout: float = 600.0) -> bool:
        """Wait for the tiles being read and take them in now (for a complete image, e.g.
        ``twin render``); True if any arrived. Runs on the UI thread."""
        arrived = False
        if self._half_size is None and self._view_bbox is not None:
            with contextlib.suppress(Exception):  # unknown: tiles of one ring, as before
                self._on_half_size_ready(self._generation, self._half_size_future.result(timeout))
            if self._half_size is not None and self._half_size > 0:
                arrived = True
                if not self.overview_shown_at(self._view_resolution):
                    self.request_tiles(self._view_bbox)  # with the tiles long features reach
        if self._view_bbox is not None and self.overview_shown_at(self._view_resolution):
            future = self._overview_future
            if not self._overview_current and future is not None:
                self._on_overview_ready(self._generation, future.result(timeout=timeout))
                return True
        if self._view_bbox is not None:  # the read-ahead ring is not needed for this image
            needed = self.tiles_meeting(self._view_bbox, ring=0, reach=self.reach)
            self._cancel_pending_except(set(needed))
        big = self._big_future
        if big is not None and self._big_asked is not None:
            self._on_big_ready(self._generation, self._big_asked, big.result(timeout=timeout))
            arrived = True
        while self._pending:
            key, future = next(iter(self._pending.items()))
            result = future.result(timeout=timeout)
            self._on_tile_ready(key, result)
            arrived = True
        return arrived

    @property
    def tile_count(self) -> int:
        """Tiles read and kept."""
        return len(self._tiles)

    @property
    def tile_megabytes(self) -> float:
        """MiB of the tiles kept (bounded by :data:`TILE_CACHE_MB`)."""
        return self._tile_bytes / 2**20

    # --- drawing ---------------------------------------------------------------------------
    def paint(self, painter: QtGui.QPainter, option, widget=None) -> None:
        """Draw the tiles read so far in the visible region; ask for the missing ones."""
        self.paints += 1
        grid = pixel_grid(painter)
        if grid is None:
            return
        resolution, gx0, gy0, width, height = grid
        bbox = (
            gx0 * resolution,
            -(gy0 + height) * resolution,
            (gx0 + width) * resolution,
            -gy0 * resolution,
        )
        self._view_resolution = resolution
        painters = self._painters_for(bbox, resolution)
        drawn = {id(p): p for p in painters}
        holes = set(self._holes)
        if drawn.keys() != self._drawn.keys() or holes != self._drawn_holes:
            changed = [p for k, p in drawn.items() if k not in self._drawn]
            changed += [p for k, p in self._drawn.items() if k not in drawn]
            boxes = [self.tile_box(key) for key in holes ^ self._drawn_holes]
            boxes += [box for box in map(self._extent_of, changed) if box is not None]
            self._drawn, self._drawn_holes = drawn, holes
            self._painters = painters
            self._redraw_boxes(boxes, resolution)  # only where the change shows
        if not painters and not holes:
            return
        image = self.buffer.frame(resolution, gx0, gy0, width, height, self._render)
        draw_grid_image(painter, image, gx0, gy0)

    def _painters_for(self, bbox, resolution: float) -> list[ChunkPainter]:
        """What to draw: the overview at small scales; else the tiles read, and the
        overview (if there) in the boxes of the tiles in view not read yet (their keys
        left in ``self._holes``). Asks for what is missing."""
        self._holes = ()
        if self.overview_shown_at(resolution):
            self._view_bbox = bbox
            self._cancel_pending_except(set())
            self.request_overview()
            return [self._overview] if self._overview is not None else []
        self.request_tiles(bbox)
        in_view = self.tiles_meeting(bbox, ring=0)
        reached = self.tiles_meeting(bbox, ring=0, reach=self.reach)  # and long features'
        if any(key not in self._tiles for key in reached):
            level = in_view[0][0]  # the tiles of the previous classes until the new are in
            stale = [p for key, p in self._stale.items() if key[0] == level]
            if stale:
                return stale
            if self._overview is not None:
                self._holes = tuple(key for key in in_view if key not in self._tiles)
        level = in_view[0][0] if in_view else -1  # tiles of one level: each feature once
        for key in reached:  # least recently drawn last to go
            if key in self._tiles:
                self._tiles.move_to_end(key)
        painters = [painter for key, painter in sorted(self._tiles.items()) if key[0] == level]
        big = self._big
        if big is not None and self._big_region is not None and self._big_region[0] == level:
            painters.append(big)  # owned by no tile of this level: drawn once
        return painters

    def _extent_of(self, painter: ChunkPainter) -> tuple[float, float, float, float] | None:
        """The box (metres) of what ``painter`` draws, stroke included (None: nothing)."""
        bounds = painter.chunked.chunk_bounds
        if not len(bounds) or np.all(np.isnan(bounds[:, 0])):
            return None
        margin = (self._colors[3] + 2.0) * self._view_resolution
        return (
            float(np.nanmin(bounds[:, 0])) - margin,
            float(np.nanmin(bounds[:, 1])) - margin,
            float(np.nanmax(bounds[:, 2])) + margin,
            float(np.nanmax(bounds[:, 3])) + margin,
        )

    def _redraw_boxes(self, boxes: list, resolution: float) -> None:
        """Draw again the parts of the cached image under ``boxes`` (metres): where a tile
        arrived or left, or a hole of the overview opened or closed. A tile read ahead out
        of view changes nothing; one arriving at the edge redraws that edge only."""
        buffer = self.buffer
        if not buffer.matches_resolution(resolution) or buffer.array is None:
            buffer.invalidate()
            return
        gx, gy = buffer.origin
        height, width = buffer.array.shape
        for box in boxes:
            pixels = pixel_box(box, resolution, (gx, gy), (width, height))
            if pixels is None:
                continue
            left, top, right, bottom = pixels
            if (right - left) * (bottom - top) > 0.8 * width * height:
                buffer.invalidate()  # most of it: draw it all anew
                return
            array, image = new_image(right - left, bottom - top)
            self._render(array, image, left, top, resolution)
            buffer.array[top - gy : bottom - gy, left - gx : right - gx] = array
            self.region_redraws += 1

    def _render(self, array, image, gx0, gy0, resolution) -> None:
        if self._drawn_holes and self._overview is not None:
            self._render_holes(array, gx0, gy0, resolution)
        for painter in self._painters:
            painter.render(array, image, gx0, gy0, resolution)
