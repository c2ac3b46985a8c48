"""Fibre extension areas for the rollout plan: where premises are not yet eligible, and
what bringing FTTH there costs (the fibre planner, :func:`twin.sim.fiber.plan_extension`).

An area is a square cell of ``cell_m`` metres (a regular grid over the project) holding
buildings with premises not yet eligible. Cells do not overlap, so each area is planned
alone from the baseline network exactly as the fibre what-if plans an
:class:`~twin.scenario.ExtendFiber` area of a scenario: the premises an area passes are
the ones ``twin simulate`` counts for it. (The capex of overlapping plans may differ by a
little where two areas share a PM: the what-if plans them in order, each seeing the
earlier ones' premises on the PMs.)

The plan takes areas by cost per premise passed (cheapest first) until a phase reaches
its eligibility target (:func:`required_shares`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import shapely

from twin.errors import DataError
from twin.feedback import Feedback, ensure_feedback
from twin.i18n import tr
from twin.scenario import ExtendFiber

FIBRE_CELL_M = 2000.0
"""Default side of a fibre area (m): 2 km squares, a few hundred premises each on the
sample, about the size of the 'zones arrière de PM' (300-1,000 premises) French FTTH
networks are built by."""


@dataclass
class FibreAreas:
    """Candidate fibre areas: ``frame`` (area_id, x0, y0, x1, y1 (m), premises_passed,
    capex_eur, route_m, eur_per_premise) and the premises of the project, eligible at
    baseline and in all (premises)."""

    frame: pd.DataFrame
    premises_eligible: float
    premises_total: float

    def interventions(self, chosen) -> list[ExtendFiber]:
        """The ExtendFiber interventions of the areas ``chosen`` (positions)."""
        rows = self.frame.iloc[list(chosen)]
        return [
            ExtendFiber(r.area_id, ((r.x0, r.y0), (r.x1, r.y0), (r.x1, r.y1), (r.x0, r.y1)))
            for r in rows.itertuples(index=False)
        ]


def build_fibre_areas(
    project, cell_m: float = FIBRE_CELL_M, feedback: Feedback | None = None
) -> FibreAreas:
    """Plan every cell holding not-eligible premises with the fibre planner (one plan per
    cell, the PMs' baseline load computed once for all); cells passing no premise are
    left out."""
    from twin.sim.fiber import plan_extension
    from twin.sim.fiber.planning import NothingToPlanError, baseline_pm_loads
    from twin.sim.whatif.fiber import _context as fiber_context
    from twin.sim.whatif.fiber import eligible_premises

    if not cell_m > 0:
        raise DataError(
            tr("fibre area size {size}: give a positive number of metres").format(size=cell_m)
        )
    feedback = ensure_feedback(feedback)
    context = fiber_context(project)
    buildings = context["inputs"].buildings
    eligible, total = eligible_premises(buildings)
    premises = pd.to_numeric(buildings["premises"], errors="coerce").fillna(0).to_numpy()
    waiting = (buildings["fiber_status"].astype(str).to_numpy() == "not-eligible") & (premises > 0)
    # the centroid test of the planner's select_targets, done once for every building
    centre = shapely.get_coordinates(shapely.centroid(buildings.geometry.values))
    xy = centre[waiting]
    keys = np.unique(np.floor(xy / cell_m).astype(np.int64), axis=0) if len(xy) else []
    ids = buildings["building_id"].to_numpy()
    rows = []
    loads = baseline_pm_loads(context["network"], buildings) if len(keys) else None
    for k, (kx, ky) in enumerate(keys):
        feedback.set_progress(100.0 * k / len(keys), tr("fibre areas"))
        x0, y0 = float(kx * cell_m), float(ky * cell_m)
        area = shapely.box(x0, y0, x0 + cell_m, y0 + cell_m)
        inside = waiting & shapely.contains_xy(area, centre[:, 0], centre[:, 1])
        if not inside.any():
            continue  # only on the cell's edge: the scenario's polygon would not hold it
        try:
            plan = plan_extension(
                context["network"],
                buildings,
                building_ids=ids[inside],
                costs=context["costs"],
                baseline_load=loads,
            )
        except NothingToPlanError:
            continue
        if plan.premises_passed <= 0:
            continue
        rows.append(
            {
                "area_id": f"fibre-{int(kx)}-{int(ky)}",
                "x0": x0,
                "y0": y0,
                "x1": x0 + cell_m,
                "y1": y0 + cell_m,
                "premises_passed": float(plan.premises_passed),
                "capex_eur": round(float(plan.capex["total"]), 2),
                "route_m": round(sum(plan.metres_by_kind.values()), 1),
            }
        )
    frame = pd.DataFrame(
        rows,
        columns=["area_id", "x0", "y0", "x1", "y1", "premises_passed", "capex_eur", "route_m"],
    )
    frame["eur_per_premise"] = (frame["capex_eur"] / frame["premises_passed"]).round(2)
    feedback.set_progress(100.0, tr("fibre areas"))
    return FibreAreas(frame.reset_index(drop=True), eligible, total)


def required_shares(
    years: list[int], targets: dict[int, float], baseline_share: float
) -> dict[int, float | None]:
    """Share of premises eligible each phase year must reach to stay on course for the
    targets (year -> share 0-1): a straight line from the baseline share (the year before
    the first phase) to the first target, then from target to target; after the last
    target, that target. None for every year when there is no target."""
    if not targets or not years:
        return {year: None for year in years}
    points = [(min(years) - 1, baseline_share), *sorted(targets.items())]
    points = [p for k, p in enumerate(points) if k == 0 or p[0] > points[0][0]]
    xs = np.array([p[0] for p in points], dtype=float)
    ys = np.array([p[1] for p in points], dtype=float)
    return {year: float(np.interp(year, xs, ys)) for year in years}


def choose_areas(
    areas: FibreAreas, available: np.ndarray, premises_needed: float, budget_eur: float
) -> list[int]:
    """Areas (positions), cheapest per premise first, until ``premises_needed`` premises
    are passed or no remaining area fits ``budget_eur`` (EUR); ``available``: mask of the
    areas not built yet."""
    frame = areas.frame
    order = np.argsort(frame["eur_per_premise"].to_numpy(), kind="stable")
    chosen: list[int] = []
    spent = passed = 0.0
    for i in order:
        if passed >= premises_needed - 1e-9:
            break
        if not available[i]:
            continue
        cost = float(frame["capex_eur"].iat[i])
        if spent + cost > budget_eur + 1e-6:
            continue
        chosen.append(int(i))
        spent += cost
        passed += float(frame["premises_passed"].iat[i])
    return chosen
