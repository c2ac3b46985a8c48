"""Cutting a coverage grid into tiles of whole pixels, and the sites that reach a tile
(its halo: the range of the cells)."""

from __future__ import annotations

import math

from affine import Affine

from twin.errors import DataError
from twin.i18n import tr
from twin.layers.radio_sites import Site
from twin.sim.radio.coverage import Grid

Window = tuple[int, int, int, int]  # r0, r1, c0, c1 (rows and columns of the whole grid)


def tile_layout(shape: tuple[int, int], tiles: int) -> tuple[int, int]:
    """(tile rows, tile columns) with product ``tiles`` whose tiles are closest to square
    on a grid of ``shape`` (rows, cols) pixels. Raises :class:`DataError` when ``tiles`` < 1
    or no layout leaves every tile at least one pixel."""
    if tiles < 1:
        raise DataError(tr("--tiles must be at least 1"))
    rows, cols = shape
    best = None
    for tile_rows in range(1, tiles + 1):
        if tiles % tile_rows:
            continue
        tile_cols = tiles // tile_rows
        if tile_rows > rows or tile_cols > cols:
            continue
        aspect = abs(math.log((rows / tile_rows) / (cols / tile_cols)))
        if best is None or aspect < best[0]:
            best = (aspect, tile_rows, tile_cols)
    if best is None:
        raise DataError(
            tr("--tiles {tiles}: tiles finer than a pixel on a {rows} x {cols} pixel grid").format(
                tiles=tiles, rows=rows, cols=cols
            )
        )
    return best[1], best[2]


def split_grid(shape: tuple[int, int], tiles: int) -> list[Window]:
    """The ``tiles`` windows (r0, r1, c0, c1) of whole pixels that partition a grid of
    ``shape``, row-major; sizes differ by at most one pixel."""
    tile_rows, tile_cols = tile_layout(shape, tiles)
    rows, cols = shape
    row_edges = [rows * i // tile_rows for i in range(tile_rows + 1)]
    col_edges = [cols * j // tile_cols for j in range(tile_cols + 1)]
    return [
        (row_edges[i], row_edges[i + 1], col_edges[j], col_edges[j + 1])
        for i in range(tile_rows)
        for j in range(tile_cols)
    ]


def tile_grid(grid: Grid, window: Window) -> Grid:
    """The sub-grid of ``grid`` covering ``window`` (same pixels, origin moved)."""
    r0, r1, c0, c1 = window
    t = grid.transform
    transform = Affine(t.a, 0.0, t.c + c0 * t.a, 0.0, t.e, t.f + r0 * t.e)
    return Grid(transform, (r1 - r0, c1 - c0), grid.crs)


def cell_codes(sites: list[Site]) -> dict[tuple[str, str], int]:
    """(site_id, cell_id) -> code, numbered in site then cell order (as
    :class:`~twin.sim.radio.model.CoverageModel` numbers them)."""
    codes: dict[tuple[str, str], int] = {}
    for site in sites:
        for cell in site.cells:
            codes.setdefault((site.site_id, cell.cell_id), len(codes))
    return codes


def reaching_sites(grid: Grid, sites: list[Site], max_range_m: float) -> list[Site]:
    """The sites whose range disc reaches ``grid`` (the halo), in their order."""
    return [s for s in sites if grid.window_around(s.x, s.y, max_range_m) is not None]
