"""The lean path of ``twin render`` for a big GeoPackage: file to page without the model.

When every layer of a GeoPackage is one that twin opens lazily (big polygon or line layers,
one CRS, an R-tree each; :data:`twin.layers.lazy_gpkg.LAZY_FEATURE_THRESHOLD`), the page is
the same as :mod:`twin.cli.render` draws through a :class:`twin.project.Project` and the
window's canvas, but it is made here with far less:

- the file is read with sqlite3 through its R-tree (:mod:`twin.layers.lazy_gpkg`): only the
  features whose box meets the view (plus the outline's margin), geometry only, once per
  layer, and freed layer by layer; no pyogrio, pandas, geopandas, pyproj, rasterio;
- at a small scale the cached overview beside the file is drawn instead, as the canvas
  does; the first time it is built here, streaming the file by chunks of rows
  (:mod:`twin.layers.lazy_overview`), and cached;
- the map is drawn by the canvas's own drawing code (:class:`ChunkPainter`, the same tiles
  in the same order and the same pixel grid as :class:`LazyVectorLayerView`), without
  pyqtgraph's scene; numba's kernels load only when the view holds many features
  (:data:`NUMBA_MIN_FEATURES`): below that the kernels' numpy equivalent draws the same
  pixels (:mod:`twin.cli.render_lean_fill`), sooner than numba loads (about a second and
  80-135 MB);
- the page (title, legend, scale bar, north arrow, credits) is the same layout painted by
  the same painter (:func:`twin.ui.export.painter.write_page`).

Anything else (a .twin, small layers, rasters, several CRSs, an overview cache that
cannot be written) returns None and takes the ordinary path. Units: project metres;
pixels of the page.
"""

from __future__ import annotations

import math
import sqlite3
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace

import numpy as np

from twin.cli.render_lean_view import (
    FULL_EXTENT_MARGIN,
    TileGrid,
    cached_overview_table,
    concat_arrays,
    device_transform,
    overview_cell,
    read_tile_parts,
    shown_range,
)
from twin.layers import lazy_gpkg
from twin.layers.lazy_gpkg import GpkgTable
from twin.layers.provenance import Provenance
from twin.layers.style import LegendEntry, Style

BBox = tuple[float, float, float, float]

NUMBA_MIN_FEATURES = 1_500_000
"""Features in view from which numba's kernels draw the map. Below, their numpy equivalent
draws the same pixels (:mod:`twin.cli.render_lean_fill`) without loading numba (about
1.2 s CPU and 120-135 MB resident): measured on 1M buildings + 200k roads at the full
extent (445k overview features), the whole ``twin render`` took 2.7 s CPU and 210 MiB
with numpy against 3.5 s and 335 MiB with numba, so numba pays back its load only for
views of well over a million features."""


def load_kernels_without_scipy_linalg() -> None:
    """Load numba's drawing kernels (:func:`twin.ui.map.jit.load`) without numba importing
    scipy.linalg: while its registries load, numba probes scipy's BLAS once for a faster
    ``np.dot`` of 1-D arrays (numba.np.arraymath._HAVE_BLAS), which the kernels never use;
    that import is a third of numba's start-up (~0.3 s idle, ~25 MB). Only that probe is
    affected: numba's linear algebra asks for BLAS again when compiled, and finds it (the
    module is visible again as soon as the kernels are loaded)."""
    import sys

    from twin.ui.map import jit

    name = "scipy.linalg.cython_blas"
    hide = name not in sys.modules and "numba.np.arraymath" not in sys.modules
    if hide:
        sys.modules[name] = None  # type: ignore[assignment]  # its import raises ImportError
    try:
        jit.load()
    finally:
        if hide and name in sys.modules and sys.modules[name] is None:
            del sys.modules[name]


class OverviewMissingError(Exception):
    """A layer's cached overview was there when checked and is not any more."""


@dataclass
class LeanLayer:
    """What the page needs of one layer (the duck type :func:`twin.layout.build_layout`
    reads): name, style, provenance, geometry kind, the GeoPackage table behind it."""

    name: str
    table: GpkgTable
    geometry_kind: str
    style: Style
    provenance: Provenance
    visible: bool = True
    opacity: float = 1.0
    drawn: dict = field(default_factory=dict)  # what was read (counts, for checks)

    @property
    def bounds(self) -> BBox:
        """Extent (minx, miny, maxx, maxy metres) recorded in the file."""
        return self.table.extent  # type: ignore[return-value]

    def legend_entries(self) -> list[LegendEntry]:
        """Legend rows from the style."""
        return self.style.legend_entries(self.geometry_kind)


def lean_layers(path: Path) -> list[LeanLayer] | None:
    """The layers of the GeoPackage at ``path`` when every one would open lazily (see the
    module docstring), first on top; None when the ordinary path must draw it."""
    if path.suffix.lower() != ".gpkg":
        return None
    try:
        connection = lazy_gpkg.connect(path)
        try:
            kinds = [
                str(row[0]) for row in connection.execute("SELECT data_type FROM gpkg_contents")
            ]
        finally:
            connection.close()
        tables = lazy_gpkg.feature_tables(path)
    except sqlite3.Error:
        return None  # not a GeoPackage twin can read this way: the ordinary path says why
    if not tables or any(kind != "features" for kind in kinds):
        return None  # rasters or attribute-only tables: the ordinary path
    total = sum(table.count for table in tables)
    from twin.layers.io_common import default_style, file_date

    provenance = Provenance(
        source=str(path.resolve()),
        date=file_date(path),
        method="read with sqlite3 through the GeoPackage R-tree (twin render, lean path)",
    )

    layers = []
    for table in tables:
        kind = lazy_gpkg.geometry_kind(table.geometry_type)
        threshold = lazy_gpkg.LAZY_FEATURE_THRESHOLD  # the reader's rule (io_vector)
        big = table.count > threshold or (
            table.count > lazy_gpkg.LAZY_MIN_FEATURES and total > threshold
        )
        if kind not in ("polygon", "line") or not big or table.rtree is None:
            return None
        if table.extent is None or not all(math.isfinite(v) for v in table.extent):
            return None
        if table.srs_id != tables[0].srs_id:
            return None
        layers.append(LeanLayer(table.name, table, kind, default_style(kind), provenance))
    return layers


class LeanMap:
    """Draws the map of lean layers into an image, as :func:`twin.ui.map.render.render_map`
    does with the canvas; :attr:`read_counts` says how many features each layer read."""

    def __init__(self, path: Path, layers: list[LeanLayer], line_factor: float) -> None:
        self.path = path
        self.layers = layers
        self.line_factor = line_factor
        self.read_counts: dict[str, int] = {}
        self.used_overview: dict[str, bool] = {}
        self.built_overview: dict[str, bool] = {}  # built by this render (not cached)
        self.numpy_kernels = False

    def full_extent(self) -> BBox:
        """The project's extent with the canvas's margin ("zoom to full extent")."""
        boxes = [layer.bounds for layer in self.layers]
        minx, miny = min(b[0] for b in boxes), min(b[1] for b in boxes)
        maxx, maxy = max(b[2] for b in boxes), max(b[3] for b in boxes)
        dx, dy = (maxx - minx) * FULL_EXTENT_MARGIN, (maxy - miny) * FULL_EXTENT_MARGIN
        return (minx - dx, miny - dy, maxx + dx, maxy + dy)

    def missing_overviews(self, bbox: BBox | None, size: tuple[int, int]) -> list[LeanLayer]:
        """The layers that would draw their overview and have none cached."""
        width, height = size
        shown = shown_range(bbox or self.full_extent(), width, height)
        resolution = 1.0 / device_transform(shown, width, height).m11()
        return [
            layer
            for layer in self.layers
            if resolution >= overview_cell(layer.bounds) / 2
            and cached_overview_table(self.path, layer.table.name) is None
        ]

    def build_overviews(self, layers: list[LeanLayer]) -> None:
        """Build and cache the overviews of ``layers`` by streaming the file
        (:func:`twin.layers.lazy_overview.build_overview_streamed`: R-tree boxes and
        geometries by chunks of rows, never the whole layer); sqlite3.Error or OSError
        when the cache cannot be written."""
        from twin.layers.lazy_overview import build_overview_streamed

        for layer in layers:
            build_overview_streamed(self.path, layer.table.name, layer.bounds, layer.geometry_kind)
            self.built_overview[layer.name] = True

    def render(self, bbox: BBox | None, size: tuple[int, int]):
        """(image ARGB32 of ``size`` pixels, box shown in metres)."""
        from PySide6 import QtCore, QtGui

        from twin.ui.map.views.framebuffer import new_image

        width, height = size
        shown = shown_range(bbox or self.full_extent(), width, height)
        transform = device_transform(shown, width, height)
        resolution = 1.0 / transform.m11()
        gx0, gy0 = math.floor(-transform.dx()), math.floor(-transform.dy())
        region_w, region_h = width + 1, height + 1
        region = (
            gx0 * resolution,
            -(gy0 + region_h) * resolution,
            (gx0 + region_w) * resolution,
            -gy0 * resolution,
        )
        page = QtGui.QImage(width, height, QtGui.QImage.Format.Format_ARGB32_Premultiplied)
        page.fill(QtGui.QColor(255, 255, 255))
        painter = QtGui.QPainter(page)
        at = QtCore.QPoint(round(gx0 + transform.dx()), round(gy0 + transform.dy()))
        try:
            self._choose_kernels(region, resolution)
            for layer in reversed(self.layers):  # the first layer on top
                array, image = new_image(region_w, region_h)
                for chunk_painter in self._painters(layer, region, resolution):
                    chunk_painter.render(array, image, gx0, gy0, resolution)
                painter.drawImage(at, image)
                del array, image  # free as we go: one layer's image at a time
        finally:
            painter.end()
        return page.convertToFormat(QtGui.QImage.Format.Format_ARGB32), shown

    def features_in_view(self, region: BBox, resolution: float) -> int:
        """Features to draw in ``region`` (metres): the overview's when it is drawn, else
        those whose R-tree box meets the region (counted in the index, unless the layers'
        mean density puts them far from :data:`NUMBA_MIN_FEATURES`: then that estimate)."""
        area = (region[2] - region[0]) * (region[3] - region[1])
        total, estimate = 0, 0.0
        tables = []
        for layer in self.layers:
            if resolution >= overview_cell(layer.bounds) / 2:
                cached = cached_overview_table(self.path, layer.table.name)
                total += cached[1].count if cached is not None else layer.table.count
                continue
            minx, miny, maxx, maxy = layer.bounds
            extent = max((maxx - minx) * (maxy - miny), 1e-6)
            estimate += layer.table.count * min(1.0, area / extent)
            tables.append(layer.table)
        if not NUMBA_MIN_FEATURES / 4 < total + estimate < 2 * NUMBA_MIN_FEATURES:
            return int(total + estimate)  # far from the threshold: no need to count
        connection = lazy_gpkg.connect(self.path)
        try:
            return total + sum(
                lazy_gpkg.count_in_bbox(connection, table, region) for table in tables
            )
        finally:
            connection.close()

    def _choose_kernels(self, region: BBox, resolution: float) -> None:
        """Draw with numba's kernels (loaded here, as the canvas loads them on first use)
        when the view holds many features, else with their numpy equivalent
        (:mod:`twin.cli.render_lean_fill`, same pixels), sooner than numba loads."""
        from twin.ui.map.views import linedraw, scanfill

        few = self.features_in_view(region, resolution) < NUMBA_MIN_FEATURES
        unloaded = (
            linedraw._draw_lines_compiled is linedraw.NOT_LOADED
            and scanfill._fill_features_compiled is linedraw.NOT_LOADED
        )
        self.numpy_kernels = few and unloaded
        if not self.numpy_kernels and unloaded:
            load_kernels_without_scipy_linalg()

    def _painters(self, layer: LeanLayer, region: BBox, resolution: float):
        """The ChunkPainters of ``layer`` for the region, in the canvas's order (one per
        tile, or the overview), built one at a time; the file is read in batches into flat
        coordinate arrays (no geometry object outlives its batch)."""
        from twin.ui.map.views.chunk_painter import ChunkPainter
        from twin.ui.map.views.geometry import chunk_features

        colors = self._style_colors(layer)
        filled = layer.geometry_kind == "polygon"

        kind = ChunkPainter
        if self.numpy_kernels:
            from twin.cli.render_lean_fill import NumpyChunkPainter

            kind = NumpyChunkPainter

        def painter_of(arrays) -> ChunkPainter:
            chunked = chunk_features(arrays, np.zeros(arrays.count, dtype=np.int64), 1)
            return kind(chunked, *colors, filled=filled)

        if resolution >= overview_cell(layer.bounds) / 2:
            cached = cached_overview_table(self.path, layer.table.name)
            if cached is None:
                raise OverviewMissingError(layer.name)  # checked before drawing: gone since
            cache, table = cached
            parts = read_tile_parts(cache, table, None, layer.geometry_kind, None)
            arrays = concat_arrays(parts.pop(0, []))
            self.read_counts[layer.name] = arrays.count
            self.used_overview[layer.name] = True
            yield painter_of(arrays)
            return
        self.used_overview[layer.name] = False
        margin = (colors[3] + 1.0) * resolution  # an outline reaching into the view
        box = (region[0] - margin, region[1] - margin, region[2] + margin, region[3] + margin)
        # the canvas draws tile by tile (nearest the centre first), each feature in the
        # tile holding the centre of its box: the same groups, in the same order
        grid = TileGrid.of(layer.bounds)
        keys = grid.tiles_meeting(region)
        parts = read_tile_parts(
            self.path, layer.table, box, layer.geometry_kind, [grid.tile_box(k) for k in keys]
        )
        self.read_counts[layer.name] = sum(p.count for tile in parts.values() for p in tile)
        for rank in sorted(parts):  # features in no view tile (rank len(keys)) last
            arrays = concat_arrays(parts.pop(rank))
            if arrays.count:
                yield painter_of(arrays)
            del arrays

    def _style_colors(self, layer: LeanLayer):
        """(brushes, pens, dots, stroke px) as LazyVectorLayerView._style_colors, with the
        page's wider lines (twin.ui.export.print_scale)."""
        from PySide6 import QtCore, QtGui

        from twin.ui.map.views.chunk_painter import cosmetic_pen, premultiplied_argb, qcolor

        style = layer.style
        stroke_width = style.stroke_width * self.line_factor
        colors = style.class_colors() if style.kind != "single" else []
        color = [*colors, style.fill_color][-1]
        if layer.geometry_kind == "polygon":
            brushes = [QtGui.QBrush(qcolor(color, style.fill_opacity))]
            pens = [cosmetic_pen(style.stroke_color, stroke_width)]
            dots = [premultiplied_argb(qcolor(color, style.fill_opacity))]
            return brushes, pens, dots, max(stroke_width, 0.0)
        width = max(stroke_width, 1.0)
        brushes = [QtGui.QBrush(QtCore.Qt.BrushStyle.NoBrush)]
        return brushes, [cosmetic_pen(color, width)], [premultiplied_argb(qcolor(color))], width


def render_lean(
    path: Path,
    out: Path,
    size: tuple[int, int],
    bbox: BBox | None,
    title: str,
    subtitle: str | None,
    dpi: float,
) -> LeanMap | None:
    """Write the page of the GeoPackage at ``path`` to ``out`` the lean way; None (nothing
    written) when the ordinary path must draw it."""
    layers = lean_layers(path)
    if layers is None:
        return None
    from twin.layout import Page, build_layout, regions

    line_factor = max(1.0, float(dpi) / 96.0)  # twin.ui.export.print_scale.line_scale
    drawing = LeanMap(path, layers, line_factor)
    layout = build_layout(
        SimpleNamespace(layers=layers), title, subtitle, extent=bbox, page=Page(*size, dpi)
    )
    parts = regions(layout)
    map_size = (max(1, round(parts.map[2])), max(1, round(parts.map[3])))
    missing = drawing.missing_overviews(layout.map.extent, map_size)
    if missing:
        try:
            drawing.build_overviews(missing)
        except (sqlite3.Error, OSError):
            return None  # no cache can be written beside the file: the ordinary path
    from twin.cli.render_lean_png import write_png
    from twin.ui.export.painter import page_image, write_page
    from twin.ui.map.render import ensure_qt_application

    ensure_qt_application()
    try:
        map_image, shown = drawing.render(layout.map.extent, map_size)
    except (OverviewMissingError, sqlite3.Error):
        return None  # the cache went or the file changed meanwhile: the ordinary path
    if out.suffix.lower() == ".png":
        write_png(page_image(layout, map_image, shown), out)
    else:
        write_page(layout, map_image, shown, out)
    return drawing
