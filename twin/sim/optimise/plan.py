"""A phased rollout across radio, fibre and grid under yearly budgets, with progress and ROI.

Each phase (a year and its budget, EUR) spends, in this order:

1. **grid** reinforcements the phase's committed programme (EV chargers, PV, heat pumps of
   that year) needs on the grid as earlier phases left it (mandatory: a phase whose budget
   cannot pay them is refused);
2. **fibre** areas (:mod:`twin.sim.optimise.fiber_areas`), cheapest per premise first,
   until the share of premises eligible reaches the course set by the fibre targets
   ("100 % of premises eligible by 2030": a straight line from today);
3. **radio**: among the candidates not built yet, the sites that bring the most people to
   good 4G+5G coverage beyond what earlier phases achieved, with what is left
   (:func:`twin.sim.optimise.selection.budgeted_greedy` on the residual), then the grid
   reinforcements their supply needs (:mod:`twin.sim.optimise.grid_phase`); if those do
   not fit, the last site picked is dropped until they do.

A phase never spends more than its budget, and what it does not spend is not carried
over. The plan reports per phase the capex by domain (radio, fibre, grid) and by part,
opex per year after the phase by domain (sites, fibre km; none for the grid, whose
reinforcements the DSO runs), persons and premises gained, premises passed by fibre,
cumulative coverage and eligibility, cost per person gained and the progress against
targets; the ROI (:mod:`twin.sim.optimise.roi`) discounts capex, opex and revenue into an
NPV and a payback year.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from twin.errors import DataError
from twin.i18n import format_money, tr
from twin.scenario import Intervention
from twin.sim.optimise.candidates import Candidates
from twin.sim.optimise.fiber_areas import FibreAreas, choose_areas, required_shares
from twin.sim.optimise.plan_figures import (
    cash_of,
    fresh,
    progress,
    radio_figures,
    share,
    totals,
)
from twin.sim.optimise.roi import DEFAULTS_PATH, CostModel, net_present_value
from twin.sim.optimise.selection import Selection, budgeted_greedy, local_search

__all__ = ["DEFAULTS_PATH", "CostModel", "Phase", "PhaseResult", "Plan", "plan_rollout"]

OBJECTIVES = ("persons", "premises")
"""What the sites may be chosen for: persons or premises gaining good 4G+5G coverage."""


@dataclass(frozen=True)
class Phase:
    """A year and the budget (EUR) it may spend."""

    year: int
    budget_eur: float


def parse_phases(text: str) -> list[Phase]:
    """Phases from "2026:2e6,2027:3e6" (year:EUR, years in increasing order)."""
    phases = []
    for part in (p for p in text.split(",") if p.strip()):
        try:
            year, budget = part.split(":")
            phase = Phase(int(year), float(budget))
        except ValueError:
            raise DataError(
                tr("phase {part!r}: give YEAR:EUR, e.g. 2026:2e6,2027:3e6").format(
                    part=part.strip()
                )
            ) from None
        if not (np.isfinite(phase.budget_eur) and phase.budget_eur > 0):
            raise DataError(
                tr("phase {year}: the budget must be a positive amount (EUR)").format(
                    year=phase.year
                )
            )
        phases.append(phase)
    if not phases:
        raise DataError(tr("give at least one phase YEAR:EUR"))
    years = [p.year for p in phases]
    if years != sorted(set(years)):
        raise DataError(tr("phases must be in increasing years, each once"))
    return phases


@dataclass
class PhaseResult:
    """One phase: the sites built (candidate positions), the fibre areas (positions), the
    committed programme and grid reinforcements (interventions), the sites' grid supply
    loads and its figures."""

    phase: Phase
    chosen: list[int]
    figures: dict
    fibre: list[int] = field(default_factory=list)
    programme: list[Intervention] = field(default_factory=list)
    reinforcements: list[Intervention] = field(default_factory=list)
    supplies: list[Intervention] = field(default_factory=list)


@dataclass
class Plan:
    """The phases, every chosen candidate in order, the totals, the marginal curve (EUR
    spent on sites -> persons gained, in the order sites are built) and the ROI."""

    phases: list[PhaseResult]
    chosen: list[int]
    totals: dict
    curve: list[tuple[float, float]]
    roi: dict
    targets: list[dict] = field(default_factory=list)
    objective: str = "persons"

    def interventions(self, candidates: Candidates, fibre: FibreAreas | None, upto=None):
        """Every intervention of the phases up to the year ``upto`` (all by default):
        the sites in build order, the fibre areas, then the energy ones (site supplies,
        programme, reinforcements), so ``twin simulate`` reproduces the plan."""
        phases = [p for p in self.phases if upto is None or p.phase.year <= upto]
        sites = [i for p in phases for i in p.chosen]
        areas = [i for p in phases for i in p.fibre]
        energy = [i for p in phases for i in (*p.supplies, *p.programme, *p.reinforcements)]
        items: list[Intervention] = list(candidates.interventions(sites))
        if fibre is not None and areas:
            items.extend(fibre.interventions(areas))
        return items + energy


@dataclass
class _State:
    """What earlier phases built (the plan's running state)."""

    covered: np.ndarray
    covered_premises: np.ndarray
    chosen: list[int] = field(default_factory=list)
    fibre_built: np.ndarray | None = None
    eligible: float = 0.0
    supplies: list[Intervention] = field(default_factory=list)
    energy: list[Intervention] = field(default_factory=list)  # programme + reinforcements
    fibre_km: float = 0.0


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
    fibre: FibreAreas | None = None,
    fibre_targets: dict[int, float] | None = None,
    grid=None,
    programme: dict[int, list[Intervention]] | None = None,
    objective: str = "persons",
) -> Plan:
    """Plan each phase (see module). ``objective``: what the sites are chosen to bring to
    good coverage, "persons" or "premises" (the marginal curve is in that unit);
    ``targets``: year -> share (0-1) of persons in good 4G+5G coverage wanted by the end
    of that year; ``fibre_targets``: year -> share of premises eligible to fibre;
    ``grid``: a :class:`~twin.sim.optimise.grid_phase.GridChecker` (None: the grid is not
    checked); ``programme``: year -> energy interventions committed that year."""
    if objective not in OBJECTIVES:
        raise DataError(
            tr("objective {objective!r}: give persons or premises").format(objective=objective)
        )
    costs = costs or CostModel()
    persons = candidates.instance
    state = _State(
        np.zeros(len(persons.weights), dtype=bool),
        np.zeros(len(candidates.premises_instance.weights), dtype=bool),
    )
    if fibre is not None:
        state.fibre_built = np.zeros(len(fibre.frame), dtype=bool)
        state.eligible = fibre.premises_eligible
    required = required_shares(
        [p.year for p in phases],
        fibre_targets or {},
        fibre.premises_eligible / fibre.premises_total if fibre and fibre.premises_total else 0.0,
    )
    good = [baseline_persons_good, baseline_premises_good]
    curve: list[tuple[float, float]] = [(0.0, 0.0)]
    results = []
    for phase in phases:
        result = _plan_phase(
            phase,
            candidates,
            state,
            costs,
            refine,
            fibre,
            required[phase.year],
            grid,
            (programme or {}).get(phase.year, []),
            curve,
            objective,
        )
        good[0] += result.figures["persons_gained"]
        good[1] += result.figures["premises_gained"]
        result.figures.update(
            {
                "persons_good_cumulative": round(good[0], 3),
                "persons_good_share": share(good[0], persons_total),
                "premises_good_share": share(good[1], premises_total),
            }
        )
        results.append(result)
    return Plan(
        results,
        list(state.chosen),
        totals(results, persons_total, good[0], fibre),
        curve,
        net_present_value([cash_of(r) for r in results], costs),
        progress(results, targets or {}, fibre_targets or {}),
        objective,
    )


def _plan_phase(
    phase: Phase,
    candidates: Candidates,
    state: _State,
    costs: CostModel,
    refine: bool,
    fibre: FibreAreas | None,
    required_share: float | None,
    grid,
    programme: list[Intervention],
    curve: list[tuple[float, float]],
    objective: str = "persons",
) -> PhaseResult:
    """One phase: grid for the programme, fibre to the course, radio with what is left
    (sites chosen for the ``objective``'s gain: persons or premises)."""
    persons, premises = candidates.instance, candidates.premises_instance
    budget = phase.budget_eur
    mandatory = None
    if grid is not None and programme:
        mandatory = grid.reinforce([*state.supplies, *programme], state.energy, str(phase.year))
        if mandatory.capex_eur > budget + 1e-6:
            raise DataError(
                tr(
                    "phase {year}: the grid reinforcements its programme needs ({needed}) "
                    "exceed its budget ({budget})"
                ).format(
                    year=phase.year,
                    needed=format_money(mandatory.capex_eur),
                    budget=format_money(budget),
                )
            )
    spent_grid = mandatory.capex_eur if mandatory else 0.0
    areas: list[int] = []
    if fibre is not None and required_share is not None:
        needed = required_share * fibre.premises_total - state.eligible
        areas = choose_areas(fibre, ~state.fibre_built, needed, budget - spent_grid)
    area_rows = fibre.frame.iloc[areas] if fibre is not None else None
    spent_fibre = float(area_rows["capex_eur"].sum()) if areas else 0.0
    left = max(0.0, budget - spent_grid - spent_fibre)
    instance, covered = (
        (persons, state.covered) if objective == "persons" else (premises, state.covered_premises)
    )
    selection = budgeted_greedy(instance, left, covered, state.chosen)
    if refine and selection.chosen:
        selection = local_search(instance, left, selection, covered, state.chosen)
    energy_before = [*state.energy, *(mandatory.reinforcements if mandatory else [])]
    chosen, reinforced = _fit_grid(
        selection, candidates, state, costs, grid, programme, energy_before, left, phase.year
    )
    spent_grid += reinforced.capex_eur if reinforced else 0.0
    supplies = [_supply(candidates, i, costs) for i in chosen] if grid is not None else []
    reinforcements = [
        *(mandatory.reinforcements if mandatory else []),
        *(reinforced.reinforcements if reinforced else []),
    ]
    figures = radio_figures(candidates, state, chosen, curve, objective)
    gained_premises = float(premises.weights[fresh(premises, chosen, state.covered_premises)].sum())
    for i in chosen:
        state.covered_premises[premises.sets[i]] = True
    passed = float(area_rows["premises_passed"].sum()) if areas else 0.0
    route_km = float(area_rows["route_m"].sum()) / 1000.0 if areas else 0.0
    if fibre is not None:
        state.fibre_built[areas] = True
        state.eligible += passed
    state.fibre_km += route_km
    state.supplies.extend(supplies)
    state.energy.extend([*programme, *reinforcements])
    capex_radio = figures.pop("_capex_radio")
    # running cost per year of what is built by the end of the phase; the grid
    # reinforcements' upkeep is the DSO's (recovered through its tariff), not the plan's
    opex = {
        "radio": round(len(state.chosen) * costs.opex_eur_per_site_year, 2),
        "fibre": round(state.fibre_km * costs.opex_eur_per_fibre_km_year, 2),
        "grid": 0.0,
    }
    capex = {"radio": capex_radio, "fibre": round(spent_fibre, 2), "grid": round(spent_grid, 2)}
    total = sum(capex.values())
    if total > budget + 1e-6:  # each step respects it; checked anyway
        raise DataError(tr("phase {year} would exceed its budget").format(year=phase.year))
    left_violations = (
        (reinforced or mandatory).violations_after if (reinforced or mandatory) else []
    )
    found = [
        *(mandatory.violations_before if mandatory else []),
        *(reinforced.violations_before if reinforced else []),
    ]
    figures.update(
        {
            "year": phase.year,
            "budget_eur": phase.budget_eur,
            "capex_eur": round(total, 2),
            "capex_by_domain_eur": capex,
            "opex_eur_per_year_after": round(sum(opex.values()), 2),
            "opex_by_domain_eur_per_year_after": opex,
            "premises_gained": round(gained_premises, 3),
            "fibre_areas": len(areas),
            "fibre_area_ids": list(area_rows["area_id"]) if areas else [],
            "fibre_route_km": round(route_km, 3),
            "premises_passed_fibre": round(passed, 3),
            "premises_eligible_cumulative": round(state.eligible, 3) if fibre else None,
            "premises_eligible_share": share(state.eligible, fibre.premises_total)
            if fibre
            else None,
            "premises_eligible_share_course": None
            if required_share is None
            else round(required_share, 6),
            "grid_checked": grid is not None,
            "grid_violations_found": len(found),
            "grid_reinforcements": len(reinforcements),
            "grid_violations_left": len(left_violations),
        }
    )
    return PhaseResult(phase, chosen, figures, areas, list(programme), reinforcements, supplies)


def _fit_grid(
    selection: Selection, candidates, state, costs, grid, programme, energy, left, year: int
):
    """The sites of ``selection`` whose supply's reinforcements fit in ``left`` EUR with
    them (dropping the last picked until they do), and those reinforcements."""
    chosen = list(selection.chosen)
    if grid is None or not chosen:
        return chosen, None
    while True:
        supplies = [_supply(candidates, i, costs) for i in chosen]
        loads = [*state.supplies, *supplies, *programme]
        reinforced = grid.reinforce(loads, energy, f"{year} sites")
        spent = candidates.instance.cost(chosen) + reinforced.capex_eur
        if spent <= left + 1e-6 or not chosen:
            return chosen, reinforced
        chosen = chosen[:-1]


def _supply(candidates: Candidates, i: int, costs: CostModel):
    from twin.sim.optimise.grid_phase import site_supply

    row = candidates.frame.iloc[i]
    return site_supply(str(row["candidate_id"]), row["x"], row["y"], costs.site_load_kw)
