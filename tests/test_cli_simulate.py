"""``twin simulate``: files written, the same numbers as simulate(), one-line errors."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pyogrio
import pytest
import rasterio
from whatif_helpers import BOX, FAST, sample_project

import twin
from twin.cli import main
from twin.scenario import Scenario
from twin.sim.whatif import simulate

EXAMPLE = "docs/scenario-example.json"
FAST_ARGS = [
    "--radio-pixel-m",
    "100",
    "--radio-bbox",
    ",".join(f"{v:.0f}" for v in BOX),
    "--radio-range-m",
    "3000",
    "--no-daily",
]


def _same(a, b) -> bool:
    if a is None or b is None:
        return a is None and b is None
    return math.isclose(a, b, rel_tol=1e-12, abs_tol=1e-9)


def test_cli_writes_layers_kpis_and_map_with_simulate_numbers(tmp_path, monkeypatch, capfd):
    project = sample_project()  # the CLI opens the sample; share the already prepared one
    monkeypatch.setattr(twin, "open_project", lambda path=None: project)
    out = tmp_path / "out"
    status = main(["simulate", "--scenario-file", EXAMPLE, "--out", str(out), *FAST_ARGS])
    assert status == 0
    # progress on stderr, for every engine: its lines start with the engine's name
    progress = [line for line in capfd.readouterr().err.splitlines() if " % " in line]
    for domain in ("radio", "fiber", "transit", "energy"):
        assert any(line.startswith(f"{domain}: ") for line in progress), domain
    assert progress[-1].endswith("100 % simulation done")
    report = json.loads((out / "kpis.json").read_text())
    scenario = Scenario.from_dict(json.loads(Path(EXAMPLE).read_text(encoding="utf-8")))
    direct = simulate(project, scenario, options=FAST)
    rows = {row["key"]: row for row in report["figures"]}
    assert len(rows) == len(direct.figures)
    for figure in direct.figures:
        row = rows[figure.key]
        assert {"key", "label", "value", "unit", "baseline", "delta", "domain"} <= set(row)
        value = figure.value if math.isfinite(figure.value) else None
        assert _same(row["value"], value), figure.key
        assert _same(row["baseline"], figure.baseline), figure.key
        assert row["unit"] == figure.unit
    assert rows["fiber.premises_eligible"]["delta"] > 0
    # Vector layers in one GeoPackage, rasters as GeoTIFFs, the map as PNG.
    tables = [row[0] for row in pyogrio.list_layers(out / "layers.gpkg")]
    assert any("fiber_route" in t for t in tables) and any("new_lines" in t for t in tables)
    tif = out / "plan_2027_example_4g_5g_coverage_level.tif"
    with rasterio.open(tif) as dataset:
        assert dataset.read(1).max() == 3 and dataset.crs.to_epsg() == 2154
    png = (out / "map.png").read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 10_000
    # the map page shows the base layers under the results: the buildings' own colour is
    # drawn inside the map frame (left part of the page; the legend is on the right)
    from PySide6 import QtGui

    image = QtGui.QImage(str(out / "map.png"))
    buildings = project.layer("Buildings").style.fill_color.upper()
    drawn = sum(
        1
        for x in range(20, 900, 2)
        for y in range(120, 850, 2)
        if image.pixelColor(x, y).name().upper() == buildings
    )
    assert drawn > 200


@pytest.mark.parametrize(
    "content, message",
    [
        ("{not json", "not a JSON scenario file"),
        ('{"name": "x", "interventions": [{"type": "teleport"}]}', "unknown intervention type"),
        ('{"interventions": []}', "with a 'name'"),
    ],
)
def test_bad_scenario_file_exits_2_with_one_line(tmp_path, capsys, content, message):
    path = tmp_path / "bad.json"
    path.write_text(content)
    status = main(["simulate", "--scenario-file", str(path), "--out", str(tmp_path / "o")])
    err = capsys.readouterr().err
    assert status == 2
    assert len(err.strip().splitlines()) == 1 and message in err


def test_unknown_saved_scenario_exits_2(tmp_path, capsys, monkeypatch):
    project = sample_project()
    monkeypatch.setattr(twin, "open_project", lambda path=None: project)
    status = main(["simulate", "--scenario", "nope", "--out", str(tmp_path)])
    err = capsys.readouterr().err
    assert status == 2 and "no scenario named 'nope'" in err
    assert len(err.strip().splitlines()) == 1


def test_saved_scenario_by_name(tmp_path, monkeypatch):
    project = sample_project()
    scenario = Scenario.from_dict(json.loads(Path(EXAMPLE).read_text(encoding="utf-8")))
    monkeypatch.setattr(project, "scenarios", [{"name": "other"}, scenario.to_dict()])
    monkeypatch.setattr(twin, "open_project", lambda path=None: project)
    out = tmp_path / "saved"
    args = ["simulate", "--scenario", scenario.name, "--out", str(out), "--domains", "fiber"]
    assert main(args + FAST_ARGS) == 0
    report = json.loads((out / "kpis.json").read_text())
    assert report["domains"] == ["fiber"]
    direct = simulate(project, scenario, ["fiber"], options=FAST)
    values = {row["key"]: row["value"] for row in report["figures"]}
    assert values["fiber.premises_eligible"] == direct.figure("fiber.premises_eligible").value
    assert values["capex.fiber"] == pytest.approx(direct.figure("capex.fiber").value)
