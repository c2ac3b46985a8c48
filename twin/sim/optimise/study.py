"""A project's rollout study: radio baseline, candidates, fibre areas, grid, plan (Qt-free
glue)."""

from __future__ import annotations

from dataclasses import dataclass

from twin.errors import DataError
from twin.feedback import Feedback, ensure_feedback
from twin.i18n import tr
from twin.scenario import Intervention
from twin.sim.optimise.candidates import (
    Candidates,
    build_candidates,
    bus_hosting,
    candidate_layer_frame,
    candidate_positions,
    pixel_people,
)
from twin.sim.optimise.fiber_areas import FIBRE_CELL_M, FibreAreas, build_fibre_areas
from twin.sim.optimise.plan import CostModel, Phase, Plan, plan_rollout
from twin.sim.whatif.radio import radio_context
from twin.sim.whatif.result import WhatIfOptions


@dataclass
class PlanStudy:
    """The candidates, the fibre areas (None without a fibre target), the plan and the
    project figures it starts from (persons, premises)."""

    candidates: Candidates
    plan: Plan
    persons_total: float
    premises_total: float
    baseline_persons_good: float
    crs: object
    fibre: FibreAreas | None = None

    def interventions(self, upto: int | None = None) -> list[Intervention]:
        """The plan's interventions to the end of the year ``upto`` (all by default)."""
        return self.plan.interventions(self.candidates, self.fibre, upto)


def plan_project(
    project,
    phases: list[Phase],
    candidate_layer: str | None = None,
    spacing_m: float = 1000.0,
    targets: dict[int, float] | None = None,
    costs: CostModel | None = None,
    refine: bool = False,
    options: WhatIfOptions | None = None,
    feedback: Feedback | None = None,
    fibre_targets: dict[int, float] | None = None,
    fibre_cell_m: float = FIBRE_CELL_M,
    programme: dict[int, list[Intervention]] | None = None,
    check_grid: bool = True,
    objective: str = "persons",
) -> PlanStudy:
    """Plan ``project``'s rollout (see :func:`twin.sim.optimise.plan.plan_rollout`): fibre
    areas when ``fibre_targets`` are given, the grid checked when the project has one
    (and ``check_grid``); sites chosen for the persons or the premises (``objective``)
    they bring to good coverage."""
    from twin.sim.energy.grid_store import project_has_grid

    feedback = ensure_feedback(feedback)
    if programme and any(programme.values()) and not (check_grid and project_has_grid(project)):
        raise DataError(
            tr(
                "a programme of EV chargers, PV or heat pumps needs the grid checked: a project "
                "with grid layers (grid_buses, grid_lines, grid_transformers), without --no-grid"
            )
        )
    if candidate_layer is not None:  # refused before the radio baseline is computed
        candidate_layer_frame(project, candidate_layer)
    radio = radio_context(project, options, feedback)
    ids, xy = candidate_positions(project, candidate_layer, radio, spacing_m)
    candidates = build_candidates(project, radio, ids, xy, feedback)
    fibre = build_fibre_areas(project, fibre_cell_m, feedback) if fibre_targets else None
    grid = None
    if check_grid and project_has_grid(project):
        from twin.sim.optimise.grid_phase import GridChecker

        grid = GridChecker(project, options)
        frame = candidates.frame
        frame["grid_bus_hosts_site"] = bus_hosting(
            grid.grid.net, frame["grid_bus"].to_numpy(), (costs or CostModel()).site_load_kw
        )
        feedback.set_progress(100.0, tr("grid hosting capacity at the candidates' buses"))
    persons, premises, level = pixel_people(radio)
    good = level.reshape(-1) >= 2
    counter = radio.counter
    persons_total = float(counter.points.persons.sum())
    premises_total = float(counter.points.premises.sum())
    plan = plan_rollout(
        candidates,
        phases,
        persons_total,
        premises_total,
        float(persons[good].sum()),
        float(premises[good].sum()),
        targets,
        costs,
        refine,
        fibre=fibre,
        fibre_targets=fibre_targets,
        grid=grid,
        programme=programme,
        objective=objective,
    )
    return PlanStudy(
        candidates,
        plan,
        persons_total,
        premises_total,
        float(persons[good].sum()),
        project.crs,
        fibre,
    )
