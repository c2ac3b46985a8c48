"""`twin info`: what a project or data file holds, as text or JSON; bad input gives one line
on stderr and exit status 2."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import geopandas as gpd
import pytest
import shapely

import twin
from twin.cli import main
from twin.layers import Provenance, VectorLayer
from twin.layers.style import categorized_style
from twin.project import Project, View

pytestmark = pytest.mark.filterwarnings("ignore:.*non conformant file extension:RuntimeWarning")

REPO = Path(__file__).resolve().parent.parent


def _small_project(path: Path) -> Path:
    project = Project(crs="EPSG:2154")
    stops = gpd.GeoDataFrame(
        {"stop_id": ["S1", "S2", "S3"], "modes": ["bus", "tram", "bus"]},
        geometry=[
            shapely.Point(351000, 6789000),
            shapely.Point(352000, 6790500),
            shapely.Point(353000, 6791000),
        ],
        crs="EPSG:2154",
    )
    project.add_layer(
        VectorLayer(
            "Transit stops",
            stops,
            style=categorized_style(stops["modes"], "modes"),
            provenance=Provenance(
                source="generated:transit",
                licence="ODbL",
                attribution="© OpenStreetMap contributors",
            ),
            layer_id="transit_stops",
        )
    )
    project.add_view(View("Centre", (351000.0, 6789000.0, 352000.0, 6790000.0)))
    return project.save(path)


def test_info_on_a_project(tmp_path, capsys):
    path = _small_project(tmp_path / "small.twin")
    assert main(["info", str(path)]) == 0
    out = capsys.readouterr().out
    assert f"Project: {path}" in out
    assert "CRS: EPSG:2154 (RGF93 v1 / Lambert-93)" in out
    assert "Extent: 351000.0, 6789000.0 – 353000.0, 6791000.0 m (2.0 x 2.0 km)" in out
    assert "1. Transit stops [transit_stops]: vector point, 3 features, EPSG:2154" in out
    assert "© OpenStreetMap contributors · ODbL" in out
    assert "Views (1):" in out and "Centre: 351000.0, 6789000.0 – 352000.0, 6790000.0 m" in out


def test_info_json_on_a_project(tmp_path, capsys):
    path = _small_project(tmp_path / "small.twin")
    assert main(["info", str(path), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["type"] == "project" and report["crs"].startswith("EPSG:2154")
    assert report["extent"] == [351000.0, 6789000.0, 353000.0, 6791000.0]
    (layer,) = report["layers"]
    assert (layer["name"], layer["geometry"], layer["feature_count"]) == (
        "Transit stops",
        "point",
        3,
    )
    assert layer["provenance"]["licence"] == "ODbL"
    assert report["views"] == [
        {"name": "Centre", "bbox": [351000.0, 6789000.0, 352000.0, 6790000.0]}
    ]


def test_info_on_data_files(data_dir, capsys):
    assert main(["info", str(data_dir / "vector" / "bubenec.gpkg")]) == 0
    out = capsys.readouterr().out
    assert "(GeoPackage)" in out and "CRS: EPSG:3857 (WGS 84 / Pseudo-Mercator)" in out
    assert "1. buildings [" in out and "vector polygon, 144 features" in out
    assert "2. streets [" in out and "vector line, 35 features" in out
    assert main(["info", str(data_dir / "osm" / "karhula.osm.pbf"), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert [layer["feature_count"] for layer in report["layers"]] == [114, 339, 2271]
    assert {layer["provenance"]["attribution"] for layer in report["layers"]} == {
        "© OpenStreetMap contributors"
    }


def test_info_without_path_describes_the_sample(tmp_path, capsys, monkeypatch):
    sample = _small_project(tmp_path / "sample.twin")
    monkeypatch.setattr(twin, "SAMPLE_PROJECT", sample)
    assert main(["info"]) == 0
    assert f"Project: {sample}" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("missing.gpkg", None, "No file at"),
        ("broken.gpkg", b"SQLite format 3\x00" + bytes(500), "broken.gpkg is not a readable"),
        ("broken.twin", b"garbage" * 50, "broken.twin is not a twin project"),
        ("table.csv", b"commune,population\nRennes,220488\n", "no coordinate columns"),
        ("notes.docx", b"PK\x05\x06" + bytes(40), "unknown format"),
    ],
)
def test_bad_input_one_line_and_exit_2(tmp_path, capsys, name, content, message):
    path = tmp_path / name
    if content is not None:
        path.write_bytes(content)
    assert main(["info", str(path)]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("twin info: ") and message in lines[0]


def test_real_process_exit_codes(tmp_path, data_dir):
    # the console script `twin` runs twin.cli.main; run it in a fresh interpreter
    command = [sys.executable, "-c", "import sys; from twin.cli import main; sys.exit(main())"]
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    ok = subprocess.run(
        [*command, "info", str(data_dir / "vector" / "bubenec.gpkg")],
        capture_output=True,
        text=True,
        env=env,
        cwd=REPO,
        timeout=120,
    )
    assert ok.returncode == 0 and "streets" in ok.stdout
    bad = subprocess.run(
        [*command, "info", str(tmp_path / "nowhere.twin")],
        capture_output=True,
        text=True,
        env=env,
        cwd=REPO,
        timeout=120,
    )
    assert bad.returncode == 2
    assert bad.stderr.strip().count("\n") == 0 and "nowhere.twin" in bad.stderr


def test_info_on_a_geotiff(tmp_path, capsys):
    import numpy as np
    import rasterio
    from affine import Affine

    path = tmp_path / "dem.tif"
    array = np.full((3, 4), 42.0, dtype="float32")
    array[0, 0] = -9999.0
    with rasterio.open(
        path,
        "w",
        driver="GTiff",
        height=3,
        width=4,
        count=1,
        dtype="float32",
        crs="EPSG:2154",
        transform=Affine(50.0, 0, 351000.0, 0, -50.0, 6790000.0),
        nodata=-9999.0,
    ) as dataset:
        dataset.write(array, 1)
    assert main(["info", str(path)]) == 0
    out = capsys.readouterr().out
    assert "1. dem [" in out and "raster, 11 pixels with data, EPSG:2154" in out
    assert "extent: 351000.0, 6789850.0 – 351200.0, 6790000.0 m" in out


def test_info_recognises_a_project_saved_as_gpkg(tmp_path, capsys):
    path = _small_project(tmp_path / "small.gpkg")
    assert path.suffix == ".gpkg"
    assert main(["info", str(path)]) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"Project: {path} (twin project)") and "Views (1):" in out


def _project_with_scenarios(path: Path) -> Path:
    """The small project with one usable scenario and two that fail validation (a negative
    count, a place outside the project's extent)."""
    _small_project(path)
    project = twin.open_project(path)
    chargers = {"type": "add_ev_chargers", "name": "Gare", "x": 351_500.0, "y": 6_789_500.0}
    project.scenarios = [
        {"name": "Chargers", "interventions": [{**chargers, "count": 4, "power_kw": 22.0}]},
        {"name": "Negative", "interventions": [{**chargers, "count": -3, "power_kw": 22.0}]},
        {
            "name": "Far away",
            "interventions": [{**chargers, "x": 900_000.0, "count": 2, "power_kw": 22.0}],
        },
    ]
    return project.save(path)


def test_info_lists_set_aside_scenarios_with_their_reason(tmp_path, capsys):
    path = _project_with_scenarios(tmp_path / "scenarios.twin")
    assert main(["info", str(path)]) == 0
    out = capsys.readouterr().out
    assert "Scenarios (3):" in out
    assert "  Chargers: 1 intervention\n" in out
    negative = next(line for line in out.splitlines() if line.startswith("  Negative:"))
    assert "set aside (kept in the file, not used)" in negative
    assert "count" in negative and "-3" in negative
    far = next(line for line in out.splitlines() if line.startswith("  Far away:"))
    assert "set aside" in far and "extent" in far
    assert main(["info", str(path), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert [(s["name"], s["set_aside"]) for s in report["scenarios"]] == [
        ("Chargers", False),
        ("Negative", True),
        ("Far away", True),
    ]
    assert report["scenarios"][0]["reason"] is None
    assert "-3" in report["scenarios"][1]["reason"]
