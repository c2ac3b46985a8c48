"""`twin transit` on a tiny project: GeoPackage layers and KPI JSON."""

from __future__ import annotations

import json

import geopandas as gpd
import numpy as np
import pyogrio
import pytest
import shapely
from test_transit_support import X0, Y0, street_grid, tiny_feed, write_zip

from twin.cli import main
from twin.layers import VectorLayer
from twin.project import Project


def _tiny_project(tmp_path):
    xy, u, v = street_grid(5, 100.0)
    xy = xy + np.array([X0 - 200.0, Y0 - 200.0])  # the feed's stops lie on the street y = Y0
    roads = gpd.GeoDataFrame(
        {"road_id": np.arange(len(u)), "highway": "residential"},
        geometry=shapely.linestrings(np.stack([xy[u], xy[v]], axis=1)),
        crs="EPSG:2154",
    )
    cx, cy = np.meshgrid(np.arange(-150.0, 200.0, 100.0), np.arange(-150.0, 200.0, 100.0))
    centres = np.column_stack([X0 + cx.ravel(), Y0 + cy.ravel()])
    buildings = gpd.GeoDataFrame(
        {"building_id": np.arange(len(centres)), "population": 10.0, "premises": 4},
        geometry=shapely.box(*(centres - 5).T, *(centres + 5).T),
        crs="EPSG:2154",
    )
    project = Project()
    project.add_layer(VectorLayer("roads", roads, layer_id="roads"))
    project.add_layer(VectorLayer("buildings", buildings, layer_id="buildings"))
    project.metadata["gtfs"] = "feed.zip"
    write_zip(tmp_path / "feed.zip", tiny_feed())
    return project.save(tmp_path / "tiny.twin")


def test_cli_writes_layers_and_kpis(tmp_path, capsys):
    path = _tiny_project(tmp_path)
    out = tmp_path / "out"
    assert main(["transit", str(path), "--out", str(out)]) == 0
    assert "people within 10 min" in capsys.readouterr().out
    layers = {name for name, _ in pyogrio.list_layers(out / "transit.gpkg")}
    assert {"stops", "routes", "ptal", "catchments"} <= layers
    kpis = json.loads((out / "transit_kpis.json").read_text())
    # default day: the feed's first Tuesday, 2024-01-02; S1 has 3 departures 08:15-09:15
    assert kpis["date"] == "2024-01-02"
    stops = gpd.read_file(out / "transit.gpkg", layer="stops").set_index("stop_id")
    assert stops.loc["S1", "departures_per_hour"] == pytest.approx(3.0)
    # calendar day 00:00-24:00: 5 weekday trips plus Monday's 24:30:00 trip (Tuesday 00:30);
    # Tuesday's own 24:30:00 trip leaves on Wednesday and is not counted -> 6
    assert stops.loc["S1", "departures_day"] == 6
    assert kpis["persons_total"] == 160.0
    assert sum(kpis["persons_per_ptal_band"].values()) == pytest.approx(160.0)
    # the 8 building centres at y = -50 and +50 are within 10 min of S1/S2 on y = 0
    assert 0 < kpis["persons_within_10min"] <= 160.0
    assert kpis["persons_within_5min"] <= kpis["persons_within_10min"]
    ptal = gpd.read_file(out / "transit.gpkg", layer="ptal")
    assert len(ptal) == 16 and set(ptal["ptal"]) <= {"0", "1a", "1b"}
    assert "population" not in ptal.columns  # aggregates only in exports


def test_cli_reports_missing_feed(tmp_path, capsys):
    path = _tiny_project(tmp_path)
    (tmp_path / "feed.zip").unlink()
    assert main(["transit", str(path), "--out", str(tmp_path / "o")]) == 2
    assert "no such GTFS" in capsys.readouterr().err


def test_cli_on_the_sample_territory(tmp_path):
    """Without PROJECT the command studies the bundled sample (Rennes, its GTFS feed)."""
    import twin

    out = tmp_path / "sample"
    assert main(["transit", "--out", str(out)]) == 0
    kpis = json.loads((out / "transit_kpis.json").read_text())
    population = twin.open_project(None).layer("buildings").frame["population"].sum()
    assert kpis["locations"] == "buildings"
    assert kpis["persons_total"] == pytest.approx(population)
    assert sum(kpis["persons_per_ptal_band"].values()) == pytest.approx(population)
    assert 0 < kpis["persons_within_5min"] < kpis["persons_within_10min"] < population
    assert kpis["hubs"] and all(len(h["lines"]) >= 2 for h in kpis["hubs"])
    stops = gpd.read_file(out / "transit.gpkg", layer="stops")
    assert (stops["departures_per_hour"] > 0).any()
