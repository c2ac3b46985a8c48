"""The existing fiber network laid on the road graph: which streets carry what.

Each road edge gets a support kind, the cheapest way to run new fiber along it:

- ``fiber``: an existing fiber cable follows it (already built; part of the network a new
  route starts from, no cost);
- ``duct``: an existing duct follows it (cable pulled in the duct);
- ``aerial``: existing poles follow it (cable on poles);
- ``trench``: nothing there, a new trench is needed.

A cable or duct "follows" an edge when the edge's points at 1/4, 1/2 and 3/4 of its length
all lie within ``support_match_m`` metres of it (default 5 m: a duct under the pavement
of a street drawn on its centre line).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from twin.errors import DataError
from twin.i18n import tr
from twin.sim.network import Attachment, RoadGraph

SUPPORT_KINDS = ("fiber", "duct", "aerial", "trench")
SAMPLE_FRACTIONS = (0.25, 0.5, 0.75)


@dataclass
class ExistingNetwork:
    """Road graph + support kind per edge + optical nodes (NRO/PM) attached to the roads.

    ``nodes`` columns: node_id, kind ("NRO"/"PM"), name, capacity_premises, parent_id;
    ``node_attachment`` attaches them (same order) to ``graph``.
    """

    graph: RoadGraph
    edge_kind: np.ndarray
    nodes: pd.DataFrame
    node_attachment: Attachment
    warnings: list[str] = field(default_factory=list)

    def metres_by_kind(self) -> dict[str, float]:
        """Metres of road by support kind (m)."""
        return {
            kind: float(self.graph.edge_length[self.edge_kind == kind].sum())
            for kind in SUPPORT_KINDS
        }


def edge_samples(graph: RoadGraph) -> list[np.ndarray]:
    """Points at 1/4, 1/2 and 3/4 of every edge (shapely points, one array per fraction)."""
    geometry = graph.edge_geometries()
    return [
        shapely.line_interpolate_point(geometry, fraction, normalized=True)
        for fraction in SAMPLE_FRACTIONS
    ]


def edges_following(
    graph: RoadGraph, lines, tolerance_m: float, samples: list[np.ndarray] | None = None
) -> np.ndarray:
    """Mask of graph edges followed by any of ``lines`` (within ``tolerance_m`` metres).

    ``samples``: :func:`edge_samples` of the graph, when already computed.
    """
    lines = np.asarray(lines, dtype=object)
    lines = lines[~shapely.is_missing(lines)] if len(lines) else lines
    if len(lines) == 0 or graph.edge_count == 0:
        return np.zeros(graph.edge_count, dtype=bool)
    samples = samples if samples is not None else edge_samples(graph)
    covered = np.ones(graph.edge_count, dtype=bool)
    tree = shapely.STRtree(lines)
    for points in samples:
        candidates = np.flatnonzero(covered)
        hit = np.zeros(graph.edge_count, dtype=bool)
        index, _ = tree.query(points[candidates], predicate="dwithin", distance=tolerance_m)
        hit[candidates[index]] = True
        covered &= hit
    return covered


def prepare_network(
    roads: gpd.GeoDataFrame | RoadGraph,
    fiber_nodes: gpd.GeoDataFrame,
    fiber_cables: gpd.GeoDataFrame | None = None,
    ducts: gpd.GeoDataFrame | None = None,
    snap_tolerance_m: float = 1.0,
    support_match_m: float = 5.0,
) -> ExistingNetwork:
    """Build the road graph (unless given) and lay the existing network on it.

    ``fiber_nodes``: points with node_id, kind ("NRO"/"PM"), capacity_premises;
    ``fiber_cables``: built cables (any support); ``ducts``: lines with support
    "duct"/"aerial". Distances in metres.
    """
    graph = (
        roads
        if isinstance(roads, RoadGraph)
        else RoadGraph.from_lines(roads, snap_tolerance=snap_tolerance_m)
    )
    warnings = []
    graph = _split_at_line_ends(graph, (fiber_cables, ducts), support_match_m, snap_tolerance_m)
    report = graph.components()
    if report.count > 1:
        warnings.append(report.summary())
    kind = np.full(graph.edge_count, "trench", dtype=object)
    samples = edge_samples(graph)
    if ducts is not None and len(ducts):
        if "support" not in ducts.columns:
            raise DataError(tr("The ducts layer needs a 'support' column (duct or aerial)."))
        support = ducts["support"].astype(str).str.lower()
        for name in ("aerial", "duct"):  # duct wins over aerial where both follow a street
            mask = edges_following(
                graph, ducts.geometry.values[support == name], support_match_m, samples
            )
            kind[mask] = name
    if fiber_cables is not None and len(fiber_cables):
        kind[edges_following(graph, fiber_cables.geometry.values, support_match_m, samples)] = (
            "fiber"
        )
    nodes = _node_table(fiber_nodes)
    attachment = graph.attach(fiber_nodes.geometry.values)
    return ExistingNetwork(graph, kind.astype(str), nodes, attachment, warnings)


def _split_at_line_ends(graph: RoadGraph, frames, match_m: float, snap_m: float) -> RoadGraph:
    """Split road edges where a cable or duct starts or ends along them, so that a duct
    covering part of a street marks just that part."""
    ends = [
        shapely.get_coordinates(shapely.boundary(frame.geometry.values))
        for frame in frames
        if frame is not None and len(frame)
    ]
    if not ends:
        return graph
    points = np.unique(np.concatenate(ends), axis=0)
    split, _ = graph.split_at(graph.attach(points, max_distance=match_m), max(snap_m, 1e-6))
    return split


def _node_table(fiber_nodes: gpd.GeoDataFrame) -> pd.DataFrame:
    """Validated optical node attributes."""
    if fiber_nodes is None or len(fiber_nodes) == 0:
        raise DataError(
            tr("The fiber_nodes layer is empty: the planner needs at least one NRO or PM.")
        )
    missing = {"node_id", "kind"} - set(fiber_nodes.columns)
    if missing:
        raise DataError(
            tr("The fiber_nodes layer lacks column(s) {missing}.").format(missing=sorted(missing))
        )
    table = pd.DataFrame(
        {
            "node_id": fiber_nodes["node_id"].astype(str).to_numpy(),
            "kind": fiber_nodes["kind"].astype(str).str.upper().to_numpy(),
            "name": fiber_nodes.get("name", fiber_nodes["node_id"]).astype(str).to_numpy(),
            "capacity_premises": pd.to_numeric(
                fiber_nodes.get("capacity_premises", 0), errors="coerce"
            )
            .fillna(0)
            .astype(int)
            .to_numpy()
            if "capacity_premises" in fiber_nodes.columns
            else np.zeros(len(fiber_nodes), dtype=int),
            "parent_id": fiber_nodes.get("parent_id", "").astype(str).to_numpy()
            if "parent_id" in fiber_nodes.columns
            else np.full(len(fiber_nodes), ""),
        }
    )
    bad = ~table["kind"].isin(["NRO", "PM"])
    if bad.any():
        first = table.loc[bad].iloc[0]
        raise DataError(
            tr("fiber_nodes: node {node_id!r} has kind {kind!r}; expected 'NRO' or 'PM'.").format(
                node_id=first["node_id"], kind=first["kind"]
            )
        )
    return table
