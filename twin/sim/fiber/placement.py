"""PM assignment within capacity, new PMs, PBO clusters and yearly phasing.

Conventions (documented defaults, see :class:`twin.sim.fiber.planning.PlanParameters`):

- A premise is served by the existing PM nearest along the roads that still has room;
  a PM's baseline load is the premises already eligible/connected nearest to it.
- Premises no existing PM can take get new PMs of ``new_pm_capacity`` premises, cut from
  the route's visit order (compact groups along the route).
- PBOs group consecutive buildings along the route: at most ``pbo_capacity`` premises and
  at most ``pbo_reach_m`` metres of route from the PBO (at the group's first building); a
  building with more premises than a PBO holds gets ``ceil(premises / pbo_capacity)`` PBOs.
- Phasing builds groups in visit order; a group's cost is its PBOs, connections, the route
  edges it is the first to need, and a new PM with its first group.
"""

from __future__ import annotations

import math

import numpy as np
from scipy.sparse.csgraph import dijkstra


def assign_to_pms(
    matrix,
    pm_nodes: np.ndarray,
    remaining: np.ndarray,
    target_nodes: np.ndarray,
    premises: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Capacity-respecting assignment of buildings to PMs along the roads.

    ``matrix``: road graph (CSR, metres); ``pm_nodes``: graph node of each PM;
    ``remaining``: free capacity per PM (premises); ``target_nodes``/``premises``: graph node
    and premises of each building. In rounds, one multi-source Dijkstra from the PMs that
    still have room gives each unassigned building its nearest such PM; buildings nearest to
    a PM are served first, while it has room. A PM that cannot take the building nearest to
    it is closed for the next round. Returns ``(PM index per building or -1, load added per
    PM)``.
    """
    building_count = len(target_nodes)
    assigned = np.full(building_count, -1, dtype=np.int64)
    room = np.asarray(remaining, dtype=float).copy()
    open_pm = room > 0
    unreachable = np.zeros(building_count, dtype=bool)
    pm_of_node = {}
    for index, node in enumerate(np.asarray(pm_nodes).tolist()):
        pm_of_node.setdefault(node, []).append(index)
    while True:
        candidates = np.flatnonzero(open_pm)
        todo = np.flatnonzero((assigned < 0) & ~unreachable)
        if len(candidates) == 0 or len(todo) == 0:
            break
        distance, _, origin = dijkstra(
            matrix,
            directed=False,
            indices=pm_nodes[candidates],
            min_only=True,
            return_predecessors=True,
        )
        reach = distance[target_nodes[todo]]
        unreachable[todo[~np.isfinite(reach)]] = True
        progress = False
        for b, d in zip(
            todo[np.argsort(reach, kind="stable")].tolist(), np.sort(reach).tolist(), strict=True
        ):
            if not np.isfinite(d):
                break
            # Several PMs may share a node: take the first open one with room.
            options = [pm for pm in pm_of_node[int(origin[target_nodes[b]])] if open_pm[pm]]
            fits = [pm for pm in options if room[pm] >= premises[b]]
            if fits:
                assigned[b] = fits[0]
                room[fits[0]] -= premises[b]
                progress = True
            elif not progress:
                open_pm[options] = False  # the nearest open PM cannot take it: close it
        open_pm &= room > 0
    return assigned, np.asarray(remaining, dtype=float) - room


def cut_in_order(premises: np.ndarray, capacity: float) -> np.ndarray:
    """Group label of each item, cutting the sequence when ``capacity`` would be exceeded."""
    group = np.zeros(len(premises), dtype=np.int64)
    current, load = 0, 0.0
    for i, p in enumerate(premises):
        if load > 0 and load + p > capacity:
            current += 1
            load = 0.0
        group[i] = current
        load += p
    return group


def place_pbos(
    premises: np.ndarray,
    euler_m: np.ndarray,
    pm_of: np.ndarray,
    capacity: int,
    reach_m: float,
) -> tuple[np.ndarray, np.ndarray]:
    """PBO groups of buildings taken in route order.

    Returns ``(group per building, PBO count per group)``. A group never mixes PMs, holds
    at most ``capacity`` premises (or is one large building) and spans at most ``reach_m``
    metres of route from its first building.
    """
    group = np.zeros(len(premises), dtype=np.int64)
    counts: list[int] = []
    load, start_pos, start_pm = 0.0, 0.0, None
    for i, p in enumerate(premises):
        new = (
            not counts
            or pm_of[i] != start_pm
            or load + p > capacity
            or euler_m[i] - start_pos > reach_m
        )
        if new:
            counts.append(max(1, math.ceil(p / capacity)))
            load, start_pos, start_pm = 0.0, euler_m[i], pm_of[i]
        group[i] = len(counts) - 1
        load += p
    return group, np.asarray(counts, dtype=np.int64)


def phase_by_budget(group_cost: np.ndarray, yearly_budget: float) -> tuple[np.ndarray, bool]:
    """Year (1, 2, ...) of each group built in order under a yearly budget (EUR).

    A group that alone costs more than the budget takes a year of its own; the second value
    says whether that happened (the plan then overruns that year's budget).
    """
    year = np.zeros(len(group_cost), dtype=np.int64)
    current, spent, overrun = 1, 0.0, False
    for i, cost in enumerate(group_cost):
        if spent > 0 and spent + cost > yearly_budget:
            current += 1
            spent = 0.0
        if cost > yearly_budget:
            overrun = True
        year[i] = current
        spent += cost
    return year, overrun
