"""Walking a route tree from the existing network: visit order, Euler positions, subtrees.

The route (a forest whose pieces each touch the existing network) is seen as one tree
hanging from a super-root standing for the whole existing network. Children are visited
cheapest-per-premise first, so cutting the visit order into consecutive pieces gives
compact PBO / PM clusters and a sensible build order for phasing.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import sparse
from scipy.sparse.csgraph import breadth_first_order


@dataclass(frozen=True)
class RouteOrder:
    """Visit order of a route tree (node ids are graph node ids).

    ``terminal_nodes``: terminal nodes in visit order. ``euler_m[i]``: metres walked along
    the route (down and back up) when terminal ``i`` is first reached; the route distance
    between terminals ``i < j`` is at most ``euler_m[j] - euler_m[i]``.
    ``edge_first_terminal[e]``: rank (in that order) of the first terminal that needs route
    edge ``e`` (its cost falls to that terminal when building step by step; -1 if none).
    """

    terminal_nodes: np.ndarray
    euler_m: np.ndarray
    edge_first_terminal: np.ndarray


def order_route(
    node_a: np.ndarray,
    node_b: np.ndarray,
    length_m: np.ndarray,
    cost: np.ndarray,
    is_root: np.ndarray,
    terminal_premises: dict[int, float] | np.ndarray,
) -> RouteOrder:
    """Order a route tree from the existing network (``is_root`` mask over graph nodes).

    ``node_a``/``node_b``: route edges; ``length_m``, ``cost`` (EUR) per route edge;
    ``terminal_premises``: premises per graph node (0 for non-terminals).
    Nodes not reachable from the root are visited after, from their own piece.
    """
    premises_of = np.asarray(terminal_premises, dtype=float)
    nodes = np.unique(np.concatenate([node_a, node_b]))
    nodes = nodes[~is_root[nodes]]
    k = len(nodes)
    root = k
    compact = np.full(len(is_root), root, dtype=np.int64)
    compact[nodes] = np.arange(k)
    ca, cb = compact[node_a], compact[node_b]
    m = len(ca)
    if m == 0:
        return RouteOrder(np.zeros(0, np.int64), np.zeros(0), np.zeros(0, np.int64))
    adjacency = sparse.csr_matrix(
        (
            np.concatenate([np.arange(m), np.arange(m)]) + 1,
            (np.concatenate([ca, cb]), np.concatenate([cb, ca])),
        ),
        shape=(k + 1, k + 1),
    )
    # Pieces not touching the root (no root given) hang from the super-root too.
    visited = np.zeros(k + 1, dtype=bool)
    parent = np.full(k + 1, -1, dtype=np.int64)
    parent_edge = np.full(k + 1, -1, dtype=np.int64)
    order_parts = []
    for start in [root, *range(k)]:
        if visited[start]:
            continue
        order, predecessor = breadth_first_order(
            adjacency, start, directed=False, return_predecessors=True
        )
        visited[order] = True
        order_parts.append(order)
        child = order[1:]
        parent[child] = predecessor[child]
        parent_edge[child] = np.asarray(adjacency[child, parent[child]]).ravel() - 1
        if start != root:
            parent[start] = root
    bfs = np.concatenate(order_parts)
    edge_len = np.where(parent_edge >= 0, length_m[np.maximum(parent_edge, 0)], 0.0)
    edge_cost = np.where(parent_edge >= 0, cost[np.maximum(parent_edge, 0)], 0.0)
    premises = np.zeros(k + 1)
    premises[:k] = premises_of[nodes] if len(premises_of) else 0.0
    # Subtree sums, children before parents (plain lists: fast scalar loops).
    parent_list = parent.tolist()
    sub_cost, sub_len = edge_cost.tolist(), [0.0] * (k + 1)
    sub_premises, size = premises.tolist(), [1] * (k + 1)
    length_list = edge_len.tolist()
    for node in bfs[::-1].tolist():
        p = parent_list[node]
        if p >= 0:
            sub_cost[p] += sub_cost[node]
            sub_len[p] += sub_len[node] + length_list[node]
            sub_premises[p] += sub_premises[node]
            size[p] += size[node]
    sub_len_a, size = np.asarray(sub_len), np.asarray(size, dtype=np.int64)
    # Children sorted by cost per premise of their subtree (cheapest first); each child's
    # Euler position comes after the full walks (down and back) of its earlier siblings.
    ratio = np.asarray(sub_cost) / np.maximum(np.asarray(sub_premises), 1e-9)
    child = np.flatnonzero(parent >= 0)
    child = child[np.lexsort((child, ratio[child], parent[child]))]
    walks = 2.0 * (edge_len[child] + sub_len_a[child])
    total = np.cumsum(walks)
    group_first = np.ones(len(child), dtype=bool)
    group_first[1:] = parent[child][1:] != parent[child][:-1]
    base = np.maximum.accumulate(np.where(group_first, np.arange(len(child)), 0))
    before = total - walks - (total[base] - walks[base])
    offset = np.zeros(k + 1)
    offset[child] = before + edge_len[child]
    offset_list = offset.tolist()
    euler_list, depth_list = [0.0] * (k + 1), [0] * (k + 1)
    for node in bfs.tolist():
        p = parent_list[node]
        if p >= 0:
            euler_list[node] = euler_list[p] + offset_list[node]
            depth_list[node] = depth_list[p] + 1
    euler = np.asarray(euler_list)
    preorder = np.lexsort((np.asarray(depth_list), euler))
    count = len(preorder)
    rank = np.empty(k + 1, dtype=np.int64)
    rank[preorder] = np.arange(count)
    is_terminal = premises > 0
    terminal_compact = preorder[is_terminal[preorder]]
    terminal_rank_positions = rank[terminal_compact]  # sorted ascending
    # Route edge e leads to child c = the endpoint whose parent edge is e.
    edge_child = np.full(m, -1, dtype=np.int64)
    has_edge = parent_edge >= 0
    edge_child[parent_edge[has_edge]] = np.flatnonzero(has_edge)
    first = np.searchsorted(terminal_rank_positions, rank[np.maximum(edge_child, 0)])
    inside = (first < len(terminal_rank_positions)) & (
        terminal_rank_positions[np.minimum(first, len(terminal_rank_positions) - 1)]
        < rank[np.maximum(edge_child, 0)] + size[np.maximum(edge_child, 0)]
    )
    edge_first = np.where((edge_child >= 0) & inside, first, -1)
    return RouteOrder(nodes[terminal_compact], euler[terminal_compact], edge_first)
