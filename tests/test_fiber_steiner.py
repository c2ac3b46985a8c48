"""Steiner routing and cost arithmetic of the fiber planner (twin.sim.fiber)."""

from __future__ import annotations

import itertools
import json

import networkx as nx
import numpy as np
import pytest
from networkx.algorithms.approximation import steiner_tree as nx_steiner_tree

from twin.errors import DataError
from twin.sim.fiber import BillOfMaterials, FiberCosts, load_costs, steiner_tree
from twin.sim.fiber.costs import DEFAULT_COSTS_PATH
from twin.sim.network import RoadGraph

# Toy "Y" network. Nodes: R=0 (the existing network), H=1 (a street corner), A=2, B=3.
#   R-H 10, H-A 10, H-B 10   (the corner joins everything)
#   R-A 25, R-B 25, A-B 25   (direct streets)
# Trees joining R, A, B by hand:
#   through H: R-H + H-A + H-B = 10 + 10 + 10 = 30   <- optimum
#   R-A + R-B = 50; R-A + A-B = 50; R-B + A-B = 50; mixed ones (e.g. R-H-A + A-B) >= 45.
Y_U = np.array([0, 1, 1, 0, 0, 2])
Y_V = np.array([1, 2, 3, 2, 3, 3])
Y_W = np.array([10.0, 10.0, 10.0, 25.0, 25.0, 25.0])
Y_XY = np.array([[0, 0], [10, 0], [17, 7], [17, -7]], dtype=float)


def brute_force_steiner(u, v, w, required) -> float:
    """Cheapest edge subset connecting every required node (exhaustive, small graphs)."""
    best = np.inf
    for r in range(1, len(u) + 1):
        for subset in itertools.combinations(range(len(u)), r):
            graph = nx.Graph()
            graph.add_nodes_from(required)
            graph.add_edges_from((u[i], v[i]) for i in subset)
            if all(nx.has_path(graph, required[0], t) for t in required[1:]):
                best = min(best, float(w[list(subset)].sum()))
    return best


def test_y_network_route_is_the_hand_optimum():
    graph = RoadGraph.from_edges(Y_XY, Y_U, Y_V, Y_W)
    tree = steiner_tree(graph.matrix, terminals=[2, 3], root_nodes=[0])
    assert tree.cost == pytest.approx(30.0)
    assert brute_force_steiner(Y_U, Y_V, Y_W, [0, 2, 3]) == pytest.approx(30.0)
    pairs = {tuple(sorted(p)) for p in zip(tree.node_a.tolist(), tree.node_b.tolist(), strict=True)}
    assert pairs == {(0, 1), (1, 2), (1, 3)}
    assert tree.connected.all()


def test_without_root_terminals_are_joined_to_each_other():
    # Terminals R, A, B as plain terminals: same optimum, 30 via the corner H.
    graph = RoadGraph.from_edges(Y_XY, Y_U, Y_V, Y_W)
    tree = steiner_tree(graph.matrix, terminals=[0, 2, 3])
    assert tree.cost == pytest.approx(30.0)


def test_root_is_contracted_route_starts_anywhere_on_it():
    # Path 0-1-2-3-4 (10 m each); the existing network covers nodes 0, 1, 2; terminal 4.
    # The route only needs 2-3 and 3-4: 20 m (not 40 m from node 0).
    xy = np.array([[0, 0], [10, 0], [20, 0], [30, 0], [40, 0]], dtype=float)
    graph = RoadGraph.from_edges(xy, np.array([0, 1, 2, 3]), np.array([1, 2, 3, 4]))
    tree = steiner_tree(graph.matrix, terminals=[4], root_nodes=[0, 1, 2])
    assert tree.cost == pytest.approx(20.0)


def test_unreachable_terminal_is_flagged_not_routed():
    # Two pieces: 0-1 (root at 0, terminal 1) and 2-3 (terminal 3 on its own piece).
    xy = np.array([[0, 0], [10, 0], [100, 0], [110, 0]], dtype=float)
    graph = RoadGraph.from_edges(xy, np.array([0, 2]), np.array([1, 3]))
    tree = steiner_tree(graph.matrix, terminals=[1, 3], root_nodes=[0])
    np.testing.assert_array_equal(tree.connected, [True, False])
    assert tree.cost == pytest.approx(10.0)


def test_route_no_more_expensive_than_networkx_on_a_random_grid():
    rng = np.random.default_rng(42)
    k = 25
    index = np.arange(k * k).reshape(k, k)
    u = np.concatenate([index[:, :-1].ravel(), index[:-1, :].ravel()])
    v = np.concatenate([index[:, 1:].ravel(), index[1:, :].ravel()])
    w = rng.uniform(5.0, 50.0, len(u))
    xy = np.stack(np.meshgrid(np.arange(k), np.arange(k)), -1).reshape(-1, 2) * 10.0
    graph = RoadGraph.from_edges(xy, u, v, w)
    terminals = rng.choice(k * k, 60, replace=False)
    root = index[0, :5]
    tree = steiner_tree(graph.matrix, terminals, root)
    reference = nx.Graph()
    reference.add_weighted_edges_from(zip(u.tolist(), v.tolist(), w.tolist(), strict=True))
    reference.add_weighted_edges_from(("R", int(r), 0.0) for r in root)
    nx_tree = nx_steiner_tree(reference, [*terminals.tolist(), "R"], method="mehlhorn")
    assert tree.connected.all()
    assert tree.cost <= nx_tree.size(weight="weight") + 1e-6
    # The result really is a tree joining every terminal to the root.
    route = nx.Graph(list(zip(tree.node_a.tolist(), tree.node_b.tolist(), strict=True)))
    route.add_edges_from(("R", int(r)) for r in root)
    assert all(nx.has_path(route, "R", int(t)) for t in terminals)


def test_default_costs_file_is_read_and_documented():
    costs = load_costs()
    data = json.loads(DEFAULT_COSTS_PATH.read_text())
    assert costs.trench_eur_per_m == data["route_eur_per_m"]["trench"]
    assert costs.pm_eur == data["pm_eur"]
    assert costs.duct_eur_per_m < costs.trench_eur_per_m  # reuse must be cheaper
    assert costs.aerial_eur_per_m < costs.trench_eur_per_m
    for key in ("route_eur_per_m.trench", "pm_eur", "pbo_eur", "connection_eur"):
        assert data["notes"][key]


def test_bad_cost_files_raise_data_error(tmp_path):
    missing = tmp_path / "costs.json"
    missing.write_text(json.dumps({"route_eur_per_m": {"trench": 1, "duct": 1}}))
    with pytest.raises(DataError, match="missing cost"):
        load_costs(missing)
    negative = tmp_path / "negative.json"
    data = json.loads(DEFAULT_COSTS_PATH.read_text())
    data["pbo_eur"] = -5
    negative.write_text(json.dumps(data))
    with pytest.raises(DataError, match="pbo_eur"):
        load_costs(negative)
    with pytest.raises(DataError, match="not found"):
        load_costs(tmp_path / "nope.json")


def test_bill_of_materials_capex_by_hand():
    # 100 m duct x 12 = 1,200; 50 m aerial x 18 = 900; 150 m trench x 90 = 13,500;
    # 1 PM x 20,000; 3 PBO x 450 = 1,350; 10 connections x 350 = 3,500 -> 40,450 EUR.
    bill = BillOfMaterials({"duct": 100.0, "aerial": 50.0, "trench": 150.0}, 1, 3, 10.0)
    capex = bill.capex(FiberCosts())
    assert capex["route_duct"] == pytest.approx(1200.0)
    assert capex["route_aerial"] == pytest.approx(900.0)
    assert capex["route_trench"] == pytest.approx(13500.0)
    assert capex["pm"] == pytest.approx(20000.0)
    assert capex["pbo"] == pytest.approx(1350.0)
    assert capex["connections"] == pytest.approx(3500.0)
    assert capex["total"] == pytest.approx(40450.0)
