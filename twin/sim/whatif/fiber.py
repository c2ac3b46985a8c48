"""Fiber what-if: FTTH extensions of a scenario planned on the project's network.

Each :class:`~twin.scenario.ExtendFiber` area is planned in order with
:func:`twin.sim.fiber.plan_extension`; the buildings it passes become eligible before the
next area is planned (so overlapping areas never count a premise twice). The route of an
earlier extension is not reused as existing fiber by later ones (each is costed as if built
alone from the baseline network): a conservative capex for overlapping plans.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import shapely

from twin.errors import DataError
from twin.feedback import Feedback, ensure_feedback
from twin.i18n import tr
from twin.kpi import Figure
from twin.layers.fiber import plan_layers, read_fiber_inputs
from twin.layers.privacy import HouseholdGroups
from twin.scenario import ExtendFiber, Intervention
from twin.sim.fiber import load_costs, plan_extension, prepare_network
from twin.sim.fiber.kpis import ELIGIBLE_STATUSES
from twin.sim.fiber.planning import NothingToPlanError
from twin.sim.whatif.result import CONTEXTS, DomainResult, WhatIfOptions, relabel, road_graph

ENGINE = "fiber"


def _context(project) -> dict[str, Any]:
    store = CONTEXTS.store(project)
    if "fiber" not in store:
        inputs = read_fiber_inputs(project)
        network = prepare_network(
            road_graph(project),  # shared with the transit what-if (same roads, 1 m snap)
            inputs.fiber_nodes,
            inputs.fiber_cables,
            inputs.ducts,
        )
        store["fiber"] = {"inputs": inputs, "network": network, "costs": load_costs()}
    return store["fiber"]


def prepare(project, options: WhatIfOptions | None = None, feedback=None) -> None:
    """Build what every fiber what-if of ``project`` reuses (the road graph and the fiber
    network on it), so that the first one does not wait for it."""
    _context(project)


def eligible_premises(buildings) -> tuple[float, float]:
    """(premises eligible or connected, all premises) of a buildings frame (premises)."""
    premises = buildings["premises"].astype(float).fillna(0.0).to_numpy()
    eligible = buildings["fiber_status"].astype(str).isin(ELIGIBLE_STATUSES).to_numpy()
    return float(premises[eligible].sum()), float(premises.sum())


def run(
    project,
    interventions: list[Intervention],
    feedback: Feedback | None = None,
    options: WhatIfOptions | None = None,
    scenario_name: str = "scenario",
) -> DomainResult:
    """Plan every fiber extension; figures: premises eligible (premises, %), premises passed
    (premises), new route (m); capex (EUR) from the planner's unit costs. The project's
    buildings layer is not modified (plans work on a copy of the status column)."""
    feedback = ensure_feedback(feedback)
    context = _context(project)
    buildings = context["inputs"].buildings
    extensions = [i for i in interventions if isinstance(i, ExtendFiber)]
    if extensions:
        buildings = buildings.copy()  # statuses change as extensions are planned
    layers, warnings = [], []
    passed_total, route_m, capex = 0.0, 0.0, 0.0
    passed_ids: set = set()
    for index, extension in enumerate(extensions):
        feedback.set_progress(100.0 * index / len(extensions), f"planning '{extension.name}'")
        if len(extension.polygon) < 3:
            raise DataError(
                tr("fiber area '{name}' needs at least three corners").format(name=extension.name)
            )
        area = shapely.make_valid(shapely.Polygon(extension.polygon))
        try:
            plan = plan_extension(context["network"], buildings, area=area, costs=context["costs"])
        except NothingToPlanError as error:
            warnings.append(
                tr("fiber area '{name}': {error}").format(name=extension.name, error=error)
            )
            continue
        passed_ids.update(plan.passed_building_ids)
        passed = buildings["building_id"].isin(plan.passed_building_ids).to_numpy()
        status = buildings["fiber_status"].to_numpy(dtype=object).copy()
        status[passed & ~np.isin(status, ELIGIBLE_STATUSES)] = "eligible"
        buildings["fiber_status"] = status
        passed_total += plan.premises_passed
        route_m += sum(plan.metres_by_kind.values())
        capex += float(plan.capex["total"])
        warnings.extend(f"fiber area '{extension.name}': {w}" for w in plan.warnings)
        for layer in plan_layers(plan, {"target": extension.name}):
            if len(layer.frame):
                layer.name = f"{extension.name} {layer.name}"
                layers.append(relabel(layer, scenario_name, ENGINE))
    eligible, total = eligible_premises(buildings)
    share = 100.0 * eligible / total if total else 0.0
    figures = [
        Figure(
            "fiber.premises_eligible", "Premises eligible to fiber", eligible, "premises", ENGINE
        ),
        Figure("fiber.premises_eligible_pct", "Share of premises eligible", share, "%", ENGINE),
        Figure(
            "fiber.premises_passed",
            "Premises passed by new fiber",
            passed_total,
            "premises",
            ENGINE,
        ),
        Figure("fiber.route_m", "New fiber route", route_m, "m", ENGINE, better=""),
    ]
    feedback.set_progress(100.0, "fiber done")
    details = {"extensions": len(extensions), "households": household_groups(buildings, passed_ids)}
    return DomainResult(ENGINE, layers, figures, warnings, capex, details)


def household_groups(buildings, passed_ids: set) -> HouseholdGroups | None:
    """The households behind the premises figures (eligible, passed) for the privacy gate;
    None when the buildings have no households column."""
    if "households" not in buildings:
        return None
    eligible = buildings["fiber_status"].astype(str).isin(ELIGIBLE_STATUSES).to_numpy()
    passed = buildings["building_id"].isin(passed_ids).to_numpy()
    households = np.nan_to_num(buildings["households"].to_numpy(dtype=float))
    return HouseholdGroups(
        households, {"fiber.premises_eligible": eligible, "fiber.premises_passed": passed}
    )
