"""The identify tool and the inspector: a click on a known feature shows its attributes."""

from __future__ import annotations

from ui_helpers import X0, Y0, make_project

from twin.ui.map.tools.base import MapEvent
from twin.ui.map.tools.identify import IdentifyTool, identify_at
from twin.ui.panels.inspector import InspectorPanel


def _table(inspector: InspectorPanel) -> dict[str, str]:
    table = inspector.table
    return {table.item(r, 0).text(): table.item(r, 1).text() for r in range(table.rowCount())}


def _click(tool: IdentifyTool, x: float, y: float, metres_per_pixel: float = 2.0) -> None:
    event = MapEvent(x, y, "left", frozenset(), 400, 300, metres_per_pixel)
    tool.press(event)
    tool.release(event)


def _setup(qtbot):
    project = make_project()
    inspector = InspectorPanel()
    qtbot.addWidget(inspector)
    tool = IdentifyTool(lambda: project.layers, inspector.show_results)
    return project, inspector, tool


def test_click_on_a_building_shows_its_attributes_and_provenance(qtbot):
    _project, inspector, tool = _setup(qtbot)
    _click(tool, X0 + 150 + 50, Y0 + 50)  # centre of the second square, "École"
    cells = _table(inspector)
    assert cells["name"] == "École"
    assert cells["use"] == "school"
    assert cells["households"] == "40"
    assert cells["height_m"] == "9"
    assert "Buildings" in inspector.title_label.text()
    # the terrain under it is listed too, after the building (top-most layer first)
    assert [
        inspector.feature_combo.itemText(i) for i in range(inspector.feature_combo.count())
    ] == ["Buildings — name École", "Terrain — pixel"]
    provenance = inspector.provenance_view.toPlainText()
    assert "tests:synthetic" in provenance and "CC0" in provenance and "twin tests" in provenance


def test_raster_value_is_shown_with_its_unit(qtbot):
    _project, inspector, tool = _setup(qtbot)
    # Between the squares (x in 100..150 m from X0) and above them: only the terrain.
    # Terrain pixel: col = (X0 + 120 - (X0 - 50)) / 50 = 3.4 -> 3; row = (Y0 + 450 - (Y0 + 200))
    # / 50 = 5 -> value = 5 * 10 + 3 = 53 (values run 0..99 row by row).
    _click(tool, X0 + 120, Y0 + 200)
    assert _table(inspector)["Value"] == "53 m"
    assert not inspector.feature_combo.isVisible()


def test_tolerance_is_three_pixels_and_hidden_layers_are_skipped(qtbot):
    project, inspector, tool = _setup(qtbot)
    project.layer("Terrain").visible = False
    # 5 m right of the first square's east edge (x = X0 + 100): found at 2 m/pixel
    # (tolerance 3 px * 2 m = 6 m), missed at 1 m/pixel (3 m).
    _click(tool, X0 + 105, Y0 + 50, metres_per_pixel=1.0)
    assert _table(inspector) == {}
    assert "Nothing here" in inspector.title_label.text()
    _click(tool, X0 + 105, Y0 + 50, metres_per_pixel=2.0)
    assert _table(inspector)["name"] == "Mairie"


def test_a_drag_is_not_a_click():
    project = make_project()
    found = []
    tool = IdentifyTool(lambda: project.layers, found.append)
    tool.press(MapEvent(X0 + 50, Y0 + 50, "left", frozenset(), 100, 100, 2.0))
    assert tool.release(MapEvent(X0 + 90, Y0 + 50, "left", frozenset(), 120, 100, 2.0)) is False
    assert found == []
    results = identify_at(project.layers, X0 + 50, Y0 + 50, 0.0)
    assert [r.layer.name for r in results] == ["Buildings", "Terrain"]


def test_people_in_a_building_below_eleven_households_are_masked(qtbot):
    _project, inspector, tool = _setup(qtbot)
    _click(tool, X0 + 300 + 50, Y0 + 50)  # the third square: 0 households
    cells = _table(inspector)
    assert cells["households"] == "masked (< 11 households)"
    _click(tool, X0 + 150 + 50, Y0 + 50)  # "École": 40 households, shown
    assert _table(inspector)["households"] == "40"
