"""Scenarios: undoable edits of the list and of interventions, saved in the .twin file, the
baseline never modified; the main window's Edit menu, docks and tools."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from ui_scenario_fixtures import PERSONS_5G, make_bench
from ui_scenario_project import OPTIONS, X0, Y0, make_project

from twin.errors import DataError
from twin.project import Project
from twin.scenario import AddEvChargers, MoveMobileSite, Scenario
from twin.ui.map.tools.add_site import AddSiteTool


@pytest.fixture
def bench(qtbot):
    bench = make_bench(qtbot)
    yield bench
    bench.controller.shutdown()


def charger(name: str) -> AddEvChargers:
    return AddEvChargers(name, X0 + 100, Y0 + 100, 2, 22.0)


def test_scenario_list_edits_are_undoable_and_stored_in_the_project(bench):
    controller, stack = bench.controller, bench.controller.undo_stack
    controller.new_scenario("Plan A")
    controller.add_intervention(charger("Hub 1"))
    controller.duplicate_scenario("Plan A")
    assert controller.scenario_names() == ["Plan A", "Plan A (copy)"]
    assert controller.current_name() == "Plan A (copy)"
    controller.rename_scenario("Plan A (copy)", "Plan B")
    controller.move_scenario("Plan B", 0)
    assert controller.scenario_names() == ["Plan B", "Plan A"]
    assert [s["name"] for s in bench.project.scenarios] == ["Plan B", "Plan A"]
    assert bench.project.scenarios[0]["interventions"][0]["type"] == "add_ev_chargers"
    with pytest.raises(DataError, match="already exists"):
        controller.new_scenario("Plan A")
    controller.delete_scenario("Plan B")
    assert controller.scenario_names() == ["Plan A"] and controller.current_name() is None
    texts = [stack.text(i) for i in range(stack.count())]
    assert texts == [
        "New scenario 'Plan A'",
        "Add 2 EV chargers × 22 kW at 'Hub 1'",
        "Duplicate scenario 'Plan A'",
        "Rename scenario 'Plan A (copy)' to 'Plan B'",
        "Move scenario 'Plan B'",
        "Delete scenario 'Plan B'",
    ]
    for _ in range(3):  # delete, move, rename undone
        stack.undo()
    assert controller.scenario_names() == ["Plan A", "Plan A (copy)"]
    assert controller.current_name() == "Plan A (copy)"
    while stack.canUndo():
        stack.undo()
    assert controller.scenario_names() == [] and bench.project.scenarios == []
    bench.wait_idle()


def test_panel_lists_the_baseline_and_removes_and_reorders_interventions(bench):
    panel, controller = bench.panel, bench.controller
    assert panel.scenario_list.item(0).text().startswith("Baseline")
    controller.add_intervention(charger("Hub 1"))  # on the baseline: a scenario is made
    controller.add_intervention(charger("Hub 2"))
    assert [panel.scenario_list.item(i).text() for i in range(2)][1] == "Scenario 1"
    panel.intervention_list.setCurrentRow(1)
    panel.earlier_button.click()
    assert panel.intervention_texts() == [
        "1. Add 2 EV chargers × 22 kW at 'Hub 2'",
        "2. Add 2 EV chargers × 22 kW at 'Hub 1'",
    ]
    panel.intervention_list.setCurrentRow(0)
    panel.remove_button.click()
    assert panel.intervention_texts() == ["1. Add 2 EV chargers × 22 kW at 'Hub 1'"]
    panel.scenario_list.setCurrentRow(0)  # back to the baseline
    assert controller.current_name() is None and panel.intervention_texts() == []
    assert not panel.remove_button.isEnabled()
    bench.wait_idle()


def test_the_baseline_stays_unchanged(bench):
    cells_before = bench.project.layer("mobile_cells").frame.copy()
    baseline = [(f.key, f.value) for f in bench.controller.figures()]
    bench.tool(AddSiteTool(bench.controller))
    bench.click(X0 + 3000, Y0 + 2000)
    bench.controller.add_intervention(MoveMobileSite("A", X0 + 2000, Y0 + 2000))
    bench.wait_idle()
    assert bench.figure(PERSONS_5G) > 0
    assert bench.project.layer("mobile_cells").frame.equals(cells_before)
    bench.controller.select(None)
    bench.wait_idle()
    assert [(f.key, f.value) for f in bench.controller.figures()] == baseline
    # the baseline shows only its own coverage level (issue 12: gaps visible on opening)
    # on top of the original layers
    names = [layer.name for layer in bench.project.layers]
    assert names[0] == "Baseline: 4G+5G coverage level"
    assert [layer.id for layer in bench.project.layers[1:]] == [
        "mobile_cells",
        "roads",
        "buildings",
        "terrain",
    ]


def test_save_and_reopen_keep_the_scenarios(bench, tmp_path, qtbot):
    bench.controller.new_scenario("Densify")
    bench.controller.add_intervention(MoveMobileSite("B", X0 + 1500, Y0 + 1500))
    bench.controller.add_intervention(charger("Hub 1"))
    bench.wait_idle()
    path = bench.project.save(tmp_path / "town.twin")
    reopened = Project.open(path)
    (stored,) = reopened.scenarios
    assert Scenario.from_dict(stored) == bench.controller.scenario("Densify")
    from twin.ui.scenario.controller import ScenarioController

    controller = ScenarioController(reopened, OPTIONS)
    try:
        assert controller.scenario_names() == ["Densify"]
        controller.select("Densify")
        qtbot.waitUntil(lambda: not controller.busy, timeout=30_000)
        assert [(f.key, f.value) for f in controller.figures() if f.domain == "radio"] == [
            (f.key, f.value) for f in bench.controller.figures() if f.domain == "radio"
        ]
    finally:
        controller.shutdown()


def test_main_window_edit_menu_tools_and_undo_shortcuts(qtbot):
    from twin.ui.main_window import MainWindow

    project = make_project()
    window = MainWindow(project)
    qtbot.addWidget(window)
    window.scenario.controller.options = OPTIONS  # coarse grid for a fast test
    window.scenario.set_project(project)
    window.show()
    qtbot.waitExposed(window)
    controller = window.scenario.controller
    menus = [action.text() for action in window.menuBar().actions()]
    assert menus[:4] == ["&File", "&Edit", "&View", "&Tools"]
    assert window.scenario.undo_action.shortcut().toString() == "Ctrl+Z"
    assert window.scenario.redo_action.shortcut().toString() == "Ctrl+Shift+Z"
    window.scenario.tool_actions["add_site"].trigger()
    assert window.canvas.tool is window.scenario.tools["add_site"]
    assert "click on the map" in window.statusBar().currentMessage()
    point = window.canvas.map_to_widget(X0 + 3000, Y0 + 2000).toPoint()
    qtbot.mouseClick(window.canvas.map_viewport(), Qt.MouseButton.LeftButton, pos=point)
    qtbot.waitUntil(lambda: not controller.busy, timeout=30_000)
    assert controller.scenario_names() == ["Scenario 1"]
    assert window.scenario.panel.intervention_texts()[0].startswith("1. Add 5G site")
    assert window.isWindowModified()
    window.activateWindow()
    qtbot.keyClick(window.canvas, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: controller.scenario_names() == [], timeout=5_000)
    qtbot.keyClick(
        window.canvas,
        Qt.Key.Key_Z,
        Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier,
    )
    qtbot.waitUntil(lambda: controller.scenario_names() == ["Scenario 1"], timeout=5_000)
    qtbot.waitUntil(lambda: not controller.busy, timeout=30_000)
    controller.shutdown()
    window.set_modified(False)


def test_live_level_colours_equal_the_generic_raster_view():
    import numpy as np

    from twin.layers.style import Category, Style
    from twin.ui.live.layer import LiveLevelLayer, level_rgba
    from twin.ui.map.views.raster import raster_rgba

    style = Style(
        kind="raster-classes",
        categories=tuple(
            Category(i, color) for i, color in enumerate(("#E69F00", "#56B4E9", "#009E73"), 1)
        ),
    )
    levels = np.random.default_rng(6).integers(0, 5, (30, 40)).astype(np.int8)  # 0, 4: none
    layer = LiveLevelLayer("level", levels, (10, 0, 0, 0, -10, 0), "EPSG:2154", style=style)
    expected = raster_rgba(layer)  # per-value classification of the generic view
    assert np.array_equal(level_rgba(layer), expected)
    assert expected[levels == 0].max() == 0  # unclassified pixels are transparent
