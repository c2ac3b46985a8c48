"""Comparing two scenarios that are not current reuses the results stored in the project
(or computed earlier): no engine runs again, the work happens in a worker thread, and the
table shows the stored numbers."""

from __future__ import annotations

import threading

import pytest
from ui_scenario_project import OPTIONS, X0, Y0, make_project

import twin.sim.whatif.radio as radio
import twin.ui.compare as compare
from twin.kpi import format_value
from twin.project import Project
from twin.scenario import AddMobileSite, CellSpec, MoveMobileSite, Scenario
from twin.sim.whatif import runner, simulate
from twin.ui.scenario.controller import ScenarioController

ADDED = Scenario(
    "Added",
    (
        AddMobileSite(
            "E",
            "East",
            X0 + 3500.0,
            Y0 + 2000.0,
            30.0,
            cells=tuple(CellSpec(a, band_mhz=1800, technology="4G") for a in (0.0, 120.0, 240.0)),
        ),
    ),
)
MOVED = Scenario("Moved", (MoveMobileSite("B", X0 + 2500.0, Y0 + 1500.0),))
KEY = "radio.4g_5g.persons.good_or_better"


@pytest.fixture
def saved(tmp_path):
    """The town with both scenarios and their results saved in its file; memory emptied."""
    runner._RESULTS.clear()
    project = make_project()
    project.scenarios = [ADDED.to_dict(), MOVED.to_dict()]
    figures = {}
    for scenario in (ADDED, MOVED):
        figures[scenario.name] = simulate(project, scenario, options=OPTIONS).figure(KEY)
    path = project.save(tmp_path / "town.twin")
    runner._RESULTS.clear()
    yield path, figures
    runner._RESULTS.clear()


def test_compare_two_stored_scenarios_runs_no_engine(qtbot, saved, monkeypatch):
    path, figures = saved
    controller = ScenarioController(Project.open(path), OPTIONS, in_process=True)
    qtbot.waitUntil(lambda: not controller.busy, timeout=30_000)
    assert controller.current_name() is None  # neither compared scenario is current
    runs, threads = [], []
    monkeypatch.setattr(radio, "run", lambda *a, **k: runs.append(a) or pytest.fail("ran"))
    original = compare.scenario_data

    def recording(controller_, name, **kwargs):
        threads.append(threading.current_thread() is threading.main_thread())
        return original(controller_, name, **kwargs)

    monkeypatch.setattr(compare, "scenario_data", recording)
    window = compare.open_compare(None, controller, "Added", "Moved")
    qtbot.addWidget(window)
    qtbot.waitUntil(lambda: window.b is not None, timeout=60_000)
    assert runs == [] and threads == [False, False]  # stored results, in a worker
    row = window.table.table.row_texts(KEY)
    assert row[1:3] == [
        format_value(figures["Added"].value, "persons"),
        format_value(figures["Moved"].value, "persons"),
    ]
    controller.shutdown()
