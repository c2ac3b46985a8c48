"""Issue 12's small traps on the command line: rounded figures, one method paragraph per
method, zone names without accents or case, outputs readable by the group (umask)."""

from __future__ import annotations

import json
import os
import re
import stat
import zipfile
from types import SimpleNamespace

import geopandas as gpd
import numpy as np
import pytest
from affine import Affine
from rasterio import open as rasterio_open
from shapely.geometry import Point, box
from test_energy_cli import project_path  # noqa: F401  (the small grid project fixture)
from test_fiber_cli import tiny_project  # noqa: F401  (a street, a PM, two buildings)

from twin.cli import main
from twin.cli.fiber import _zone_target, close_names, match_key
from twin.cli.info import describe, format_report
from twin.layers import RasterLayer, VectorLayer
from twin.layers.io_raster import write_array_geotiff
from twin.layers.io_write import write_layer
from twin.project import Project

pytestmark = [
    pytest.mark.filterwarnings("ignore:.*non conformant file extension"),
    pytest.mark.filterwarnings("ignore::rasterio.errors.NotGeoreferencedWarning"),
]


@pytest.fixture
def umask_022():
    previous = os.umask(0o022)
    yield
    os.umask(previous)


def _mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def test_outputs_follow_the_umask_not_0600(tmp_path, umask_022):
    array = np.arange(12, dtype=np.float32).reshape(3, 4)
    transform = Affine(10, 0, 350_000, 0, -10, 6_790_000)
    write_array_geotiff(array, transform, "EPSG:2154", None, tmp_path / "a.tif")
    raster = RasterLayer("r", array, transform, "EPSG:2154")
    write_layer(raster, tmp_path / "b.tif")
    points = VectorLayer(
        "points", gpd.GeoDataFrame({"n": [1]}, geometry=[Point(350_000, 6_790_000)], crs=2154)
    )
    write_layer(points, tmp_path / "c.zip")
    write_layer(points, tmp_path / "d.gpkg")
    assert zipfile.ZipFile(tmp_path / "c.zip").namelist()
    for name in ("a.tif", "b.tif", "c.zip", "d.gpkg"):
        assert _mode(tmp_path / name) == 0o644, name


def test_energy_prints_rounded_figures(project_path, tmp_path, capsys):  # noqa: F811
    assert main(["energy", str(project_path), "--out", str(tmp_path / "out")]) == 0
    line = capsys.readouterr().out
    loading = re.search(r"max line loading (\S+) %", line).group(1)
    assert re.fullmatch(r"\d+\.\d", loading), line
    voltages = re.search(r"voltage (\S+)-(\S+) pu", line).groups()
    assert all(re.fullmatch(r"\d\.\d{3}", v) for v in voltages), line
    summary = json.loads((tmp_path / "out" / "energy.json").read_text())
    assert float(loading) == pytest.approx(summary["max_line_loading_percent"], abs=0.05)


def test_info_tells_each_method_once():
    report = describe(None)  # the sample territory
    text = format_report(report)
    methods = [line.strip() for line in text.splitlines() if line.strip().startswith("method:")]
    told = [m for m in methods if not m.startswith("method: same method as layer")]
    assert len(told) == len(set(told))  # no paragraph twice
    layer_methods = {layer["provenance"]["method"] for layer in report["layers"]}
    long_ones = [m for m in layer_methods if m and len(m) >= 200]
    for line in told:  # nor quoted inside another layer's method (population grid)
        assert sum(paragraph in line for paragraph in long_ones) <= 1, line[:80]
    assert any("(the method of layer" in line for line in told)
    assert len(told) < len(methods)  # the sample shares methods between layers
    layer_methods = [layer["provenance"]["method"] for layer in report["layers"]]
    assert len({m for m in layer_methods if m}) == len(told)  # every method still told once
    first_repeat = next(m for m in methods if m.startswith("method: same method as layer"))
    number = int(re.search(r"layer (\d+)", first_repeat).group(1))
    assert f"  {number}. " in text


def test_info_in_french_writes_numbers_the_french_way(capsys):
    assert main(["--lang", "fr", "info"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("Projet : ")
    assert lines[2] == "Emprise : 328650,0 ; 6767700,0 – 369900,0 ; 6814050,0 m (41,2 x 46,4 km)"
    assert "Bâtiments [buildings]: vecteur polygone, 36\u00a0327 objets" in "\n".join(lines)


def test_zone_names_match_without_accents_or_case():
    assert match_key("Pacé") == match_key("pace") == match_key(" PACE ")
    assert match_key("Saint-Grégoire") == match_key("saint gregoire")
    assert match_key("Pacé") != match_key("Parthenay-de-Bretagne")
    communes = gpd.GeoDataFrame(
        {"insee": ["35210", "35238"], "name": ["Pacé", "Rennes"]},
        geometry=[box(0, 0, 10, 10), box(10, 0, 20, 10)],
        crs=2154,
    )
    buildings = gpd.GeoDataFrame(
        {"building_id": [1], "insee": ["35210"]}, geometry=[box(1, 1, 2, 2)], crs=2154
    )
    inputs = SimpleNamespace(communes=communes, buildings=buildings)
    for typed in ("pace", "PACE", "Pacé", "35210"):
        area, _ids, label = _zone_target(inputs, typed)
        assert label == "Pacé" and area.equals(box(0, 0, 10, 10)), typed


def test_fiber_zone_pace_finds_pace_on_the_command_line(tiny_project, tmp_path):  # noqa: F811
    project = Project.open(tiny_project)
    buildings = project.layer("buildings")
    frame = buildings.frame.copy()
    frame["commune"] = "Pacé"
    buildings.set_frame(frame)
    path = project.save(tmp_path / "pace.twin")
    out = tmp_path / "out"
    assert main(["fiber", str(path), "--zone", "pace", "--out", str(out)]) == 0
    assert main(["fiber", str(path), "--zone", "Atlantis", "--out", str(out)]) == 2


def test_an_unknown_zone_is_one_line_with_the_close_names(capsys):
    names = ["Pacé", "Rennes", "Saint-Grégoire", "Saint-Gilles", "Saint-Armel", "Bruz"]
    assert close_names("st gregoire", names) == ["Saint-Grégoire"]
    assert close_names("renes", names) == ["Rennes"]
    assert set(close_names("SAINT", names)) == {"Saint-Grégoire", "Saint-Gilles", "Saint-Armel"}
    assert close_names("Atlantis", names) == []
    # on the sample: one line on stderr naming the commune meant, status 2, no traceback
    out = "/nonexistent-twin-output"
    assert main(["fiber", "--zone", "st gregoire", "--out", out]) == 2
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1 and "Saint-Grégoire" in lines[0], lines
    assert main(["--lang", "fr", "fiber", "--zone", "Rennes", "--out", out]) == 2
    lines = capsys.readouterr().err.strip().splitlines()
    assert lines == [
        "twin fiber : Rennes : tous les locaux de la cible sont déjà éligibles à la fibre : "
        "rien à planifier"
    ]


def test_coverage_json_names_communes_rounds_persons_and_level_tif_keeps_app_colours(
    tmp_path, capsys
):
    from test_radio_cli import _project

    from twin.layers.colors import COVERAGE_LEVEL_COLORS, hex_to_rgba
    from twin.layers.io import read_layers
    from twin.sim.radio.layers import level_style

    path, _buildings = _project(tmp_path)
    out = tmp_path / "out"
    assert main(["coverage", str(path), "--out", str(out), "--range-m", "3000"]) == 0
    report = json.loads((out / "coverage.json").read_text())
    zones = report["people"]["zones"]
    assert {code: zone["name"] for code, zone in zones.items()} == {
        "35238": "Rennes",
        "35047": "Bruz",
    }
    for zone in zones.values():
        for value in zone["persons"].values():
            assert isinstance(value, int) or (isinstance(value, dict) and value["masked"])
    for value in report["people"]["persons"].values():
        assert isinstance(value, int) or (isinstance(value, dict) and value["masked"])
    # level.tif carries the app's palette: read back, it is drawn with the app's colours.
    (layer,) = read_layers(out / "level.tif")
    assert layer.style.kind == "raster-classes"
    app_style = level_style()
    read_colors = {c.value: c.color.upper() for c in layer.style.categories}
    for category in app_style.categories:
        if category.value in read_colors:
            assert read_colors[category.value] == category.color.upper()
    assert read_colors  # some level is present
    assert [c.color for c in app_style.categories] == list(COVERAGE_LEVEL_COLORS)
    assert "good: -105 to -95 dBm" in [c.label for c in app_style.categories]
    # twin render level.tif paints "no coverage" red and "very good" dark blue, not yellow.
    png = tmp_path / "level.png"
    assert main(["render", str(out / "level.tif"), "--out", str(png), "--size", "120x120"]) == 0
    with rasterio_open(png) as image:  # GDAL reads PNG too
        pixels = image.read([1, 2, 3]).reshape(3, -1).T
    yellow = (pixels[:, 0] > 200) & (pixels[:, 1] > 200) & (pixels[:, 2] < 100)
    assert not yellow.any()
    colours = {tuple(p) for p in pixels}
    with rasterio_open(out / "level.tif") as dataset:
        present = set(np.unique(dataset.read(1)).tolist())
    for level in present:
        assert hex_to_rgba(COVERAGE_LEVEL_COLORS[level])[:3] in colours, level
