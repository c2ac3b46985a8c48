"""Map tools driven through qtbot on the map: add, move (live), edit sites, fiber areas,
transit lines and energy assets; Esc cancels; the status bar says what comes next."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import Qt
from ui_scenario_fixtures import PERSONS_5G, make_bench
from ui_scenario_project import SITE_A, X0, Y0

from twin.scenario import (
    AddEvChargers,
    AddMobileSite,
    AddPhotovoltaics,
    AddTransitLine,
    EditMobileCell,
    ExtendFiber,
)
from twin.ui.map.tools.add_site import AddSiteTool
from twin.ui.map.tools.energy_asset import EnergyAssetTool
from twin.ui.map.tools.fiber_area import FiberAreaTool
from twin.ui.map.tools.move_site import MoveSiteTool
from twin.ui.map.tools.transit_line import TransitLineTool
from twin.ui.panels.site_editor import SiteEditor

NEW_SITE = (X0 + 3000.0, Y0 + 2000.0)  # east of town, far from the 4G sites in the west


@pytest.fixture
def bench(qtbot):
    bench = make_bench(qtbot)
    yield bench
    bench.controller.shutdown()


def add_site(bench) -> None:
    bench.tool(AddSiteTool(bench.controller))
    bench.click(*NEW_SITE)
    bench.wait_idle()


def test_add_site_by_click_lists_it_and_covers_people(bench, qtbot):
    from twin.ui.panels.kpi import KpiDock

    kpi = KpiDock()
    qtbot.addWidget(kpi)
    kpi.bind(bench.controller)
    # the baseline has only 4G cells: nobody has 5G coverage
    assert bench.figure(PERSONS_5G) == 0.0
    messages = []
    tool = bench.tool(AddSiteTool(bench.controller))
    tool.on_status = messages.append
    bench.click(*NEW_SITE)
    bench.wait_idle()
    assert bench.controller.current_name() == "Scenario 1"
    assert bench.panel.intervention_texts() == [
        "1. Add 5G site 'New site 1', 3 cells, 3500 MHz, 30 m"
    ]
    (site,) = bench.controller.current_scenario().interventions
    assert isinstance(site, AddMobileSite)
    assert (site.x, site.y) == pytest.approx(NEW_SITE, abs=10.0)  # one pixel = 10 m
    # the new 3500 MHz site gives good 5G coverage to the buildings around it
    assert bench.figure(PERSONS_5G) > 0
    assert bench.controller.figure(PERSONS_5G).baseline == 0.0
    names = [layer.name for layer in bench.project.layers[:2]]
    assert names == ["Scenario 1: scenario sites", "Scenario 1: 4G+5G coverage level"]
    coverage = bench.project.layers[1]
    assert coverage.provenance.parameters == {"scenario": "Scenario 1", "engine": "radio"}
    assert coverage.array.max() >= 2  # good or very good next to the mast
    assert any("Click to add another site" in m for m in messages)
    # the KPI dock shows the same figure with its change from the baseline (at its next
    # frame: live figures are coalesced)
    gained = f"{bench.figure(PERSONS_5G):.0f}"

    def dock_row() -> list[str]:
        row = next(line for line in kpi.csv_text().splitlines() if f",{PERSONS_5G}," in line)
        return row.split(",")[-3:]

    qtbot.waitUntil(lambda: dock_row() == ["0", gained, gained])  # baseline, scenario, change


def test_dragging_a_site_updates_the_figures_while_the_mouse_moves(bench):
    add_site(bench)
    start = bench.figure(PERSONS_5G)
    tool = bench.tool(MoveSiteTool(bench.controller))
    bench.press(*NEW_SITE)
    seen = []
    for step in range(1, 5):  # towards the west, over the town, 200 m a step
        with bench.qtbot.waitSignal(bench.controller.figures_changed, timeout=10_000):
            bench.move(NEW_SITE[0] - 200 * step, NEW_SITE[1])
        seen.append(bench.figure(PERSONS_5G))
        # the dragged mast follows the mouse before the button is released
        assert tool.marker_position()[0] == pytest.approx(NEW_SITE[0] - 200 * step, abs=10)
    # and is drawn there: the marker's vermilion under the cursor
    image = bench.canvas.grab_map()
    cursor = bench.canvas.map_to_widget(NEW_SITE[0] - 800, NEW_SITE[1])
    colour = image.pixelColor(round(cursor.x()), round(cursor.y()))
    assert (colour.red(), colour.green(), colour.blue()) == (0xD5, 0x5E, 0x00)
    assert bench.controller.dragging
    assert any(value != start for value in seen)  # figures changed during the drag
    assert len(bench.controller.current_scenario().interventions) == 1  # nothing stored yet
    bench.release(NEW_SITE[0] - 800, NEW_SITE[1])
    bench.wait_idle()
    (site,) = bench.controller.current_scenario().interventions  # the add was modified
    assert site.x == pytest.approx(NEW_SITE[0] - 800, abs=10)
    assert bench.figure(PERSONS_5G) == seen[-1]
    assert tool.marker_position() is None  # the layer shows the site at its new place
    assert bench.project.layers[0].frame.geometry.iloc[0].x == pytest.approx(site.x)


def test_escape_cancels_a_drag_and_puts_the_figures_back(bench):
    add_site(bench)
    before = bench.controller.figures()
    steps = bench.controller.undo_stack.count()
    bench.tool(MoveSiteTool(bench.controller))
    bench.press(*NEW_SITE)
    with bench.qtbot.waitSignal(bench.controller.figures_changed, timeout=10_000):
        bench.move(NEW_SITE[0] - 1500, NEW_SITE[1] + 1000)
    bench.wait_idle()
    assert bench.controller.figures() != before
    bench.key(Qt.Key.Key_Escape)
    bench.release(NEW_SITE[0] - 1500, NEW_SITE[1] + 1000)
    bench.wait_idle()
    assert bench.controller.figures() == before
    assert bench.controller.undo_stack.count() == steps
    (site,) = bench.controller.current_scenario().interventions
    assert (site.x, site.y) == pytest.approx(NEW_SITE, abs=10.0)


def test_moving_a_baseline_site_adds_a_move_and_undo_redo_restore_exact_figures(bench):
    baseline = bench.controller.figures()
    bench.tool(MoveSiteTool(bench.controller))
    bench.press(*SITE_A)
    bench.move(SITE_A[0] + 1000, SITE_A[1] - 1000)
    bench.move(SITE_A[0] + 2000, SITE_A[1] - 1500)
    bench.release(SITE_A[0] + 2000, SITE_A[1] - 1500)
    bench.wait_idle()
    x, y = (f"{v:,.0f}".replace(",", " ") for v in (SITE_A[0] + 2000, SITE_A[1] - 1500))
    assert bench.panel.intervention_texts() == [f"1. Move site 'A' to ({x} m, {y} m)"]
    moved = bench.controller.figures()
    assert moved != baseline
    bench.controller.undo_stack.undo()  # the move and the scenario made for it
    bench.wait_idle()
    assert bench.controller.current_name() is None
    assert [(f.key, f.value, f.baseline) for f in bench.controller.figures()] == [
        (f.key, f.value, f.baseline) for f in baseline
    ]
    bench.controller.undo_stack.redo()
    bench.wait_idle()
    assert bench.controller.figures() == moved


def test_fiber_area_tool_draws_a_polygon_enter_or_double_click_finish(bench):
    tool = bench.tool(FiberAreaTool(bench.controller))
    corners = [(X0 + 1000, Y0 + 1000), (X0 + 2000, Y0 + 1000), (X0 + 2000, Y0 + 2000)]
    bench.click(*corners[0])
    assert "click the next corner" in tool.status_message
    bench.click(*corners[1])
    bench.key(Qt.Key.Key_Escape)  # abandons the drawing
    assert tool.points == [] and bench.controller.current_scenario() is None
    for corner in corners:
        bench.click(*corner)
    assert "double-click or Enter to finish" in tool.status_message
    bench.key(Qt.Key.Key_Return)
    bench.wait_idle()
    (area,) = bench.controller.current_scenario().interventions
    assert isinstance(area, ExtendFiber) and area.name == "Fiber area 1"
    np.testing.assert_allclose(area.polygon, corners, atol=10.0)
    # a second area finished by a double click on its last corner
    for corner in [(X0 + 100, Y0 + 100), (X0 + 900, Y0 + 100), (X0 + 500, Y0 + 900)]:
        bench.click(*corner)
    bench.click(X0 + 500, Y0 + 900)
    bench.wait_idle()
    second = bench.controller.current_scenario().interventions[1]
    assert len(second.polygon) == 3
    assert bench.panel.intervention_texts()[1] == "2. Extend fiber to area 'Fiber area 2'"


def test_transit_line_tool_and_headway(bench):
    tool = bench.tool(TransitLineTool(bench.controller, headway_min=12))
    stops = [(X0 + 200, Y0 + 2000), (X0 + 2000, Y0 + 2000), (X0 + 2000, Y0 + 3800)]
    for stop in stops:
        bench.click(*stop)
    bench.key(Qt.Key.Key_Backspace)  # the last stop was a mistake
    bench.click(X0 + 3800, Y0 + 2000)
    bench.key(Qt.Key.Key_Enter)
    bench.wait_idle()
    (line,) = bench.controller.current_scenario().interventions
    assert isinstance(line, AddTransitLine)
    expected = [stops[0], stops[1], (X0 + 3800, Y0 + 2000)]
    np.testing.assert_allclose(line.stops, expected, atol=10.0)
    assert line.headway_min == 12 and "every 12 min" in tool.status_message
    bench.panel.intervention_list.setCurrentRow(0)
    bench.panel.edit_headway(5.0)
    assert bench.controller.current_scenario().interventions[0].headway_min == 5.0
    assert bench.panel.intervention_texts() == ["1. Add bus line 'Line 1', 3 stops, every 5 min"]
    bench.controller.undo_stack.undo()
    assert bench.controller.current_scenario().interventions[0].headway_min == 12


def test_energy_tool_places_ev_chargers_and_pv(bench):
    bench.tool(EnergyAssetTool(bench.controller, "ev", count=6, power_kw=50))
    bench.click(X0 + 1000, Y0 + 1000)
    bench.tool(EnergyAssetTool(bench.controller, "pv", peak_kw=250))
    bench.click(X0 + 3000, Y0 + 3000)
    bench.wait_idle()
    ev, pv = bench.controller.current_scenario().interventions
    assert isinstance(ev, AddEvChargers) and (ev.count, ev.power_kw) == (6, 50.0)
    assert isinstance(pv, AddPhotovoltaics) and pv.peak_kw == 250.0
    assert bench.panel.intervention_texts() == [
        "1. Add 6 EV chargers × 50 kW at 'EV hub 1'",
        "2. Add 250 kWp rooftop PV at 'PV roof 1'",
    ]


def test_site_editor_edits_cells_of_new_and_baseline_sites(bench, qtbot):
    editor = SiteEditor()
    qtbot.addWidget(editor)
    editor.bind(bench.controller)
    add_site(bench)
    selected = []
    tool = bench.tool(MoveSiteTool(bench.controller))
    tool.on_selected = selected.append
    bench.click(*NEW_SITE)  # a click without a drag selects the site
    assert selected == ["new-1"]
    editor.show_site("new-1")
    assert editor.table.rowCount() == 3 and editor.table.item(0, 1).text() == "3500"
    editor.set_cell_value(0, "tx_power_dbm", 40.0)
    editor.height_box.setValue(45.0)
    bench.wait_idle()
    (site,) = bench.controller.current_scenario().interventions  # still one intervention
    assert site.cells[0].tx_power_dbm == 40.0 and site.cells[1].tx_power_dbm == 49.0
    assert site.height_m == 45.0
    editor.set_cell_value(1, "band_mhz", 1234)  # not a band: refused with a message
    assert "not a band" in editor.message.text()
    editor.show_site("A")  # a baseline site: an EditMobileCell, the layer is untouched
    editor.set_cell_value(2, "electrical_tilt_deg", 8.0)
    bench.wait_idle()
    edit = bench.controller.current_scenario().interventions[-1]
    assert edit == EditMobileCell("A", "A-3", {"electrical_tilt_deg": 8.0})
    cells = bench.project.layer("mobile_cells").frame
    assert "electrical_tilt_deg" not in cells.columns  # the baseline kept its defaults


def test_the_dragged_marker_waits_for_its_coverage_but_not_longer_than_a_frame(bench, monkeypatch):
    from twin.ui.live.radio import LiveRadio

    add_site(bench)
    tool = bench.tool(MoveSiteTool(bench.controller))
    bench.press(*NEW_SITE)
    bench.move(NEW_SITE[0] - 200, NEW_SITE[1])  # the first move shows the marker at once
    assert tool.marker_position()[0] == pytest.approx(NEW_SITE[0] - 200, abs=10)
    monkeypatch.setattr(LiveRadio, "busy", property(lambda self: True))  # a slow engine
    bench.move(NEW_SITE[0] - 400, NEW_SITE[1])
    # the marker moves with the frame's coverage (one repaint), or after MARKER_WAIT_MS
    assert tool.marker_position()[0] == pytest.approx(NEW_SITE[0] - 200, abs=10)
    bench.qtbot.waitUntil(
        lambda: tool.marker_position()[0] == pytest.approx(NEW_SITE[0] - 400, abs=10),
        timeout=2_000,
    )
    monkeypatch.undo()
    bench.release(NEW_SITE[0] - 400, NEW_SITE[1])
    bench.wait_idle()
    assert tool.marker_position() is None
