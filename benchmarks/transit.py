"""Benchmark: walk catchments from every stop of a real feed on a city-sized road graph.

Graph: a jittered street grid (default 200 x 200 nodes, 80 m blocks, 8 % of streets removed:
~40k nodes, ~74k edges, a 16 km square). Stops: the Newport (Wales) GTFS stops within
8 km of Newport's centre (tests/data/gtfs, Open Government Licence), moved onto the grid's
centre, each attached to its nearest street. Per-stop catchment = every street node within
a 10-minute walk (800 m at 80 m/min), one Dijkstra per stop with a cutoff, for:

- twin: :func:`twin.sim.transit.catchment.stop_catchments` (one bounded Dijkstra per stop
  compiled by numba on the road graph's own CSR arrays; scipy on windows without numba);
- networkx ``nx.multi_source_dijkstra_path_length`` with ``cutoff`` from each stop's node
  (the leanest networkx call: lengths only), on the same graph with stops added as nodes:
  the main comparison; ``nx.multi_source_dijkstra`` (paths too) for reference;
- scipy ``dijkstra(limit=...)`` from all stops at once on the same entry matrix (dense
  stops x nodes output), for reference.

Every side includes its own output (twin: a sparse stops x nodes matrix; networkx: one dict
per stop; scipy: the dense array); none includes building its graph, timed separately.
The results are compared node by node. Rounds alternate the contenders so they see the same
load; both wall and CPU time are printed (the machine may be shared).

Run:  python benchmarks/transit.py [--size 200] [--repeat 9] [--load]
"""

from __future__ import annotations

import argparse
import importlib.util
import sys
import time
from pathlib import Path

# run as a script, benchmarks/ is sys.path[0]: drop it (its coverage.py would shadow the
# ``coverage`` module that numba probes for, and numba would then be unusable)
_HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _HERE]

import networkx as nx  # noqa: E402
import numpy as np  # noqa: E402
from scipy.sparse.csgraph import dijkstra  # noqa: E402

from twin.layers.transit import read_gtfs  # noqa: E402
from twin.sim.network import RoadGraph  # noqa: E402
from twin.sim.transit.catchment import entry_matrix, stop_catchments  # noqa: E402
from twin.sim.transit.walk_search import _kernel  # noqa: E402


def _load_helper(name: str):
    """A module of benchmarks/ loaded by path (see the sys.path note above)."""
    spec = importlib.util.spec_from_file_location(f"twin_bench_{name}", _HERE / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


background_load = _load_helper("background_load")

FEED = (
    Path(__file__).resolve().parent.parent / "tests" / "data" / "gtfs" / "newport-20230613_gtfs.zip"
)
NEWPORT_CENTRE = (331_000.0, 188_000.0)  # British National Grid metres
LIMIT_M = 800.0  # 10 min at 80 m/min


def synthetic_city(size: int, block_m: float, seed: int = 1) -> RoadGraph:
    """A jittered grid of streets with some removed (a city-like planar graph)."""
    rng = np.random.default_rng(seed)
    ii, jj = np.meshgrid(np.arange(size), np.arange(size), indexing="ij")
    node = ii * size + jj
    xy = np.column_stack([jj.ravel(), ii.ravel()]).astype(float) * block_m
    xy += rng.uniform(-0.25, 0.25, xy.shape) * block_m
    u = np.concatenate([node[:, :-1].ravel(), node[:-1, :].ravel()])
    v = np.concatenate([node[:, 1:].ravel(), node[1:, :].ravel()])
    keep = rng.random(len(u)) > 0.08
    return RoadGraph.from_edges(xy, u[keep], v[keep], crs="EPSG:27700")


def feed_stops(graph: RoadGraph, feed: Path = FEED, radius_m: float = 8000.0) -> np.ndarray:
    """A feed's stops within ``radius_m`` of its median stop (for Newport: of Newport's
    centre), moved to the graph's centre (m)."""
    stops = read_gtfs(feed, crs="EPSG:3857").stops.frame
    if feed == FEED:
        stops = read_gtfs(feed, crs="EPSG:27700").stops.frame
        centre = np.array(NEWPORT_CENTRE)
    else:
        centre = np.median(np.column_stack([stops.geometry.x, stops.geometry.y]), axis=0)
    xy = np.column_stack([stops.geometry.x, stops.geometry.y]) - centre
    near = np.hypot(*xy.T) < radius_m
    centre = (graph.node_xy.min(axis=0) + graph.node_xy.max(axis=0)) / 2
    return xy[near] + centre


def networkx_graph(graph: RoadGraph, attachment) -> tuple[nx.Graph, np.ndarray]:
    """The road graph plus one node per stop (edges to both ends of its street)."""
    matrix, virtual = entry_matrix(graph, attachment)
    coo = matrix.tocoo()
    g = nx.Graph()
    g.add_weighted_edges_from(
        zip(coo.row.tolist(), coo.col.tolist(), coo.data.tolist(), strict=True)
    )
    return g, virtual


def main() -> None:
    """Run the benchmark and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=200, help="grid side in nodes")
    parser.add_argument("--block", type=float, default=80.0, help="block length in metres")
    parser.add_argument("--gtfs", type=Path, default=FEED, help="GTFS feed (default Newport)")
    parser.add_argument(
        "--radius",
        type=float,
        default=8000.0,
        help="keep the stops within this distance of the centre (m)",
    )
    parser.add_argument("--repeat", type=int, default=9, help="rounds of timing")
    parser.add_argument(
        "--load", action="store_true", help="run one CPU-bound process beside the benchmark"
    )
    args = parser.parse_args()
    print(background_load.machine_line(args.load))
    with background_load.cpu_load(args.load):
        run(args)


def run(args: argparse.Namespace) -> None:
    """Set up, time the contenders in alternating rounds, check identical results."""
    start = time.perf_counter()
    graph = synthetic_city(args.size, args.block)
    stops_xy = feed_stops(graph, args.gtfs, args.radius)
    attachment = graph.attach(stops_xy)
    print(f"setup (graph, stops, attach): {time.perf_counter() - start:.2f} s")
    compiled = _kernel() is not None
    start = time.perf_counter()
    stop_catchments(graph, graph.attach(stops_xy[:1]), LIMIT_M)  # CSR arrays, kernel
    kernel = "numba kernel loaded or compiled" if compiled else "numba MISSING: scipy fallback"
    print(f"twin first call (CSR arrays, {kernel}): {time.perf_counter() - start:.2f} s")
    print(
        f"graph: {graph.node_count:,} nodes, {graph.edge_count:,} edges; "
        f"stops: {len(stops_xy):,} (Newport feed); cutoff {LIMIT_M:.0f} m (10 min walk)"
    )

    start = time.perf_counter()
    g, virtual = networkx_graph(graph, attachment)
    print(f"networkx graph built (not timed below): {time.perf_counter() - start:.2f} s")
    matrix, _ = entry_matrix(graph, attachment)
    sources = virtual[virtual >= 0]
    n = graph.node_count

    def run_twin():
        return stop_catchments(graph, attachment, LIMIT_M)

    def run_nx_lengths():
        return [nx.multi_source_dijkstra_path_length(g, {int(s)}, cutoff=LIMIT_M) for s in virtual]

    def run_nx_paths():
        return [nx.multi_source_dijkstra(g, {int(s)}, cutoff=LIMIT_M) for s in virtual]

    def run_scipy():
        return dijkstra(matrix, directed=True, indices=sources, limit=LIMIT_M)

    # Rounds alternate the contenders so both see the same machine load; the ratio of each
    # round is kept and the median ratio reported, with the best wall and CPU times.
    runs = {
        "twin": run_twin,
        "nx_lengths": run_nx_lengths,
        "nx_paths": run_nx_paths,
        "scipy": run_scipy,
    }
    wall = {name: [] for name in runs}
    cpu = {name: [] for name in runs}
    results = {}
    for _ in range(args.repeat):
        for name, function in runs.items():
            start_wall, start_cpu = time.perf_counter(), time.process_time()
            results[name] = function()
            wall[name].append(time.perf_counter() - start_wall)
            cpu[name].append(time.process_time() - start_cpu)
    reach, lengths = results["twin"], results["nx_lengths"]
    twin_label = "twin stop_catchments (" + ("numba, whole graph)" if compiled else "scipy)")
    labels = {
        "twin": twin_label,
        "nx_lengths": "networkx multi_source_dijkstra_path_length",
        "nx_paths": "networkx multi_source_dijkstra (with paths)",
        "scipy": "scipy dijkstra(limit), all stops, dense out",
    }
    print(
        f"{args.repeat} alternating rounds; best wall / best CPU time; "
        "median ratio to twin (wall, CPU)"
    )
    twin_wall, twin_cpu = np.array(wall["twin"]), np.array(cpu["twin"])
    for name in runs:
        ratio = np.median(np.array(wall[name]) / twin_wall)
        ratio_cpu = np.median(np.array(cpu[name]) / np.maximum(twin_cpu, 1e-6))
        print(
            f"  {labels[name]:45s}: {min(wall[name]) * 1000:8.1f} ms / "
            f"{min(cpu[name]) * 1000:8.1f} ms CPU"
            + (
                ""
                if name == "twin"
                else f"  -> twin {ratio:5.1f}x faster (wall), {ratio_cpu:5.1f}x (CPU)"
            )
        )
    print(
        f"  twin reached {reach.nnz:,} stop-node pairs ({reach.nnz / len(stops_xy):.0f} per stop)"
    )

    pairs, worst = 0, 0.0
    reach = reach.tocsr()
    for i, found in enumerate(lengths):
        row = reach.getrow(i)
        ours = dict(zip(row.indices.tolist(), row.data.tolist(), strict=True))
        theirs = {k: d for k, d in found.items() if k < n}
        assert ours.keys() == theirs.keys(), f"stop {i}: different catchments"
        pairs += len(ours)
        worst = max([worst, *(abs(max(theirs[k], 1e-9) - ours[k]) for k in ours)])
    print(
        f"same catchments as networkx: {pairs:,} stop-node pairs, largest difference {worst:.2e} m"
    )
    dense = results["scipy"][:, :n]
    ours = reach[np.flatnonzero(attachment.attached)].toarray()
    expected = np.where(np.isfinite(dense), np.maximum(dense, 1e-9), 0.0)
    print(
        "same catchments as scipy: "
        f"{'identical, bit for bit' if np.array_equal(ours, expected) else 'DIFFERENT'}"
    )


if __name__ == "__main__":
    main()
