"""Citizen reports against predictions on a small hand-made territory: a 4 x 4 coverage
grid of 100 m pixels, two communes, three stops with PTAL places and two grid lines.
Every expected number is counted by hand from the drawing in each test."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
from affine import Affine
from shapely.geometry import LineString, Point, box

from twin.layers.raster import RasterLayer
from twin.layers.reports import COLUMNS, new_reports_layer
from twin.project import Project
from twin.sim.reports import (
    energy_check,
    is_no_signal,
    mobile_check,
    reports_per_commune,
    transit_check,
)
from twin.sim.reports_scenario import reports_improved, scenario_report_figures

X0, Y0 = 350_000.0, 6_790_000.0
CRS = "EPSG:2154"
# Coverage level per 100 m pixel, row 0 at the top (north): x grows to the east.
LEVEL = np.array(
    [
        [3, 3, 2, 0],
        [3, 2, 1, 0],
        [2, 1, 0, 0],
        [1, 0, 0, 0],
    ],
    dtype=np.uint8,
)
TRANSFORM = Affine(100.0, 0.0, X0, 0.0, -100.0, Y0 + 400)


def _pixel(row: int, col: int) -> tuple[float, float]:
    """The centre of pixel (row, col) in metres."""
    return X0 + 100 * col + 50, Y0 + 400 - 100 * row - 50


def _reports(rows: list[tuple]) -> gpd.GeoDataFrame:
    """Reports from (id, category, description, (x, y))."""
    data = {c: [] for c in COLUMNS}
    points = []
    for report_id, category, description, (x, y) in rows:
        record = dict.fromkeys(COLUMNS, "")
        record.update(report_id=report_id, category=category, description=description)
        for column in COLUMNS:
            data[column].append(record[column])
        points.append(Point(x, y))
    return gpd.GeoDataFrame(data, geometry=points, crs=CRS)


def test_no_signal_reports_where_twin_predicts_good_coverage():
    reports = _reports(
        [
            ("a", "mobile", "Pas de réseau ici", _pixel(0, 0)),  # level 3: disputed
            ("b", "mobile", "No signal at home", _pixel(1, 1)),  # level 2: disputed
            ("c", "mobile", "Pas de réseau", _pixel(1, 2)),  # level 1: agrees
            ("d", "mobile", "Appels coupés", _pixel(0, 1)),  # level 3, not "no signal"
            ("e", "mobile", "Zone blanche", _pixel(3, 3)),  # level 0: agrees
            ("f", "mobile", "No signal", (X0 - 500, Y0)),  # outside the grid
            ("g", "transit", "No signal on the bus", _pixel(0, 0)),  # not mobile
        ]
    )
    check = mobile_check(reports, LEVEL, TRANSFORM)
    assert check.levels == {"a": 3, "b": 2, "c": 1, "d": 3, "e": 0, "f": -1}
    assert check.by_level == {
        "no coverage": 1,
        "limited": 1,
        "good": 1,
        "very good": 2,
        "outside": 1,
    }
    assert (check.no_signal, check.no_signal_where_good) == (5, 2)
    assert check.disputed_ids == ["a", "b"]
    assert is_no_signal("MOBILE-NOSIG") and not is_no_signal("Débit faible")


def test_reports_per_1000_inhabitants_per_commune_pass_the_privacy_gate():
    west = box(X0, Y0, X0 + 200, Y0 + 400)
    east = box(X0 + 200, Y0, X0 + 400, Y0 + 400)
    communes = gpd.GeoDataFrame(
        {"insee": ["35001", "35002"], "name": ["West", "East"], "population": [2000, 15]},
        geometry=[west, east],
        crs=CRS,
    )
    reports = _reports(
        [
            ("1", "mobile", "", _pixel(0, 0)),
            ("2", "mobile", "", _pixel(1, 1)),
            ("3", "transit", "", _pixel(2, 0)),
            ("4", "mobile", "", _pixel(0, 3)),  # East: 6 households only
        ]
    )
    rows = reports_per_commune(reports, communes, pd.Series({"35001": 800.0, "35002": 6.0}))
    west_row, east_row = rows
    assert west_row["reports"] == 3.0 and west_row["mobile_reports"] == 2.0
    assert west_row["transit_reports"] == 1.0 and west_row["energy_reports"] == 0.0
    assert west_row["reports_per_1000_inhabitants"] == 1.5  # 3 reports / 2000 persons
    assert east_row["reports"] == {"value": None, "masked": True}
    assert east_row["reports_per_1000_inhabitants"] == {"value": None, "masked": True}


def test_transit_reports_near_low_ptal_stops():
    stops = gpd.GeoDataFrame(
        {"stop_id": ["s1", "s2"]},
        geometry=[Point(X0, Y0), Point(X0 + 2000, Y0)],
        crs=CRS,
    )
    ptal = gpd.GeoDataFrame(
        {"ptal": ["1b", "5"]},
        geometry=[Point(X0 + 20, Y0), Point(X0 + 2010, Y0)],
        crs=CRS,
    )
    reports = _reports(
        [
            ("t1", "transit", "", (X0 + 200, Y0)),  # 200 m from s1 (PTAL 1b): counted
            ("t2", "transit", "", (X0 + 2100, Y0)),  # near s2, PTAL 5: good service
            ("t3", "transit", "", (X0 + 1000, Y0)),  # 1 km from any stop
            ("m1", "mobile", "", (X0, Y0)),
        ]
    )
    check = transit_check(reports, stops, ptal)
    assert (check.reports, check.near_weak, check.ids) == (3, 1, ["t1"])


def test_energy_reports_near_overloaded_lines():
    lines = gpd.GeoDataFrame(
        {"line_id": ["l1", "l2"], "loading_percent": [134.0, 60.0]},
        geometry=[
            LineString([(X0, Y0), (X0 + 1000, Y0)]),
            LineString([(X0, Y0 + 3000), (X0 + 1000, Y0 + 3000)]),
        ],
        crs=CRS,
    )
    reports = _reports(
        [
            ("e1", "energy", "", (X0 + 500, Y0 + 400)),  # 400 m from the overloaded l1
            ("e2", "energy", "", (X0 + 500, Y0 + 2900)),  # near l2, loaded 60 %
            ("e3", "energy", "", (X0 + 500, Y0 - 600)),  # 600 m from l1
        ]
    )
    check = energy_check(reports, lines)
    assert (check.reports, check.near_weak, check.ids) == (3, 1, ["e1"])


def test_reports_in_areas_the_scenario_improves_is_a_kpi():
    after = LEVEL.copy()
    after[2:, 2:] = 2  # a new site covers the south-east 200 m x 200 m
    rows = [
        ("a", "mobile", "No signal", _pixel(3, 3)),  # 0 -> 2: improved
        ("b", "mobile", "No signal", _pixel(2, 2)),  # 0 -> 2: improved
        ("c", "mobile", "No signal", _pixel(0, 3)),  # 0 -> 0
        ("d", "energy", "", _pixel(3, 2)),  # improved place, not mobile
    ]
    reports = _reports(rows)
    assert reports_improved(reports, LEVEL, after, TRANSFORM) == 2
    project = Project(crs=CRS)
    project.add_layer(new_reports_layer(project.crs, reports))

    def level_layer(name, array):
        return RasterLayer(f"{name}: 4G+5G coverage level", array, TRANSFORM, CRS, unit="level")

    (figure,) = scenario_report_figures(
        project, [level_layer("New site", after)], [level_layer("baseline", LEVEL)]
    )
    assert (figure.key, figure.value, figure.baseline, figure.unit) == (
        "reports.mobile_improved",
        2.0,
        0.0,
        "reports",
    )
    assert figure.label == "Mobile reports in areas the scenario improves"
    assert scenario_report_figures(Project(crs=CRS), [], []) == []


def test_cli_check_on_the_sample(tmp_path):
    import contextlib
    import io
    import json
    from pathlib import Path

    from twin.cli import main

    data = Path(__file__).parent / "data" / "reports" / "georeport_v2.json"
    import shutil

    import twin

    project = tmp_path / "sample.twin"
    gtfs = twin.sample_project_path().with_name("rennes_gtfs.zip")
    shutil.copy(gtfs, tmp_path / gtfs.name)  # the sample's feed, beside the project
    with contextlib.redirect_stdout(io.StringIO()):
        assert main(["reports", "import", str(data), "--out", str(project)]) == 0
    out = tmp_path / "check.json"
    with contextlib.redirect_stdout(io.StringIO()):
        assert main(["reports", "check", str(project), "--out", str(out)]) == 0
    table = json.loads(out.read_text(encoding="utf-8"))
    assert table["reports"] == 5 and table["not_compared"] == {}
    assert sum(table["mobile"]["by_predicted_level"].values()) == 1  # one mobile report
    assert table["transit"]["reports"] == 1 and table["energy"]["reports"] == 1
    rennes = next(row for row in table["communes"] if row["name"] == "Rennes")
    assert rennes["reports"] == 5.0  # every fixture report is in Rennes
