"""open_compare with the real ScenarioController on the synthetic town (helper A's
fixtures): the baseline against a scenario that moves a site, the maps, the coverage level
difference and the KPI table agree with the controller's own figures."""

from __future__ import annotations

import numpy as np
import pytest
from ui_scenario_fixtures import PERSONS_ALL
from ui_scenario_project import OPTIONS, X0, Y0, make_project

from twin.kpi import format_value
from twin.scenario import MoveMobileSite
from twin.ui.compare import SideBySideView, open_compare
from twin.ui.scenario.controller import ScenarioController


@pytest.fixture
def controller(qtbot):
    controller = ScenarioController(make_project(), OPTIONS, in_process=True)
    controller.new_scenario("Moved")
    controller.add_intervention(MoveMobileSite("B", X0 + 1500, Y0 + 1500))
    qtbot.waitUntil(lambda: not controller.busy, timeout=30_000)
    yield controller
    controller.shutdown()


def test_compare_the_current_scenario_with_the_baseline(qtbot, controller):
    moved = {f.key: f for f in controller.figures()}
    window = open_compare(None, controller, None, "Moved")
    qtbot.addWidget(window)
    qtbot.waitUntil(lambda: window.b is not None, timeout=60_000)
    assert isinstance(window.current_view(), SideBySideView)
    table = window.table.table
    # the scenario column shows the controller's numbers, the baseline column its baseline
    row = table.row_texts(PERSONS_ALL)
    figure = moved[PERSONS_ALL]
    assert row[1:3] == [
        format_value(figure.baseline, "persons"),
        format_value(figure.value, "persons"),
    ]
    # a coverage level difference exists and moving a site both gains and loses levels
    names = [window.difference_box.itemText(i) for i in range(window.difference_box.count())]
    assert any(name.endswith("coverage level") for name in names)
    assert window.difference_box.currentText() == "4G+5G coverage level"
    change = window.difference()
    values = np.asarray(change.array)[change.valid_mask()]
    assert (values > 0).any() and (values < 0).any()


def test_kpi_dock_follows_the_real_controller(qtbot, controller):
    from twin.ui.panels.kpi import KpiDock

    dock = KpiDock()
    qtbot.addWidget(dock)
    dock.bind(controller)
    figure = next(f for f in controller.figures() if f.key == PERSONS_ALL)
    assert "Moved" in dock.title_label.text()
    assert dock.table.row_texts(PERSONS_ALL)[2] == format_value(figure.value, "persons")
    controller.select(None)  # back to the baseline: the dock follows
    qtbot.waitUntil(lambda: not controller.busy, timeout=30_000)
    assert "Baseline" in dock.title_label.text()
    baseline = next(f for f in controller.figures() if f.key == PERSONS_ALL)
    qtbot.waitUntil(  # the dock shows live figures at its next frame
        lambda: dock.table.row_texts(PERSONS_ALL)[2] == format_value(baseline.value, "persons")
    )
