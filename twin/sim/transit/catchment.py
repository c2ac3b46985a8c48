"""Walk catchments of stops along the road graph (metres; 80 m/min is a 4.8 km/h walk).

Built on the public API of :class:`twin.sim.network.RoadGraph` (``matrix``, ``edge_u``,
``edge_v``, :class:`~twin.sim.network.Attachment`). The shared graph offers one
multi-source search (distance to the *nearest* source); PTAL needs the distance from each
location to *each* stop within reach, so this module adds per-stop searches: one Dijkstra
per stop with a cutoff, each stop entering the graph at its projection on its nearest edge
(connector counted). The searches run in a numba-compiled kernel on the graph's own CSR
arrays (:mod:`twin.sim.transit.walk_search`); without numba, ``scipy.sparse.csgraph.
dijkstra`` runs on batches of stops over windows of the graph. Both give the same
distances, bit for bit (tests/test_transit_walk_search.py).
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import sparse
from scipy.sparse.csgraph import dijkstra

from twin.feedback import Feedback, ensure_feedback
from twin.sim.network import Attachment, RoadGraph
from twin.sim.transit.walk_search import bounded_searches

#: Walk speed of the PTAL method and of the catchments: 80 m/min = 4.8 km/h.
WALK_M_PER_MIN = 80.0
#: Entries of one batch's distance matrix (stops x nodes) kept in memory at once.
BATCH_ENTRIES = 4_000_000
#: Side of the tiles grouping stops, in multiples of the walk limit (a speed trade-off).
TILE_FACTOR = 3.0
#: Stops searched by the compiled kernel between two progress reports (and cancel checks).
SOURCES_PER_BATCH = 2_000


def entry_matrix(graph: RoadGraph, points: Attachment) -> tuple[sparse.csr_matrix, np.ndarray]:
    """The graph's length matrix with one extra *virtual* node per attached point.

    A virtual node has one-way edges to both ends of its point's edge, weighted connector +
    distance along the edge (m), so a Dijkstra from it starts at the point itself. Returns
    the (directed) matrix and, for every point, its virtual node (-1 when unattached).
    """
    n = graph.node_count
    index = np.flatnonzero(points.attached)
    edge = points.edge[index]
    virtual = n + np.arange(len(index))
    base = graph.matrix.tocoo()
    rows = np.concatenate([base.row, virtual, virtual])
    cols = np.concatenate([base.col, graph.edge_u[edge], graph.edge_v[edge]])
    to_u = points.connector_m[index] + points.to_u_m[index]
    to_v = points.connector_m[index] + points.to_v_m[index]
    data = np.concatenate([base.data, np.maximum(to_u, 1e-9), np.maximum(to_v, 1e-9)])
    size = n + len(index)
    matrix = sparse.csr_matrix((data, (rows, cols)), shape=(size, size))
    node = np.full(len(points), -1, dtype=np.int64)
    node[index] = virtual
    return matrix, node


def subset_attachment(points: Attachment, index: np.ndarray) -> Attachment:
    """The attachment of the points ``index`` (positions) only."""
    return Attachment(
        points.edge[index],
        points.offset_m[index],
        points.connector_m[index],
        points.point_xy[index],
        points.projected_xy[index],
        points.edge_length_m[index],
    )


def attachment_within(points: Attachment, max_distance: float) -> Attachment:
    """The attachment that a search limited to ``max_distance`` metres would give, from one
    made with a longer (or no) limit: the nearest edge of a point is the same whatever the
    limit, so points farther than ``max_distance`` are only marked unattached (edge -1)."""
    far = ~(points.connector_m <= max_distance)
    if not far.any():
        return points
    return Attachment(
        np.where(far, -1, points.edge),
        np.where(far, 0.0, points.offset_m),
        np.where(far, np.inf, points.connector_m),
        points.point_xy,
        np.where(far[:, None], np.nan, points.projected_xy),
        np.where(far, 0.0, points.edge_length_m),
    )


def stop_catchments(
    graph: RoadGraph, stops: Attachment, limit_m: float, feedback: Feedback | None = None
) -> sparse.coo_matrix:
    """Walk distance (m) from every stop to every graph node within ``limit_m``.

    One Dijkstra per stop with cutoff ``limit_m``, compiled (see the module docstring).
    Without numba, stops are grouped in square tiles and
    each tile's searches run on the window of the graph within ``limit_m`` (straight line)
    of the tile's stops: a walk of at most ``limit_m`` never leaves that window, since no
    street is shorter than the straight line between its ends (checked; otherwise the whole
    graph is searched). Returns a sparse COO (stops x nodes) matrix of the reached nodes'
    distances; a stored ``1e-9`` stands for 0 m. Unattached stops have empty rows.
    """
    feedback = ensure_feedback(feedback)
    n = graph.node_count
    attached = np.flatnonzero(stops.attached)
    index = _graph_index(graph)
    compiled = _compiled_catchments(graph, index, stops, attached, limit_m, feedback)
    if compiled is not None:
        return compiled
    if not np.isfinite(limit_m) or not index.euclidean:
        windows = [(attached, np.arange(n))] if len(attached) else []
    else:
        windows = _windows(index, stops, attached, limit_m)
    local_of = np.full(n, -1, dtype=np.int64)
    rows, cols, values = [], [], []
    done = 0
    for members, inside in windows:
        matrix, virtual, nodes = _window_matrix(graph, index, stops, members, inside, local_of)
        batch = max(1, int(BATCH_ENTRIES // matrix.shape[0]))
        for start in range(0, len(members), batch):
            chunk = slice(start, start + batch)
            distance = dijkstra(matrix, directed=True, indices=virtual[chunk], limit=limit_m)
            distance = distance[:, : len(nodes)]
            r, c = np.nonzero(distance < np.inf)
            rows.append(members[chunk][r])
            cols.append(nodes[c])
            values.append(np.maximum(distance[r, c], 1e-9))
        done += len(members)
        feedback.set_progress(100.0 * done / len(attached), "walk catchments")
    if rows:
        rows_a, cols_a, values_a = (
            np.concatenate(rows),
            np.concatenate(cols),
            np.concatenate(values),
        )
    else:
        rows_a = cols_a = np.zeros(0, dtype=np.int64)
        values_a = np.zeros(0)
    return sparse.coo_matrix((values_a, (rows_a, cols_a)), shape=(len(stops), n))


def _compiled_catchments(graph, index, stops, attached, limit_m, feedback):
    """The catchments by the compiled bounded searches on the whole graph (no windows, no
    per-call matrix), in batches of :data:`SOURCES_PER_BATCH` stops between progress
    reports; None when numba is not available."""
    edge = stops.edge[attached]
    first, second = graph.edge_u[edge], graph.edge_v[edge]
    first_m = np.maximum(stops.connector_m[attached] + stops.to_u_m[attached], 1e-9)
    second_m = np.maximum(stops.connector_m[attached] + stops.to_v_m[attached], 1e-9)
    rows, cols, values = [], [], []
    for start in range(0, len(attached), SOURCES_PER_BATCH):
        chunk = slice(start, start + SOURCES_PER_BATCH)
        found = bounded_searches(
            index.indptr,
            index.indices,
            index.data,
            first[chunk],
            second[chunk],
            first_m[chunk],
            second_m[chunk],
            limit_m,
        )
        if found is None:
            return None
        rows.append(attached[chunk][found[0]])
        cols.append(found[1])
        values.append(np.maximum(found[2], 1e-9))
        feedback.set_progress(
            100.0 * min(len(attached), start + SOURCES_PER_BATCH) / len(attached),
            "walk catchments",
        )
    if not rows:
        return sparse.coo_matrix((len(stops), graph.node_count))
    return sparse.coo_matrix(
        (np.concatenate(values), (np.concatenate(rows), np.concatenate(cols))),
        shape=(len(stops), graph.node_count),
    )


@dataclass(frozen=True)
class _GraphIndex:
    euclidean: bool  # every street at least as long as the straight line between its ends
    by_x: np.ndarray  # nodes sorted by x
    sorted_x: np.ndarray
    sorted_y: np.ndarray  # their y
    indptr: np.ndarray  # the graph's CSR arrays
    indices: np.ndarray
    data: np.ndarray


_GRAPH_INDEX: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _graph_index(graph: RoadGraph) -> _GraphIndex:
    """What the windowed searches need, computed once per graph."""
    if graph not in _GRAPH_INDEX:
        straight = np.hypot(*(graph.node_xy[graph.edge_u] - graph.node_xy[graph.edge_v]).T)
        euclidean = bool(np.all(graph.edge_length >= straight - 1e-6))
        by_x = np.argsort(graph.node_xy[:, 0], kind="stable")
        matrix = graph.matrix
        _GRAPH_INDEX[graph] = _GraphIndex(
            euclidean,
            by_x,
            graph.node_xy[by_x, 0],
            graph.node_xy[by_x, 1],
            matrix.indptr.astype(np.int64),
            matrix.indices.astype(np.int64),
            matrix.data,
        )
    return _GRAPH_INDEX[graph]


def _windows(index: _GraphIndex, stops: Attachment, attached: np.ndarray, limit_m: float):
    """(stop indices, graph nodes in the window) per tile of TILE_FACTOR x limit_m."""
    xy = stops.projected_xy[attached]
    key = np.floor((xy - xy.min(axis=0)) / (TILE_FACTOR * limit_m)).astype(np.int64)
    order = np.lexsort((key[:, 1], key[:, 0]))
    key = key[order]
    breaks = np.flatnonzero(np.any(key[1:] != key[:-1], axis=1)) + 1
    windows = []
    for members in np.split(attached[order], breaks):
        member_xy = stops.projected_xy[members]
        low = member_xy.min(axis=0) - limit_m
        high = member_xy.max(axis=0) + limit_m
        first = np.searchsorted(index.sorted_x, low[0], side="left")
        last = np.searchsorted(index.sorted_x, high[0], side="right")
        band = index.by_x[first:last]
        y = index.sorted_y[first:last]
        windows.append((members, band[(y >= low[1]) & (y <= high[1])]))
    return windows


def _window_matrix(graph, index, stops, members, inside, local_of):
    """The window's CSR graph (outside neighbours folded into one never-reached sink node)
    plus one virtual node per stop; returns (matrix, virtual nodes, window's graph nodes)."""
    ends = np.concatenate([graph.edge_u[stops.edge[members]], graph.edge_v[stops.edge[members]]])
    local_of[inside] = np.arange(len(inside))
    nodes = inside
    outside = local_of[ends] < 0
    if outside.any():  # a stop's long street leaving the window
        missing = np.unique(ends[outside])
        nodes = np.concatenate([inside, missing])
        local_of[missing] = len(inside) + np.arange(len(missing))
    count = len(nodes)
    starts = index.indptr[nodes]
    counts = index.indptr[nodes + 1] - starts
    total = int(counts.sum())
    offsets = np.cumsum(counts)
    position = np.repeat(starts - offsets + counts, counts) + np.arange(total)
    columns = local_of[index.indices[position]]
    columns[columns < 0] = count  # the sink: farther than the limit from every stop here
    k = len(members)
    to_u = np.maximum(stops.connector_m[members] + stops.to_u_m[members], 1e-9)
    to_v = np.maximum(stops.connector_m[members] + stops.to_v_m[members], 1e-9)
    pairs = local_of[ends].reshape(2, k).T.ravel()
    indptr = np.concatenate([[0], offsets, [total], total + 2 * np.arange(1, k + 1)])
    # int32 indices: what scipy's csgraph works in (no conversion, no index checks)
    matrix = sparse.csr_matrix(
        (
            np.concatenate([index.data[position], np.column_stack([to_u, to_v]).ravel()]),
            np.concatenate([columns, pairs]).astype(np.int32),
            indptr.astype(np.int32),
        ),
        shape=(count + 1 + k, count + 1 + k),
    )
    local_of[nodes] = -1
    return matrix, count + 1 + np.arange(k), nodes


def stop_walks(
    graph: RoadGraph,
    stops: Attachment,
    locations: Attachment,
    limit_m: float,
    feedback: Feedback | None = None,
) -> pd.DataFrame:
    """Every (stop, location) pair within ``limit_m`` of walk: columns stop, location
    (positions in the two attachments) and walk_m (m: stop connector + street path +
    location connector; a location on the same edge as the stop walks along it directly)."""
    reach = stop_catchments(graph, stops, limit_m, feedback).tocoo()
    hit = np.flatnonzero(locations.attached)
    edge = locations.edge[hit]
    end_node = np.concatenate([graph.edge_u[edge], graph.edge_v[edge]])
    end_extra = np.concatenate(
        [
            locations.connector_m[hit] + locations.to_u_m[hit],
            locations.connector_m[hit] + locations.to_v_m[hit],
        ]
    )
    end_location = np.concatenate([hit, hit])
    order = np.argsort(end_node, kind="stable")
    end_node, end_extra, end_location = end_node[order], end_extra[order], end_location[order]
    first = np.searchsorted(end_node, reach.col, side="left")
    count = np.searchsorted(end_node, reach.col, side="right") - first
    total = int(count.sum())
    entry = np.repeat(np.arange(len(reach.col)), count)
    within = np.arange(total) - np.repeat(np.cumsum(count) - count, count)
    position = first[entry] + within
    walk = reach.data[entry] + end_extra[position]
    pairs = pd.DataFrame(
        {"stop": reach.row[entry], "location": end_location[position], "walk_m": walk}
    )
    # a location on its stop's own edge: along the edge, not round by its end nodes
    s_hit = np.flatnonzero(stops.attached)
    same = pd.DataFrame({"stop": s_hit, "edge": stops.edge[s_hit]}).merge(
        pd.DataFrame({"location": hit, "edge": edge}), on="edge"
    )
    if len(same):
        s, loc = same["stop"].to_numpy(), same["location"].to_numpy()
        direct = (
            stops.connector_m[s]
            + np.abs(stops.offset_m[s] - locations.offset_m[loc])
            + locations.connector_m[loc]
        )
        pairs = pd.concat(
            [pairs, pd.DataFrame({"stop": s, "location": loc, "walk_m": direct})],
            ignore_index=True,
        )
    pairs = pairs[pairs["walk_m"] <= limit_m]
    pairs = pairs.groupby(["stop", "location"], as_index=False, sort=True)["walk_m"].min()
    return pairs
