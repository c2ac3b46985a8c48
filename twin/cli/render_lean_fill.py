"""The drawing kernels of :mod:`twin.ui.map.views.scanfill` and :mod:`linedraw`, vectorised
with numpy, for a lean ``twin render`` of a view with few features (no numba to load).

The kernels fill each polygon by scanlines (pixel centres, winding rule, non-antialiased)
and outline it right after, one polygon after the other, then step lines pixel by pixel
with a square pen. Here every pixel a feature's fill or outline writes is listed with a
key (2 x its rank for its fill, 2 x rank + 1 for its outline) and each pixel takes the
colour of its largest key: the painter's order of the kernels, with the same arithmetic
(same crossings, spans, clipping and steps), so the same pixels. Features go in batches,
so the pixel lists stay small. Units: metres in, pixels of the region out.
"""

from __future__ import annotations

import math

import numpy as np

from twin.ui.map.views.chunk_painter import MAX_FAST_LINE_PIXELS, OUTLINE_MIN_PIXELS, ChunkPainter
from twin.ui.map.views.geometry import gather_ranges

BATCH_FEATURES = 4_000  # features whose pixels are listed at once


class NumpyChunkPainter(ChunkPainter):
    """A :class:`ChunkPainter` drawing with :func:`paint_features` (numpy) where the
    original runs numba's kernels; wide pens go through QPainter as there."""

    def render(self, array, image, gx0: int, gy0: int, resolution: float) -> None:
        """As :meth:`ChunkPainter.render` (same level of detail, same pixels)."""
        chunked = self.chunked
        visible = self._features_with_dots(array, gx0, gy0, resolution)
        if visible is None:
            return
        features, sizes, hollow = visible
        fast = self.stroke_pixels <= MAX_FAST_LINE_PIXELS
        if self.filled:
            outline_pixels = 1.0 if hollow else OUTLINE_MIN_PIXELS
            min_size = 2.0 ** math.ceil(math.log2(outline_pixels * resolution))
            if self.stroke_pixels <= 0:
                min_size = math.inf
            shapes = features[sizes >= (min_size if hollow else resolution)]
            classes = chunked.class_id[shapes]
            outlined = (chunked.size[shapes] >= min_size) & fast
            paint_features(
                array,
                chunked,
                shapes,
                self.dot_colors[classes],
                outlined,
                self.outline_dots[classes],
                round(self.stroke_pixels),
                resolution,
                gx0,
                gy0,
            )
            if math.isinf(min_size) or fast:
                return
        else:
            min_size = 2.0 ** math.floor(math.log2(resolution))
            if fast:
                lines = features[sizes >= min_size]
                colors = self.dot_colors[chunked.class_id[lines]]
                paint_features(
                    array,
                    chunked,
                    lines,
                    np.zeros(lines.size, np.uint32),  # no fill: strokes only
                    np.ones(lines.size, bool),
                    colors,
                    round(self.stroke_pixels),
                    resolution,
                    gx0,
                    gy0,
                )
                return
        self._draw_paths(image, features[sizes >= min_size], gx0, gy0, resolution)


def paint_features(
    array: np.ndarray,
    chunked,
    features: np.ndarray,
    fill_colors: np.ndarray,
    outlined: np.ndarray,
    outline_colors: np.ndarray,
    outline_width: int,
    resolution: float,
    gx0: int,
    gy0: int,
) -> None:
    """Fill ``features`` (indices into ``chunked``'s vertex ranges; fill colour 0: none)
    and stroke those ``outlined`` (``outline_width`` pixels, square pen), each fill then
    its outline, in order, into ``array`` (rows, columns) of premultiplied ARGB32 whose
    top-left pixel is grid (gx0, gy0) at ``resolution`` m/pixel: the pixels of
    :func:`twin.ui.map.views.scanfill.fill_features` (numba)."""
    if len(features) == 0:
        return
    height, width = array.shape
    top_key = np.full(height * width, -1, dtype=np.int64)
    inverse = 1.0 / resolution
    width_px = int(max(1, outline_width))
    for first in range(0, len(features), BATCH_FEATURES):
        batch = np.asarray(features[first : first + BATCH_FEATURES], dtype=np.int64)
        ranks = np.arange(first, first + batch.size, dtype=np.int64)
        starts = chunked.vertex_start[batch]
        ends = chunked.vertex_start[batch + 1]
        filled = np.asarray(fill_colors[first : first + batch.size]) != 0
        if filled.any():
            pixels, keys = _fill_pixels(
                chunked,
                starts[filled],
                ends[filled],
                2 * ranks[filled],
                inverse,
                gx0,
                gy0,
                height,
                width,
            )
            np.maximum.at(top_key, pixels, keys)
        strokes = np.asarray(outlined[first : first + batch.size], dtype=bool)
        if strokes.any():
            pixels, keys = _stroke_pixels(
                chunked,
                starts[strokes],
                ends[strokes],
                2 * ranks[strokes] + 1,
                width_px,
                inverse,
                gx0,
                gy0,
                height,
                width,
            )
            np.maximum.at(top_key, pixels, keys)
    written = np.flatnonzero(top_key >= 0)
    keys = top_key[written]
    rank, stroke = keys // 2, (keys % 2).astype(bool)
    fills = np.asarray(fill_colors, dtype=np.uint32)
    lines = np.asarray(outline_colors, dtype=np.uint32)
    array.reshape(-1)[written] = np.where(stroke, lines[rank], fills[rank])


def _ranks(counts: np.ndarray) -> np.ndarray:
    """0, 1, ..., count - 1 for each count, concatenated."""
    return np.arange(int(counts.sum())) - np.repeat(np.cumsum(counts) - counts, counts)


def _edges(chunked, starts, ends, keys):
    """Vertex index i of each drawn edge (i to i + 1) of the features and its key."""
    lengths = np.maximum(ends - starts - 1, 0)
    edges = gather_ranges(starts, lengths)
    edge_keys = np.repeat(keys, lengths)
    joined = chunked.connect[edges]
    return edges[joined], edge_keys[joined]


def _fill_pixels(chunked, starts, ends, keys, inverse, gx0, gy0, height, width):
    """(flat pixel indices, keys) of the scanline fills (winding rule, pixel centres)."""
    edges, edge_keys = _edges(chunked, starts, ends, keys)
    xs, ys = chunked.xs, chunked.ys
    y0 = -ys[edges] * inverse - gy0
    y1 = -ys[edges + 1] * inverse - gy0
    x0 = xs[edges] * inverse - gx0
    x1 = xs[edges + 1] * inverse - gx0
    # rows whose centre c = row + 0.5 has y0 <= c < y1 or y1 <= c < y0 (the kernel's test)
    first_row = np.maximum(np.ceil(np.minimum(y0, y1) - 0.5), 0).astype(np.int64)
    end_row = np.minimum(np.ceil(np.maximum(y0, y1) - 0.5), height).astype(np.int64)
    counts = np.where(y0 != y1, np.maximum(end_row - first_row, 0), 0)
    which = np.repeat(np.arange(edges.size), counts)
    rows = first_row[which] + (
        np.arange(which.size) - np.repeat(np.cumsum(counts) - counts, counts)
    )
    centre = rows + 0.5
    a0, a1, b0, b1 = x0[which], x1[which], y0[which], y1[which]
    cross = a0 + (centre - b0) * (a1 - a0) / (b1 - b0)
    direction = np.where(b1 > b0, 1, -1)
    cross_keys = edge_keys[which]
    order = np.lexsort((cross, rows, cross_keys))  # stable: edge order on equal x
    cross, rows, cross_keys, direction = (
        cross[order],
        rows[order],
        cross_keys[order],
        direction[order],
    )
    if cross.size < 2:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    same = (cross_keys[1:] == cross_keys[:-1]) & (rows[1:] == rows[:-1])
    running = np.cumsum(direction)
    group_start = np.r_[True, ~same]
    base = np.maximum.accumulate(np.where(group_start, np.arange(cross.size), 0))
    winding = running - running[base] + direction[base]  # winding after each crossing
    spans = np.flatnonzero(same & (winding[:-1] != 0))
    left = np.maximum(np.ceil(cross[spans] - 0.5), 0).astype(np.int64)
    right = np.minimum(np.ceil(cross[spans + 1] - 0.5), width).astype(np.int64)
    lengths = np.maximum(right - left, 0)
    span_of = np.repeat(np.arange(spans.size), lengths)
    columns = left[span_of] + (
        np.arange(span_of.size) - np.repeat(np.cumsum(lengths) - lengths, lengths)
    )
    pixels = rows[spans][span_of] * width + columns
    return pixels, cross_keys[spans][span_of]


def _stroke_pixels(chunked, starts, ends, keys, pen, inverse, gx0, gy0, height, width):
    """(flat pixel indices, keys) of the edges stepped pixel by pixel with a square pen
    ``pen`` pixels wide (the kernel's stroke_vertices: Liang-Barsky clip, DDA steps)."""
    edges, edge_keys = _edges(chunked, starts, ends, keys)
    xs, ys = chunked.xs, chunked.ys
    x0 = xs[edges] * inverse - gx0
    y0 = -ys[edges] * inverse - gy0
    x1 = xs[edges + 1] * inverse - gx0
    y1 = -ys[edges + 1] * inverse - gy0
    dx, dy = x1 - x0, y1 - y0
    t0, t1 = np.zeros(edges.size), np.ones(edges.size)
    outside = np.zeros(edges.size, dtype=bool)
    left, top, right, bottom = -pen, -pen, width + pen, height + pen
    with np.errstate(divide="ignore", invalid="ignore"):
        for p, q in ((-dx, x0 - left), (dx, right - x0), (-dy, y0 - top), (dy, bottom - y0)):
            outside |= (p == 0.0) & (q < 0.0)
            t = q / p
            t0 = np.where(p < 0.0, np.maximum(t0, t), t0)
            t1 = np.where(p > 0.0, np.minimum(t1, t), t1)
    keep = ~outside & (t0 <= t1)
    x0, y0, dx, dy, t0, t1 = x0[keep], y0[keep], dx[keep], dy[keep], t0[keep], t1[keep]
    edge_keys = edge_keys[keep]
    ax, ay = x0 + t0 * dx, y0 + t0 * dy
    bx, by = x0 + t1 * dx, y0 + t1 * dy
    steps = (np.maximum(np.abs(bx - ax), np.abs(by - ay))).astype(np.int64) + 1
    which = np.repeat(np.arange(steps.size), steps + 1)
    step = _ranks(steps + 1)
    t = step / steps[which]
    columns = np.floor(ax[which] + t * (bx[which] - ax[which])).astype(np.int64)
    rows = np.floor(ay[which] + t * (by[which] - ay[which])).astype(np.int64)
    point_keys = edge_keys[which]
    low, high = -((pen - 1) // 2), pen // 2
    if pen > 1:
        offsets = np.arange(low, high + 1)
        dr, dc = np.repeat(offsets, offsets.size), np.tile(offsets, offsets.size)
        rows = (rows[:, None] + dr).ravel()
        columns = (columns[:, None] + dc).ravel()
        point_keys = np.repeat(point_keys, dr.size)
    inside = (rows >= 0) & (rows < height) & (columns >= 0) & (columns < width)
    return rows[inside] * width + columns[inside], point_keys[inside]
