"""What a scenario does not touch is not computed again: an engine without interventions
in the scenario gives the baseline's stored result, equal to that engine recomputed, and a
change of one of its inputs makes it compute again. Also the pieces the transit what-if
shares between its preparations (one road attachment of the buildings, times parsed once
per distinct text) give exactly what they replace."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

import twin
from twin.errors import DataError
from twin.layers.transit import parse_times
from twin.scenario import AddTransitLine, Scenario
from twin.sim.network import RoadGraph
from twin.sim.transit.catchment import attachment_within
from twin.sim.whatif import fiber as fiber_adapter
from twin.sim.whatif import runner
from twin.sim.whatif.result import RESULT_NAME, WhatIfOptions

# a radio and transit scenario, like the compare benchmark's B: no fiber, no energy
RADIO_AND_TRANSIT = Scenario(
    "B",
    (
        AddTransitLine(
            "B1", "bus", ((350_000.0, 6_788_000.0), (352_000.0, 6_789_000.0)), headway_min=10.0
        ),
    ),
)


@pytest.fixture
def fresh_sample():
    """The sample opened anew (its stored baselines only), nothing in the runner's memory."""
    runner.forget()
    project = twin.open_project()
    yield project
    runner.forget()


def test_an_untouched_engine_reuses_the_stored_baseline_equal_to_a_recomputed_one(fresh_sample):
    project, options = fresh_sample, WhatIfOptions()
    runs = dict(runner.ENGINE_RUNS)
    result = runner.simulate(project, RADIO_AND_TRANSIT, ["fiber"], options=options)
    assert runner.ENGINE_RUNS["fiber"] == runs["fiber"]  # read from the project file
    reused = result.scenario_results["fiber"]
    assert reused is result.baseline_results["fiber"]
    recomputed = fiber_adapter.run(project, [], None, options, RESULT_NAME)
    assert [f.key for f in reused.figures] == [f.key for f in recomputed.figures]
    assert [f.value for f in reused.figures] == [f.value for f in recomputed.figures]
    assert reused.capex_eur == recomputed.capex_eur == 0.0
    paired = [f for f in result.figures if f.key in {g.key for g in recomputed.figures}]
    assert paired and all(f.value == f.baseline and f.delta == 0.0 for f in paired)


def test_changing_an_input_of_the_untouched_engine_computes_it_again(fresh_sample):
    project, options = fresh_sample, WhatIfOptions()
    assert runner.stored_result(project, "fiber", [], options) is not None
    cables = project.layer("fiber_cables")
    cables.set_frame(cables.frame.iloc[1:].copy())  # one cable less
    assert runner.stored_result(project, "fiber", [], options) is None
    assert runner.stored_result(project, "radio", [], options) is not None  # not its input
    runs = dict(runner.ENGINE_RUNS)
    runner.simulate(project, RADIO_AND_TRANSIT, ["fiber"], options=options)
    assert runner.ENGINE_RUNS["fiber"] == runs["fiber"] + 1  # baseline = scenario: once


def test_preparing_energy_with_its_baseline_stored_runs_no_power_flow(fresh_sample, monkeypatch):
    from twin.sim.whatif import energy as energy_adapter
    from twin.sim.whatif.result import CONTEXTS

    flows = []
    monkeypatch.setattr(energy_adapter, "evaluate", lambda *args, **kw: flows.append(args))
    runner.prepare_domain(fresh_sample, "energy", WhatIfOptions())
    assert "energy-grid" in CONTEXTS.store(fresh_sample)  # the grid a scenario reuses
    assert flows == []  # the baseline's power flows: its stored result has them


def test_an_attachment_limited_afterwards_equals_one_searched_with_the_limit():
    roads = gpd.GeoDataFrame(
        {"highway": ["residential"] * 3},
        geometry=[
            shapely.LineString([(0, 0), (100, 0)]),
            shapely.LineString([(100, 0), (100, 100)]),
            shapely.LineString([(0, 0), (0, 300)]),
        ],
        crs="EPSG:2154",
    )
    graph = RoadGraph.from_lines(roads)
    rng = np.random.default_rng(7)
    points = rng.uniform(-400.0, 500.0, size=(300, 2))
    wide = graph.attach(points, max_distance=500.0)
    for limit in (20.0, 120.0, 250.0):
        limited = attachment_within(wide, limit)
        direct = graph.attach(points, max_distance=limit)
        assert 0 < limited.attached.sum() < len(points)
        for name in ("edge", "offset_m", "connector_m", "point_xy", "projected_xy"):
            assert np.array_equal(getattr(limited, name), getattr(direct, name), equal_nan=True), (
                name
            )
        assert np.array_equal(limited.edge_length_m, direct.edge_length_m)


def test_gtfs_times_parsed_once_per_text_give_every_row_and_name_the_first_bad_row():
    values = pd.Series(["08:00:00", " 8:00:00", "25:10:05", "", "08:00:00", "7:59:59"])
    seconds = parse_times(values, "stop_times.txt", "arrival_time")
    expected = [28800.0, 28800.0, 90605.0, np.nan, 28800.0, 28799.0]
    assert np.array_equal(seconds, np.array(expected), equal_nan=True)
    bad = pd.Series(["08:00:00", "08:61:00", "09:00:00", "08:61:00"])
    with pytest.raises(DataError) as error:
        parse_times(bad, "stop_times.txt", "arrival_time")
    assert "08:61:00" in str(error.value)
    assert "row 2 (line 3)" in str(error.value)  # the first bad row, not a later one
