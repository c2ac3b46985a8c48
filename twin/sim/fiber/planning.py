"""Plan an FTTH extension from the existing network along the roads.

Method (see each module for details):

1. target buildings (in an area polygon or given ids) not yet eligible, with premises;
   those farther than ``max_drop_m`` from any road are left out ("too-far");
2. the road graph is split at each target's and each optical node's projection;
3. each edge costs its length times the EUR/m of its support kind (existing duct or poles
   cost far less than a new trench; streets with fiber cost nothing and, with the PMs/NROs,
   form the existing network the route starts from);
4. a Steiner tree (Mehlhorn's 2-approximation, :mod:`twin.sim.fiber.steiner`) joins the
   targets to the existing network at least cost;
5. premises go to PMs within capacity, new PMs where none has room; PBOs are placed
   along the route (:mod:`twin.sim.fiber.placement`); bill of materials, capex (EUR) from
   the unit costs, optional phasing under a yearly budget, eligibility KPIs per zone.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from twin.errors import DataError
from twin.feedback import Feedback, ensure_feedback
from twin.i18n import tr
from twin.sim.fiber.costs import ROUTE_KINDS, BillOfMaterials, FiberCosts, load_costs
from twin.sim.fiber.existing import ExistingNetwork
from twin.sim.fiber.kpis import ELIGIBLE_STATUSES, eligibility_by_zone
from twin.sim.fiber.placement import assign_to_pms, cut_in_order, phase_by_budget, place_pbos
from twin.sim.fiber.result import FiberPlan
from twin.sim.fiber.steiner import steiner_tree
from twin.sim.fiber.tree import order_route
from twin.sim.network import Attachment


class NothingToPlanError(DataError):
    """Every premise of the target is already eligible for fiber: there is nothing to plan.

    Callers that plan many areas skip it (its message is translated, so they test the type,
    not the text)."""


BUILDING_COLUMNS = ("building_id", "premises", "fiber_status")


@dataclass(frozen=True)
class PlanParameters:
    """Planning rules (documented defaults).

    - ``max_drop_m`` = 100 m: farthest a building may be from the road the route follows
      (building centroid to road); beyond, the premise needs a "long connection" study and
      is reported "too-far", not planned.
    - ``pbo_capacity`` = 8 premises per PBO; ``pbo_reach_m`` = 50 m of route from a PBO to
      the buildings it serves.
    - ``new_pm_capacity`` = 300 premises per new PM (a street cabinet, the smallest PM size
      French rules allow where the PM is linked to the NRO).
    - ``take_up_rate`` = 1.0: share of premises passed that get connected (connection cost).
    - ``yearly_budget_eur``: phase the build by year under this budget (EUR), None = no
      phasing. ``zone_column``: building column naming the zone for KPIs ("commune").
    """

    max_drop_m: float = 100.0
    pbo_capacity: int = 8
    pbo_reach_m: float = 50.0
    new_pm_capacity: int = 300
    take_up_rate: float = 1.0
    yearly_budget_eur: float | None = None
    zone_column: str = "commune"


def select_targets(buildings: gpd.GeoDataFrame, area=None, building_ids=None) -> np.ndarray:
    """Mask of buildings inside ``area`` (polygon, centroid test) and/or in ``building_ids``."""
    mask = np.ones(len(buildings), dtype=bool)
    if area is not None:
        if shapely.get_type_id(area) not in (3, 6):
            raise DataError(tr("The target area must be a polygon."))
        if len(buildings):
            xy = shapely.get_coordinates(shapely.centroid(buildings.geometry.values))
            mask &= shapely.contains_xy(area, xy[:, 0], xy[:, 1])
    if building_ids is not None:
        mask &= buildings["building_id"].isin(list(building_ids)).to_numpy()
    if area is None and building_ids is None:
        raise DataError(tr("Give a target area or a list of buildings to plan an extension."))
    return mask


def plan_extension(
    network: ExistingNetwork,
    buildings: gpd.GeoDataFrame,
    area=None,
    building_ids=None,
    costs: FiberCosts | None = None,
    parameters: PlanParameters | None = None,
    feedback: Feedback | None = None,
    baseline_load: np.ndarray | None = None,
) -> FiberPlan:
    """Route new fiber from ``network`` to the not-yet-eligible premises of the target.

    ``buildings`` follows the buildings schema (building_id, premises, fiber_status,
    commune); ``area``: shapely polygon in the project CRS, and/or ``building_ids``.
    ``baseline_load``: :func:`baseline_pm_loads` of these buildings, when many areas are
    planned against the same statuses (it is the slowest step: computed once).
    Returns a :class:`FiberPlan` (metres, EUR, premises).
    """
    params = parameters or PlanParameters()
    costs = costs or load_costs()
    fb = ensure_feedback(feedback)
    missing = set(BUILDING_COLUMNS) - set(buildings.columns)
    if missing:
        raise DataError(
            tr("The buildings layer lacks column(s) {missing}.").format(missing=sorted(missing))
        )
    premises_all = pd.to_numeric(buildings["premises"], errors="coerce").fillna(0).to_numpy()
    status_all = buildings["fiber_status"].astype(str).to_numpy()
    in_target = select_targets(buildings, area, building_ids)
    target = np.flatnonzero(in_target & (status_all == "not-eligible") & (premises_all > 0))
    if len(target) == 0:
        raise NothingToPlanError(
            tr("every premise of the target is already eligible for fiber: nothing to plan")
        )
    fb.set_progress(5, "attaching buildings to the roads")
    graph = network.graph
    t_att = graph.attach(buildings.geometry.values[target])
    reachable_drop = t_att.attached & (t_att.connector_m <= params.max_drop_m)
    t_att_ok = _mask_attachment(t_att, reachable_drop)
    split, node_of = graph.split_at(_concat(t_att_ok, network.node_attachment))
    t_node = node_of[: len(target)]
    optical_node = node_of[len(target) :]
    parent = split.parent_edge if split.parent_edge is not None else np.arange(split.edge_count)
    kind = network.edge_kind[parent]
    per_metre = np.array([costs.per_metre(k) for k in ("fiber", *ROUTE_KINDS)])
    kind_code = pd.Categorical(kind, categories=["fiber", *ROUTE_KINDS]).codes
    weight = split.edge_length * per_metre[kind_code]
    is_fiber = kind == "fiber"
    roots = np.concatenate(
        [split.edge_u[is_fiber], split.edge_v[is_fiber], optical_node[optical_node >= 0]]
    )
    if len(roots) == 0:
        raise DataError(tr("No existing fiber network (cables or NRO/PM nodes) to extend from."))
    fb.set_progress(20, "routing (Steiner tree)")
    tree = steiner_tree(split.weighted_matrix(weight), t_node[reachable_drop], roots)
    route_edge = split.edge_between(tree.node_a, tree.node_b, weight)
    joined = np.zeros(len(target), dtype=bool)
    joined[reachable_drop] = tree.connected
    status = np.where(joined, "passed", np.where(reachable_drop, "unreachable", "too-far"))
    passed = np.flatnonzero(joined)
    p_node, p_premises = t_node[passed], premises_all[target[passed]]

    fb.set_progress(50, "assigning premises to PMs")
    nodes = network.nodes
    pm_rows = np.flatnonzero((nodes["kind"] == "PM").to_numpy() & (optical_node >= 0))
    capacity = nodes["capacity_premises"].to_numpy(float)[pm_rows]
    if baseline_load is None:
        baseline_load = _baseline_pm_load(network, buildings, premises_all, status_all, pm_rows)
    else:
        baseline_load = np.asarray(baseline_load, dtype=float)[pm_rows]
    remaining = np.maximum(capacity - baseline_load, 0.0)
    assigned, added_load = assign_to_pms(
        split.matrix, optical_node[pm_rows], remaining, p_node, p_premises
    )

    fb.set_progress(65, "placing PMs and PBOs")
    is_root = np.zeros(split.node_count, dtype=bool)
    is_root[roots] = True
    node_premises = np.bincount(p_node, weights=p_premises, minlength=split.node_count)
    r_len, r_cost = split.edge_length[route_edge], weight[route_edge]
    order = order_route(
        split.edge_u[route_edge], split.edge_v[route_edge], r_len, r_cost, is_root, node_premises
    )
    rank = np.full(split.node_count, -1, dtype=np.int64)
    rank[order.terminal_nodes] = np.arange(len(order.terminal_nodes))
    euler = np.zeros(split.node_count)
    euler[order.terminal_nodes] = order.euler_m
    on_root = rank[p_node] < 0  # buildings on a street that already has fiber
    euler_p = np.where(on_root, -(p_node + 1.0) * (params.pbo_reach_m + 1.0), euler[p_node])
    seq = np.lexsort((np.arange(len(passed)), rank[p_node]))
    pm_ids = nodes["node_id"].to_numpy()[pm_rows]
    pm_label = np.where(assigned >= 0, assigned, -1)
    new_pm_group = np.full(len(passed), -1, dtype=np.int64)
    leftover = seq[assigned[seq] < 0]
    new_pm_group[leftover] = cut_in_order(p_premises[leftover], params.new_pm_capacity)
    new_pm_count = int(new_pm_group.max() + 1) if len(leftover) else 0
    pm_label = np.where(pm_label >= 0, pm_label, len(pm_rows) + new_pm_group)
    new_pm_ids = np.array([f"PM-NEW-{i + 1}" for i in range(new_pm_count)], dtype=object)
    all_pm_ids = np.concatenate([pm_ids.astype(object), new_pm_ids])
    pbo_of_seq, pbo_units = place_pbos(
        p_premises[seq], euler_p[seq], pm_label[seq], params.pbo_capacity, params.pbo_reach_m
    )
    pbo_group = np.empty(len(passed), dtype=np.int64)
    pbo_group[seq] = pbo_of_seq

    connections = float(p_premises.sum()) * params.take_up_rate
    metres = {k: float(r_len[kind[route_edge] == k].sum()) for k in ROUTE_KINDS}
    bill = BillOfMaterials(metres, new_pm_count, int(pbo_units.sum()), connections)
    capex = bill.capex(costs)

    fb.set_progress(80, "phasing and KPIs")
    group_year = np.zeros(len(pbo_units), dtype=np.int64)
    edge_year = np.zeros(len(route_edge), dtype=np.int64)
    phasing: list[dict] = []
    warnings = list(network.warnings)
    group_premises = np.bincount(pbo_group, weights=p_premises, minlength=len(pbo_units))
    if params.yearly_budget_eur is not None and len(pbo_units):
        first_of_node = np.full(split.node_count, -1, dtype=np.int64)
        seq_nodes = p_node[seq]
        uniq, first_pos = np.unique(seq_nodes, return_index=True)
        first_of_node[uniq] = pbo_of_seq[first_pos]
        edge_group = (
            np.where(
                order.edge_first_terminal >= 0,
                first_of_node[order.terminal_nodes[np.maximum(order.edge_first_terminal, 0)]],
                0,
            )
            if len(order.terminal_nodes)
            else np.zeros(len(route_edge), dtype=np.int64)
        )
        group_cost = (
            pbo_units * costs.pbo_eur
            + group_premises * params.take_up_rate * costs.connection_eur
            + np.bincount(edge_group, weights=r_cost, minlength=len(pbo_units))
        )
        if new_pm_count:
            pm_of_group = np.zeros(len(pbo_units), dtype=np.int64)
            pm_of_group[pbo_group] = new_pm_group
            firsts = np.unique(pm_of_group[pm_of_group >= 0], return_index=True)[1]
            firsts = [i for i in firsts if pm_of_group[i] >= 0]
            group_cost[firsts] += costs.pm_eur
        group_year, overrun = phase_by_budget(group_cost, params.yearly_budget_eur)
        edge_year = group_year[edge_group]
        if overrun:
            warnings.append(
                tr("Some build steps alone exceed the yearly budget; they take a year each.")
            )
        for year in np.unique(group_year):
            in_year = group_year == year
            phasing.append(
                {
                    "year": int(year),
                    "capex_eur": round(float(group_cost[in_year].sum()), 2),
                    "premises_passed": int(group_premises[in_year].sum()),
                }
            )
    building_table = pd.DataFrame(
        {
            "building_id": buildings["building_id"].to_numpy()[target],
            "premises": premises_all[target].astype(int),
            "status": status,
            "drop_m": np.round(t_att.connector_m, 2),
            "pm_id": "",
            "pbo_id": "",
            "year": 0,
        }
    )
    building_table.loc[passed, "pm_id"] = all_pm_ids[pm_label]
    building_table.loc[passed, "pbo_id"] = [f"PBO-{g + 1}" for g in pbo_group]
    building_table.loc[passed, "year"] = group_year[pbo_group]
    passed_mask = np.zeros(len(buildings), dtype=bool)
    passed_mask[target[passed]] = True
    extra = {"target area": in_target} if area is not None else None
    eligibility = eligibility_by_zone(buildings, passed_mask, params.zone_column, extra)

    crs = graph.crs
    route = gpd.GeoDataFrame(
        {
            "kind": kind[route_edge].astype(str),
            "road_class": split.edge_class[route_edge].astype(str),
            "length_m": np.round(r_len, 3),
            "cost_eur": np.round(r_cost, 2),
            "year": edge_year,
        },
        geometry=split.edge_geometries(route_edge),
        crs=crs,
    )
    first_in_group = np.unique(pbo_of_seq, return_index=True)[1]
    pbo_nodes = p_node[seq][first_in_group]
    pbos = gpd.GeoDataFrame(
        {
            "pbo_id": [f"PBO-{g + 1}" for g in range(len(pbo_units))],
            "pm_id": all_pm_ids[pm_label[seq][first_in_group]].astype(str),
            "premises": group_premises.astype(int),
            "units": pbo_units,
            "year": group_year,
        },
        geometry=shapely.points(split.node_xy[pbo_nodes]) if len(pbo_nodes) else [],
        crs=crs,
    )
    new_pms = _new_pm_frame(
        new_pm_ids, new_pm_group, p_node, p_premises, pbo_group, group_year, split.node_xy, seq, crs
    )
    pm_load = pd.DataFrame(
        {
            "pm_id": pm_ids.astype(str),
            "capacity": capacity.astype(int),
            "baseline_load": baseline_load.astype(int),
            "added_load": added_load.astype(int),
        }
    )
    if (status == "too-far").any():
        warnings.append(
            tr(
                "{count} buildings are farther than {max_drop_m:.0f} m from a road and are not "
                "planned."
            ).format(count=int((status == "too-far").sum()), max_drop_m=params.max_drop_m)
        )
    if (status == "unreachable").any():
        warnings.append(
            tr(
                "{count} buildings are on roads not joined to the existing network and are not "
                "planned."
            ).format(count=int((status == "unreachable").sum()))
        )
    fb.set_progress(100, "done")
    return FiberPlan(
        route,
        building_table,
        pbos,
        new_pms,
        pm_load,
        bill,
        costs,
        capex,
        phasing,
        eligibility,
        tree.cost,
        asdict(params),
        warnings,
        t_att.point_xy,
    )


def _new_pm_frame(ids, group, p_node, p_premises, pbo_group, group_year, node_xy, seq, crs):
    """New PM points, each at the middle building (in route order) of its group."""
    rows = []
    for g, pm_id in enumerate(ids):
        members = seq[group[seq] == g]
        middle = members[len(members) // 2]
        rows.append(
            {
                "pm_id": pm_id,
                "premises": int(p_premises[members].sum()),
                "year": int(group_year[pbo_group[members[0]]]),
                "geometry": shapely.Point(node_xy[p_node[middle]]),
            }
        )
    columns = ["pm_id", "premises", "year", "geometry"]
    frame = pd.DataFrame(rows, columns=columns)
    return gpd.GeoDataFrame(frame, geometry="geometry", crs=crs)


def baseline_pm_loads(network: ExistingNetwork, buildings: gpd.GeoDataFrame) -> np.ndarray:
    """Premises already eligible or connected counted at their nearest PM along the roads,
    one value per row of ``network.nodes`` (0 for NROs and nodes off the roads): what
    :func:`plan_extension` computes first, for planning many areas of the same buildings."""
    premises = pd.to_numeric(buildings["premises"], errors="coerce").fillna(0).to_numpy()
    status = buildings["fiber_status"].astype(str).to_numpy()
    nodes = network.nodes
    attached = np.asarray(network.node_attachment.attached, dtype=bool)
    pm_rows = np.flatnonzero((nodes["kind"] == "PM").to_numpy() & attached)
    loads = np.zeros(len(nodes))
    loads[pm_rows] = _baseline_pm_load(network, buildings, premises, status, pm_rows)
    return loads


def _baseline_pm_load(network, buildings, premises, status, pm_rows) -> np.ndarray:
    """Premises already eligible/connected, each counted at its nearest PM along roads."""
    if len(pm_rows) == 0:
        return np.zeros(0)
    eligible = np.flatnonzero(np.isin(status, ELIGIBLE_STATUSES) & (premises > 0))
    if len(eligible) == 0:
        return np.zeros(len(pm_rows))
    graph = network.graph
    homes = graph.attach(buildings.geometry.values[eligible])
    paths = graph.shortest_paths(_take(network.node_attachment, pm_rows), targets=homes)
    source = paths.point_source
    ok = source >= 0
    return np.bincount(source[ok], weights=premises[eligible][ok], minlength=len(pm_rows))


def _take(att: Attachment, index: np.ndarray) -> Attachment:
    return Attachment(
        att.edge[index],
        att.offset_m[index],
        att.connector_m[index],
        att.point_xy[index],
        att.projected_xy[index],
        att.edge_length_m[index],
    )


def _mask_attachment(att: Attachment, keep: np.ndarray) -> Attachment:
    """The same attachment with points not in ``keep`` marked unattached."""
    return Attachment(
        np.where(keep, att.edge, -1),
        att.offset_m,
        att.connector_m,
        att.point_xy,
        att.projected_xy,
        att.edge_length_m,
    )


def _concat(first: Attachment, second: Attachment) -> Attachment:
    return Attachment(
        *(
            np.concatenate([getattr(first, name), getattr(second, name)])
            for name in (
                "edge",
                "offset_m",
                "connector_m",
                "point_xy",
                "projected_xy",
                "edge_length_m",
            )
        )
    )
