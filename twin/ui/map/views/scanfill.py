"""Non-antialiased polygon filling in numpy, for the many small polygons of a big layer.

A pixel is filled when its centre has a non-zero winding number (Qt's WindingFill): every
polygon edge adds +1 or -1 at its crossing with each pixel-centre row, a running sum along
the row gives the winding number. All polygons of a class are filled in one pass, so the
cost is a few numpy operations per edge and per pixel, instead of one rasteriser call per
polygon. Rings must be oriented consistently (exteriors one way, holes the other), which
:func:`twin.ui.map.views.geometry.extract_geometry` guarantees.
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from twin.ui.map import jit
from twin.ui.map.views import linedraw
from twin.ui.map.views.linedraw import stroke_vertices

# numba compiles the per-feature scanline filler (loaded lazily, see jit.py); numpy alone is
# the fallback

SHORT_EDGE_ROWS = 12
# row bands filled in parallel threads; TWIN_RENDER_THREADS=1 draws in one thread
BANDS = max(1, int(os.environ.get("TWIN_RENDER_THREADS", min(4, os.cpu_count() or 1))))
_pool: ThreadPoolExecutor | None = None


def _band_pool() -> ThreadPoolExecutor:
    """The threads that fill row bands in parallel (created on first use)."""
    global _pool
    if _pool is None:
        _pool = ThreadPoolExecutor(max_workers=BANDS, thread_name_prefix="twin-fill")
    return _pool  # edges crossing up to this many rows are stepped row by row


def fill_polygons(
    array: np.ndarray,
    xs: np.ndarray,
    ys: np.ndarray,
    connect: np.ndarray,
    vertex_class: np.ndarray,
    colors: np.ndarray,
) -> None:
    """Fill closed rings into ``array`` (height, width) uint32 premultiplied ARGB.

    ``xs``/``ys``: vertices in pixel units (x right, y down); ``connect[i]`` is True when
    vertex i joins vertex i + 1; ``vertex_class``: class of each vertex's feature;
    ``colors[class]``: the pixel value written. Classes are painted in increasing order.
    """
    height, width = array.shape
    if len(xs) < 2:
        return
    edges = np.flatnonzero(connect[:-1])
    x0, y0, x1, y1 = xs[edges], ys[edges], xs[edges + 1], ys[edges + 1]
    # rows whose pixel centre (row + 0.5) lies in [min(y0, y1), max(y0, y1))
    first_row = np.clip(np.ceil(np.minimum(y0, y1) - 0.5), 0, height).astype(np.int32)
    counts = np.clip(np.ceil(np.maximum(y0, y1) - 0.5), 0, height).astype(np.int32)
    counts -= first_row
    active = np.flatnonzero(counts > 0)
    if active.size == 0:
        return
    x0, y0, x1, y1 = x0[active], y0[active], x1[active], y1[active]
    first_row, counts = first_row[active], counts[active]
    slope = (x1 - x0) / (y1 - y0)
    x_first = x0 + (first_row + 0.5 - y0) * slope  # crossing with the first row's centre
    direction = np.where(y1 > y0, 1, -1).astype(np.int8)
    classes = vertex_class[edges[active]]
    stride = width + 1
    flat_parts, sign_parts, class_parts = [], [], []

    def add(rows, x_cross, signs, edge_classes):
        columns = np.clip(np.ceil(x_cross - 0.5), 0, width).astype(np.int64)
        flat_parts.append(rows.astype(np.int64) * stride + columns)
        sign_parts.append(signs)
        class_parts.append(edge_classes)

    # short edges (almost all of them for small polygons): one row at a time, no repeat
    step = np.arange(counts.size)
    for k in range(SHORT_EDGE_ROWS):
        if k:
            step = step[counts[step] > k]
        if step.size == 0:
            break
        add(first_row[step] + k, x_first[step] + k * slope[step], direction[step], classes[step])
    # long edges: expand their remaining rows at once
    long_edges = np.flatnonzero(counts > SHORT_EDGE_ROWS)
    if long_edges.size:
        extra = counts[long_edges] - SHORT_EDGE_ROWS
        total = int(extra.sum())
        ends = np.cumsum(extra)
        offsets = np.arange(total) - np.repeat(ends - extra, extra) + SHORT_EDGE_ROWS
        which = np.repeat(long_edges, extra)
        add(
            first_row[which] + offsets,
            x_first[which] + offsets * slope[which],
            direction[which],
            classes[which],
        )
    flat = np.concatenate(flat_parts)
    signs = np.concatenate(sign_parts)
    crossing_classes = np.concatenate(class_parts)
    single_class = crossing_classes.min() == crossing_classes.max()
    for klass in np.unique(crossing_classes) if not single_class else crossing_classes[:1]:
        mine = slice(None) if single_class else crossing_classes == klass
        winding = np.bincount(flat[mine], weights=signs[mine], minlength=height * stride)
        winding = np.cumsum(winding.reshape(height, stride), axis=1)[:, :width]
        array[np.abs(winding) > 0.5] = colors[klass]


def _fill_features_python(
    array,
    xs,
    ys,
    connect,
    vertex_start,
    features,
    feature_colors,
    resolution,
    gx0,
    gy0,
    outlined,
    outline_colors,
    outline_width,
    row_low,
    row_high,
):
    """Per-feature scanline fill in painter's order (compiled by numba when available).

    For each feature (index into ``vertex_start``) in order, each pixel-centre row it
    covers gets the crossings of its edges, sorted by x, filled where the feature's winding
    number is non-zero; then, where ``outlined[index]``, its rings are stroked
    ``outline_width`` pixels wide in ``outline_colors[index]``. Coordinates are metres:
    pixel x = x / resolution - gx0, pixel y = -y / resolution - gy0. Only rows
    ``row_low``..``row_high`` (exclusive) are written, so bands can run in parallel.
    """
    width = array.shape[1]
    longest = 2
    for index in range(features.shape[0]):
        f = features[index]
        longest = max(longest, vertex_start[f + 1] - vertex_start[f])
    crossing_x = np.empty(longest, dtype=np.float64)
    crossing_dir = np.empty(longest, dtype=np.int64)
    inverse = 1.0 / resolution
    for index in range(features.shape[0]):
        f = features[index]
        start, end = vertex_start[f], vertex_start[f + 1]
        color = feature_colors[index]
        first_row, end_row = 0, 0  # a fully transparent fill (0) draws the outline only
        if color != 0:
            top, bottom = np.inf, -np.inf
            for i in range(start, end):
                py = -ys[i] * inverse - gy0
                top = min(top, py)
                bottom = max(bottom, py)
            if top < row_high and bottom > row_low:
                first_row = max(row_low, int(np.ceil(top - 0.5)))
                end_row = min(row_high, int(np.ceil(bottom - 0.5)))
        for row in range(first_row, end_row):
            centre = row + 0.5
            count = 0
            for i in range(start, end - 1):
                if not connect[i]:
                    continue
                y0 = -ys[i] * inverse - gy0
                y1 = -ys[i + 1] * inverse - gy0
                if (y0 <= centre < y1) or (y1 <= centre < y0):
                    x0 = xs[i] * inverse - gx0
                    x1 = xs[i + 1] * inverse - gx0
                    x = x0 + (centre - y0) * (x1 - x0) / (y1 - y0)
                    direction = 1 if y1 > y0 else -1
                    k = count  # insertion sort by x
                    while k > 0 and crossing_x[k - 1] > x:
                        crossing_x[k] = crossing_x[k - 1]
                        crossing_dir[k] = crossing_dir[k - 1]
                        k -= 1
                    crossing_x[k] = x
                    crossing_dir[k] = direction
                    count += 1
            winding = 0
            for k in range(count - 1):
                winding += crossing_dir[k]
                if winding != 0:
                    left = max(0, int(np.ceil(crossing_x[k] - 0.5)))
                    right = min(width, int(np.ceil(crossing_x[k + 1] - 0.5)))
                    for column in range(left, right):
                        array[row, column] = color
        if outlined[index]:
            stroke_vertices(
                array,
                xs,
                ys,
                connect,
                start,
                end,
                outline_colors[index],
                outline_width,
                inverse,
                gx0,
                gy0,
                row_low,
                row_high,
            )


_fill_features_compiled = linedraw.NOT_LOADED


def load() -> None:
    """Compile (or load from numba's cache) the filler; without numba, mark it missing.
    Called once, by :func:`twin.ui.map.jit.load` or on first use."""
    global stroke_vertices, _fill_features_compiled
    if _fill_features_compiled is not linedraw.NOT_LOADED:
        return
    numba = jit.numba_module()
    if numba is None:  # pragma: no cover - numba missing or broken in this environment
        _fill_features_compiled = None
        return
    linedraw.load()
    stroke_vertices = linedraw.stroke_vertices  # the filler calls the compiled outliner
    kernel = numba.njit(cache=True, nogil=True)(_fill_features_python)
    _fill_tiny(kernel)  # load the machine code here, not at the first real draw
    _fill_features_compiled = kernel


def compiled():
    """The compiled filler, or None (numba missing, or loading deferred and not done)."""
    if _fill_features_compiled is linedraw.NOT_LOADED:
        if not jit.may_load_now():
            return None
        jit.load()
    return _fill_features_compiled


jit.register_kernel(load, compiled)


def fill_features(
    array: np.ndarray,
    xs: np.ndarray,
    ys: np.ndarray,
    connect: np.ndarray,
    vertex_start: np.ndarray,
    features: np.ndarray,
    feature_colors: np.ndarray,
    resolution: float,
    gx0: int,
    gy0: int,
    outlined: np.ndarray | None = None,
    outline_colors: np.ndarray | None = None,
    outline_width: int = 1,
) -> bool:
    """Fill the polygons ``features`` (indices into ``vertex_start``; vertices ``xs``/``ys``
    in metres, rings closed, ``connect`` False on each ring's last vertex) into ``array``
    (rows, columns) uint32 premultiplied ARGB, each in ``feature_colors`` (same order),
    later features over earlier ones, at ``resolution`` m/pixel with the region's top-left
    pixel at grid (gx0, gy0); features flagged in ``outlined`` are then stroked in
    ``outline_colors`` (``outline_width`` pixels), each right after its fill.

    Uses numba when installed and returns True; otherwise fills with :func:`fill_polygons`
    (no outlines) and returns False so the caller draws the outlines itself.
    """
    count = len(features)
    kernel = compiled()
    if count == 0:
        return kernel is not None
    if kernel is not None:
        if outlined is None:
            outlined = np.zeros(count, dtype=np.bool_)
            outline_colors = np.zeros(count, dtype=np.uint32)
        arguments = (
            array,
            xs,
            ys,
            connect,
            vertex_start,
            np.ascontiguousarray(features, np.int64),
            np.ascontiguousarray(feature_colors, np.uint32),
            float(resolution),
            int(gx0),
            int(gy0),
            np.ascontiguousarray(outlined, np.bool_),
            np.ascontiguousarray(outline_colors, np.uint32),
            int(max(1, outline_width)),
        )
        height = array.shape[0]
        bands = BANDS if count * 4 > height and height >= 2 * BANDS else 1
        edges = [height * band // bands for band in range(bands + 1)]
        if bands == 1:
            kernel(*arguments, 0, height)
        else:  # the compiled filler releases the GIL: one thread per band of rows
            list(
                _band_pool().map(
                    lambda band: kernel(*arguments, edges[band], edges[band + 1]),
                    range(bands),
                )
            )
        return True
    starts = vertex_start[features]
    lengths = vertex_start[features + 1] - starts
    from twin.ui.map.views.geometry import gather_ranges

    vertices = gather_ranges(starts, lengths)
    unique_colors, color_index = np.unique(feature_colors, return_inverse=True)
    fill_polygons(
        array,
        xs[vertices] / resolution - gx0,
        -ys[vertices] / resolution - gy0,
        connect[vertices],
        np.repeat(color_index, lengths),
        unique_colors.astype(np.uint32),
    )
    return False


def _fill_tiny(kernel) -> None:
    xs = np.array([0.0, 1.0, 1.0, 0.0, 0.0])
    ys = np.array([0.0, 0.0, -1.0, -1.0, 0.0])
    kernel(
        np.zeros((2, 2), np.uint32),
        xs,
        ys,
        np.array([True, True, True, True, False]),
        np.array([0, 5], np.int64),
        np.array([0], np.int64),
        np.array([1], np.uint32),
        1.0,
        0,
        0,
        np.zeros(1, np.bool_),
        np.zeros(1, np.uint32),
        1,
        0,
        2,
    )


def warm_up() -> None:
    """Load (or compile, the first time) the numba filler now rather than at first draw
    (nothing while loading is deferred: :mod:`twin.ui.map.jit`)."""
    compiled()
