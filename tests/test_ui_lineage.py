""" "Why this number" in the UI: a click on a figure in the KPI dock or the compare table
opens a non-modal panel explaining it (engine, model, inputs with provenance, masking)."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

import twin
from twin.scenario import find_scenario
from twin.sim.whatif import simulate
from twin.ui.compare import CompareTable
from twin.ui.panels.kpi import KpiDock


@pytest.fixture(scope="module")
def sample_results():
    project = twin.open_project(None)
    scenario = find_scenario(project.scenarios, "Plan du conseil 2027")
    return simulate(project, None), simulate(project, scenario)


def _click_figure(qtbot, table, key: str) -> None:
    index = next(i for i in range(table.rowCount()) if table.item(i, 0).data(Qt.UserRole) == key)
    table.scrollToItem(table.item(index, 0))
    rect = table.visualItemRect(table.item(index, 0))
    qtbot.mouseClick(table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())


def test_click_on_a_dock_figure_opens_its_explanation(qtbot, sample_results):
    _, result = sample_results
    dock = KpiDock()
    qtbot.addWidget(dock)
    dock.resize(700, 800)
    dock.show()
    dock.set_figures(result.figures)
    assert dock.table.lineage_panel is None  # nothing shown before a click
    with qtbot.waitSignal(dock.table.figure_explained) as signal:
        _click_figure(qtbot, dock.table, "radio.4g.persons.good_or_better")
    assert signal.args == ["radio.4g.persons.good_or_better"]
    panel = dock.table.lineage_panel
    assert panel.isVisible() and not panel.isModal()
    text = panel.text()
    assert "twin radio engine" in text and "3GPP TR 38.901" in text
    assert "Mobile cells" in text and "Licence Ouverte" in text
    assert "add_mobile_site Saint-Sulpice-la-Forêt" in text
    assert "Rests on ≥ 11 households" in text
    # the panel does not block: another figure replaces the explanation
    _click_figure(qtbot, dock.table, "transit.persons.ptal_3_or_better")
    text = panel.text()
    assert "PTAL" in text and "GTFS feed rennes_gtfs.zip" in text
    assert "twin radio engine" not in text


def test_click_in_the_compare_table_explains_scenario_b(qtbot, sample_results):
    baseline, result = sample_results
    table = CompareTable()
    qtbot.addWidget(table)
    table.resize(700, 700)
    table.show()
    table.set_figures(baseline.figures, result.figures, "baseline", "Plan du conseil 2027")
    _click_figure(qtbot, table.table, "fiber.premises_eligible")
    text = table.table.lineage_panel.text()
    assert "twin fiber planner" in text and "Ducts and poles" in text
    assert "extend_fiber Langan" in text


def test_dock_bound_to_the_scenario_controller_explains_live_figures(qtbot):
    """The app's path: the dock follows a ScenarioController whose live figures carry no
    lineage; a click builds it then (engine, the project's input layers, the scenario's
    interventions)."""
    from ui_scenario_fixtures import PERSONS_ALL, make_bench
    from ui_scenario_project import X0, Y0

    from twin.scenario import AddEvChargers

    bench = make_bench(qtbot)
    controller = bench.controller
    controller.new_scenario("Plan A")
    controller.add_intervention(AddEvChargers("Hub 1", X0 + 100, Y0 + 100, 2, 22.0))
    bench.wait_idle()
    dock = KpiDock()
    qtbot.addWidget(dock)
    dock.resize(700, 800)
    dock.show()
    dock.bind(controller)
    qtbot.waitUntil(lambda: bool(dock.table.rows), timeout=10_000)
    _click_figure(qtbot, dock.table, PERSONS_ALL)
    text = dock.table.lineage_panel.text()
    assert "twin radio engine" in text and "Mobile cells" in text and "Terrain" in text
    assert "Scenario: Plan A" in text
