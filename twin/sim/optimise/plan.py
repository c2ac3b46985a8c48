"""A phased rollout of new mobile sites under yearly budgets, with progress and ROI.

Each phase (a year and its budget, EUR) chooses, among the candidates not built yet, the
sites that bring the most people to good 4G+5G coverage beyond what earlier phases
achieved (:func:`twin.sim.optimise.selection.budgeted_greedy` on the residual; a phase
never spends more than its budget, and what it does not spend is not carried over). The
plan reports per phase the capex by part (site, fibre backhaul, grid connection), opex,
persons and premises gained, cumulative coverage, cost per person gained and the progress
against targets ("99 % of persons in good coverage by 2028"); the ROI adds opex over the
years and optional revenue, discounted at a chosen rate, into a net present value and a
payback year. Costs and rates come from ``defaults.json`` beside this module.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from twin.errors import DataError
from twin.layers.io_common import existing_file
from twin.sim.optimise.candidates import Candidates
from twin.sim.optimise.selection import budgeted_greedy, local_search

DEFAULTS_PATH = Path(__file__).with_name("defaults.json")


@dataclass(frozen=True)
class Phase:
    """A year and the budget (EUR) it may spend."""

    year: int
    budget_eur: float


@dataclass(frozen=True)
class CostModel:
    """Opex (EUR per site per year), revenue (EUR per person gained per year), discount
    rate (per year) and the horizon (years) of the ROI; see ``defaults.json``."""

    opex_eur_per_site_year: float = 12_000.0
    revenue_eur_per_person_year: float = 0.0
    discount_rate: float = 0.04
    horizon_years: int = 15

    @classmethod
    def load(cls, path: str | Path | None = None) -> CostModel:
        """Read the cost model (the bundled defaults unless ``path``)."""
        try:
            data = json.loads(existing_file(path or DEFAULTS_PATH).read_text(encoding="utf-8"))
        except (OSError, ValueError) as error:
            raise DataError(f"cannot read the plan's cost model {path}: {error}") from error
        values = {k: data[k] for k in cls.__dataclass_fields__ if k in data}
        model = cls(**values)
        if not 0 <= model.discount_rate < 1 or model.horizon_years < 1:
            raise DataError("the discount rate must be 0-1 and the horizon at least 1 year")
        return model


def parse_phases(text: str) -> list[Phase]:
    """Phases from "2026:2e6,2027:3e6" (year:EUR, years in increasing order)."""
    phases = []
    for part in (p for p in text.split(",") if p.strip()):
        try:
            year, budget = part.split(":")
            phase = Phase(int(year), float(budget))
        except ValueError:
            raise DataError(
                f"phase {part.strip()!r}: give YEAR:EUR, e.g. 2026:2e6,2027:3e6"
            ) from None
        if not (np.isfinite(phase.budget_eur) and phase.budget_eur > 0):
            raise DataError(f"phase {phase.year}: the budget must be a positive amount (EUR)")
        phases.append(phase)
    if not phases:
        raise DataError("give at least one phase YEAR:EUR")
    years = [p.year for p in phases]
    if years != sorted(set(years)):
        raise DataError("phases must be in increasing years, each once")
    return phases


@dataclass
class PhaseResult:
    """One phase: the sites built (candidate positions) and its figures."""

    phase: Phase
    chosen: list[int]
    figures: dict


@dataclass
class Plan:
    """The phases, every chosen candidate in order, the totals, the marginal curve (EUR
    spent -> persons gained, in the order sites are built) and the ROI."""

    phases: list[PhaseResult]
    chosen: list[int]
    totals: dict
    curve: list[tuple[float, float]]
    roi: dict
    targets: list[dict] = field(default_factory=list)


def plan_rollout(
    candidates: Candidates,
    phases: list[Phase],
    persons_total: float,
    premises_total: float,
    baseline_persons_good: float,
    baseline_premises_good: float,
    targets: dict[int, float] | None = None,
    costs: CostModel | None = None,
    refine: bool = False,
) -> Plan:
    """Choose the sites of each phase (see module). ``targets``: year -> share (0-1) of
    persons in good 4G+5G coverage wanted by the end of that year."""
    costs = costs or CostModel()
    persons = candidates.instance
    premises = candidates.premises_instance
    frame = candidates.frame
    covered = np.zeros(len(persons.weights), dtype=bool)
    covered_premises = np.zeros(len(premises.weights), dtype=bool)
    chosen_all: list[int] = []
    results = []
    good_persons, good_premises = baseline_persons_good, baseline_premises_good
    curve: list[tuple[float, float]] = [(0.0, 0.0)]
    spent_total = gained_total = 0.0
    for phase in phases:
        selection = budgeted_greedy(persons, phase.budget_eur, covered, chosen_all)
        if refine and selection.chosen:
            selection = local_search(persons, phase.budget_eur, selection)
        chosen = list(selection.chosen)
        gained = _gain(persons, chosen, covered)
        gained_premises = _gain(premises, chosen, covered_premises)
        rows = frame.iloc[chosen]
        capex = {
            "site": float(rows["site_eur"].sum()),
            "backhaul": float(rows["backhaul_eur"].sum()),
            "grid_connection": float(rows["grid_eur"].sum()),
        }
        capex_total = sum(capex.values())
        if capex_total > phase.budget_eur + 1e-6:  # the selection respects it; checked anyway
            raise DataError(f"phase {phase.year} would exceed its budget")
        for i in chosen:
            spent_total += float(persons.costs[i])
            gained_total += _gain(persons, [i], covered)
            covered[persons.sets[i]] = True
            covered_premises[premises.sets[i]] = True
            curve.append((spent_total, gained_total))
        chosen_all.extend(chosen)
        good_persons += gained
        good_premises += gained_premises
        results.append(
            PhaseResult(
                phase,
                chosen,
                {
                    "year": phase.year,
                    "budget_eur": phase.budget_eur,
                    "sites": len(chosen),
                    "site_ids": list(rows["candidate_id"]),
                    "capex_eur": round(capex_total, 2),
                    "capex_by_part_eur": {k: round(v, 2) for k, v in capex.items()},
                    "opex_eur_per_year_after": round(
                        len(chosen_all) * costs.opex_eur_per_site_year, 2
                    ),
                    "persons_gained": round(gained, 3),
                    "premises_gained": round(gained_premises, 3),
                    "persons_good_cumulative": round(good_persons, 3),
                    "persons_good_share": _share(good_persons, persons_total),
                    "premises_good_share": _share(good_premises, premises_total),
                    "cost_eur_per_person_gained": round(capex_total / gained, 2)
                    if gained > 0
                    else None,
                },
            )
        )
    capex_all = float(sum(r.figures["capex_eur"] for r in results))
    gained_all = float(sum(r.figures["persons_gained"] for r in results))
    totals = {
        "capex_eur": round(capex_all, 2),
        "sites": len(chosen_all),
        "persons_gained": round(gained_all, 3),
        "premises_gained": round(float(sum(r.figures["premises_gained"] for r in results)), 3),
        "persons_good_share": _share(good_persons, persons_total),
        "cost_eur_per_person_gained": round(capex_all / gained_all, 2) if gained_all else None,
    }
    roi = net_present_value(
        [
            (r.phase.year, r.figures["capex_eur"], len(r.chosen), r.figures["persons_gained"])
            for r in results
        ],
        costs,
    )
    progress = _progress(results, targets or {})
    return Plan(results, chosen_all, totals, curve, roi, progress)


def _gain(instance, chosen: list[int], covered: np.ndarray) -> float:
    mask = covered.copy()
    before = float(instance.weights[mask].sum())
    for i in chosen:
        mask[instance.sets[i]] = True
    return float(instance.weights[mask].sum()) - before


def _share(value: float, total: float) -> float | None:
    return round(value / total, 6) if total > 0 else None


def _progress(results: list[PhaseResult], targets: dict[int, float]) -> list[dict]:
    """Each target year's share wanted against the share reached by the end of that year
    (the last phase of that year or before)."""
    rows = []
    for year, wanted in sorted(targets.items()):
        reached = None
        for result in results:
            if result.phase.year <= year:
                reached = result.figures["persons_good_share"]
        rows.append(
            {
                "year": int(year),
                "persons_good_share_target": float(wanted),
                "persons_good_share_reached": reached,
                "met": reached is not None and reached >= wanted,
            }
        )
    return rows


def net_present_value(phases: list[tuple[int, float, int, float]], costs: CostModel) -> dict:
    """NPV (EUR) of a plan over ``costs.horizon_years`` from its first year: capex in the
    year it is spent, opex of every site built from the year after, revenue per person
    gained from the year after; discounted to the first year at ``costs.discount_rate``.
    ``phases``: (year, capex EUR, sites built, persons gained). Payback year: the first year
    the cumulative discounted cash flow is not negative (None if never)."""
    if not phases:
        return {"npv_eur": 0.0, "payback_year": None, "cash_flows": []}
    first = phases[0][0]
    years = range(first, first + costs.horizon_years)
    flows = []
    cumulative = 0.0
    payback = None
    for year in years:
        capex = sum(c for y, c, _s, _p in phases if y == year)
        sites = sum(s for y, _c, s, _p in phases if y < year)
        persons = sum(p for y, _c, _s, p in phases if y < year)
        cash = -capex - sites * costs.opex_eur_per_site_year
        cash += persons * costs.revenue_eur_per_person_year
        discounted = cash / (1.0 + costs.discount_rate) ** (year - first)
        cumulative += discounted
        if payback is None and cumulative >= 0 and year > first:
            payback = year
        flows.append(
            {"year": year, "cash_eur": round(cash, 2), "discounted_eur": round(discounted, 2)}
        )
    return {
        "npv_eur": round(cumulative, 2),
        "payback_year": payback,
        "discount_rate": costs.discount_rate,
        "horizon_years": costs.horizon_years,
        "cash_flows": flows,
    }
