"""Preparing a domain once (what the app does in the background after opening, when the
baselines came from the project file) lets a scenario reuse it: nothing prepared is built
again, and the figures are those of a scenario computed without preparation."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import twin
from twin.scenario import Scenario
from twin.sim.whatif import energy as energy_adapter
from twin.sim.whatif import fiber as fiber_adapter
from twin.sim.whatif import runner
from twin.sim.whatif import transit as transit_adapter
from twin.sim.whatif.result import WhatIfOptions

EXAMPLE = Path(__file__).resolve().parent.parent / "docs" / "scenario-example.json"


@pytest.mark.parametrize("domain", ["transit", "fiber", "energy"])
def test_a_prepared_domain_is_not_built_again_and_gives_the_same_figures(domain, monkeypatch):
    scenario = Scenario.from_dict(json.loads(EXAMPLE.read_text(encoding="utf-8")))
    options = WhatIfOptions()
    runner.forget()
    unprepared = twin.open_project()
    expected = runner.domain_result(unprepared, domain, scenario.for_domain(domain), options, None)
    runner.forget()
    project = twin.open_project()
    runner.prepare_domain(project, domain, options)

    def built_again(*_args, **_kwargs):
        raise AssertionError("prepared inputs were built again")

    monkeypatch.setattr(transit_adapter, "read_gtfs", built_again)
    monkeypatch.setattr(fiber_adapter, "read_fiber_inputs", built_again)
    monkeypatch.setattr(energy_adapter, "prepare_grid", built_again)
    result = runner.domain_result(project, domain, scenario.for_domain(domain), options, None)
    assert [f.key for f in result.figures] == [f.key for f in expected.figures]
    assert [f.value for f in result.figures] == [f.value for f in expected.figures]
    runner.forget()
