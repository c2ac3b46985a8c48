"""Building blocks of :mod:`twin.sim.network`: noding, snapping, splitting, Dijkstra.

Private helpers; use :class:`twin.sim.network.RoadGraph`. Distances in metres.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import shapely
import shapely.ops
from scipy import sparse
from scipy.sparse.csgraph import connected_components, dijkstra

from twin.sim.network_types import Attachment, ShortestPaths

# The graph arguments are twin.sim.network.RoadGraph objects; that module imports this one,
# so the type is not imported here (no import circle, not even for type checking).
RoadGraph = Any


def node_lines(geometry: np.ndarray, node_crossings: bool) -> tuple[np.ndarray, np.ndarray]:
    """Explode (multi)lines and split them where they cross; returns pieces, source rows."""
    valid = ~shapely.is_missing(geometry) & ~shapely.is_empty(geometry)
    parts, part_row = shapely.get_parts(geometry[valid], return_index=True)
    part_row = np.flatnonzero(valid)[part_row]
    keep = shapely.length(parts) > 0
    parts, part_row = parts[keep], part_row[keep]
    if not node_crossings or len(parts) == 0:
        return parts, part_row
    noded = shapely.get_parts(shapely.node(shapely.multilinestrings(parts)))
    noded = noded[shapely.length(noded) > 0]
    middles = shapely.line_interpolate_point(noded, 0.5, normalized=True)
    source = np.full(len(noded), -1, dtype=np.int64)
    tree = shapely.STRtree(parts)
    # The middle of a noded piece lies on the part it came from: a "within 1 mm" query
    # finds it ~8x faster than a nearest search over long lines; the nearest part (then the
    # lowest index) wins; a middle found by neither falls back to the nearest search.
    pairs = tree.query(middles, predicate="dwithin", distance=1e-3)
    if pairs.shape[1]:
        distance = shapely.distance(middles[pairs[0]], parts[pairs[1]])
        order = np.lexsort((pairs[1], distance, pairs[0]))
        first = np.ones(len(order), dtype=bool)
        first[1:] = pairs[0][order][1:] != pairs[0][order][:-1]
        chosen = pairs[:, order[first]]
        source[chosen[0]] = part_row[chosen[1]]
    missing = np.flatnonzero(source < 0)
    if len(missing):
        index = tree.query_nearest(middles[missing], all_matches=False)
        source[missing[index[0]]] = part_row[index[1]]
    return noded, source


def _ends(pieces: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    coords = shapely.get_coordinates(pieces)
    count = shapely.get_num_coordinates(pieces)
    starts = np.concatenate([[0], np.cumsum(count)[:-1]]).astype(np.int64)
    return coords, starts, starts + count - 1


def pin_ends(pieces: np.ndarray, u: np.ndarray, v: np.ndarray, node_xy: np.ndarray) -> np.ndarray:
    """Pieces whose first/last coordinates are exactly their nodes' coordinates."""
    if len(pieces) == 0:
        return pieces
    coords, starts, ends = _ends(pieces)
    coords[starts] = node_xy[u]
    coords[ends] = node_xy[v]
    return shapely.set_coordinates(pieces.copy(), coords)


def cluster_endpoints(pieces: np.ndarray, tolerance: float):
    """Merge piece ends closer than ``tolerance`` m into nodes; move piece ends onto them.

    Returns ``node_xy, u, v, pieces``. A cluster sits at its most used end point (a
    crossing wins over a loose end).
    """
    from scipy.spatial import cKDTree

    coords, starts, ends = _ends(pieces)
    end_xy = np.concatenate([coords[starts], coords[ends]])
    unique_xy, inverse, occurrences = np.unique(
        end_xy, axis=0, return_inverse=True, return_counts=True
    )
    inverse = inverse.reshape(-1)
    n = len(unique_xy)
    if tolerance > 0 and n > 1:
        pairs = cKDTree(unique_xy).query_pairs(tolerance, output_type="ndarray")
        link = sparse.coo_matrix((np.ones(len(pairs)), (pairs[:, 0], pairs[:, 1])), (n, n))
        _, cluster = connected_components(link, directed=False)
    else:
        cluster = np.arange(n)
    order = np.lexsort((np.arange(n), -occurrences, cluster))
    first = np.ones(n, dtype=bool)
    first[1:] = cluster[order][1:] != cluster[order][:-1]
    representative = order[first]  # one end point per cluster, in cluster order
    node_xy = unique_xy[representative]
    cluster_to_node = np.empty(len(representative), dtype=np.int64)
    cluster_to_node[cluster[representative]] = np.arange(len(representative))
    end_node = cluster_to_node[cluster[inverse]]
    m = len(pieces)
    u, v = end_node[:m], end_node[m:]
    return node_xy, u, v, pin_ends(pieces, u, v, node_xy)


def snap_dangles(pieces, u, v, source, node_xy, tolerance: float):
    """Join dead ends lying within ``tolerance`` m of another road (split it there)."""
    n = len(node_xy)
    if tolerance <= 0 or len(pieces) == 0:
        return pieces, u, v, source, node_xy
    degree = np.bincount(u, minlength=n) + np.bincount(v, minlength=n)
    dangles = np.flatnonzero(degree == 1)
    if len(dangles) == 0:
        return pieces, u, v, source, node_xy
    points = shapely.points(node_xy[dangles])
    d_i, p_j = shapely.STRtree(pieces).query(points, predicate="dwithin", distance=tolerance)
    node = dangles[d_i]
    own = (u[p_j] == node) | (v[p_j] == node)
    d_i, p_j, node = d_i[~own], p_j[~own], node[~own]
    if len(d_i) == 0:
        return pieces, u, v, source, node_xy
    dist = shapely.distance(points[d_i], pieces[p_j])
    order = np.lexsort((p_j, dist, d_i))
    first = np.ones(len(order), dtype=bool)
    first[1:] = d_i[order][1:] != d_i[order][:-1]
    pick = order[first]
    node, piece = node[pick], p_j[pick]
    offset = shapely.line_locate_point(pieces[piece], points[d_i[pick]])
    length = shapely.length(pieces[piece])
    node_xy = node_xy.copy()
    remap = np.arange(n)
    at_start, at_end = offset <= 1e-9, offset >= length - 1e-9
    remap[node[at_start]] = u[piece[at_start]]
    remap[node[at_end]] = v[piece[at_end]]
    inner = ~(at_start | at_end)
    node, piece, offset = node[inner], piece[inner], offset[inner]
    node_xy[node] = shapely.get_coordinates(shapely.line_interpolate_point(pieces[piece], offset))
    # Split each target piece at its (sorted) snap points.
    new_pieces, new_u, new_v, new_source = [], [], [], []
    split = pd.DataFrame({"piece": piece, "offset": offset, "node": node}).sort_values(
        ["piece", "offset"]
    )
    for j, group in split.groupby("piece", sort=False):
        cuts = np.concatenate([[0.0], group["offset"].to_numpy(), [shapely.length(pieces[j])]])
        chain = np.concatenate([[u[j]], group["node"].to_numpy(), [v[j]]])
        for a in range(len(chain) - 1):
            new_pieces.append(shapely.ops.substring(pieces[j], cuts[a], cuts[a + 1]))
            new_u.append(chain[a])
            new_v.append(chain[a + 1])
            new_source.append(source[j])
    keep = np.ones(len(pieces), dtype=bool)
    keep[split["piece"].unique()] = False
    pieces = np.concatenate([pieces[keep], np.array(new_pieces, dtype=object)])
    u = remap[np.concatenate([u[keep], np.array(new_u, dtype=np.int64)])]
    v = remap[np.concatenate([v[keep], np.array(new_v, dtype=np.int64)])]
    source = np.concatenate([source[keep], np.array(new_source, dtype=np.int64)])
    # Drop nodes merged away and number the rest densely.
    used = np.unique(np.concatenate([u, v]))
    dense = np.full(n, -1, dtype=np.int64)
    dense[used] = np.arange(len(used))
    node_xy = node_xy[used]
    u, v = dense[u], dense[v]
    return pin_ends(pieces, u, v, node_xy), u, v, source, node_xy


def split_graph_at(graph: RoadGraph, attachment: Attachment, end_tolerance: float):
    """See :meth:`RoadGraph.split_at`; returns ``(new graph, node per point)``."""

    k = len(attachment)
    node_of_point = np.full(k, -1, dtype=np.int64)
    hit = attachment.attached
    edge = attachment.edge
    offset = attachment.offset_m
    length = graph.edge_length[np.maximum(edge, 0)]
    near_u = hit & (offset <= end_tolerance)
    near_v = hit & ~near_u & (length - offset <= end_tolerance)
    node_of_point[near_u] = graph.edge_u[edge[near_u]]
    node_of_point[near_v] = graph.edge_v[edge[near_v]]
    inner = np.flatnonzero(hit & ~near_u & ~near_v)
    if len(inner) == 0:
        return graph, node_of_point
    key = pd.DataFrame({"edge": edge[inner], "offset": offset[inner]})
    unique = key.drop_duplicates().sort_values(["edge", "offset"]).reset_index(drop=True)
    n = graph.node_count
    unique["node"] = n + np.arange(len(unique))
    node_of_point[inner] = key.merge(unique, on=["edge", "offset"], how="left")["node"].to_numpy()
    first_xy = {}
    for i, row_node in zip(inner, node_of_point[inner], strict=True):
        first_xy.setdefault(row_node, attachment.projected_xy[i])
    new_xy = np.array([first_xy[node] for node in unique["node"]]).reshape(-1, 2)

    se = unique["edge"].to_numpy()
    so = unique["offset"].to_numpy()
    sn = unique["node"].to_numpy()
    group_start = np.ones(len(se), dtype=bool)
    group_start[1:] = se[1:] != se[:-1]
    group_end = np.ones(len(se), dtype=bool)
    group_end[:-1] = se[1:] != se[:-1]
    prev_node = np.where(group_start, graph.edge_u[se], np.roll(sn, 1))
    prev_off = np.where(group_start, 0.0, np.roll(so, 1))
    # Pieces ending at each split point, then the last piece of each split edge.
    last = np.flatnonzero(group_end)
    piece_edge = np.concatenate([se, se[last]])
    piece_u = np.concatenate([prev_node, sn[last]])
    piece_v = np.concatenate([sn, graph.edge_v[se[last]]])
    piece_start = np.concatenate([prev_off, so[last]])
    piece_end = np.concatenate([so, graph.edge_length[se[last]]])
    keep = np.ones(graph.edge_count, dtype=bool)
    keep[se] = False
    kept = np.flatnonzero(keep)

    def join(old: np.ndarray, new: np.ndarray) -> np.ndarray:
        return np.concatenate([old[kept], new])

    new_graph = type(graph)(  # a RoadGraph (not imported: network imports this module)
        np.concatenate([graph.node_xy, new_xy]),
        join(graph.edge_u, piece_u),
        join(graph.edge_v, piece_v),
        join(graph.edge_length, piece_end - piece_start),
        edge_class=join(graph.edge_class, graph.edge_class[piece_edge]),
        edge_source=join(graph.edge_source, graph.edge_source[piece_edge]),
        base_geometry=graph.base_geometry,
        edge_base=join(graph.edge_base, graph.edge_base[piece_edge]),
        edge_start_m=join(graph.edge_start_m, graph.edge_start_m[piece_edge] + piece_start),
        crs=graph.crs,
    )
    new_graph.parent_edge = np.concatenate([kept, piece_edge])
    return new_graph, node_of_point


def multi_source_paths(
    graph: RoadGraph,
    sources,
    targets: Attachment | None,
    limit: float,
    edge_weight: np.ndarray | None,
    connector_factor: float,
    return_predecessors: bool,
) -> ShortestPaths:
    """See :meth:`RoadGraph.shortest_paths`."""

    n = graph.node_count
    weight = graph.edge_length if edge_weight is None else np.asarray(edge_weight, float)
    per_metre = np.divide(
        weight, graph.edge_length, out=np.ones_like(weight), where=graph.edge_length > 0
    )
    base = graph.weighted_matrix(weight)
    if isinstance(sources, Attachment):
        source_index = np.flatnonzero(sources.attached)
        e = sources.edge[source_index]
        s = len(source_index)
        connector = sources.connector_m[source_index] * connector_factor
        to_u = connector + sources.to_u_m[source_index] * per_metre[e]
        to_v = connector + sources.to_v_m[source_index] * per_metre[e]
        coo = base.tocoo()
        virtual = n + np.arange(s)
        rows = np.concatenate([coo.row, virtual, virtual])
        cols = np.concatenate([coo.col, graph.edge_u[e], graph.edge_v[e]])
        data = np.concatenate([coo.data, np.maximum(to_u, 1e-9), np.maximum(to_v, 1e-9)])
        matrix = sparse.csr_matrix((data, (rows, cols)), shape=(n + s, n + s))
        indices = virtual
        label_of = np.concatenate([np.full(n, -1), source_index])
    else:
        source_nodes = np.asarray(sources, dtype=np.int64).reshape(-1)
        matrix = base
        indices = source_nodes
        label_of = np.full(n, -1, dtype=np.int64)
        label_of[source_nodes[::-1]] = np.arange(len(source_nodes))[::-1]
    if len(indices) == 0:
        distance = np.full(matrix.shape[0], np.inf)
        predecessors = np.full(matrix.shape[0], -9999)
        origin = np.full(matrix.shape[0], -9999)
    else:
        distance, predecessors, origin = dijkstra(
            matrix,
            directed=True,
            indices=indices,
            min_only=True,
            limit=limit,
            return_predecessors=True,
        )
    node_distance = distance[:n]
    node_source = np.where(origin[:n] >= 0, label_of[np.maximum(origin[:n], 0)], -1)
    point_distance = point_source = None
    if targets is not None:
        point_distance, point_source = _target_distances(
            graph, targets, sources, node_distance, node_source, per_metre, connector_factor
        )
        beyond = point_distance > limit
        point_distance[beyond] = np.inf
        point_source[beyond] = -1
    return ShortestPaths(
        node_distance,
        node_source,
        point_distance,
        point_source,
        predecessors[:n] if return_predecessors else None,
    )


def _target_distances(graph, targets, sources, node_distance, node_source, per_metre, factor):
    """Distances to attached target points: via either end of their edge, or directly."""

    k = len(targets)
    distance = np.full(k, np.inf)
    source = np.full(k, -1, dtype=np.int64)
    hit = np.flatnonzero(targets.attached)
    e = targets.edge[hit]
    via_u = node_distance[graph.edge_u[e]] + targets.to_u_m[hit] * per_metre[e]
    via_v = node_distance[graph.edge_v[e]] + targets.to_v_m[hit] * per_metre[e]
    use_u = via_u <= via_v
    best = np.where(use_u, via_u, via_v)
    distance[hit] = best + targets.connector_m[hit] * factor
    source[hit] = np.where(use_u, node_source[graph.edge_u[e]], node_source[graph.edge_v[e]])
    source[~np.isfinite(distance)] = -1
    if isinstance(sources, Attachment) and len(hit):
        s_idx = np.flatnonzero(sources.attached)
        left = pd.DataFrame({"t": hit, "edge": e})
        right = pd.DataFrame({"s": s_idx, "edge": sources.edge[s_idx]})
        pairs = left.merge(right, on="edge")
        if len(pairs):
            t, s, pe = pairs["t"].to_numpy(), pairs["s"].to_numpy(), pairs["edge"].to_numpy()
            direct = (
                np.abs(targets.offset_m[t] - sources.offset_m[s]) * per_metre[pe]
                + (targets.connector_m[t] + sources.connector_m[s]) * factor
            )
            order = np.lexsort((direct, t))
            first = np.ones(len(order), dtype=bool)
            first[1:] = t[order][1:] != t[order][:-1]
            t, s, direct = t[order][first], s[order][first], direct[order][first]
            better = direct < distance[t]
            distance[t[better]] = direct[better]
            source[t[better]] = s[better]
    return distance, source
