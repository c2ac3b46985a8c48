"""Households each grid element serves, and which results would reveal a small group.

The loading of an LV line or transformer, and the voltage of a bus at the end of an LV
branch, follow the consumption of the households beyond them: published for an element
that serves three households, they reveal those three households' consumption. INSEE's
rule (:mod:`twin.layers.privacy`) forbids publishing a figure computed from fewer than
:data:`~twin.layers.privacy.DISCLOSURE_THRESHOLD_HOUSEHOLDS` households, so the results of
such elements are masked (null with a ``masked`` flag) in every published output unless
the user asks for raw data.

An element "serves" the households downstream of it, seen from the external grid (the
source): for a line or transformer whose removal splits the grid (a bridge, the radial
case), the households on the far side; for one inside a mesh, the households of the whole
mesh and everything fed through it; for a bus, the households of its mesh (or itself) and
everything fed through it. Households are those of the residential loads (households x
ADMD, :func:`twin.sim.energy.disclosure.load_households`) and of heat pumps derived from
households (the larger of the two at each bus, as they are the same homes).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

import numpy as np
import pandapower as pp
import pandas as pd

from twin.layers.privacy import DISCLOSURE_THRESHOLD_HOUSEHOLDS
from twin.sim.energy.disclosure import HEAT_PUMP, RESIDENTIAL, load_households


@dataclass
class ServedHouseholds:
    """Households served by each bus, line and transformer (Series indexed by their
    pandapower index; NaN for an element out of service or not connected)."""

    buses: pd.Series
    lines: pd.Series
    trafos: pd.Series

    def masked(self, element: str, threshold: int = DISCLOSURE_THRESHOLD_HOUSEHOLDS) -> pd.Series:
        """True for each ``element`` ("bus", "line" or "trafo") whose results rest on 1 to
        ``threshold`` - 1 households (an element serving no household reveals none)."""
        served = {"bus": self.buses, "line": self.lines, "trafo": self.trafos}[element]
        return (served > 0) & (served < threshold)

    def masked_ids(self, element: str) -> set[int]:
        """The ids of :meth:`masked` elements of ``element``."""
        mask = self.masked(element)
        return {int(i) for i in mask.index[mask.to_numpy()]}


def bus_households(net: pp.pandapowerNet, household_admd_kw: float) -> pd.Series:
    """Households at each bus (indexed like ``net.bus``): the residential loads' households
    or the heat pumps' households, whichever is larger (in-service loads only)."""
    households = load_households(net, household_admd_kw).fillna(0.0)
    active = net.load.in_service.astype(bool)
    kinds = net.load["type"].astype(str)
    per_kind = []
    for kind in (RESIDENTIAL, HEAT_PUMP):
        chosen = active & kinds.eq(kind)
        per_kind.append(
            households[chosen].groupby(net.load.bus[chosen]).sum().reindex(net.bus.index)
        )
    return pd.concat(per_kind, axis=1).max(axis=1).fillna(0.0)


def served_households(net: pp.pandapowerNet, household_admd_kw: float) -> ServedHouseholds:
    """The households each bus, line and transformer of ``net`` serves (see the module)."""
    import networkx as nx
    import pandapower.topology as topology

    at_bus = bus_households(net, household_admd_kw)
    graph = topology.create_nxgraph(
        net, respect_switches=True, include_out_of_service=False, multi=True
    )
    multiplicity: dict[frozenset, int] = defaultdict(int)
    simple = nx.Graph()
    simple.add_nodes_from(graph.nodes)
    for u, v, _key in graph.edges(keys=True):
        if u != v:
            multiplicity[frozenset((u, v))] += 1
            simple.add_edge(u, v)
    bridges = {frozenset(edge) for edge in nx.bridges(simple) if multiplicity[frozenset(edge)] == 1}
    meshes = simple.copy()
    meshes.remove_edges_from([tuple(edge) for edge in bridges])
    block_of: dict[int, int] = {}
    block_households: dict[int, float] = defaultdict(float)
    for number, component in enumerate(nx.connected_components(meshes)):
        for bus in component:
            block_of[int(bus)] = number
            block_households[number] += float(at_bus.get(int(bus), 0.0))
    tree = nx.Graph()
    tree.add_nodes_from(block_households)
    tree.add_edges_from((block_of[int(u)], block_of[int(v)]) for u, v in map(tuple, bridges))
    sources = {block_of[int(b)] for b in net.ext_grid.bus[net.ext_grid.in_service.astype(bool)]}
    below: dict[int, float] = {}  # households of a block and every block it feeds
    parent: dict[int, int | None] = {}
    for component in nx.connected_components(tree):
        roots = sorted(component & sources) or [min(component)]
        order = list(nx.bfs_tree(tree, roots[0]))
        parent[roots[0]] = None
        for block in order:
            for child in tree.neighbors(block):
                if child not in parent:
                    parent[child] = block
        for block in reversed(order):
            below[block] = below.get(block, 0.0) + block_households[block]
            up = parent[block]
            if up is not None:
                below[up] = below.get(up, 0.0) + below[block]
    buses = pd.Series(
        [below.get(block_of.get(int(b), -1), np.nan) for b in net.bus.index],
        index=net.bus.index,
        dtype=float,
    )

    def branch(u: int, v: int) -> float:
        first, second = block_of.get(int(u)), block_of.get(int(v))
        if first is None or second is None:
            return np.nan
        if first == second:
            return below[first]
        child = first if parent.get(first) == second else second
        return below[child]

    served: dict[str, dict[int, float]] = {"line": {}, "trafo": {}}
    for u, v, key in graph.edges(keys=True):
        element, index = key[0], int(key[1])
        if element in served:
            served[element][index] = branch(u, v)
    lines = pd.Series(served["line"], dtype=float).reindex(net.line.index)
    trafos = pd.Series(served["trafo"], dtype=float).reindex(net.trafo.index)
    return ServedHouseholds(buses, lines, trafos)
