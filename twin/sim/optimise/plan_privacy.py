"""The privacy gate of a rollout plan's outputs (plan.json, phases.csv, candidates.gpkg,
the marginal curve and the CLI's summary).

Every persons or premises figure a plan publishes passes :func:`twin.layers.privacy.
publish` with the households it rests on (INSEE's rule: a figure computed from fewer than
11 households is never published): the persons and premises each phase gains, rest on the
households of the pixels that phase brings to good coverage; a phase's cumulative figures
and shares are masked with its gain (else the difference of two published cumulative
figures would give the masked gain); a candidate's gains rest on the households of the
pixels it alone would bring; a step of the marginal curve is published only once the
sites since the last published step rest on enough households (the step then spans
several sites). Without a household count the figure itself stands in (see
:func:`~twin.layers.privacy.publish`).
"""

from __future__ import annotations

import copy

import numpy as np

from twin.layers.privacy import MASKED_FLAG, Published, publish
from twin.sim.optimise.plan_figures import fresh

#: Figures of a phase (or of the totals) masked with the persons gained.
PERSONS_KEYS = ("persons_gained", "cost_eur_per_person_gained")
#: ... with the persons gained, because they differ by it from a published figure.
PERSONS_CUMULATIVE_KEYS = ("persons_good_cumulative", "persons_good_share")
#: ... with the premises gained.
PREMISES_KEYS = ("premises_gained", "premises_good_share")


def _households(candidates, mask: np.ndarray) -> float | None:
    """Households of the pixels of ``mask`` (None without a household count)."""
    if candidates.households is None:
        return None
    return float(candidates.households[mask].sum())


def _gate(figures: dict, keys, verdict: Published) -> None:
    """Replace ``figures[key]`` for ``keys`` by the masked JSON value when ``verdict`` is
    masked."""
    if verdict.masked:
        for key in keys:
            if key in figures:
                figures[key] = verdict.to_json()


def published_figures(study) -> tuple[list[dict], dict, list[dict]]:
    """(phases' figures, totals, targets) of ``study``'s plan as they may be published."""
    plan, candidates = study.plan, study.candidates
    persons, premises = candidates.instance, candidates.premises_instance
    covered = np.zeros(len(persons.weights), dtype=bool)
    covered_premises = np.zeros(len(premises.weights), dtype=bool)
    phases = []
    masked_shares: dict[tuple[str, int], bool] = {}
    for phase in plan.phases:
        figures = copy.deepcopy(phase.figures)
        gained = fresh(persons, phase.chosen, covered)
        gained_premises = fresh(premises, phase.chosen, covered_premises)
        covered |= gained
        covered_premises |= gained_premises
        people = publish(figures["persons_gained"], _households(candidates, gained), "persons")
        homes = publish(
            figures["premises_gained"], _households(candidates, gained_premises), "premises"
        )
        _gate(figures, (*PERSONS_KEYS, *PERSONS_CUMULATIVE_KEYS), people)
        _gate(figures, PREMISES_KEYS, homes)
        passed = publish(figures.get("premises_passed_fibre"), None, "premises")
        _gate(figures, ("premises_passed_fibre",), passed)
        masked_shares[("persons_good_share", phase.phase.year)] = people.masked
        phases.append(figures)
    totals = copy.deepcopy(plan.totals)
    people = publish(totals["persons_gained"], _households(candidates, covered), "persons")
    homes = publish(
        totals["premises_gained"], _households(candidates, covered_premises), "premises"
    )
    _gate(totals, (*PERSONS_KEYS, "persons_good_share"), people)
    _gate(totals, ("premises_gained",), homes)
    targets = copy.deepcopy(plan.targets)
    for row in targets:
        indicator = row["indicator"]
        last = [p for p in plan.phases if p.phase.year <= row["year"]]
        if last and masked_shares.get((indicator, last[-1].phase.year)):
            row[f"{indicator}_reached"] = Published(None, True).to_json()
    return phases, totals, targets


def published_curve(study) -> list[tuple[float, float]]:
    """The marginal curve's points (EUR, persons or premises) that may be published: a
    point is kept once the sites since the last kept one rest on enough households."""
    plan, candidates = study.plan, study.candidates
    instance = candidates.instance if plan.objective == "persons" else candidates.premises_instance
    covered = np.zeros(len(instance.weights), dtype=bool)
    order = [i for phase in plan.phases for i in phase.chosen]
    points = [plan.curve[0]] if plan.curve else []
    pending = np.zeros(len(instance.weights), dtype=bool)
    for i, point in zip(order, plan.curve[1:], strict=True):
        gained = fresh(instance, [i], covered)
        covered |= gained
        pending |= gained
        step = point[1] - points[-1][1]
        if not publish(step, _households(candidates, pending), plan.objective).masked:
            points.append(point)
            pending[:] = False
    return points


def published_candidates(study):
    """The candidates' frame with each one's gains masked (NaN, ``masked`` True) where
    they rest on fewer households than the threshold."""
    candidates = study.candidates
    frame = candidates.frame.copy()
    masked = np.zeros(len(frame), dtype=bool)
    for column, instance, unit in (
        ("persons_gain", candidates.instance, "persons"),
        ("premises_gain", candidates.premises_instance, "premises"),
    ):
        if column not in frame.columns:
            continue
        values = frame[column].to_numpy(dtype=float).copy()
        for k, members in enumerate(instance.sets):
            mask = np.zeros(len(instance.weights), dtype=bool)
            mask[members] = True
            if publish(values[k], _households(candidates, mask), unit).masked:
                values[k] = np.nan
                masked[k] = True
        frame[column] = values
    frame[MASKED_FLAG] = masked
    return frame
