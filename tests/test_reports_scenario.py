"""Citizen reports in areas a scenario improves, for transit and energy, on hand-made
places: PTAL places whose accessibility index rises, grid elements brought back within
limits. Every expected count is read off the drawing in each test; then the figures with
their lineage in simulate()'s figures and ``twin simulate``'s kpis.json on the sample."""

from __future__ import annotations

import contextlib
import io
import json
from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
import shapely
from shapely.geometry import LineString, Point, Polygon

from twin.layers.reports import COLUMNS, new_reports_layer
from twin.layers.vector import VectorLayer
from twin.project import Project
from twin.sim.reports_scenario import (
    elements_back_within_limits,
    energy_improved,
    scenario_report_figures,
    transit_improved,
)
from twin.sim.whatif.lineage import figure_lineage, lineage_text

X0, Y0 = 350_000.0, 6_790_000.0
CRS = "EPSG:2154"


def _reports(rows: list[tuple]) -> gpd.GeoDataFrame:
    """Reports from (id, category, (x, y))."""
    data: dict[str, list] = {c: [] for c in COLUMNS}
    for report_id, category, _xy in rows:
        record = dict.fromkeys(COLUMNS, "")
        record.update(report_id=report_id, category=category)
        for column in COLUMNS:
            data[column].append(record[column])
    points = [Point(x, y) for _i, _c, (x, y) in rows]
    return gpd.GeoDataFrame(data, geometry=points, crs=CRS)


# Three PTAL places on an east-west street, 1 km apart; a new line raises the AI of the
# first (west) only; the second keeps its AI, the third loses some (a stop moved away).
PLACES = [Point(X0, Y0), Point(X0 + 1000, Y0), Point(X0 + 2000, Y0)]


def _ptal(ai: list[float], bands: list[str]) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"walk_min": [3.0, 3.0, 3.0], "ai": ai, "ptal": bands}, geometry=PLACES, crs=CRS
    )


PTAL_BEFORE = _ptal([2.5, 12.0, 30.0], ["1a", "3", "5"])
PTAL_AFTER = _ptal([9.75, 12.0, 21.0], ["2", "3", "4"])
TRANSIT_REPORTS = [
    ("t1", "transit", (X0 + 250, Y0)),  # 250 m from the raised place: counted
    ("t2", "transit", (X0, Y0 - 290)),  # 290 m south of it: counted
    ("t3", "transit", (X0 - 350, Y0)),  # 350 m: beyond the 300 m walk
    ("t4", "transit", (X0 + 1000, Y0 + 50)),  # at the unchanged place
    ("t5", "transit", (X0 + 2000, Y0)),  # at the place whose AI fell
    ("m1", "mobile", (X0, Y0)),  # at the raised place, not a transit report
    ("e9", "energy", (X0 + 10, Y0)),  # 10 m from the substation (start of l1)
]


def test_transit_reports_near_places_whose_ptal_rises():
    reports = _reports(TRANSIT_REPORTS)
    assert transit_improved(reports, PTAL_BEFORE, PTAL_AFTER) == 2  # t1, t2
    assert transit_improved(reports, PTAL_BEFORE, PTAL_BEFORE) == 0  # the baseline itself
    assert transit_improved(reports, PTAL_AFTER, PTAL_BEFORE) == 1  # t5: AI 21 -> 30
    assert transit_improved(reports, PTAL_BEFORE, PTAL_AFTER, radius_m=400.0) == 3  # + t3


# A feeder going north from a substation: line l1 (0-600 m) overloaded in the baseline,
# reinforced in the scenario; line l2 (600-1200 m) overloaded in both; the bus at its end
# (b3, 1200 m) under voltage in the baseline and back within the band in the scenario;
# transformer k1 at the substation within limits in both.
def _grid(l1: bool, l2: bool, b3: bool) -> list[gpd.GeoDataFrame]:
    lines = gpd.GeoDataFrame(
        {"line_id": [1, 2], "loading_percent": [130.0 if l1 else 80.0, 120.0]},
        geometry=[
            LineString([(X0, Y0), (X0, Y0 + 600)]),
            LineString([(X0, Y0 + 600), (X0, Y0 + 1200)]),
        ],
        crs=CRS,
    )
    lines["violation"] = [l1, l2]
    trafos = gpd.GeoDataFrame(
        {"trafo_id": [1], "loading_percent": [70.0], "violation": [False]},
        geometry=[Point(X0, Y0)],
        crs=CRS,
    )
    buses = gpd.GeoDataFrame(
        {"bus_id": [1, 2, 3], "vm_min_pu": [1.0, 0.95, 0.88 if b3 else 0.92]},
        geometry=[Point(X0, Y0), Point(X0, Y0 + 600), Point(X0, Y0 + 1200)],
        crs=CRS,
    )
    buses["violation"] = [False, False, b3]
    return [lines, trafos, buses]


GRID_BEFORE = _grid(l1=True, l2=True, b3=True)
GRID_AFTER = _grid(l1=False, l2=True, b3=False)
ENERGY_REPORTS = [
    ("e1", "energy", (X0 + 400, Y0 + 300)),  # 400 m east of l1 (fixed): counted
    ("e2", "energy", (X0 - 450, Y0 + 1300)),  # 461 m from b3 (fixed), the end of l2
    ("e3", "energy", (X0 + 450, Y0 + 900)),  # 450 m from l2 only (still overloaded)
    ("e4", "energy", (X0 + 800, Y0)),  # 800 m from everything
    ("t9", "transit", (X0, Y0 + 400)),  # on l1, not an energy report
]


def test_energy_reports_near_elements_brought_back_within_limits():
    fixed = elements_back_within_limits(GRID_BEFORE, GRID_AFTER)
    assert sorted(fixed.geometry.geom_type) == ["LineString", "Point"]  # l1 and b3
    reports = _reports(ENERGY_REPORTS)
    assert energy_improved(reports, GRID_BEFORE, GRID_AFTER) == 2  # e1, e2
    assert energy_improved(reports, GRID_BEFORE, GRID_BEFORE) == 0
    assert energy_improved(reports, GRID_AFTER, GRID_BEFORE) == 0  # made worse: no fix
    assert energy_improved(reports, GRID_BEFORE, GRID_AFTER, radius_m=300.0) == 0


def _project(rows: list[tuple]) -> Project:
    project = Project(crs=CRS)
    project.add_layer(new_reports_layer(project.crs, _reports(rows)))
    return project


def _layers(side: str, ptal: gpd.GeoDataFrame, grid: list[gpd.GeoDataFrame]) -> list:
    names = ("Line loading", "Transformer loading", "Bus voltage (lowest)")
    return [
        VectorLayer(f"{side}: PTAL", ptal, crs=CRS),
        *(VectorLayer(f"{side}: {name}", f, crs=CRS) for name, f in zip(names, grid, strict=True)),
    ]


def test_transit_and_energy_figures_with_their_lineage():
    project = _project(TRANSIT_REPORTS + ENERGY_REPORTS)
    figures = scenario_report_figures(
        project,
        _layers("Tram B+", PTAL_AFTER, GRID_AFTER),
        _layers("baseline", PTAL_BEFORE, GRID_BEFORE),
    )
    by_key = {f.key: f for f in figures}
    assert set(by_key) == {"reports.transit_improved", "reports.energy_improved"}  # no radio
    transit, energy = by_key["reports.transit_improved"], by_key["reports.energy_improved"]
    assert (transit.value, transit.baseline, transit.unit, transit.domain) == (
        2.0,
        0.0,
        "reports",
        "reports",
    )
    assert energy.value == 3.0 and energy.better == "up"  # e1, e2 and e9
    assert transit.label == "Transit reports in areas the scenario improves"
    assert energy.label == "Energy reports in areas the scenario improves"
    assert transit.to_dict()["masked"] == []  # reports, not people: never masked

    lineage = figure_lineage(transit, project)
    assert "PTAL accessibility index is higher in the scenario" in lineage["model"]
    assert "within 300 m" in lineage["model"] and lineage["parameters"]["radius_m"] == 300.0
    assert "Transport for London" in lineage["standard"]
    assert lineage["inputs"][0]["source"] == "citizen reports"
    assert "whole territory" in lineage["privacy"]["note"]
    assert lineage["privacy"]["people_figure"] is False
    lineage = figure_lineage(energy, project)
    assert "violates a limit in the baseline" in lineage["model"]
    assert "within every limit in the scenario" in lineage["model"]
    assert "EN 50160" in lineage["standard"] and lineage["parameters"]["radius_m"] == 500.0
    assert "within 500 m" in lineage_text(lineage)


def test_no_figure_when_an_engine_did_not_run_or_no_reports():
    project = _project(TRANSIT_REPORTS)
    only_transit = scenario_report_figures(
        project,
        [VectorLayer("s: PTAL", PTAL_AFTER, crs=CRS)],
        [VectorLayer("baseline: PTAL", PTAL_BEFORE, crs=CRS)],
    )
    assert [f.key for f in only_transit] == ["reports.transit_improved"]
    empty = Project(crs=CRS)
    assert scenario_report_figures(empty, _layers("s", PTAL_AFTER, GRID_AFTER), []) == []


SCENARIO = "Plan du conseil 2027"  # saved in the sample: a site, a fiber extension, PV


@pytest.fixture(scope="module")
def sample_with_reports(tmp_path_factory):
    """A copy of the sample with the GeoReport v2 fixture's five reports imported."""
    import shutil

    import twin
    from twin.cli import main

    folder = tmp_path_factory.mktemp("reports_sample")
    data = Path(__file__).parent / "data" / "reports" / "georeport_v2.json"
    project = folder / "sample.twin"
    gtfs = twin.sample_project_path().with_name("rennes_gtfs.zip")
    shutil.copy(gtfs, folder / gtfs.name)
    with contextlib.redirect_stdout(io.StringIO()):
        assert main(["reports", "import", str(data), "--out", str(project)]) == 0
    return project


def test_simulate_json_has_the_three_report_figures_with_lineage(sample_with_reports, tmp_path):
    from twin.cli import main

    out = tmp_path / "out"
    args = ["simulate", str(sample_with_reports), "--scenario", SCENARIO, "--out", str(out)]
    with contextlib.redirect_stdout(io.StringIO()):
        assert main([*args, "--quiet"]) == 0
    rows = json.loads((out / "kpis.json").read_text(encoding="utf-8"))["figures"]
    reports = {r["key"]: r for r in rows if r["domain"] == "reports"}
    assert set(reports) == {
        "reports.mobile_improved",
        "reports.transit_improved",
        "reports.energy_improved",
    }
    words = {"mobile": "coverage level", "transit": "PTAL", "energy": "violates a limit"}
    for category, word in words.items():
        row = reports[f"reports.{category}_improved"]
        assert row["unit"] == "reports" and row["baseline"] == 0.0 and row["masked"] == []
        assert word in row["lineage"]["model"], category
        assert row["lineage"]["inputs"][0]["source"] == "citizen reports"
        assert len(row["lineage"]["inputs"]) > 1  # and the engine's own input layers
    # the council plan adds no transit line: no place's PTAL rises
    assert reports["reports.transit_improved"]["value"] == 0.0


def test_the_figure_label_is_translated():
    from twin import i18n
    from twin.sim.reports_scenario import improved_figure

    previous = i18n.language()
    i18n.set_language("fr")
    try:
        label = improved_figure(1, "energy").label
    finally:
        i18n.set_language(previous)
    assert label == "Signalements énergie dans les zones que le scénario améliore"
    assert improved_figure(1, "transit").label == "Transit reports in areas the scenario improves"


def test_points_near_answers_as_a_spatial_index_does_for_every_kind_of_target():
    """The vectorised proximity test behind the transit count (box centres in a k-d tree,
    exact checks only near the radius) against shapely's STRtree ``dwithin`` on random
    points, footprints of all sizes, long lines, missing and empty geometries."""
    from shapely import STRtree, box, linestrings, points

    from twin.sim.reports_scenario import points_near

    rng = np.random.default_rng(11)
    x, y = rng.uniform(0, 5000, 400), rng.uniform(0, 5000, 400)
    sizes = rng.choice([1.0, 15.0, 120.0, 900.0], 400)  # up to footprints wider than 300 m
    targets = np.concatenate(
        [
            box(x, y, x + sizes, y + sizes / 2),
            points(rng.uniform(0, 5000, (50, 2))),
            linestrings(rng.uniform(0, 5000, (20, 3, 2))),
            np.array([None, Point()], dtype=object),
        ]
    )
    reports = points(rng.uniform(-500, 5500, (3000, 2)))
    reports = np.concatenate([reports, np.array([Point(), None], dtype=object)])
    kept = targets[~(shapely.is_missing(targets) | shapely.is_empty(targets))]
    left, _right = STRtree(kept).query(reports, predicate="dwithin", distance=300.0)
    expected = np.zeros(len(reports), dtype=bool)
    expected[left] = True
    found = points_near(reports, targets, 300.0)
    assert 0 < expected.sum() < len(reports) - 2  # some near, some not: a real test
    assert (found == expected).all()
    assert not found[-2:].any()  # reports without a position are near nothing
    assert not points_near(reports, targets[-2:], 300.0).any()  # nothing to be near


def test_transit_count_measures_from_a_footprints_edge_not_its_centre():
    """Buildings as footprints (the engine's PTAL places are building geometries): a
    report 295 m from a footprint's edge is counted, one 305 m away is not, though both
    are farther than 300 m from its centre."""
    footprint = Polygon([(X0, Y0), (X0 + 40, Y0), (X0 + 40, Y0 + 30), (X0, Y0 + 30)])
    before = gpd.GeoDataFrame({"ai": [1.0, 1.0]}, geometry=[footprint, Point(X0 + 9e3, Y0)])
    after = gpd.GeoDataFrame({"ai": [4.0, 1.0]}, geometry=list(before.geometry))
    reports = _reports(
        [
            ("in", "transit", (X0 + 40 + 295, Y0 + 15)),
            ("out", "transit", (X0 + 40 + 305, Y0 + 15)),
            ("other", "transit", (X0 + 9e3 + 10, Y0)),  # at the place whose AI did not rise
        ]
    )
    assert transit_improved(reports, before, after) == 1
