"""``twin coverage``: GeoTIFFs in the project CRS and coverage.json with people per level."""

from __future__ import annotations

import json

import geopandas as gpd
import numpy as np
import pytest
import rasterio
from affine import Affine
from shapely.geometry import box

import twin
from twin.cli import main
from twin.layers import RasterLayer, VectorLayer
from twin.layers.mobile import sites_to_layer
from twin.layers.radio_sites import three_sector_site
from twin.project import Project

X0, Y0, PIXEL, SIZE = 350_000.0, 6_790_000.0, 50.0, 60  # a 3 km square near Rennes


def _project(tmp_path):
    project = Project()
    rng = np.random.default_rng(5)
    heights = (60.0 + 5.0 * rng.standard_normal((SIZE, SIZE))).astype(np.float32)
    project.add_layer(
        RasterLayer(
            "terrain",
            heights,
            Affine(PIXEL, 0, X0, 0, -PIXEL, Y0),
            "EPSG:2154",
            nodata=-9999.0,
            unit="m",
            layer_id="terrain",
        )
    )
    communes = gpd.GeoDataFrame(
        {
            "insee": ["35238", "35047"],
            "name": ["Rennes", "Bruz"],
            "population": [10, 20],
            "epci": ["243500139"] * 2,
        },
        geometry=[box(X0, Y0 - 3000, X0 + 1500, Y0), box(X0 + 1500, Y0 - 3000, X0 + 3000, Y0)],
        crs="EPSG:2154",
    )
    project.add_layer(VectorLayer("communes", communes, layer_id="communes"))
    n = 120
    x = rng.uniform(X0 + 20, X0 + 2980, n)
    y = rng.uniform(Y0 - 2980, Y0 - 20, n)
    buildings = gpd.GeoDataFrame(
        {
            "building_id": np.arange(n),
            "insee": np.where(x < X0 + 1500, "35238", "35047"),
            "population": rng.uniform(1, 30, n),
            "households": rng.integers(1, 12, n),
            "premises": rng.integers(1, 15, n),
        },
        geometry=[box(a - 5, b - 5, a + 5, b + 5) for a, b in zip(x, y, strict=True)],
        crs="EPSG:2154",
    )
    project.add_layer(VectorLayer("buildings", buildings, layer_id="buildings"))
    sites = [
        three_sector_site("S1", X0 + 800, Y0 - 900, 30.0, band_mhz=1800, operator="A"),
        three_sector_site(
            "S2", X0 + 2200, Y0 - 2100, 30.0, band_mhz=800, operator="A", model="3gpp-rma"
        ),
    ]
    project.add_layer(sites_to_layer(sites))
    project.layers[0].id = "mobile_cells"
    path = project.save(tmp_path / "toy.twin")
    return path, buildings


def test_cli_writes_geotiffs_in_the_project_crs(tmp_path, capsys):
    path, buildings = _project(tmp_path)
    out = tmp_path / "out"
    assert main(["coverage", str(path), "--out", str(out), "--range-m", "3000"]) == 0
    for name in ("best_rsrp", "best_server", "sinr", "level"):
        with rasterio.open(out / f"{name}.tif") as dataset:
            assert dataset.crs.to_epsg() == 2154
            assert dataset.shape == (SIZE, SIZE)
            assert dataset.transform == Affine(PIXEL, 0, X0, 0, -PIXEL, Y0)
            data = dataset.read(1)
        if name == "level":
            assert set(np.unique(data)) <= {0, 1, 2, 3}
        if name == "best_rsrp":
            assert np.nanmax(data) > -90.0  # near the masts
    report = json.loads((out / "coverage.json").read_text())
    people = report["people"]
    # persons are rounded per level (whole persons), so the sum is within 2 of the total
    assert sum(people["persons"].values()) == pytest.approx(buildings["population"].sum(), abs=2)
    assert sum(people["premises"].values()) == pytest.approx(buildings["premises"].sum())
    assert set(people["zones"]) == {"35238", "35047"}
    assert people["zones"]["35238"]["name"] == "Rennes"
    assert report["models"] == ["3gpp-rma", "3gpp-uma"]
    assert report["levels"]["thresholds_dbm"] == [-115.0, -105.0, -95.0]
    assert "S1-1" in report["cells"].values()
    assert "wrote 4 GeoTIFFs" in capsys.readouterr().out


def test_cli_unknown_scenario_is_a_data_error(tmp_path, capsys):
    path, _ = _project(tmp_path)
    code = main(["coverage", str(path), "--out", str(tmp_path / "o"), "--scenario", "new mast"])
    assert code == 2
    assert "no scenario named 'new mast'" in capsys.readouterr().err


def test_cli_scenario_removing_a_site_loses_coverage(tmp_path):
    path, _ = _project(tmp_path)
    project = twin.open_project(path)
    project.scenarios = [
        {
            "name": "switch off S2",
            "interventions": [{"type": "remove_mobile_site", "site_id": "S2"}],
        }
    ]
    project.save(path)
    out = tmp_path / "scenario"
    assert main(["coverage", str(path), "--out", str(out), "--scenario", "switch off S2"]) == 0
    report = json.loads((out / "coverage.json").read_text())
    assert report["scenario"] == "switch off S2"
    assert "S2-1" not in report["cells"].values() and "S1-1" in report["cells"].values()
    gained = report["difference_vs_baseline"]["persons"]
    # people only move between levels: the gains and losses cancel out
    assert sum(gained.values()) == pytest.approx(0.0, abs=1e-6)
    assert gained["no coverage"] > 0  # the buildings S2 served lose their signal
    assert gained["very good"] < 0


def test_cli_on_the_sample_territory(tmp_path):
    # coarse pixels and a short range keep this quick; the full run uses the DEM's 50 m grid
    out = tmp_path / "sample"
    assert twin.sample_project_path().exists()
    code = main(
        [
            "coverage",
            "--out",
            str(out),
            "--pixel-m",
            "400",
            "--range-m",
            "2000",
            "--operator",
            "Opérateur A",
        ]
    )
    assert code == 0
    with rasterio.open(out / "level.tif") as dataset:
        assert dataset.crs.to_epsg() == 2154
    report = json.loads((out / "coverage.json").read_text())
    total = twin.open_project(None).layer("buildings").frame["population"].sum()
    assert report["people"]["total_persons"] == pytest.approx(total)
