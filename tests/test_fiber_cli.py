"""``twin fiber`` on a tiny project built in a temporary folder."""

from __future__ import annotations

import json

import geopandas as gpd
import pyogrio
import pytest
from shapely.geometry import LineString, Point, box

from twin.cli import main
from twin.layers import VectorLayer
from twin.project import Project

CRS = "EPSG:2154"
pytestmark = pytest.mark.filterwarnings("ignore:.*non conformant file extension")


@pytest.fixture
def tiny_project(tmp_path):
    """A 300 m street (0,0)-(300,0) with a 50 m stub (0,0)-(0,-50) carrying a fiber cable;
    PM1 (capacity 100) at (0,0); a duct under the street's first 100 m; buildings 10 m off
    the street at x=150 (3 premises) and x=250 (2), not eligible, in Testville (35999)."""
    layers = {
        "roads": gpd.GeoDataFrame(
            {"road_id": [1, 2], "name": ["Rue A", "Impasse B"], "highway": "residential"},
            geometry=[LineString([(0, 0), (300, 0)]), LineString([(0, 0), (0, -50)])],
            crs=CRS,
        ),
        "buildings": gpd.GeoDataFrame(
            {
                "building_id": [1, 2],
                "insee": "35999",
                "commune": "Testville",
                "premises": [3, 2],
                "fiber_status": "not-eligible",
            },
            geometry=[box(147, 7, 153, 13), box(247, 7, 253, 13)],
            crs=CRS,
        ),
        "fiber_nodes": gpd.GeoDataFrame(
            {
                "node_id": ["NRO1", "PM1"],
                "kind": ["NRO", "PM"],
                "name": ["NRO", "PM"],
                "capacity_premises": [0, 100],
                "parent_id": ["", "NRO1"],
            },
            geometry=[Point(0, -50), Point(0, 0)],
            crs=CRS,
        ),
        "fiber_cables": gpd.GeoDataFrame(
            {
                "cable_id": ["C1"],
                "kind": ["fiber"],
                "support": ["duct"],
                "from_node": ["NRO1"],
                "length_m": [50.0],
            },
            geometry=[LineString([(0, -50), (0, 0)])],
            crs=CRS,
        ),
        "ducts": gpd.GeoDataFrame(
            {"duct_id": ["D1"], "support": ["duct"], "length_m": [100.0]},
            geometry=[LineString([(0, 0), (100, 0)])],
            crs=CRS,
        ),
        "communes": gpd.GeoDataFrame(
            {"insee": ["35999"], "name": ["Testville"], "population": [10], "epci": ["1"]},
            geometry=[box(-100, -100, 400, 100)],
            crs=CRS,
        ),
    }
    project = Project()
    for name, frame in layers.items():
        project.add_layer(VectorLayer(name, frame, layer_id=name))
    path = tmp_path / "tiny.twin"
    project.save(path)
    return path


def check_outputs(out) -> dict:
    # Same hand arithmetic as tests/test_fiber_plan.py::test_cost_arithmetic_by_hand:
    # duct 100 m x 12 = 1,200 + trench 150 m x 90 = 13,500 + 2 PBO x 450 = 900
    # + 5 connections x 350 = 1,750 = 17,350 EUR, 3,470 EUR per premise.
    kpis = json.loads((out / "fiber_kpis.json").read_text())
    assert kpis["premises_passed"] == 5
    assert sorted(kpis["passed_building_ids"]) == [1, 2]
    assert kpis["metres_by_kind"] == {"duct": 100.0, "aerial": 0.0, "trench": 150.0}
    assert kpis["capex_eur"]["total"] == pytest.approx(17350.0)
    assert kpis["capex_eur"]["pbo"] == pytest.approx(900.0)
    assert kpis["cost_per_premise_eur"] == pytest.approx(3470.0)
    zones = {row["zone"]: row for row in kpis["eligibility_by_zone"]}
    assert zones["Testville"]["share_baseline_pct"] == 0.0
    assert zones["Testville"]["share_plan_pct"] == 100.0
    layers = dict(pyogrio.list_layers(out / "fiber.gpkg"))
    assert {"fiber_route", "pbos", "premises_passed"} <= set(layers)
    route = gpd.read_file(out / "fiber.gpkg", layer="fiber_route")
    assert route.groupby("kind")["length_m"].sum().to_dict() == pytest.approx(
        {"duct": 100.0, "trench": 150.0}
    )
    assert len(gpd.read_file(out / "fiber.gpkg", layer="pbos")) == 2
    return kpis


def test_cli_with_an_area_file(tiny_project, tmp_path, capsys):
    area = tmp_path / "area.geojson"
    gpd.GeoDataFrame(geometry=[box(100, -50, 300, 50)], crs=CRS).to_file(area)
    out = tmp_path / "out"
    assert main(["fiber", str(tiny_project), "--area", str(area), "--out", str(out)]) == 0
    kpis = check_outputs(out)
    assert "target area" in {row["zone"] for row in kpis["eligibility_by_zone"]}
    assert "5 premises passed" in capsys.readouterr().out


@pytest.mark.parametrize("zone", ["Testville", "35999", "testville"])
def test_cli_with_a_zone(tiny_project, tmp_path, zone):
    out = tmp_path / "zone"
    assert main(["fiber", str(tiny_project), "--zone", zone, "--out", str(out)]) == 0
    check_outputs(out)


def test_cli_budget_phasing_and_unknown_zone(tiny_project, tmp_path, capsys):
    out = tmp_path / "phased"
    code = main(
        ["fiber", str(tiny_project), "--zone", "Testville", "--out", str(out), "--budget", "12000"]
    )
    assert code == 0
    kpis = json.loads((out / "fiber_kpis.json").read_text())
    assert [p["capex_eur"] for p in kpis["phasing"]] == [7200.0, 10150.0]
    assert main(["fiber", str(tiny_project), "--zone", "Atlantis", "--out", str(out)]) == 2
    assert "Atlantis" in capsys.readouterr().err
