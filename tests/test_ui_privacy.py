"""The KPI dock and the compare table show "< 11 households" where the privacy gate masks a
value or a change, in the table, the headline, the charts, copies and CSV exports."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication

from twin.kpi import Figure
from twin.ui.compare import CompareTable
from twin.ui.panels.kpi import KpiDock

MASKED = "< 11 households"


def _figures() -> list[Figure]:
    return [
        # both sides large, but the site moved 5 households: the change would reveal them
        Figure(
            "radio.4g.persons.none",
            "4G persons: no coverage",
            8_830.0,
            "persons",
            "radio",
            8_842.0,
            "down",
            households=4_000.0,
            baseline_households=4_005.0,
            moved_households=5.0,
        ),
        # a level where 8 households live in the scenario
        Figure(
            "radio.4g.persons.limited",
            "4G persons: limited",
            19.0,
            "persons",
            "radio",
            2_500.0,
            "",
            households=8.0,
            baseline_households=1_100.0,
            moved_households=1_092.0,
        ),
        # a large group that moved: shown
        Figure(
            "radio.4g.persons.good",
            "4G persons: good",
            5_000.0,
            "persons",
            "radio",
            2_500.0,
            "up",
            households=2_200.0,
            baseline_households=1_100.0,
            moved_households=1_100.0,
        ),
    ]


def test_kpi_dock_shows_masked_values_and_changes(qtbot):
    dock = KpiDock()
    qtbot.addWidget(dock)
    dock.resize(420, 760)
    dock.show()
    qtbot.waitExposed(dock)
    dock.set_scenario_name("Tiny site")
    dock.set_figures(_figures())
    table = dock.table
    assert table.row_texts("radio.4g.persons.none") == [
        "4G persons: no coverage",
        "8 842 people",
        "8 830 people",
        MASKED,
    ]
    assert table.row_texts("radio.4g.persons.limited")[1:] == ["2 500 people", MASKED, MASKED]
    assert table.row_texts("radio.4g.persons.good")[3] == "+2 500 people"
    # the chart draws no bar for the masked level, the CSV says it is masked
    dock.coverage_chart.technology_box.setCurrentText("4G")  # the user picks 4G
    baseline, scenario = dock.coverage_chart.chart.heights()
    assert baseline[1] == 2_500.0 and not scenario[1] > 0  # no bar of 19 persons
    assert scenario[2] == 5_000.0
    rows = {line.split(",")[1]: line for line in dock.csv_text().splitlines()[1:]}
    assert rows["radio.4g.persons.none"].endswith(f",8842,8830,{MASKED}")
    assert "8 830" not in rows["radio.4g.persons.limited"]
    assert ",19," not in rows["radio.4g.persons.limited"]


def test_compare_table_masks_a_small_difference_between_two_scenarios(qtbot, tmp_path):
    table = CompareTable()
    qtbot.addWidget(table)
    a = [Figure("radio.5g.persons.good", "5G persons: good", 1_500.0, "persons", "radio")]
    b = [Figure("radio.5g.persons.good", "5G persons: good", 1_504.0, "persons", "radio")]
    table.set_figures(a, b, "Densify", "Tram")
    qtbot.mouseClick(table.copy_button, Qt.MouseButton.LeftButton)
    lines = QGuiApplication.clipboard().text().splitlines()
    assert lines[1] == f"Mobile coverage\t5G persons: good\t1 500 people\t1 504 people\t{MASKED}"
    table.export_csv(tmp_path / "c.csv")
    assert (
        (tmp_path / "c.csv")
        .read_text(encoding="utf-8")
        .splitlines()[1]
        .endswith(f",1500,1504,{MASKED}")
    )


def test_a_map_styled_by_population_does_not_show_the_class_of_a_small_building():
    import geopandas as gpd
    import shapely

    from twin.layers import VectorLayer
    from twin.layers.style import ClassBreak, Style
    from twin.project import Project
    from twin.ui.map.render import render_project

    # two buildings of the same population class: a house (2 households), a block (20)
    frame = gpd.GeoDataFrame(
        {"population": [40.0, 45.0], "households": [2, 20]},
        geometry=[shapely.box(0, 0, 100, 100), shapely.box(200, 0, 300, 100)],
        crs="EPSG:2154",
    )
    style = Style(
        kind="graduated",
        column="population",
        classes=(ClassBreak(0, 100, "#0000FF", "0-100 people"),),
        fill_color="#808080",
        fill_opacity=1.0,
        stroke_width=0.0,
    )
    project = Project(crs="EPSG:2154")
    project.add_layer(VectorLayer("buildings", frame, style=style))
    image = render_project(project, (300, 100), bbox=(0, 0, 300, 100))

    def color_at(x_m: float) -> str:
        return image.pixelColor(int(x_m), 50).name().upper()

    assert color_at(250) == "#0000FF"  # the block shows its class
    assert color_at(50) == "#808080"  # the house is drawn in the base colour


def test_inspector_shows_a_small_lv_cable_loading_as_masked(qtbot):
    """An energy result layer (scenario grid): clicking the LV cable that serves three
    households shows "masked (< 11 households)" for its loading, the MV line beside it
    its number."""
    import pandapower as pp

    from twin.layers.privacy import MASKED_TEXT
    from twin.sim.energy import default_settings, run_study
    from twin.sim.energy.examples import ORIGIN_L93, radial_mv_feeder
    from twin.sim.energy.result_layers import study_layers
    from twin.ui.map.tools.base import MapEvent
    from twin.ui.map.tools.identify import IdentifyTool
    from twin.ui.panels.inspector import InspectorPanel

    net = radial_mv_feeder(sections=2, section_km=2.0, with_lv=True)
    for bus, households in ((1, 40), (3, 300), (4, 3)):
        pp.create_load(net, bus, p_mw=households * 0.002, q_mvar=0.0, type="residential")
    settings = default_settings().with_changes(household_admd_kw=2.0)
    study = run_study(net, [], settings=settings, daily=False)
    layers = [layer for layer in study_layers(study, "EPSG:2154") if layer.id == "grid_lines"]
    inspector = InspectorPanel()
    qtbot.addWidget(inspector)
    tool = IdentifyTool(lambda: layers, inspector.show_results)
    table = inspector.table

    def click(x: float, y: float) -> dict[str, str]:
        event = MapEvent(x, y, "left", frozenset(), 400, 300, 2.0)
        tool.press(event)
        tool.release(event)
        return {table.item(r, 0).text(): table.item(r, 1).text() for r in range(table.rowCount())}

    x_end, y0 = ORIGIN_L93[0] + 4000.0, ORIGIN_L93[1]
    cells = click(x_end, y0 + 110.0)  # the LV cable, bus 3 to bus 4
    assert cells["name"] == "LV feeder"
    assert cells["loading_percent"] == MASKED_TEXT
    cells = click(ORIGIN_L93[0] + 1000.0, y0)  # the first MV section: 343 households
    assert cells["name"] == "section 0"
    assert cells["loading_percent"] not in (MASKED_TEXT, "—")
    assert float(cells["loading_percent"].replace(" ", "")) > 0
