"""Scenarios are data: JSON round trip, words for the panel, refusal of unknown content."""

from __future__ import annotations

import json

import pytest

from twin.errors import DataError
from twin.scenario import (
    AddEvChargers,
    AddMobileSite,
    AddTransitLine,
    CellSpec,
    ExtendFiber,
    Scenario,
    find_scenario,
    intervention_from_dict,
)


def _scenario() -> Scenario:
    site = AddMobileSite(
        "new-1",
        "Cesson-Nord",
        357_000.0,
        6_788_000.0,
        30.0,
        cells=tuple(CellSpec(azimuth) for azimuth in (0, 120, 240)),
    )
    return (
        Scenario("Plan 2027")
        .with_intervention(site)
        .with_intervention(ExtendFiber("Hameau", ((0, 0), (100, 0), (100, 100))))
        .with_intervention(AddTransitLine("C9", "bus", ((0, 0), (500, 0)), headway_min=12))
        .with_intervention(AddEvChargers("Hub", 10.0, 20.0, count=8, power_kw=22))
    )


def test_interventions_read_as_words():
    words = [i.describe() for i in _scenario().interventions]
    assert words == [
        "Add 5G site 'Cesson-Nord', 3 cells, 3500 MHz, 30 m",
        "Extend fiber to area 'Hameau'",
        "Add bus line 'C9', 2 stops, every 12 min",
        "Add 8 EV chargers × 22 kW at 'Hub'",
    ]


def test_scenario_survives_json_and_splits_by_domain():
    scenario = _scenario()
    again = Scenario.from_dict(json.loads(json.dumps(scenario.to_dict())))
    assert again == scenario
    assert [i.kind for i in again.for_domain("radio")] == ["add_mobile_site"]
    assert len(again.without(0).interventions) == 3
    assert find_scenario([scenario.to_dict()], "Plan 2027") == scenario


def test_unknown_content_is_refused_not_run():
    with pytest.raises(DataError, match=r"unknown intervention type .os\.system."):
        intervention_from_dict({"type": "os.system", "command": "rm -rf /"})
    with pytest.raises(DataError, match="unknown fields: __class__"):
        intervention_from_dict({"type": "remove_mobile_site", "site_id": "a", "__class__": "x"})
    with pytest.raises(DataError, match="no scenario named 'B'"):
        find_scenario([{"name": "A"}], "B")
