"""A project's rollout study: radio baseline, candidates, plan (Qt-free glue)."""

from __future__ import annotations

from dataclasses import dataclass

from twin.feedback import Feedback, ensure_feedback
from twin.sim.optimise.candidates import (
    Candidates,
    build_candidates,
    candidate_positions,
    pixel_people,
)
from twin.sim.optimise.plan import CostModel, Phase, Plan, plan_rollout
from twin.sim.whatif.radio import radio_context
from twin.sim.whatif.result import WhatIfOptions


@dataclass
class PlanStudy:
    """The candidates, the plan and the project figures it starts from (persons)."""

    candidates: Candidates
    plan: Plan
    persons_total: float
    premises_total: float
    baseline_persons_good: float
    crs: object


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
) -> PlanStudy:
    """Plan new sites for ``project`` (see :func:`twin.sim.optimise.plan.plan_rollout`)."""
    feedback = ensure_feedback(feedback)
    radio = radio_context(project, options, feedback)
    ids, xy = candidate_positions(project, candidate_layer, radio, spacing_m)
    candidates = build_candidates(project, radio, ids, xy, feedback)
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
    )
    return PlanStudy(
        candidates, plan, persons_total, premises_total, float(persons[good].sum()), project.crs
    )
