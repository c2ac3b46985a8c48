"""The compiled walk-catchment searches against scipy's Dijkstra (the reference tool)."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.sparse.csgraph import dijkstra
from test_transit_support import street_grid

import twin.sim.transit.catchment as catchment
from twin.sim.network import RoadGraph
from twin.sim.transit.catchment import entry_matrix, stop_catchments
from twin.sim.transit.walk_search import _kernel, bounded_searches


def _scipy_catchments(graph: RoadGraph, stops, limit_m: float) -> np.ndarray:
    """One scipy Dijkstra per stop on the whole graph plus the stops' entry nodes."""
    matrix, virtual = entry_matrix(graph, stops)
    whole = dijkstra(matrix, directed=True, indices=virtual, limit=limit_m)[:, : graph.node_count]
    return np.where(np.isfinite(whole), np.maximum(whole, 1e-9), 0.0)


def _jittered_city(seed: int, size: int = 30, block: float = 60.0) -> RoadGraph:
    rng = np.random.default_rng(seed)
    xy, u, v = street_grid(size, block)
    xy = xy + rng.uniform(-0.25 * block, 0.25 * block, xy.shape)
    keep = rng.random(len(u)) > 0.1
    return RoadGraph.from_edges(xy, u[keep], v[keep])


def test_numba_is_what_the_catchments_use_here():
    # numba is a dependency (pyproject.toml): the fallback must not be silently in use
    assert _kernel() is not None


@pytest.mark.parametrize("seed", [3, 11])
def test_compiled_catchments_equal_scipy_bit_for_bit(seed):
    graph = _jittered_city(seed)
    rng = np.random.default_rng(seed)
    stops = graph.attach(rng.uniform(-100, 1840, (80, 2)))
    ours = stop_catchments(graph, stops, limit_m=400.0).toarray()
    reference = _scipy_catchments(graph, stops, 400.0)
    np.testing.assert_array_equal(ours, reference)
    assert (ours > 0).sum() > 80 * 20  # the searches reach well beyond their stop


def test_compiled_and_windowed_scipy_paths_agree(monkeypatch):
    graph = _jittered_city(5)
    stops = graph.attach(np.random.default_rng(5).uniform(0, 1740, (50, 2)))
    compiled = stop_catchments(graph, stops, limit_m=300.0).toarray()
    monkeypatch.setattr(catchment, "bounded_searches", lambda *args: None)
    windowed = stop_catchments(graph, stops, limit_m=300.0).toarray()
    np.testing.assert_allclose(compiled, windowed, rtol=0, atol=1e-9)
    assert np.array_equal(compiled > 0, windowed > 0)


def test_a_node_exactly_at_the_limit_is_reached_as_scipy_reaches_it():
    # 3 x 3 grid of 100 m blocks, a stop on node (0, 0): (200, 0) and (100, 100) are 200 m
    xy, u, v = street_grid(3, 100.0)
    graph = RoadGraph.from_edges(xy, u, v)
    stops = graph.attach(np.array([[0.0, 0.0]]))
    ours = stop_catchments(graph, stops, limit_m=200.0).toarray()[0]
    node = {tuple(p): i for i, p in enumerate(xy)}
    assert ours[node[(200.0, 0.0)]] == pytest.approx(200.0)
    assert ours[node[(100.0, 100.0)]] == pytest.approx(200.0)
    assert ours[node[(200.0, 100.0)]] == 0.0  # 300 m
    np.testing.assert_array_equal(ours, _scipy_catchments(graph, stops, 200.0)[0])


def test_searches_resume_when_their_output_buffer_fills():
    # each source reaches all 3,600 nodes: more than the first buffer (1,024 entries) holds
    xy, u, v = street_grid(60, 50.0)
    graph = RoadGraph.from_edges(xy, u, v)
    matrix = graph.matrix
    first = np.array([0, 1830, 3599])
    second = np.array([1, 1831, 3598])
    rows, cols, values = bounded_searches(
        matrix.indptr,
        matrix.indices,
        matrix.data,
        first,
        second,
        np.array([0.0, 10.0, 25.0]),
        np.array([50.0, 40.0, 25.0]),
        1e9,
    )
    assert np.bincount(rows).tolist() == [3600, 3600, 3600]
    found = np.zeros((3, 3600))
    found[rows, cols] = values
    assert found[0, 0] == 0.0 and found[0, 3599] == pytest.approx(59 * 50 * 2)
    assert found[2, 3599] == pytest.approx(25.0)
    assert found[1, 0] == pytest.approx(10.0 + 30 * 50 + 30 * 50)


def test_unattached_stops_have_empty_rows_and_no_stops_give_an_empty_matrix():
    graph = _jittered_city(2, size=5)
    stops = graph.attach(np.array([[100.0, 100.0], [1e7, 1e7]]), max_distance=50.0)
    reach = stop_catchments(graph, stops, limit_m=200.0).tocsr()
    assert reach.shape == (2, graph.node_count)
    assert reach.getrow(0).nnz > 0 and reach.getrow(1).nnz == 0
    none = stop_catchments(graph, graph.attach(np.zeros((0, 2))), limit_m=200.0)
    assert none.shape == (0, graph.node_count) and none.nnz == 0
