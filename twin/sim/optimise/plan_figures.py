"""Figures of a rollout plan's phases and totals (helpers of :mod:`twin.sim.optimise.plan`):
persons and premises gained, capex by domain and part, shares, progress against targets
and the cash of each phase for the ROI."""

from __future__ import annotations

from typing import Any

import numpy as np

from twin.sim.optimise.roi import PhaseCash
from twin.sim.optimise.selection import _curve

PhaseResult = Any  # twin.sim.optimise.plan.PhaseResult (not imported: plan imports us)


def fresh(instance, chosen: list[int], covered: np.ndarray) -> np.ndarray:
    """Elements the ``chosen`` candidates cover beyond ``covered`` (mask)."""
    mask = np.zeros(len(instance.weights), dtype=bool)
    for i in chosen:
        mask[instance.sets[i]] = True
    return mask & ~covered


def radio_figures(candidates, state, chosen: list[int], curve, objective="persons") -> dict:
    """Figures of the sites built in a phase; marks them built and extends the curve (EUR
    against the ``objective``'s gain: persons, or premises)."""
    persons = candidates.instance
    rows = candidates.frame.iloc[chosen]
    parts = {
        "site": float(rows["site_eur"].sum()),
        "backhaul": float(rows["backhaul_eur"].sum()),
        "grid_connection": float(rows["grid_eur"].sum()),
    }
    picks = _curve(persons, chosen, "", state.covered)
    steps = (
        picks
        if objective == "persons"
        else _curve(candidates.premises_instance, chosen, "", state.covered_premises)
    )
    spent0, gained0 = curve[-1]
    curve.extend(
        (spent0 + c, gained0 + g)
        for c, g in zip(steps.cumulative_cost, steps.cumulative_gain, strict=True)
    )
    gained = picks.gain
    for i in chosen:
        state.covered[persons.sets[i]] = True
    state.chosen.extend(chosen)
    capex_radio = round(sum(parts.values()), 2)
    return {
        "sites": len(chosen),
        "site_ids": list(rows["candidate_id"]),
        "capex_by_part_eur": {k: round(v, 2) for k, v in parts.items()},
        "persons_gained": round(gained, 3),
        "cost_eur_per_person_gained": round(capex_radio / gained, 2) if gained > 0 else None,
        "_capex_radio": capex_radio,
    }


def cash_of(result: PhaseResult) -> PhaseCash:
    """What a phase spends and builds, for the ROI."""
    figures = result.figures
    return PhaseCash(
        result.phase.year,
        figures["capex_eur"],
        figures["sites"],
        figures["persons_gained"],
        figures["premises_passed_fibre"],
        figures["fibre_route_km"],
    )


def totals(results: list[PhaseResult], persons_total, persons_good, fibre) -> dict:
    """Totals of the plan: capex (EUR) by domain, sites, persons and premises gained,
    premises passed by fibre, final shares, grid reinforcements."""

    def total(key: str) -> float:
        return round(float(sum(r.figures[key] for r in results)), 3)

    capex_all = round(total("capex_eur"), 2)
    gained = total("persons_gained")
    radio = round(sum(r.figures["capex_by_domain_eur"]["radio"] for r in results), 2)
    last = results[-1].figures if results else {}
    return {
        "capex_eur": capex_all,
        "capex_by_domain_eur": {
            d: round(sum(r.figures["capex_by_domain_eur"][d] for r in results), 2)
            for d in ("radio", "fibre", "grid")
        },
        "sites": int(total("sites")),
        "persons_gained": gained,
        "premises_gained": total("premises_gained"),
        "persons_good_share": share(persons_good, persons_total),
        "cost_eur_per_person_gained": round(radio / gained, 2) if gained else None,
        "fibre_areas": int(total("fibre_areas")),
        "premises_passed_fibre": total("premises_passed_fibre"),
        "premises_eligible_share": last.get("premises_eligible_share") if fibre else None,
        "grid_reinforcements": int(total("grid_reinforcements")),
    }


def share(value: float, total: float) -> float | None:
    """``value / total`` rounded to 6 digits; None without a total."""
    return round(value / total, 6) if total > 0 else None


def progress(
    results: list[PhaseResult], targets: dict[int, float], fibre_targets: dict[int, float]
) -> list[dict]:
    """Each target year's share wanted against the share reached by the end of that year
    (the last phase of that year or before), for persons in good coverage and premises
    eligible to fibre."""
    rows = []
    for indicator, wanted_by_year in (
        ("persons_good_share", targets),
        ("premises_eligible_share", fibre_targets),
    ):
        for year, wanted in sorted(wanted_by_year.items()):
            reached = None
            for result in results:
                if result.phase.year <= year:
                    reached = result.figures[indicator]
            rows.append(
                {
                    "indicator": indicator,
                    "year": int(year),
                    f"{indicator}_target": float(wanted),
                    f"{indicator}_reached": reached,
                    "met": reached is not None and reached >= wanted - 1e-9,
                }
            )
    return rows
