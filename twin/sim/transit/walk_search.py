"""Bounded per-source Dijkstra on a CSR graph, compiled by numba (walk catchments' kernel).

One search per source, each stopping at a distance limit (m), on the road graph's own CSR
arrays: no per-call matrix is built, no dense (sources x nodes) distance array is filled
and scanned, and only the nodes a search touched are reset before the next one. Each
source enters the graph at two nodes (the ends of the street it is attached to) with its
own entry lengths, as the virtual nodes of :func:`twin.sim.transit.catchment.entry_matrix`
do. Distances are summed in the same order as ``scipy.sparse.csgraph.dijkstra`` (settled
node + edge), so the two agree to the last bit except between paths of equal length.

numba is imported and the kernel compiled (or loaded from its cache) on first use only, so
importing this module costs nothing at start-up; without numba, :func:`bounded_searches`
returns None and the caller uses scipy.
"""

from __future__ import annotations

import numpy as np

_compiled = None  # the numba-compiled kernel, or False when numba is unavailable


def _searches_python(
    indptr, indices, data, first, second, first_m, second_m, limit, dist, rows, columns, values
):
    """Kernel (plain Python; compiled by numba): writes every (source, node, distance m)
    with distance <= ``limit`` into ``rows``/``columns``/``values``, source k entering at
    nodes first[k] / second[k] after first_m[k] / second_m[k] metres. ``dist`` (one per
    node) must hold inf and is left so. Stops before the first source whose nodes do not
    fit; returns (sources done, entries written)."""
    inf = np.inf
    touched = np.empty(len(dist), np.int64)
    # a node is pushed at most once per edge reaching it (+2 entries): the heap never grows
    heap_key = np.empty(len(data) + 2, np.float64)
    heap_node = np.empty(len(data) + 2, np.int64)
    capacity = len(rows)
    count = 0
    for source in range(len(first)):
        source_start = count
        size = 0
        n_touched = 0
        for entry in range(2):
            node = first[source] if entry == 0 else second[source]
            length = first_m[source] if entry == 0 else second_m[source]
            if length > limit or length >= dist[node]:
                continue
            if dist[node] == inf:
                touched[n_touched] = node
                n_touched += 1
            dist[node] = length
            # push (length, node): sift up
            position = size
            size += 1
            while position > 0:
                parent = (position - 1) >> 1
                if heap_key[parent] <= length:
                    break
                heap_key[position] = heap_key[parent]
                heap_node[position] = heap_node[parent]
                position = parent
            heap_key[position] = length
            heap_node[position] = node
        while size > 0:
            key = heap_key[0]
            node = heap_node[0]
            # pop: move the last item down from the root
            size -= 1
            last_key = heap_key[size]
            last_node = heap_node[size]
            position = 0
            while True:
                child = 2 * position + 1
                if child >= size:
                    break
                if child + 1 < size and heap_key[child + 1] < heap_key[child]:
                    child += 1
                if heap_key[child] >= last_key:
                    break
                heap_key[position] = heap_key[child]
                heap_node[position] = heap_node[child]
                position = child
            heap_key[position] = last_key
            heap_node[position] = last_node
            if key > dist[node]:
                continue  # a stale entry: the node was reached shorter since
            if count == capacity:  # full: forget this source, the caller resumes at it
                for k in range(n_touched):
                    dist[touched[k]] = inf
                return source, source_start
            rows[count] = source
            columns[count] = node
            values[count] = key
            count += 1
            for slot in range(indptr[node], indptr[node + 1]):
                neighbour = indices[slot]
                length = key + data[slot]
                if length > limit or length >= dist[neighbour]:
                    continue
                if dist[neighbour] == inf:
                    touched[n_touched] = neighbour
                    n_touched += 1
                dist[neighbour] = length
                position = size
                size += 1
                while position > 0:
                    parent = (position - 1) >> 1
                    if heap_key[parent] <= length:
                        break
                    heap_key[position] = heap_key[parent]
                    heap_node[position] = heap_node[parent]
                    position = parent
                heap_key[position] = length
                heap_node[position] = neighbour
        for k in range(n_touched):
            dist[touched[k]] = inf
    return len(first), count


def _kernel():
    """The compiled kernel (compiled or loaded from numba's cache on first call), or None."""
    global _compiled
    if _compiled is None:
        try:
            import numba
        except Exception:  # numba missing or broken here: the caller falls back on scipy
            _compiled = False
        else:
            _compiled = numba.njit(cache=True, nogil=True)(_searches_python)
    return _compiled or None


def bounded_searches(
    indptr: np.ndarray,
    indices: np.ndarray,
    data: np.ndarray,
    first: np.ndarray,
    second: np.ndarray,
    first_m: np.ndarray,
    second_m: np.ndarray,
    limit_m: float,
) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
    """One Dijkstra per source on the CSR graph (``indptr``, ``indices``, ``data`` in m),
    stopping at ``limit_m`` (m). Source k enters at nodes ``first[k]`` and ``second[k]``
    after ``first_m[k]`` and ``second_m[k]`` metres. Returns (source, node, distance m) of
    every node within the limit, each source's nodes in the order they were settled; None
    when numba is not available."""
    kernel = _kernel()
    if kernel is None:
        return None
    graph = (
        np.ascontiguousarray(indptr, np.int64),
        np.ascontiguousarray(indices, np.int64),
        np.ascontiguousarray(data, np.float64),
    )
    sources = (
        np.ascontiguousarray(first, np.int64),
        np.ascontiguousarray(second, np.int64),
        np.ascontiguousarray(first_m, np.float64),
        np.ascontiguousarray(second_m, np.float64),
    )
    dist = np.full(len(indptr) - 1, np.inf)
    capacity = max(1024, 256 * len(first))
    parts, done = [], 0
    while done < len(first):
        rows = np.empty(capacity, np.int64)
        columns = np.empty(capacity, np.int64)
        values = np.empty(capacity, np.float64)
        rest = tuple(a[done:] for a in sources)
        finished, count = kernel(*graph, *rest, float(limit_m), dist, rows, columns, values)
        if finished == 0 and count == 0:
            capacity *= 4  # one source reaches more nodes than the buffer holds
            continue
        parts.append((rows[:count] + done, columns[:count], values[:count]))
        done += finished
        capacity *= 2
    if not parts:
        empty = np.zeros(0, np.int64)
        return empty, empty, np.zeros(0)
    if len(parts) == 1:
        return parts[0]
    return tuple(np.concatenate(p) for p in zip(*parts, strict=True))  # type: ignore[return-value]
