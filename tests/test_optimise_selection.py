"""Budgeted maximum coverage: greedy and local search against the exact optimum."""

from __future__ import annotations

import numpy as np
import pytest

from twin.errors import DataError
from twin.sim.optimise.selection import (
    GREEDY_BOUND,
    CoverageInstance,
    budgeted_greedy,
    exact_optimum,
    lazy_greedy,
    local_search,
)


def _random_instance(seed: int, candidates: int = 12, elements: int = 60) -> CoverageInstance:
    rng = np.random.default_rng(seed)
    sets = [
        rng.choice(elements, size=int(rng.integers(1, 15)), replace=False)
        for _ in range(candidates)
    ]
    weights = rng.integers(0, 40, size=elements).astype(float)
    costs = rng.choice([100_000.0, 150_000.0, 200_000.0, 350_000.0], size=candidates)
    return CoverageInstance(sets, weights, costs)


@pytest.mark.parametrize("seed", range(25))
def test_greedy_is_within_its_bound_of_the_exact_optimum(seed):
    instance = _random_instance(seed, candidates=10 + seed % 6)
    budget = 500_000.0 + 50_000.0 * (seed % 7)
    optimum = exact_optimum(instance, budget)
    greedy = budgeted_greedy(instance, budget)
    improved = local_search(instance, budget, greedy)
    assert greedy.cost <= budget and improved.cost <= budget
    assert optimum.gain > 0
    assert greedy.gain >= GREEDY_BOUND * optimum.gain
    assert greedy.gain <= improved.gain <= optimum.gain + 1e-9
    # the marginal curve is the cumulative cost and gain of the picks, in order
    assert np.all(np.diff(greedy.cumulative_cost) > 0)
    assert greedy.cumulative_gain[-1] == pytest.approx(instance.gain(greedy.chosen))


def test_greedy_is_optimal_where_it_must_be():
    # disjoint sets, equal costs: picking the heaviest sets one by one is optimal
    rng = np.random.default_rng(1)
    weights = rng.integers(1, 50, size=40).astype(float)
    sets = [np.arange(4 * i, 4 * i + 4) for i in range(10)]
    instance = CoverageInstance(sets, weights, np.full(10, 100.0))
    greedy = budgeted_greedy(instance, 400.0)
    assert greedy.gain == exact_optimum(instance, 400.0).gain
    assert len(greedy.chosen) == 4


def test_ratio_greedy_alone_fails_and_the_best_of_repairs_it():
    # a cheap candidate with the best ratio eats the budget that the big one needs
    instance = CoverageInstance(
        [np.array([0]), np.array([1, 2, 3, 4, 5])], np.ones(6) * 10.0, np.array([1.0, 100.0])
    )
    ratio = lazy_greedy(instance, 100.0, "ratio")
    assert ratio.chosen == [0] and ratio.gain == 10.0
    best = budgeted_greedy(instance, 100.0)
    assert best.chosen == [1] and best.gain == 50.0 == exact_optimum(instance, 100.0).gain


def test_bad_inputs_are_refused():
    with pytest.raises(DataError, match="not negative"):
        CoverageInstance([np.array([0])], np.ones(1), np.array([-5.0]))
    with pytest.raises(DataError, match="budget"):
        budgeted_greedy(CoverageInstance([np.array([0])], np.ones(1), np.ones(1)), -1.0)
    with pytest.raises(DataError, match="limited"):
        exact_optimum(CoverageInstance([np.array([0])] * 25, np.ones(1), np.ones(25)), 1.0)
