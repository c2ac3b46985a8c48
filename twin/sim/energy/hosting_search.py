"""The search behind hosting capacity: the largest power on a grid of ``k x tolerance`` MW
(k = 0 .. steps) that a bus takes without a new violation.

Two searches that return the same capacity for any feasibility that is monotone in the
power (feasible up to a threshold, infeasible beyond), which the limits checked here are:

- :func:`bisection`: the plain one. Test the cap (``steps``), then halve [0, steps].
- :func:`narrowed`: the same bracket, but each trial is placed where a linear model of every
  limit's margin says the first limit is reached: first from the Newton-Raphson Jacobian at
  the case (:class:`~twin.sim.energy.injection.Sensitivity`), then by the secant through the
  two trials nearest the edge. It ends like the bisection, on a feasible k next to an
  infeasible k + 1, so both return ``k x tolerance`` and the reason found at k + 1; a trial
  that does not at least halve the bracket is followed by a plain halving step, so it never
  needs many more power flows than the bisection (typically 3-4 instead of 13-14).

Worker processes run :func:`search_chunk` on a pickled model; this module imports neither
pandapower nor Qt.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from twin.sim.energy.injection import (
    InjectionModel,
    InjectionSolver,
    LimitVectors,
    Sensitivity,
    first_violation,
    margins,
)


@dataclass
class Trial:
    """One power flow of a search: feasible or not, the first violated quantity ("" when
    feasible, "convergence" when the power flow failed) and the margins (None on failure)."""

    ok: bool
    reason: str
    margins: np.ndarray | None


@dataclass
class SearchResult:
    """Capacity (MW), what limits it ("max" when the cap itself is feasible) and the number
    of power flows the search ran."""

    capacity_mw: float
    reason: str
    power_flows: int


Evaluate = Callable[[int], Trial]


def bisection(evaluate: Evaluate, steps: int, tolerance_mw: float) -> SearchResult:
    """Plain bisection on [0, steps] (0 is the case itself, feasible by construction)."""
    top = evaluate(steps)
    if top.ok:
        return SearchResult(steps * tolerance_mw, "max", 1)
    low, high, reason, runs = 0, steps, top.reason, 1
    while high - low > 1:
        middle = (low + high) // 2
        trial = evaluate(middle)
        runs += 1
        if trial.ok:
            low = middle
        else:
            high, reason = middle, trial.reason
    return SearchResult(low * tolerance_mw, reason, runs)


def _first_root(c: np.ndarray, b: np.ndarray, a: np.ndarray) -> float | None:
    """Smallest t > 0 where some margin ``c + b t + a t^2`` reaches 0 (None: never)."""
    disc = b * b - 4.0 * a * c
    with np.errstate(invalid="ignore", divide="ignore"):
        root_disc = np.sqrt(np.where(disc >= 0, disc, np.nan))
        q = -0.5 * (b + np.where(b >= 0, 1.0, -1.0) * root_disc)  # the stable pair of roots
        roots = np.concatenate([q / a, c / q])
    roots = roots[np.isfinite(roots) & (roots > 0)]
    return float(np.min(roots)) if roots.size else None


class _MarginModel:
    """Per-limit quadratic model of the margins as functions of the power (grid steps),
    through the trial at the feasible edge ``low`` and the two trials nearest to it (the
    case at 0 may count twice: its value and its Jacobian slope), by Newton's divided
    differences. Only the case known: the linear sensitivity."""

    def __init__(self, base: np.ndarray, slope: np.ndarray) -> None:
        self.points: dict[int, np.ndarray] = {0: base}
        self.slope = slope

    def add(self, k: int, margins: np.ndarray | None) -> None:
        """Record a converged trial's margins."""
        if margins is not None:
            self.points[k] = margins

    def edge(self, low: int) -> float | None:
        """Estimated grid position (float) where the first margin reaches 0 beyond ``low``."""
        others = sorted((k for k in self.points if k != low), key=lambda k: abs(k - low))
        m0 = self.points[low]
        if low == 0 and not others:
            c, b, a = m0, self.slope, np.zeros_like(m0)
        else:
            if low == 0:
                x0, x1, x2 = 0, 0, others[0]
            elif len(others) >= 2:
                x0, x1, x2 = low, others[0], others[1]
            else:
                x0, x1, x2 = low, 0, 0
            with np.errstate(invalid="ignore"):  # unmonitored margins are inf - inf
                f01 = self.slope if x1 == x0 else (self.points[x1] - m0) / (x1 - x0)
                f12 = self.slope if x2 == x1 else (self.points[x2] - self.points[x1]) / (x2 - x1)
                a = (f12 - f01) / (x2 - x0)
                c, b = m0, f01 - a * (x1 - x0)
        usable = np.isfinite(c) & np.isfinite(b) & np.isfinite(a)
        root = _first_root(c[usable], b[usable], a[usable])
        return None if root is None else low + root


def narrowed(
    evaluate: Evaluate,
    steps: int,
    tolerance_mw: float,
    base_margins: np.ndarray,
    rates_per_mw: np.ndarray,
) -> SearchResult:
    """The bisection's answer in fewer power flows (see the module docstring).
    ``base_margins`` are the case's margins, ``rates_per_mw`` their linear sensitivity."""
    model = _MarginModel(base_margins, rates_per_mw * tolerance_mw)
    low, high, reason, runs = 0, None, "", 0
    short_in_a_row = 0  # feasible trials in a row before any infeasible one
    reference, stale = 0, 0  # bracket width at its last halving, trials since then
    while high is None or high - low > 1:
        estimate = model.edge(low)
        if high is None:
            if estimate is None or estimate >= steps:
                candidate = steps  # as the bisection starts: is the cap itself feasible?
            elif short_in_a_row >= 3 and estimate >= low + 2:
                candidate = min(steps, 2 * low)  # estimates keep falling short: grow
            else:
                candidate = min(steps, max(low + 1, math.floor(estimate)))
        elif stale >= 2 or estimate is None:
            candidate = (low + high) // 2  # estimates do not close in: halve
        else:
            candidate = min(high - 1, max(low + 1, math.floor(estimate)))
        trial = evaluate(candidate)
        runs += 1
        model.add(candidate, trial.margins)
        if trial.ok:
            if candidate == steps:
                return SearchResult(steps * tolerance_mw, "max", runs)
            low = candidate
            short_in_a_row += 1
        else:
            high, reason = candidate, trial.reason
            short_in_a_row = 0
        if high is not None:
            if reference == 0 or 2 * (high - low) <= reference:
                reference, stale = high - low, 0
            else:
                stale += 1
    return SearchResult(low * tolerance_mw, reason, runs)


@dataclass
class KindModel:
    """What a worker needs to search one kind (PV or EV): the case's model, its limits and
    the injection (pu, generator convention) of 1 MW of that kind."""

    model: InjectionModel
    limits: LimitVectors
    per_mw: complex


class InjectionSearch:
    """Searches of one kind on the fast backend: one solver and one Jacobian per case."""

    def __init__(self, kind: KindModel) -> None:
        self.kind = kind
        self.solver = InjectionSolver(kind.model)
        self.sensitivity = Sensitivity(kind.model, kind.limits)
        self.base_margins = margins(
            self.solver.solve(np.zeros(0, dtype=np.int64), np.zeros(0, dtype=complex)),
            kind.limits,
        )

    def evaluate(self, position: int, p_mw: float) -> Trial:
        """One power flow with ``p_mw`` of this kind at model ``position``."""
        result = self.solver.solve(
            np.array([position]), np.array([p_mw * self.kind.per_mw], dtype=complex)
        )
        if result is None:
            return Trial(False, "convergence", None)
        reason = first_violation(
            result.vm_pu,
            result.line_loading_percent,
            result.trafo_loading_percent,
            self.kind.limits,
        )
        return Trial(reason == "", reason, margins(result, self.kind.limits))

    def search(self, position: int, steps: int, tolerance_mw: float) -> SearchResult:
        """Narrowed search at model ``position`` (see :func:`narrowed`)."""
        rates = self.sensitivity.margin_rates(position, self.kind.per_mw)
        return narrowed(
            lambda k: self.evaluate(position, k * tolerance_mw),
            steps,
            tolerance_mw,
            self.base_margins,
            rates,
        )


Task = tuple[int, int, float]  # (model position, steps, tolerance MW)


def search_chunk(searches: dict[str, InjectionSearch], kind: str, tasks: list[Task]):
    """Run the searches of ``tasks`` for ``kind``; a list of (capacity MW, reason, runs)."""
    search = searches[kind]
    found = []
    for position, steps, tolerance in tasks:
        result = search.search(position, steps, tolerance)
        found.append((result.capacity_mw, result.reason, result.power_flows))
    return found


_WORKER_SEARCHES: dict[str, InjectionSearch] = {}


def init_worker(kinds: dict[str, KindModel]) -> None:
    """Process-pool initializer: build each kind's solver once per worker process."""
    _WORKER_SEARCHES.clear()
    for name, kind in kinds.items():
        _WORKER_SEARCHES[name] = InjectionSearch(kind)


def worker_chunk(kind: str, tasks: list[Task]):
    """Process-pool task: :func:`search_chunk` on the worker's models."""
    return search_chunk(_WORKER_SEARCHES, kind, tasks)
