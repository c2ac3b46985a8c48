"""Steiner-tree routing on a weighted road graph (Mehlhorn's 2-approximation, vectorised).

K. Mehlhorn, "A faster approximation algorithm for the Steiner problem in graphs",
Information Processing Letters 27 (1988) 125-128: a tree at most 2 (1 - 1/l) times the
optimum (l = number of leaves of the optimum) in O(E + V log V):

1. one multi-source Dijkstra from all terminals gives each node its nearest terminal;
2. every graph edge joining two terminals' regions gives a candidate terminal-to-terminal
   distance ``d(a) + w(a, b) + d(b)``; the minimum spanning tree of these candidates is
3. expanded into graph paths;
4. then (as in Kou-Markowsky-Berman's last steps) we take the minimum spanning tree of the
   subgraph *induced* by the nodes found (never worse than the MST of the paths alone) and
5. prune leaves that are not terminals.

The existing network is one terminal: all ``root_nodes`` are contracted into a single node
(a route may start anywhere on it, at no cost). Weights are in any unit (EUR, metres).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import sparse
from scipy.sparse.csgraph import connected_components, dijkstra, minimum_spanning_tree


@dataclass(frozen=True)
class SteinerTree:
    """A route: ``node_a[i]``-``node_b[i]`` are the graph node pairs of its edges, ``weight``
    their weights, ``cost`` the total (the unit of the matrix), and ``connected[i]`` whether
    terminal ``i`` (in the order given) is joined to the root (or to the others when there is
    no root)."""

    node_a: np.ndarray
    node_b: np.ndarray
    weight: np.ndarray
    connected: np.ndarray

    @property
    def cost(self) -> float:
        """Total weight of the route's edges."""
        return float(self.weight.sum())


def _unique_min(a: np.ndarray, b: np.ndarray, w: np.ndarray, *extra: np.ndarray):
    """Keep, per unordered pair (a, b), the lightest; drops self-loops."""
    lo, hi = np.minimum(a, b), np.maximum(a, b)
    keep = lo != hi
    lo, hi, w = lo[keep], hi[keep], w[keep]
    extra = tuple(x[keep] for x in extra)
    order = np.lexsort((w, hi, lo))
    lo, hi, w = lo[order], hi[order], w[order]
    extra = tuple(x[order] for x in extra)
    first = np.ones(len(lo), dtype=bool)
    first[1:] = (lo[1:] != lo[:-1]) | (hi[1:] != hi[:-1])
    return (lo[first], hi[first], w[first], *(x[first] for x in extra))


def steiner_tree(
    matrix: sparse.csr_matrix, terminals: np.ndarray, root_nodes: np.ndarray | None = None
) -> SteinerTree:
    """Approximate minimum Steiner tree joining ``terminals`` to the ``root_nodes`` set.

    ``matrix``: symmetric CSR of positive edge weights (e.g. EUR per edge).
    ``terminals``: node ids to reach. ``root_nodes``: node ids of the existing network, one
    contracted terminal (may be empty: then the terminals are joined to each other).
    Terminals that cannot reach the root (another road piece) are left out and flagged.
    """
    n = matrix.shape[0]
    terminals = np.asarray(terminals, dtype=np.int64)
    root_nodes = np.unique(np.asarray(root_nodes if root_nodes is not None else [], np.int64))
    has_root = len(root_nodes) > 0
    # Group of each terminal node: 0 = the existing network, then one per distinct node.
    group_of_node = np.full(n + 1, -1, dtype=np.int64)
    distinct = np.unique(terminals)
    group_of_node[distinct] = np.arange(1, len(distinct) + 1)
    group_of_node[root_nodes] = 0
    sources = np.unique(np.concatenate([root_nodes, distinct]))
    empty = SteinerTree(
        np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0), np.zeros(len(terminals), bool)
    )
    if len(sources) == 0:
        return empty
    dist, pred, origin = dijkstra(
        matrix, directed=False, indices=sources, min_only=True, return_predecessors=True
    )
    upper = sparse.triu(matrix, k=1).tocoo()
    a, b, w = upper.row.astype(np.int64), upper.col.astype(np.int64), upper.data
    region = np.where(origin >= 0, group_of_node[np.maximum(origin, 0)], -1)
    bridge = (region[a] >= 0) & (region[b] >= 0) & (region[a] != region[b])
    ga, gb = region[a[bridge]], region[b[bridge]]
    through = dist[a[bridge]] + w[bridge] + dist[b[bridge]]
    ga, gb, through, ea, eb = _unique_min(ga, gb, through, a[bridge], b[bridge])
    groups = len(distinct) + 1
    terminal_graph = sparse.csr_matrix((through, (ga, gb)), shape=(groups, groups))
    mst = minimum_spanning_tree(terminal_graph).tocoo()
    # Map each chosen terminal pair back to its bridging edge.
    key = ga * groups + gb
    chosen = np.searchsorted(
        key, np.minimum(mst.row, mst.col) * groups + np.maximum(mst.row, mst.col)
    )
    ea, eb = ea[chosen], eb[chosen]
    # Which groups end up joined (to the root, or all together without a root).
    _, label = connected_components(terminal_graph, directed=False)
    if has_root:
        joined_group = label == label[0]
    else:
        joined_group = np.ones(groups, dtype=bool)
    # 3. Expand the bridging edges into paths back to their terminals.
    pair_a, pair_b = [ea], [eb]
    visited = np.zeros(n, dtype=bool)
    frontier = np.unique(np.concatenate([ea, eb]))
    while len(frontier):
        visited[frontier] = True
        back = pred[frontier]
        ok = back >= 0
        pair_a.append(frontier[ok])
        pair_b.append(back[ok])
        step = np.unique(back[ok])
        frontier = step[~visited[step]]
    tree_nodes = np.zeros(n, dtype=bool)
    tree_nodes[np.concatenate(pair_a)] = True
    tree_nodes[np.concatenate(pair_b)] = True
    connected_terminals = distinct[joined_group[group_of_node[distinct]]]
    tree_nodes[connected_terminals] = True
    # 4. MST of the subgraph induced by these nodes, with the root contracted to node n.
    inside = tree_nodes[a] & tree_nodes[b]
    a_in, b_in, w_in = a[inside], b[inside], w[inside]
    is_root = np.zeros(n + 1, dtype=bool)
    is_root[root_nodes] = True
    ca = np.where(is_root[a_in], n, a_in)
    cb = np.where(is_root[b_in], n, b_in)
    ca, cb, w_in, oa, ob = _unique_min(ca, cb, w_in, a_in, b_in)
    induced = sparse.csr_matrix((w_in, (ca, cb)), shape=(n + 1, n + 1))
    tree = minimum_spanning_tree(induced).tocoo()
    ta, tb = np.minimum(tree.row, tree.col), np.maximum(tree.row, tree.col)
    at = np.searchsorted(ca * (n + 1) + cb, ta.astype(np.int64) * (n + 1) + tb)
    oa, ob, tw = oa[at], ob[at], w_in[at]
    ta, tb = ca[at], cb[at]
    # 5. Prune leaves that are not terminals.
    keep_node = np.zeros(n + 1, dtype=bool)
    keep_node[connected_terminals] = True
    keep_node[n] = has_root
    alive = _prune(ta, tb, keep_node, n + 1)
    ta_keep = alive
    joined = joined_group[group_of_node[terminals]]
    return SteinerTree(oa[ta_keep], ob[ta_keep], tw[ta_keep], joined)


def _prune(a: np.ndarray, b: np.ndarray, keep_node: np.ndarray, n: int) -> np.ndarray:
    """Mask of forest edges left after repeatedly removing leaves not in ``keep_node``."""
    m = len(a)
    edge_alive = np.ones(m, dtype=bool)
    if m == 0:
        return edge_alive
    ends = np.concatenate([a, b])
    other = np.concatenate([b, a])
    edge_id = np.concatenate([np.arange(m), np.arange(m)])
    order = np.argsort(ends, kind="stable")
    indptr = np.searchsorted(ends[order], np.arange(n + 1))
    neighbour, incident = other[order], edge_id[order]
    degree = np.bincount(ends, minlength=n)
    stack = list(np.flatnonzero((degree == 1) & ~keep_node))
    while stack:
        leaf = stack.pop()
        if degree[leaf] != 1:
            continue
        for k in range(indptr[leaf], indptr[leaf + 1]):
            e = incident[k]
            if edge_alive[e]:
                edge_alive[e] = False
                degree[leaf] -= 1
                up = neighbour[k]
                degree[up] -= 1
                if degree[up] == 1 and not keep_node[up]:
                    stack.append(up)
                break
    return edge_alive
