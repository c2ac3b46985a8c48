"""Benchmark: plan a fiber extension to 10k premises on a city-sized synthetic road graph.

Compares, in the same run and on the same weighted graph and terminals:
- twin's planner (``prepare_network`` + ``plan_extension``: routing, PMs, PBOs, capex), and
  twin's Steiner router alone (``steiner_tree``, Mehlhorn, scipy);
- networkx's ``approximation.steiner_tree`` (method "mehlhorn", networkx's default), run in
  a child process with a timeout so a slow run is reported, not waited for.

The city: a jittered grid of streets 80 m apart (about 100k edges at --grid 224, 8% of
the edges removed at random), existing fiber along every 10th street of the west third,
ducts under 40% and poles along 15% of the other streets, 30 PMs of 400 premises, and
``--premises`` single-premise buildings 5-30 m off random streets of the rest of the city.

    python benchmarks/fiber.py                     # full size, networkx with a 300 s timeout
    python benchmarks/fiber.py --grid 110 --premises 2500   # a quarter of the city
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import time

import geopandas as gpd
import numpy as np
import shapely

from twin.sim.fiber import PlanParameters, plan_extension, prepare_network, steiner_tree
from twin.sim.network import RoadGraph

CRS = "EPSG:2154"
SPACING_M = 80.0


def build_city(grid: int, premises: int, seed: int = 7):
    """(graph, fiber nodes, cables, ducts, buildings) of the synthetic city."""
    rng = np.random.default_rng(seed)
    index = np.arange(grid * grid).reshape(grid, grid)
    gx, gy = np.meshgrid(np.arange(grid), np.arange(grid))
    xy = np.column_stack([gx.ravel(), gy.ravel()]) * SPACING_M
    xy += rng.uniform(-10, 10, xy.shape)
    u = np.concatenate([index[:, :-1].ravel(), index[:-1, :].ravel()])
    v = np.concatenate([index[:, 1:].ravel(), index[1:, :].ravel()])
    row = np.concatenate(
        [np.repeat(np.arange(grid), grid - 1), np.repeat(np.arange(grid - 1), grid)]
    )
    col = np.concatenate([np.tile(np.arange(grid - 1), grid), np.tile(np.arange(grid), grid - 1)])
    horizontal = np.arange(len(u)) < grid * (grid - 1)
    west = col < grid // 3
    fiber = west & ((horizontal & (row % 10 == 0)) | (~horizontal & (col % 10 == 0)))
    keep = fiber | (rng.random(len(u)) > 0.08)
    u, v, fiber = u[keep], v[keep], fiber[keep]
    graph = RoadGraph.from_edges(xy, u, v, edge_class=np.full(len(u), "residential"), crs=CRS)
    segments = graph.edge_geometries()
    draw = rng.random(len(u))
    cables = gpd.GeoDataFrame(
        {"cable_id": np.arange(fiber.sum()).astype(str)}, geometry=segments[fiber], crs=CRS
    )
    duct_mask, aerial_mask = ~fiber & (draw < 0.40), ~fiber & (draw >= 0.40) & (draw < 0.55)
    ducts = gpd.GeoDataFrame(
        {"support": ["duct"] * int(duct_mask.sum()) + ["aerial"] * int(aerial_mask.sum())},
        geometry=np.concatenate([segments[duct_mask], segments[aerial_mask]]),
        crs=CRS,
    )
    fiber_nodes_at = np.unique(np.concatenate([u[fiber], v[fiber]]))
    pm_at = rng.choice(fiber_nodes_at, 30, replace=False)
    nodes = gpd.GeoDataFrame(
        {
            "node_id": ["NRO-1"] + [f"PM-{i}" for i in range(30)],
            "kind": ["NRO"] + ["PM"] * 30,
            "capacity_premises": [0] + [400] * 30,
            "parent_id": [""] + ["NRO-1"] * 30,
        },
        geometry=shapely.points(xy[np.concatenate([[fiber_nodes_at[0]], pm_at])]),
        crs=CRS,
    )
    east = np.flatnonzero(~fiber & (col[keep] >= grid // 3))
    edge = rng.choice(east, premises)
    t = rng.uniform(0.1, 0.9, premises)[:, None]
    along = xy[u[edge]] * (1 - t) + xy[v[edge]] * t
    direction = xy[v[edge]] - xy[u[edge]]
    normal = np.column_stack([-direction[:, 1], direction[:, 0]])
    normal /= np.linalg.norm(normal, axis=1, keepdims=True)
    points = along + normal * rng.uniform(5, 30, (premises, 1)) * rng.choice([-1, 1], (premises, 1))
    buildings = gpd.GeoDataFrame(
        {
            "building_id": np.arange(premises),
            "premises": 1,
            "fiber_status": "not-eligible",
            "commune": "synthetic",
        },
        geometry=shapely.points(points),
        crs=CRS,
    )
    return graph, nodes, cables, ducts, buildings


def _networkx_run(edges, terminals, method, queue) -> None:
    import networkx as nx
    from networkx.algorithms.approximation import steiner_tree as nx_steiner

    G = nx.Graph()
    G.add_weighted_edges_from(edges)
    start = time.perf_counter()
    tree = nx_steiner(G, terminals, weight="weight", method=method)
    queue.put((time.perf_counter() - start, tree.size(weight="weight"), tree.number_of_edges()))


def networkx_steiner(matrix, terminal_nodes, root_nodes, timeout_s: float, method: str):
    """networkx ``method`` ("mehlhorn" or "kou") on the same weighted graph (roots joined to
    a super node by 0-weight edges); returns (seconds, cost, edges) or None on timeout."""
    from scipy import sparse

    coo = sparse.triu(matrix, k=1).tocoo()
    edges = list(zip(coo.row.tolist(), coo.col.tolist(), coo.data.tolist(), strict=True))
    edges += [("ROOT", int(r), 0.0) for r in np.unique(root_nodes)]
    terminals = [int(t) for t in np.unique(terminal_nodes)] + ["ROOT"]
    queue: mp.Queue = mp.Queue()
    process = mp.Process(target=_networkx_run, args=(edges, terminals, method, queue))
    process.start()
    process.join(timeout_s)
    if process.is_alive():
        process.terminate()
        process.join()
        return None
    return queue.get() if not queue.empty() else None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--grid", type=int, default=224, help="streets per side (224: ~100k edges)")
    parser.add_argument("--premises", type=int, default=10_000)
    parser.add_argument("--nx-timeout", type=float, default=300.0, help="seconds for networkx")
    parser.add_argument("--repeat", type=int, default=3, help="twin timing repeats")
    parser.add_argument(
        "--nx-method",
        default="mehlhorn",
        choices=["mehlhorn", "kou"],
        help="networkx steiner_tree method (default mehlhorn, its default)",
    )
    args = parser.parse_args()

    graph, nodes, cables, ducts, buildings = build_city(args.grid, args.premises)
    print(
        f"city: {graph.node_count} nodes, {graph.edge_count} edges, "
        f"{graph.edge_length.sum() / 1000:.0f} km of street, {len(buildings)} premises"
    )
    lines = gpd.GeoDataFrame(
        {"highway": graph.edge_class}, geometry=graph.edge_geometries(), crs=CRS
    )
    start = time.perf_counter()
    noded = RoadGraph.from_lines(lines, snap_tolerance=1.0)
    print(
        f"twin RoadGraph.from_lines (noding + 1 m snapping of the {len(lines)} street lines): "
        f"{time.perf_counter() - start:.2f} s -> {noded.node_count} nodes, "
        f"{noded.edge_count} edges, {noded.components().count} component(s)"
    )
    start = time.perf_counter()
    network = prepare_network(graph, nodes, cables, ducts)
    prepare_s = time.perf_counter() - start
    print(
        f"twin prepare_network (supports laid on the graph): {prepare_s:.2f} s; "
        f"metres by support: { {k: round(v) for k, v in network.metres_by_kind().items()} }"
    )
    area = shapely.box(*buildings.total_bounds).buffer(100)
    times = []
    for _ in range(args.repeat):
        start = time.perf_counter()
        plan = plan_extension(network, buildings, area=area, parameters=PlanParameters())
        times.append(time.perf_counter() - start)
    print(
        f"twin plan_extension (route, PMs, PBOs, capex, KPIs): best {min(times):.2f} s, "
        f"median {np.median(times):.2f} s of {args.repeat}; "
        f"{plan.premises_passed} premises passed, route {plan.route_weight_eur:,.0f} EUR, "
        f"capex {plan.capex['total']:,.0f} EUR, {plan.cost_per_premise:,.0f} EUR/premise"
    )

    # The same Steiner problem, exposed for both routers.
    from twin.sim.fiber.planning import _concat  # benchmark internals

    att = network.graph.attach(buildings.geometry.values)
    split, node_of = network.graph.split_at(_concat(att, network.node_attachment))
    kind = network.edge_kind[split.parent_edge]
    per_m = {"fiber": 0.0, "duct": 12.0, "aerial": 18.0, "trench": 90.0}
    weight = split.edge_length * np.vectorize(per_m.get)(kind)
    matrix = split.weighted_matrix(weight)
    terminals = node_of[: len(buildings)]
    roots = np.concatenate(
        [split.edge_u[kind == "fiber"], split.edge_v[kind == "fiber"], node_of[len(buildings) :]]
    )
    times = []
    for _ in range(args.repeat):
        start = time.perf_counter()
        tree = steiner_tree(matrix, terminals, roots)
        times.append(time.perf_counter() - start)
    twin_s = float(np.median(times))
    print(
        f"twin steiner_tree alone: median {twin_s:.3f} s, cost {tree.cost:,.0f} EUR, "
        f"{len(tree.node_a)} edges"
    )
    result = networkx_steiner(matrix, terminals, roots, args.nx_timeout, args.nx_method)
    name = f"networkx steiner_tree ({args.nx_method})"
    if result is None:
        print(f"{name}: did not finish within {args.nx_timeout:.0f} s")
    else:
        nx_s, nx_cost, nx_edges = result
        print(
            f"{name}: {nx_s:.2f} s, cost {nx_cost:,.0f} EUR, "
            f"{nx_edges} edges -> twin is {nx_s / twin_s:.0f}x faster, cost ratio "
            f"twin/networkx = {tree.cost / nx_cost:.4f}"
        )


if __name__ == "__main__":
    main()
