"""Budgeted maximum coverage: choose candidates under a budget to cover the most weight.

A candidate ``i`` costs ``costs[i]`` (EUR) and covers a set of elements (pixels whose people
gain good coverage if it is built); an element of weight ``w`` (persons) counts once however
many chosen candidates cover it. The gain of a selection is therefore a weighted coverage
function: monotone and submodular, and the problem is NP-hard (Khuller, Moss and Naor,
"The budgeted maximum coverage problem", Information Processing Letters 70, 1999).

:func:`budgeted_greedy` runs the lazy greedy (CELF: Leskovec, Krause, Guestrin et al.,
"Cost-effective outbreak detection in networks", KDD 2007) twice, by gain per euro and by
gain, adds the best single affordable candidate, and keeps the best of the three: CELF's
bound guarantees at least (1 - 1/e) / 2 (about 0.316) of the optimum; in practice it is
usually within a few percent. :func:`local_search` then tries single swaps and additions.
:func:`exact_optimum` enumerates every subset (small instances, to check the above).
"""

from __future__ import annotations

import heapq
import itertools
from dataclasses import dataclass, field

import numpy as np

from twin.errors import DataError
from twin.i18n import tr

#: CELF's guarantee for the better of the two greedy runs (Leskovec et al. 2007, Thm. 2).
GREEDY_BOUND = (1.0 - 1.0 / np.e) / 2.0


@dataclass
class CoverageInstance:
    """Candidates (``sets[i]``: element indices it covers; ``costs[i]`` EUR) over elements
    of ``weights`` (e.g. persons per pixel)."""

    sets: list[np.ndarray]
    weights: np.ndarray
    costs: np.ndarray

    def __post_init__(self) -> None:
        self.weights = np.asarray(self.weights, dtype=float)
        self.costs = np.asarray(self.costs, dtype=float)
        self.sets = [np.unique(np.asarray(s, dtype=np.int64)) for s in self.sets]
        if len(self.sets) != len(self.costs):
            raise DataError(tr("one cost per candidate is needed"))
        if np.any(~np.isfinite(self.costs)) or np.any(self.costs < 0):
            raise DataError(tr("candidate costs must be finite and not negative (EUR)"))
        if np.any(self.weights < 0):
            raise DataError(tr("element weights must not be negative"))

    def gain(self, chosen) -> float:
        """Weight covered by the candidates ``chosen``."""
        covered = np.zeros(len(self.weights), dtype=bool)
        for i in chosen:
            covered[self.sets[i]] = True
        return float(self.weights[covered].sum())

    def cost(self, chosen) -> float:
        """Total cost (EUR) of ``chosen``."""
        return float(sum(self.costs[i] for i in chosen))


@dataclass
class Selection:
    """Chosen candidates in the order picked, with the cumulative cost (EUR) and gain after
    each pick (the marginal curve), and which method found it."""

    chosen: list[int] = field(default_factory=list)
    cumulative_cost: list[float] = field(default_factory=list)
    cumulative_gain: list[float] = field(default_factory=list)
    method: str = ""

    @property
    def gain(self) -> float:
        """Weight covered."""
        return self.cumulative_gain[-1] if self.cumulative_gain else 0.0

    @property
    def cost(self) -> float:
        """Total cost (EUR)."""
        return self.cumulative_cost[-1] if self.cumulative_cost else 0.0


def _curve(
    instance: CoverageInstance, chosen: list[int], method: str, covered: np.ndarray | None = None
) -> Selection:
    """The picks with their cumulative cost and gain (beyond ``covered``)."""
    covered = np.zeros(len(instance.weights), dtype=bool) if covered is None else covered.copy()
    selection = Selection(method=method)
    total_cost = total_gain = 0.0
    for i in chosen:
        fresh = instance.sets[i][~covered[instance.sets[i]]]
        covered[fresh] = True
        total_gain += float(instance.weights[fresh].sum())
        total_cost += float(instance.costs[i])
        selection.chosen.append(int(i))
        selection.cumulative_cost.append(total_cost)
        selection.cumulative_gain.append(total_gain)
    return selection


def lazy_greedy(
    instance: CoverageInstance,
    budget: float,
    by: str = "ratio",
    covered: np.ndarray | None = None,
    exclude=(),
) -> Selection:
    """Greedy under ``budget`` (EUR) picking, at each step, the affordable candidate of
    largest marginal gain per euro (``by="ratio"``) or largest marginal gain (``"gain"``),
    with lazy re-evaluation (marginal gains only shrink). ``covered``: elements already
    covered (by earlier phases); ``exclude``: candidates not to consider. Candidates of no
    gain are never picked."""
    if by not in ("ratio", "gain"):
        raise ValueError(f"unknown greedy criterion {by!r}")
    covered = np.zeros(len(instance.weights), dtype=bool) if covered is None else covered.copy()
    initial = covered.copy()
    excluded = set(exclude)

    def score(i: int, gain: float) -> float:
        if by == "gain":
            return gain
        return gain / instance.costs[i] if instance.costs[i] > 0 else np.inf

    heap = []
    for i, members in enumerate(instance.sets):
        if i in excluded or instance.costs[i] > budget:
            continue
        gain = float(instance.weights[members[~covered[members]]].sum())
        if gain > 0:
            heap.append((-score(i, gain), i, gain, 0))
    heapq.heapify(heap)
    chosen: list[int] = []
    spent = 0.0
    round_number = 0
    while heap:
        _score, i, gain, evaluated = heapq.heappop(heap)
        if spent + instance.costs[i] > budget + 1e-9:
            continue  # no longer affordable: dropped for good (the budget only shrinks)
        if evaluated != round_number:
            members = instance.sets[i]
            gain = float(instance.weights[members[~covered[members]]].sum())
            if gain > 0:
                heapq.heappush(heap, (-score(i, gain), i, gain, round_number))
            continue
        chosen.append(i)
        spent += float(instance.costs[i])
        covered[instance.sets[i]] = True
        round_number += 1
    return _curve(instance, chosen, f"lazy greedy by {by}", initial)


def budgeted_greedy(
    instance: CoverageInstance, budget: float, covered: np.ndarray | None = None, exclude=()
) -> Selection:
    """The best of greedy by gain per euro, greedy by gain and the best single affordable
    candidate (at least :data:`GREEDY_BOUND` of the optimum). ``covered`` and ``exclude``
    as :func:`lazy_greedy` (gains are then counted beyond what is already covered)."""
    if not np.isfinite(budget) or budget < 0:
        raise DataError(tr("budget {budget} EUR: give a positive amount").format(budget=budget))
    covered = np.zeros(len(instance.weights), dtype=bool) if covered is None else covered
    runs = [
        lazy_greedy(instance, budget, "ratio", covered, exclude),
        lazy_greedy(instance, budget, "gain", covered, exclude),
    ]
    excluded = set(exclude)
    singles = [
        (float(instance.weights[s[~covered[s]]].sum()), i)
        for i, s in enumerate(instance.sets)
        if instance.costs[i] <= budget and i not in excluded
    ]
    if singles:
        best_gain, best = max(singles)
        if best_gain > 0:
            runs.append(_curve(instance, [best], "best single candidate", covered))
    return max(runs, key=lambda s: (s.gain, -s.cost))


def local_search(
    instance: CoverageInstance,
    budget: float,
    start: Selection,
    covered: np.ndarray | None = None,
    exclude=(),
    max_rounds: int = 50,
) -> Selection:
    """Improve ``start`` by adding an affordable candidate or swapping one chosen for one
    not chosen, whichever gains most, until nothing improves (at most ``max_rounds``).
    ``covered`` and ``exclude`` as :func:`lazy_greedy`: gains count beyond the elements
    already covered (by earlier phases) and excluded candidates (already built) are never
    added."""
    base = np.zeros(len(instance.weights), dtype=bool) if covered is None else covered
    excluded = set(exclude)

    def gain(chosen: list[int]) -> float:
        mask = base.copy()
        for i in chosen:
            mask[instance.sets[i]] = True
        return float(instance.weights[mask & ~base].sum())

    chosen = list(start.chosen)
    best = gain(chosen)
    for _ in range(max_rounds):
        spent = instance.cost(chosen)
        improved = None
        others = [i for i in range(len(instance.sets)) if i not in chosen and i not in excluded]
        for j in others:
            if spent + instance.costs[j] <= budget:
                trial_gain = gain([*chosen, j])
                if trial_gain > best + 1e-9:
                    best, improved = trial_gain, [*chosen, j]
            for k, i in enumerate(chosen):
                if spent - instance.costs[i] + instance.costs[j] <= budget:
                    trial = chosen[:k] + chosen[k + 1 :] + [j]
                    trial_gain = gain(trial)
                    if trial_gain > best + 1e-9:
                        best, improved = trial_gain, trial
        if improved is None:
            break
        chosen = improved
    if chosen == start.chosen:
        return start
    return _curve(instance, chosen, f"{start.method} + local search", covered)


def exact_optimum(instance: CoverageInstance, budget: float, limit: int = 20) -> Selection:
    """The optimum by enumerating every subset (at most ``limit`` candidates)."""
    n = len(instance.sets)
    if n > limit:
        raise DataError(
            tr("{n} candidates: exact enumeration is limited to {limit}").format(n=n, limit=limit)
        )
    best, best_cost, best_set = 0.0, 0.0, ()
    for size in range(1, n + 1):
        for subset in itertools.combinations(range(n), size):
            cost = instance.cost(subset)
            if cost > budget + 1e-9:
                continue
            gain = instance.gain(subset)
            if gain > best + 1e-9 or (abs(gain - best) <= 1e-9 and cost < best_cost):
                best, best_cost, best_set = gain, cost, subset
    return _curve(instance, list(best_set), "exact (enumeration)")
