"""Map labels, Qt-free: where a feature's label may go (anchors in metres) and which labels
fit on screen without overlapping (greedy placement in priority order, in pixels).

The drawing side (:mod:`twin.ui.map.labels`) measures the texts, turns anchors into screen
pixels and calls :func:`place_labels`; the placement itself is plain numpy/Python so it is
tested on its own. Pixel coordinates have y pointing down (screen convention); boxes are
``(left, top, width, height)`` in pixels.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import shapely

from twin.layers.style import LabelStyle

if TYPE_CHECKING:
    import pandas as pd

# Candidate offsets around a point symbol, tried in this order (cartographic preference:
# right, left, above-right, below-right, above, below, above-left, below-left). Each is
# (dx, dy) in units of (gap + half the box) so the box clears the symbol.
POINT_POSITIONS: tuple[tuple[float, float], ...] = (
    (1, 0),
    (-1, 0),
    (1, -1),
    (1, 1),
    (0, -1),
    (0, 1),
    (-1, -1),
    (-1, 1),
)
# Candidates for area and line labels: centred, then nudged up and down by a box height
# (plus the padding, so the nudged box clears a label centred there).
CENTRED_POSITIONS: tuple[tuple[float, float], ...] = ((0, 0), (0, -1), (0, 1))
LINE_FRACTIONS = (0.5, 0.3, 0.7)  # where along a line its label may sit (of its length)
GRID_CELL_PIXELS = 64.0  # bucket size of the overlap index
SAME_TEXT_METRES = 400.0  # points with the same text this close share one label


@dataclass(frozen=True)
class LabelAnchors:
    """Where the labels of one layer may go: one row per candidate anchor (metres).

    ``group``: the feature (or, for lines, the set of features with the same text) an
    anchor belongs to; at most one anchor of a group is labelled. ``text``: indexed by
    group, the label of each group; ``priority``: larger is placed first; ``centred``:
    True for areas and lines (label centred on the anchor), False for points (label beside
    the symbol).
    """

    x: np.ndarray
    y: np.ndarray
    group: np.ndarray
    text: list[str]
    priority: np.ndarray
    centred: bool

    @property
    def count(self) -> int:
        """Number of anchors."""
        return int(self.x.size)


@dataclass(frozen=True)
class PlacedLabel:
    """A label that was placed: its index in the input arrays and its box in pixels."""

    index: int
    left: float
    top: float
    width: float
    height: float

    @property
    def box(self) -> tuple[float, float, float, float]:
        """(left, top, width, height) in pixels."""
        return (self.left, self.top, self.width, self.height)


def _texts(frame: pd.DataFrame, field: str) -> np.ndarray:
    values = frame[field]
    text = values.astype(object).where(values.notna(), "")
    return np.array([_as_text(v) for v in text], dtype=object)


def _as_text(value) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def label_anchors(frame: pd.DataFrame, geometry_kind: str, style: LabelStyle) -> LabelAnchors:
    """Anchors of the labels of a vector layer's ``frame`` (a GeoDataFrame, metres).

    Polygons: the centroid, or a point surely inside when the centroid falls outside;
    points: the point itself (first point of a multipoint); lines: features with the same
    text are labelled once, at 30/50/70 % along the longest of them. Features with no text
    or no geometry get no anchor. Priority: ``style.priority_field`` (missing: 0; lines
    without one: their length in metres)."""
    import pandas as pd

    empty = LabelAnchors(np.zeros(0), np.zeros(0), np.zeros(0, np.int64), [], np.zeros(0), True)
    field = style.field
    if not field or field not in frame.columns or len(frame) == 0:
        return empty
    texts = _texts(frame, field)
    geometries = np.asarray(frame.geometry.values, dtype=object)
    keep = (texts != "") & ~shapely.is_missing(geometries)
    keep &= ~shapely.is_empty(np.where(keep, geometries, None))
    rows = np.flatnonzero(keep)
    if rows.size == 0:
        return empty
    geometries = geometries[rows]
    texts = texts[rows]
    if style.priority_field and style.priority_field in frame.columns:
        priority = pd.to_numeric(frame[style.priority_field], errors="coerce").to_numpy(float)
        priority = np.nan_to_num(priority[rows], nan=0.0)
    elif geometry_kind == "line":
        priority = shapely.length(geometries)
    else:
        priority = np.zeros(rows.size)
    if geometry_kind == "polygon":
        points = shapely.centroid(geometries)
        outside = ~shapely.contains(geometries, points)
        if outside.any():
            points[outside] = shapely.point_on_surface(geometries[outside])
        xy = shapely.get_coordinates(points)
        group = np.arange(rows.size)
        return LabelAnchors(xy[:, 0], xy[:, 1], group, list(texts), priority, True)
    if geometry_kind == "point":
        first = shapely.get_point(geometries, 0)
        points = np.where(shapely.is_missing(first), geometries, first)
        xy = shapely.get_coordinates(points)
        group = _nearby_same_text(xy, texts, SAME_TEXT_METRES)
        return LabelAnchors(xy[:, 0], xy[:, 1], group, list(texts), priority, False)
    # lines: one label per distinct text, on its longest feature
    lengths = shapely.length(geometries)
    order = np.lexsort((-lengths, texts.astype(str)))
    chosen: dict[str, int] = {}
    best_priority: dict[str, float] = {}
    for i in order:
        key = str(texts[i])
        chosen.setdefault(key, int(i))
        best_priority[key] = max(best_priority.get(key, -np.inf), float(priority[i]))
    xs, ys, groups, labels, priorities = [], [], [], [], []
    for group, (key, i) in enumerate(chosen.items()):
        line = geometries[i]
        for fraction in LINE_FRACTIONS:
            point = shapely.line_interpolate_point(line, fraction, normalized=True)
            if shapely.is_empty(point):
                continue
            xs.append(shapely.get_x(point))
            ys.append(shapely.get_y(point))
            groups.append(group)
            priorities.append(best_priority[key])
        labels.append(key)
    return LabelAnchors(
        np.asarray(xs, float),
        np.asarray(ys, float),
        np.asarray(groups, np.int64),
        labels,
        np.asarray(priorities, float),
        True,
    )


def _nearby_same_text(xy: np.ndarray, texts: np.ndarray, radius: float) -> np.ndarray:
    """Group of each point: points with the same text within ``radius`` metres of the first
    of them (e.g. a stop's two platforms) share a group, so they get one label."""
    group = np.arange(len(texts))
    by_text: dict[str, list[int]] = {}
    for i, text in enumerate(texts):
        by_text.setdefault(str(text), []).append(i)
    for members in by_text.values():
        leaders: list[int] = []
        for i in members:
            for leader in leaders:
                if np.hypot(*(xy[i] - xy[leader])) <= radius:
                    group[i] = leader
                    break
            else:
                leaders.append(i)
    return group


def boxes_overlap(
    a: tuple[float, float, float, float], b: tuple[float, float, float, float]
) -> bool:
    """True when two (left, top, width, height) boxes share some area (touching edges do
    not count)."""
    return a[0] < b[0] + b[2] and b[0] < a[0] + a[2] and a[1] < b[1] + b[3] and b[1] < a[1] + a[3]


class _BoxIndex:
    """Placed boxes bucketed on a grid of :data:`GRID_CELL_PIXELS`, for overlap tests."""

    def __init__(self) -> None:
        self.cells: dict[tuple[int, int], list[tuple[float, float, float, float]]] = {}

    def _keys(self, box):
        left, top, width, height = box
        c0, c1 = int(left // GRID_CELL_PIXELS), int((left + width) // GRID_CELL_PIXELS)
        r0, r1 = int(top // GRID_CELL_PIXELS), int((top + height) // GRID_CELL_PIXELS)
        return [(c, r) for c in range(c0, c1 + 1) for r in range(r0, r1 + 1)]

    def overlaps(self, box) -> bool:
        return any(
            boxes_overlap(box, other)
            for key in self._keys(box)
            for other in self.cells.get(key, ())
        )

    def add(self, box) -> None:
        for key in self._keys(box):
            self.cells.setdefault(key, []).append(box)


def place_labels(
    anchors_px: np.ndarray,
    sizes_px: np.ndarray,
    priority: np.ndarray,
    centred: np.ndarray | bool,
    viewport: tuple[float, float],
    group: np.ndarray | None = None,
    gap_px: float | np.ndarray = 4.0,
    padding_px: float = 1.0,
    placed: list[PlacedLabel] | None = None,
) -> list[PlacedLabel]:
    """Greedy label placement: labels in decreasing ``priority`` (ties: input order) each
    take the first candidate position whose box, grown by ``padding_px``, overlaps no box
    placed before it and lies inside the ``viewport`` (width, height pixels); a label with
    no such position is skipped, and at most one anchor per ``group`` is labelled.

    ``anchors_px``: (n, 2) anchor pixels (x right, y down); ``sizes_px``: (n, 2) text box
    widths and heights; ``centred``: per anchor (or for all), True to try
    :data:`CENTRED_POSITIONS` around the anchor, False for :data:`POINT_POSITIONS` beside
    a symbol ``gap_px`` away. ``placed``: labels already on the map (e.g. of a layer placed
    before), which the new ones avoid; they are not returned again. Returns the new labels
    with their boxes (padding not included), in placement order."""
    anchors = np.asarray(anchors_px, float).reshape(-1, 2)
    sizes = np.asarray(sizes_px, float).reshape(-1, 2)
    count = anchors.shape[0]
    centred_of = np.broadcast_to(np.asarray(centred, bool), (count,))
    gaps = np.broadcast_to(np.asarray(gap_px, float), (count,))
    groups = np.arange(count) if group is None else np.asarray(group)
    order = np.lexsort((np.arange(count), -np.asarray(priority, float).reshape(count)))
    index = _BoxIndex()
    for label in placed or ():
        index.add(_grown(label.box, padding_px))
    width_limit, height_limit = viewport
    done_groups: set = set()
    result: list[PlacedLabel] = []
    for i in order:
        if groups[i] in done_groups:
            continue
        x, y = anchors[i]
        w, h = sizes[i]
        if not (np.isfinite(x) and np.isfinite(y)) or w <= 0 or h <= 0:
            continue
        positions = CENTRED_POSITIONS if centred_of[i] else POINT_POSITIONS
        for dx, dy in positions:
            if centred_of[i]:
                left = x - w / 2 + dx * (w + 2 * padding_px)
                top = y - h / 2 + dy * (h + 2 * padding_px)
            else:
                left = x - w / 2 + dx * (w / 2 + gaps[i])
                top = y - h / 2 + dy * (h / 2 + gaps[i])
            box = (left, top, w, h)
            if left < 0 or top < 0 or left + w > width_limit or top + h > height_limit:
                continue
            grown = _grown(box, padding_px)
            if index.overlaps(grown):
                continue
            index.add(grown)
            result.append(PlacedLabel(int(i), float(left), float(top), float(w), float(h)))
            done_groups.add(groups[i])
            break
    return result


def _grown(box, padding: float) -> tuple[float, float, float, float]:
    left, top, width, height = box
    return (left - padding, top - padding, width + 2 * padding, height + 2 * padding)
