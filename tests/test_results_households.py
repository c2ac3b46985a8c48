"""Stored results keep the households each people figure rests on, so the privacy gate
masks the same figures after the project is saved and opened again."""

from __future__ import annotations

import numpy as np
import pytest

from twin.kpi import Figure
from twin.layers.privacy import HouseholdGroups
from twin.project_results import ResultRecord
from twin.sim.radio.population import LevelGroups
from twin.sim.whatif.figures import paired_figures
from twin.sim.whatif.result import DomainResult
from twin.sim.whatif.result_codec import decode, encode


def _round_trip(result: DomainResult) -> DomainResult:
    meta, blobs = encode(result)
    return decode(ResultRecord("k", result.domain, meta, blobs))


def test_household_groups_survive_storage():
    members = {"transit.persons_within_5min": np.array([True, False, True, True])}
    groups = HouseholdGroups(np.array([4.0, 30.0, 3.5, 2.0]), members)
    result = DomainResult(
        "transit",
        figures=[Figure("transit.persons_within_5min", "p", 20.0, "persons", "transit")],
        details={"households": groups, "day": "2026-01-06"},
    )
    back = _round_trip(result)
    assert back.details["day"] == "2026-01-06"
    stored = back.details["households"]
    assert stored.households_of("transit.persons_within_5min") == pytest.approx(9.5)
    assert np.array_equal(
        stored.members["transit.persons_within_5min"], members["transit.persons_within_5min"]
    )


def test_level_groups_survive_storage_and_the_gate_masks_as_before():
    households = np.array([3.0, 4.0, 2.0, 50.0])
    base = LevelGroups(households, {"radio.4g": np.array([0, 0, 1, 3], dtype=np.uint8)})
    after = LevelGroups(households, {"radio.4g": np.array([2, 0, 1, 3], dtype=np.uint8)})
    key = "radio.4g.persons.good_or_better"

    def result(groups, value):
        return DomainResult(
            "radio",
            figures=[Figure(key, "good", value, "persons", "radio")],
            details={"households": groups},
        )

    fresh = paired_figures(result(after, 60.0), result(base, 55.0))
    stored = paired_figures(_round_trip(result(after, 60.0)), _round_trip(result(base, 55.0)))
    assert _round_trip(result(after, 60.0)).details["households"] == after
    # one building of 3 households moved: the delta is masked in both cases
    assert fresh[0].moved_households == stored[0].moved_households == 3.0
    assert fresh[0].published_delta() == stored[0].published_delta()
    assert stored[0].published_delta().masked
