"""The KPI dock shows "Mobile reports in areas the scenario improves" while a site is
added on the map, with the number ``twin simulate`` gives for the same scenario, and a
click on it explains how it is counted (its lineage)."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
from PySide6.QtCore import Qt
from shapely.geometry import Point
from ui_scenario_fixtures import make_bench
from ui_scenario_project import CRS, OPTIONS, X0, Y0

from twin.layers.reports import COLUMNS, new_reports_layer
from twin.sim.whatif import simulate
from twin.ui.map.tools.add_site import AddSiteTool

NEW_SITE = (X0 + 3000.0, Y0 + 2000.0)  # east of town, far from the 4G sites in the west
KEY = "reports.mobile_improved"


def _ring_of_reports() -> gpd.GeoDataFrame:
    """48 mobile reports on rings 150-1500 m around the new site, and 4 transit ones."""
    points, categories = [], []
    for radius in (150.0, 400.0, 800.0, 1500.0):
        for angle in np.linspace(0.0, 2 * np.pi, 12, endpoint=False):
            points.append(
                Point(NEW_SITE[0] + radius * np.cos(angle), NEW_SITE[1] + radius * np.sin(angle))
            )
            categories.append("mobile")
    for dx in (-100.0, 100.0):
        for dy in (-100.0, 100.0):
            points.append(Point(NEW_SITE[0] + dx, NEW_SITE[1] + dy))
            categories.append("transit")
    data = {c: [""] * len(points) for c in COLUMNS}
    data["report_id"] = [f"r{i}" for i in range(len(points))]
    data["category"] = categories
    data["description"] = ["No signal"] * len(points)
    return gpd.GeoDataFrame(data, geometry=points, crs=CRS)


@pytest.fixture
def bench(qtbot):
    bench = make_bench(qtbot)
    bench.project.add_layer(new_reports_layer(bench.project.crs, _ring_of_reports()))
    yield bench
    bench.controller.shutdown()


def test_dock_shows_reports_the_new_site_improves_as_simulate_does(bench, qtbot):
    from twin.ui.panels.kpi import KpiDock

    kpi = KpiDock()
    qtbot.addWidget(kpi)
    kpi.resize(420, 760)
    kpi.show()
    kpi.bind(bench.controller)
    assert bench.figure(KEY) == 0.0  # the baseline improves nothing
    bench.tool(AddSiteTool(bench.controller))
    bench.click(*NEW_SITE)
    bench.wait_idle()
    scenario = bench.controller.current_scenario()
    expected = simulate(bench.project, scenario, ("radio",), options=OPTIONS).figure(KEY)
    assert 0 < expected.value < 48  # some reports, not all: the count is not vacuous
    shown = f"{expected.value:.0f}"

    def dock_row() -> list[str]:
        row = next(line for line in kpi.csv_text().splitlines() if f",{KEY}," in line)
        return row.split(",")

    qtbot.waitUntil(lambda: dock_row()[-3:] == ["0", shown, shown])  # baseline, scenario, change
    assert "Mobile reports in areas the scenario improves" in dock_row()
    texts = kpi.table.row_texts(KEY)
    assert texts == [
        "Mobile reports in areas the scenario improves",
        "0 reports",
        f"{shown} reports",
        f"+{shown} reports",
    ]
    table = kpi.table  # a click on the figure explains how it is counted
    index = next(i for i in range(table.rowCount()) if table.item(i, 0).data(Qt.UserRole) == KEY)
    table.scrollToItem(table.item(index, 0))
    rect = table.visualItemRect(table.item(index, 0))
    qtbot.mouseClick(table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    text = table.lineage_panel.text()
    assert "coverage level" in text and "higher in the scenario than in the baseline" in text
    assert "Citizen reports" in text and "add_mobile_site" in text
    assert "over the whole territory, never per place" in text  # the privacy note


def test_dock_slow_domains_give_the_transit_and_energy_report_figures(tmp_path):
    """The KPI dock's transit and energy figures (the slow engines, here from the sample's
    stored results) include their reports figures, with the numbers of ``twin simulate``."""
    import contextlib
    import io
    import shutil
    from pathlib import Path

    import twin
    from twin.cli import main
    from twin.scenario import find_scenario
    from twin.ui.scenario.compute import SlowEngines

    data = Path(__file__).parent / "data" / "reports" / "georeport_v2.json"
    path = tmp_path / "sample.twin"
    gtfs = twin.sample_project_path().with_name("rennes_gtfs.zip")
    shutil.copy(gtfs, tmp_path / gtfs.name)
    with contextlib.redirect_stdout(io.StringIO()):
        assert main(["reports", "import", str(data), "--out", str(path)]) == 0
    project = twin.open_project(path)
    scenario = find_scenario(project.scenarios, "Plan du conseil 2027")
    results = SlowEngines(project).cached(scenario)
    assert results is not None  # the sample stores these results: nothing computed
    shown = {f.key: f.value for r in results for f in r.figures if f.domain == "reports"}
    assert set(shown) == {"reports.transit_improved", "reports.energy_improved"}
    expected = simulate(project, scenario, ("transit", "energy"))
    for key, value in shown.items():
        assert value == expected.figure(key).value, key
