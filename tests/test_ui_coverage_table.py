"""View > Coverage by commune: the table a user reads, sorts, exports and clicks."""

from __future__ import annotations

import csv

import numpy as np
import pytest
from affine import Affine
from PySide6.QtCore import Qt
from test_radio_cli import PIXEL, SIZE, X0, Y0, _project

from twin.layers.privacy import MASKED_LABEL
from twin.layers.raster import RasterLayer
from twin.layers.vector import VectorLayer
from twin.project import Project
from twin.ui.panels.coverage_table import (
    CoverageTableDialog,
    commune_rows,
    communes_without_good_coverage,
)

pytestmark = pytest.mark.filterwarnings("ignore:.*non conformant file extension")


def _level_project(tmp_path):
    """The toy territory (Rennes west half, Bruz east half) with a level raster: very good
    in the west, no coverage in the east."""
    path, buildings = _project(tmp_path)
    project = Project.open(path)
    level = np.zeros((SIZE, SIZE), dtype=np.uint8)
    level[:, : SIZE // 2] = 3
    project.add_layer(
        RasterLayer(
            "Baseline: 4G+5G coverage level",
            level,
            Affine(PIXEL, 0, X0, 0, -PIXEL, Y0),
            "EPSG:2154",
            unit="level",
        ),
        index=0,
    )
    return project, buildings


def test_table_sums_to_the_population_sorts_exports_and_zooms(qtbot, tmp_path):
    project, buildings = _level_project(tmp_path)
    rows = commune_rows(project, project.layers[0])
    assert [(r["insee"], r["name"]) for r in rows] == [("35047", "Bruz"), ("35238", "Rennes")]
    by_name = {r["name"]: r for r in rows}
    assert by_name["Rennes"]["persons"][0] in (0, None)  # nobody without coverage
    assert by_name["Bruz"]["persons"][3] in (0, None)
    published = [v for r in rows for v in r["persons"] if v is not None]
    assert sum(published) == pytest.approx(buildings["population"].sum(), abs=len(rows) * 4)
    assert sum(v for r in rows for v in r["premises"] if v is not None) == int(
        buildings["premises"].sum()
    )
    assert communes_without_good_coverage(rows) == ["35047"]
    zoomed = []
    dialog = CoverageTableDialog(rows, zoomed.append, project.layer("communes").frame)
    qtbot.addWidget(dialog)
    dialog.show()
    table = dialog.table
    # what the user reads: names, rounded persons with a space as thousands separator
    shown = dialog.shown_rows()
    assert shown[0][:3] == ["Commune", "INSEE", "persons: no coverage"]
    assert [row[0] for row in shown[1:]] == ["Bruz", "Rennes"]  # opens sorted A to Z
    assert {row[0] for row in shown[1:]} == {"Rennes", "Bruz"}
    for row in shown[1:]:
        for cell in row[2:]:
            assert cell == MASKED_LABEL or cell.replace(" ", "").isdigit()
    # sort by "persons: very good", descending: Rennes first
    header = table.horizontalHeader()
    column = shown[0].index("persons: very good")
    table.sortItems(column, Qt.SortOrder.DescendingOrder)
    assert dialog.shown_rows()[1][0] == "Rennes"
    qtbot.mouseClick(header.viewport(), Qt.MouseButton.LeftButton, pos=_header_point(table, 0))
    assert [row[0] for row in dialog.shown_rows()[1:]] in (["Bruz", "Rennes"], ["Rennes", "Bruz"])
    # CSV export: the same rows
    out = dialog.export_csv(tmp_path / "table.csv")
    with out.open(encoding="utf-8") as handle:
        assert list(csv.reader(handle)) == dialog.shown_rows()
    # click a row: the map zooms to that commune
    row = next(r for r in range(table.rowCount()) if table.item(r, 0).text() == "Bruz")
    rect = table.visualItemRect(table.item(row, 0))
    qtbot.mouseClick(table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert zoomed and zoomed[-1] == pytest.approx((X0 + 1500, Y0 - 3000, X0 + 3000, Y0))
    # highlight the communes without good coverage: Bruz turns bold
    dialog.highlight_button.click()
    assert table.item(row, 0).font().bold()
    other = 1 - row
    assert not table.item(other, 0).font().bold()


def _header_point(table, column):
    header = table.horizontalHeader()
    return header.rect().topLeft() + type(header.rect().topLeft())(
        header.sectionViewportPosition(column) + 5, 5
    )


def test_the_live_level_clipped_to_the_territory_still_counts_every_building(tmp_path):
    """The map draws the level inside the communes only (pixels whose centre is outside
    hold "no class"); the table still counts the buildings on those edge pixels, at the
    engine's level."""
    from types import SimpleNamespace

    from twin.ui.scenario.layers import ScenarioLayers

    project, buildings = _level_project(tmp_path)
    engine_level = project.layers[0].array
    project.remove_layer(project.layers[0])
    # an outline 100 m inside each commune: buildings near an edge sit on masked pixels
    inset = project.layer("communes").frame.copy()
    inset["geometry"] = inset.geometry.buffer(-100.0)
    outline_project = Project(crs="EPSG:2154")
    outline_project.add_layer(VectorLayer("communes", inset, layer_id="communes"))
    layers = ScenarioLayers()
    layers.set_territory(outline_project)
    update = SimpleNamespace(
        level=engine_level, transform=Affine(PIXEL, 0, X0, 0, -PIXEL, Y0), crs="EPSG:2154"
    )
    layers.set_coverage(update, None)
    assert (layers.coverage_layer.array == 255).any()  # the map leaves the edges undrawn
    rows = commune_rows(project, layers.coverage_layer)
    by_name = {r["name"]: r for r in rows}
    assert by_name["Rennes"]["persons"][0] in (0, None)  # all of Rennes is very good
    assert by_name["Bruz"]["persons"][3] in (0, None)
    published = [v for r in rows for v in r["persons"] if v is not None]
    assert sum(published) == pytest.approx(buildings["population"].sum(), abs=len(rows) * 4)


def test_highlighting_the_gaps_outlines_them_on_the_map_until_turned_off(qtbot, tmp_path):
    """The button outlines the communes without good coverage (Bruz, the east half) on the
    map in thick dark lines; Rennes (very good) is left as it was; a second click, or
    closing the table, takes the outline away."""
    from map_helpers import differing_pixels, rgb_array

    from twin.ui.map.canvas import MapCanvas
    from twin.ui.panels.coverage_table import CommuneHighlight

    project, _buildings = _level_project(tmp_path)
    communes = project.layer("communes").frame
    canvas = MapCanvas()
    qtbot.addWidget(canvas)
    canvas.resize(400, 300)
    canvas.show()
    qtbot.waitExposed(canvas)
    canvas.set_project(project)
    canvas.zoom_to_bbox((X0 - 200, Y0 - 3200, X0 + 3200, Y0 + 200))
    before = canvas.grab_map()
    rows = commune_rows(project, project.layers[0])
    dialog = CoverageTableDialog(
        rows, canvas.zoom_to_bbox, communes, highlight=CommuneHighlight(canvas, communes)
    )
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.highlight_button.click()
    shown = canvas.grab_map()

    def dark_pixels(image, x0, x1):
        """Near-black pixels between map x0 and x1 (metres from X0), across the map."""
        left = int(canvas.map_to_widget(X0 + x0, Y0).x())
        right = int(canvas.map_to_widget(X0 + x1, Y0).x())
        pixels = rgb_array(image)[:, left:right].astype(int)
        return int((pixels.max(axis=2) < 60).sum())

    assert dark_pixels(shown, 1700, 2800) > dark_pixels(before, 1700, 2800) + 200  # Bruz
    assert dark_pixels(shown, 100, 1300) == dark_pixels(before, 100, 1300)  # Rennes
    dialog.highlight_button.click()
    assert differing_pixels(canvas.grab_map(), before) == 0
    dialog.highlight_button.click()
    dialog.close()
    assert differing_pixels(canvas.grab_map(), before) == 0


def test_a_commune_mostly_without_good_coverage_is_a_gap_even_with_a_few_covered():
    rows = [
        {"insee": "1", "persons": [537, 333, 34, 0]},  # 4 % good: a gap
        {"insee": "2", "persons": [41, 62, 255, None]},  # 71 % good: not a gap
        {"insee": "3", "persons": [None, None, 0, 0]},  # nobody published is well covered
        {"insee": "4", "persons": [0, None, 0, None]},  # unknown: not flagged
        {"insee": "5", "persons": [0, 1556, None, None]},
    ]
    assert communes_without_good_coverage(rows) == ["1", "3", "5"]


def test_the_table_shows_the_whole_territory_that_its_rows_add_up_to(qtbot, tmp_path):
    from twin.ui.panels.coverage_table import commune_table

    project, buildings = _level_project(tmp_path)
    rows, totals = commune_table(project, project.layers[0])
    population = round(buildings["population"].sum())
    assert totals == {"persons": population, "premises": int(buildings["premises"].sum())}
    assert sum(v for r in rows for v in r["persons"]) == pytest.approx(population, abs=8)
    dialog = CoverageTableDialog(rows, totals=totals)
    qtbot.addWidget(dialog)
    dialog.show()
    text = dialog.totals_label.text()
    assert dialog.totals_label.isVisible()
    assert f"{population:,}".replace(",", " ") + " persons" in text
    assert f"{totals['premises']:,}".replace(",", " ") + " premises" in text
