"""``twin energy``: a project with grid layers and buildings, a scenario, a pandapower file."""

from __future__ import annotations

import json

import geopandas as gpd
import pandapower as pp
import pyogrio
import pytest
import shapely

from twin.cli import main
from twin.layers.energy import grid_layer
from twin.layers.provenance import Provenance
from twin.layers.vector import VectorLayer
from twin.project import Project
from twin.sim.energy import net_to_frames
from twin.sim.energy.examples import ORIGIN_L93, radial_mv_feeder

HEADLINE_KEYS = (
    "max_line_loading_percent",
    "min_bus_voltage_pu",
    "max_bus_voltage_pu",
    "violations",
    "kpis",
)


@pytest.fixture(scope="module")
def project_path(tmp_path_factory):
    """A project with the SCHEMAS.md grid layers, 3 buildings (no load table) and a scenario."""
    frames = net_to_frames(radial_mv_feeder(sections=2, section_km=2.0, with_lv=True))
    project = Project(crs="EPSG:2154")
    provenance = Provenance(source="test")
    for layer_id, frame in frames.items()[:3]:
        project.add_layer(grid_layer(layer_id, frame, provenance))
    x0, y0 = ORIGIN_L93
    buildings = gpd.GeoDataFrame(
        {
            "building_id": [1, 2, 3],
            "households": [60, 40, 300],
            "premises": [62, 40, 310],
            "usage": ["residential"] * 3,
        },
        geometry=[
            shapely.box(x0 + 4010, y0 + 200, x0 + 4030, y0 + 220),
            shapely.box(x0 + 3990, y0 - 30, x0 + 4000, y0 - 20),
            shapely.box(x0 + 2000, y0 + 5, x0 + 2010, y0 + 15),
        ],
        crs="EPSG:2154",
    )
    project.add_layer(VectorLayer("Buildings", buildings, layer_id="buildings"))
    project.scenarios = [
        {
            "name": "charging hub",
            "interventions": [
                {
                    "kind": "ev_chargers",
                    "count": 6,
                    "kw_per_charger": 22.0,
                    "location": [x0 + 4005, y0 + 215],
                },
                # twin.scenario's stored form is read too
                {
                    "type": "add_photovoltaics",
                    "name": "roofs",
                    "x": x0 + 2000.0,
                    "y": y0,
                    "peak_kw": 50.0,
                },
                {"type": "add_mobile_site", "site_id": "s1", "name": "other engine"},
            ],
        }
    ]
    return project.save(tmp_path_factory.mktemp("energy") / "small.twin")


def test_cli_writes_energy_json_and_layers(project_path, tmp_path):
    out = tmp_path / "out"
    assert main(["energy", str(project_path), "--out", str(out)]) == 0
    summary = json.loads((out / "energy.json").read_text())
    for key in HEADLINE_KEYS:
        assert key in summary
    assert isinstance(summary["violations"], list)
    # 400 households x 2 kW + 12 business premises x 3 kW = 836 kW of peak load
    assert summary["kpis"]["peak_load_mw"] == pytest.approx(0.836, rel=1e-6)
    assert summary["daily_profile"]["worst_hour"] == 19
    tables = {name for name, _ in pyogrio.list_layers(out / "energy.gpkg")}
    assert {"grid_buses", "grid_lines", "grid_transformers", "energy_line_loading"} <= tables
    loads = pp.from_json(str(out / "grid.json")).load
    # residential loads on 3 buses, commercial on the 2 buses of buildings with businesses
    assert sorted(loads.type.value_counts().items()) == [("commercial", 2), ("residential", 3)]
    lines = pyogrio.read_dataframe(out / "energy.gpkg", layer="energy_line_loading")
    assert lines.loading_percent.max() == pytest.approx(summary["max_line_loading_percent"])


def test_cli_scenario_adds_ev_load_and_hosting_layer(project_path, tmp_path):
    out = tmp_path / "hub"
    code = main(
        [
            "energy",
            str(project_path),
            "--out",
            str(out),
            "--scenario",
            "charging hub",
            "--hosting-capacity",
            "--hosting-buses",
            "lv",
            "--no-daily",
        ]
    )
    assert code == 0
    summary = json.loads((out / "energy.json").read_text())
    assert summary["scenario"]["kpis"]["ev_added_kw"] == pytest.approx(132.0)  # 6 x 22 kW
    assert summary["scenario"]["kpis"]["pv_added_kwp"] == pytest.approx(50.0)
    assert len(summary["scenario"]["interventions"]) == 2
    base = summary["baseline"]["kpis"]
    assert summary["max_trafo_loading_percent"] > base["max_trafo_loading_percent"]
    assert summary["min_bus_voltage_pu"] < base["min_bus_voltage_pu"]
    hosting = pyogrio.read_dataframe(out / "energy.gpkg", layer="hosting_capacity_pv_mw")
    assert sorted(hosting.bus_id) == [3, 4] and (hosting.pv_mw >= 0).all()  # the LV buses


def test_cli_unknown_scenario_is_a_data_error(project_path, tmp_path, capsys):
    assert main(["energy", str(project_path), "--out", str(tmp_path), "--scenario", "nope"]) == 2
    assert "no scenario named 'nope'" in capsys.readouterr().err


def test_cli_with_a_pandapower_file(tmp_path):
    net = radial_mv_feeder(load_mw=8.0, load_mvar=2.63)
    path = tmp_path / "feeder.json"
    pp.to_json(net, str(path))
    out = tmp_path / "out"
    assert main(["energy", "--net", str(path), "--out", str(out), "--no-daily"]) == 0
    summary = json.loads((out / "energy.json").read_text())
    # the hand-checked feeder of test_energy_powerflow: 0.936 pu at the end, a violation
    assert summary["min_bus_voltage_pu"] == pytest.approx(0.936, abs=1e-3)
    assert [v["quantity"] for v in summary["violations"]] == ["vm_pu_min"]
    assert main(["energy", "--net", str(tmp_path / "missing.json"), "--out", str(out)]) == 2


@pytest.mark.parametrize(
    "item, words",
    [
        ({"type": "add_photovoltaics", "x": 0.0, "y": 0.0, "peak_kw": -50.0}, "kwp = -50.0"),
        ({"kind": "new_line", "from_bus": 0, "to_bus": 1, "std_type": "NAYY 4x150 SE",
          "length_km": -1.0}, "length_km = -1.0 is not allowed (allowed: more than 0 to 1000 km)"),
        ({"kind": "new_line", "from_bus": 0, "to_bus": 1, "std_type": "NAYY 4x150 SE",
          "parallel": 0}, "parallel = 0 is not allowed (allowed: 1 to 100 lines)"),
        ({"kind": "heat_pumps", "households": -3, "location": [0.0, 0.0]}, "households = -3"),
        ({"kind": "ev_chargers", "count": 4, "location": [0.0, 0.0], "simultaneity": 2.0},
         "simultaneity = 2.0 is not allowed (allowed: 0 to 1)"),
    ],
    ids=["negative PV", "negative length", "no parallel line", "negative households", "2x"],
)  # fmt: skip
def test_cli_refuses_energy_values_out_of_range_in_one_line(
    project_path, tmp_path, capsys, item, words
):
    import shutil

    from hardening_helpers import assert_one_line_error, edit_meta

    path = tmp_path / "odd.twin"
    shutil.copy(project_path, path)
    edit_meta(path, lambda meta: meta.update(scenarios=[{"name": "odd", "interventions": [item]}]))
    status = main(["energy", str(path), "--out", str(tmp_path / "o"), "--scenario", "odd"])
    assert_one_line_error(status, capsys.readouterr().err, "scenario 'odd'", words)
    assert not (tmp_path / "o" / "energy.json").exists()
