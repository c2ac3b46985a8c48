"""Thin non-antialiased polylines drawn in numba, for big line layers (roads, networks).

Each segment is clipped to the region (Liang-Barsky), then stepped one pixel at a time
along its major axis (DDA); a pen ``width`` of k pixels paints a k x k square per step,
like Qt's non-antialiased cosmetic pen. Without numba, :func:`draw_lines` returns False
and the caller draws with QPainter instead.
"""

from __future__ import annotations

import numpy as np

from twin.ui.map import jit

NOT_LOADED = object()  # the compiled kernel before jit.load() / first use


def _clip(x0, y0, x1, y1, left, top, right, bottom):
    """Liang-Barsky: the part of the segment inside the box, or t0 > t1 when outside."""
    t0, t1 = 0.0, 1.0
    dx, dy = x1 - x0, y1 - y0
    for p, q in ((-dx, x0 - left), (dx, right - x0), (-dy, y0 - top), (dy, bottom - y0)):
        if p == 0.0:
            if q < 0.0:
                return 1.0, 0.0
        else:
            t = q / p
            if p < 0.0:
                t0 = max(t0, t)
            else:
                t1 = min(t1, t)
    return t0, t1


def stroke_vertices(
    array, xs, ys, connect, start, end, color, width, inverse, gx0, gy0, row_low, row_high
):
    """Draw the segments between vertices ``start``..``end`` (exclusive) where ``connect``
    says so, ``width`` pixels wide, into rows ``row_low``..``row_high`` (exclusive) only
    (compiled by numba when available)."""
    columns = array.shape[1]
    low = -((width - 1) // 2)
    high = width // 2
    for i in range(start, end - 1):
        if not connect[i]:
            continue
        x0 = xs[i] * inverse - gx0
        y0 = -ys[i] * inverse - gy0
        x1 = xs[i + 1] * inverse - gx0
        y1 = -ys[i + 1] * inverse - gy0
        t0, t1 = _clip(x0, y0, x1, y1, -width, row_low - width, columns + width, row_high + width)
        if t0 > t1:
            continue
        dx, dy = x1 - x0, y1 - y0
        ax, ay = x0 + t0 * dx, y0 + t0 * dy
        bx, by = x0 + t1 * dx, y0 + t1 * dy
        steps = int(max(abs(bx - ax), abs(by - ay))) + 1
        for step in range(steps + 1):
            t = step / steps
            column = int(np.floor(ax + t * (bx - ax)))
            row = int(np.floor(ay + t * (by - ay)))
            for r in range(row + low, row + high + 1):
                if row_low <= r < row_high:
                    for c in range(column + low, column + high + 1):
                        if 0 <= c < columns:
                            array[r, c] = color


def _draw_lines_python(
    array, xs, ys, connect, vertex_start, features, feature_colors, width, resolution, gx0, gy0
):
    """Draw the polylines of ``features`` (see :func:`draw_lines`)."""
    inverse = 1.0 / resolution
    for index in range(features.shape[0]):
        f = features[index]
        stroke_vertices(
            array,
            xs,
            ys,
            connect,
            vertex_start[f],
            vertex_start[f + 1],
            feature_colors[index],
            width,
            inverse,
            gx0,
            gy0,
            0,
            array.shape[0],
        )


_draw_lines_compiled = NOT_LOADED


def load() -> None:
    """Compile (or load from numba's cache) the line kernels; without numba, mark them
    missing. Called once, by :func:`twin.ui.map.jit.load` or on first use."""
    global _clip, stroke_vertices, _draw_lines_compiled
    if _draw_lines_compiled is not NOT_LOADED:
        return
    numba = jit.numba_module()
    if numba is None:  # pragma: no cover - numba missing or broken in this environment
        _draw_lines_compiled = None
        return
    # The kernel calls these two through the module's globals: compiled versions first.
    _clip = numba.njit(cache=True, nogil=True)(_clip)
    stroke_vertices = numba.njit(cache=True, nogil=True)(stroke_vertices)
    kernel = numba.njit(cache=True, nogil=True)(_draw_lines_python)
    _draw_tiny(kernel)  # load the machine code here, not at the first real draw
    _draw_lines_compiled = kernel


def compiled():
    """The compiled line kernel, or None (numba missing, or loading deferred and not done)."""
    if _draw_lines_compiled is NOT_LOADED:
        if not jit.may_load_now():
            return None
        jit.load()
    return _draw_lines_compiled


jit.register_kernel(load, compiled)


def draw_lines(
    array: np.ndarray,
    xs: np.ndarray,
    ys: np.ndarray,
    connect: np.ndarray,
    vertex_start: np.ndarray,
    features: np.ndarray,
    feature_colors: np.ndarray,
    width: int,
    resolution: float,
    gx0: int,
    gy0: int,
) -> bool:
    """Draw the polylines ``features`` (indices into ``vertex_start``; vertices in metres,
    ``connect`` False on each line's last vertex) into ``array`` (uint32 premultiplied
    ARGB) with a ``width``-pixel pen in ``feature_colors``; ``resolution`` m/pixel, region
    top-left at grid pixel (gx0, gy0). Returns False (nothing drawn) without numba."""
    kernel = compiled()
    if kernel is None:
        return False
    if len(features):
        kernel(
            array,
            xs,
            ys,
            connect,
            vertex_start,
            np.ascontiguousarray(features, np.int64),
            np.ascontiguousarray(feature_colors, np.uint32),
            int(max(1, width)),
            float(resolution),
            int(gx0),
            int(gy0),
        )
    return True


def _draw_tiny(kernel) -> None:
    kernel(
        np.zeros((2, 2), np.uint32),
        np.array([0.0, 1.0]),
        np.array([0.0, -1.0]),
        np.array([True, False]),
        np.array([0, 2], np.int64),
        np.array([0], np.int64),
        np.array([1], np.uint32),
        1,
        1.0,
        0,
        0,
    )


def warm_up() -> None:
    """Load (or compile, the first time) the numba line drawer now rather than at first draw
    (nothing while loading is deferred: :mod:`twin.ui.map.jit`)."""
    compiled()
