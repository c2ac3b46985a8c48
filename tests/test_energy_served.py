"""Energy outputs reveal no small group's consumption (INSEE's rule, issue 10).

The example feeder (``radial_mv_feeder(sections=2, with_lv=True)``): MV buses 0-1-2 (lines
0 and 1), a 20/0.4 kV transformer 0 from bus 2 to LV bus 3, LV line 2 from bus 3 to bus 4.
Residential loads are households x ADMD (2 kW). The households each element serves are
worked out by hand from that picture; results of elements serving 1 to 10 households are
published masked, heat-pump loads on fewer than 11 households are pooled, unless raw.
"""

from __future__ import annotations

import json
import math

import geopandas as gpd
import pandapower as pp
import pyogrio
import pytest
import shapely

from twin.cli import main
from twin.sim.energy import HeatPumps, default_settings, net_to_frames, run_study, study_summary
from twin.sim.energy.disclosure import load_households, published_net
from twin.sim.energy.examples import ORIGIN_L93, radial_mv_feeder
from twin.sim.energy.interventions import apply_interventions
from twin.sim.energy.served import served_households

ADMD_KW = 2.0
LV1, LV2 = 3, 4
LV_LINE, MV_FAR_LINE, MV_NEAR_LINE, TRAFO = 2, 1, 0, 0


def _net(loads: dict[int, int], heat_pumps: dict[int, float] = ()) -> pp.pandapowerNet:
    """The example feeder (2 km sections) with ``households`` residential at each bus and
    heat pumps for ``heat_pumps[bus]`` households."""
    net = radial_mv_feeder(sections=2, section_km=2.0, with_lv=True)
    for bus, households in loads.items():
        p_mw = households * ADMD_KW / 1000.0
        pp.create_load(net, bus, p_mw=p_mw, q_mvar=p_mw * 0.2, type="residential")
    for bus, households in dict(heat_pumps).items():
        p_mw = households * 3.0 / 1000.0
        pp.create_load(net, bus, p_mw=p_mw, q_mvar=0.0, type="heat_pump", households=households)
    return net


def test_each_element_serves_the_households_beyond_it():
    served = served_households(_net({1: 40, LV1: 6, LV2: 3}), ADMD_KW)
    assert served.lines.to_dict() == {MV_NEAR_LINE: 49.0, MV_FAR_LINE: 9.0, LV_LINE: 3.0}
    assert served.trafos.to_dict() == {TRAFO: 9.0}
    assert served.buses.to_dict() == {0: 49.0, 1: 49.0, 2: 9.0, LV1: 9.0, LV2: 3.0}
    assert served.masked_ids("line") == {MV_FAR_LINE, LV_LINE}
    assert served.masked_ids("trafo") == {TRAFO}
    assert served.masked_ids("bus") == {2, LV1, LV2}


def test_a_line_in_a_mesh_serves_the_whole_mesh_and_what_it_feeds():
    net = _net({1: 40, LV1: 6, LV2: 3})
    pp.create_line(net, LV1, LV2, 0.2, "NAYY 4x150 SE", name="parallel LV cable")
    served = served_households(net, ADMD_KW)
    # the two LV cables in parallel: neither alone cuts bus 4 off; the mesh {3, 4} has 9
    assert served.lines[LV_LINE] == 9.0 and served.lines[3] == 9.0
    assert served.buses[LV2] == 9.0


def test_heat_pumps_count_as_the_households_of_their_bus_not_twice():
    served = served_households(_net({LV1: 20, LV2: 3}, heat_pumps={LV2: 5.0}), ADMD_KW)
    assert served.lines[LV_LINE] == 5.0  # max(3 residential, 5 with heat pumps)
    assert served.trafos[TRAFO] == 25.0


def _study(loads, heat_pumps=(), interventions=(), buildings=None, lv_max_i_ka=None):
    """A study of the example feeder; ``lv_max_i_ka`` (kA) rates the LV cable so low that
    it is the most loaded line."""
    net = _net(loads, heat_pumps)
    if lv_max_i_ka is not None:
        net.line.at[LV_LINE, "max_i_ka"] = lv_max_i_ka
    settings = default_settings().with_changes(household_admd_kw=ADMD_KW)
    buses = net_to_frames(net).buses
    return run_study(net, list(interventions), buses, buildings, settings, daily=False)


def test_summary_masks_small_elements_and_takes_extremes_over_the_others():
    study = _study({1: 40, LV1: 300, LV2: 3}, lv_max_i_ka=0.01)
    raw = study_summary(study, raw=True)
    published = study_summary(study)
    assert published["masked_elements"] == {
        "buses": 1,
        "lines": 1,
        "transformers": 0,
        "reason": "< 11 households",
    }
    raw_lines = study.final.lines.set_index("line_id").loading_percent
    # the LV cable serves 3 households: out of the published peak, which is the largest
    # loading among the others (from the raw study, not from the published output)
    expected = max(raw_lines[MV_NEAR_LINE], raw_lines[MV_FAR_LINE])
    assert published["max_line_loading_percent"] == pytest.approx(expected, abs=1e-5)
    assert raw["max_line_loading_percent"] == pytest.approx(raw_lines[LV_LINE], abs=1e-5)
    assert raw_lines[LV_LINE] > expected  # the masked cable is the most loaded line
    assert "masked_elements" not in raw


def test_a_violation_on_a_masked_element_keeps_its_place_but_not_its_value():
    study = _study({LV1: 300, LV2: 8}, lv_max_i_ka=0.001)  # the small cable overloaded
    violations = study_summary(study)["violations"]
    lv = [v for v in violations if v["element"] == "line" and v["id"] == LV_LINE]
    assert lv and lv[0]["value"] is None and lv[0]["masked"] is True
    raw = [v for v in study_summary(study, raw=True)["violations"] if v["element"] == "line"]
    assert raw[0]["value"] > 100.0


def _buildings(households: list[int]) -> gpd.GeoDataFrame:
    x, y = ORIGIN_L93[0] + 4000.0, ORIGIN_L93[1] + 200.0  # beside LV bus 2
    return gpd.GeoDataFrame(
        {"building_id": range(len(households)), "households": households},
        geometry=[
            shapely.box(x + 20 * i, y, x + 20 * i + 10, y + 10) for i in range(len(households))
        ],
        crs="EPSG:2154",
    )


def test_heat_pumps_by_area_on_few_households_publish_no_power_or_load():
    buildings = _buildings([3, 2])  # 5 households in the area
    area = shapely.box(*buildings.total_bounds).buffer(5.0)
    study = _study({1: 40, LV1: 30}, interventions=[HeatPumps(area=area)], buildings=buildings)
    published, raw = study_summary(study), study_summary(study, raw=True)
    masked = {"value": None, "masked": True}
    assert published["scenario"]["changes"][0]["p_kw"] == masked
    assert published["kpis"]["heat_pumps_added_kw"] == masked
    assert "households_from_data" not in published["scenario"]["changes"][0]
    kw = default_settings().heat_pump_kw_per_household
    assert raw["scenario"]["changes"][0]["p_kw"] == pytest.approx(5 * kw)
    pooled = published_net(study.final.net, ADMD_KW)
    heat = pooled.load[pooled.load["type"] == "heat_pump"]
    assert len(heat) == 1 and math.isnan(heat.p_mw.iloc[0])  # the grid's only 5: masked
    assert "households" not in pooled.load.columns


def test_small_heat_pump_loads_pool_within_their_substation():
    net = _net({1: 40, LV1: 30}, heat_pumps={LV1: 6.0, LV2: 5.0, 1: 20.0})
    published = published_net(net, ADMD_KW)
    heat = published.load[published.load["type"] == "heat_pump"]
    assert sorted(heat.bus) == [1, LV1]  # 5 at bus 4 joined the 6 of its substation
    households = load_households(net, ADMD_KW)
    assert heat.p_mw.sum() == pytest.approx(net.load.p_mw[net.load["type"] == "heat_pump"].sum())
    assert heat.name.str.endswith("(pooled)").sum() == 1
    assert households[net.load["type"] == "heat_pump"].sum() == 31.0


def test_heat_pumps_added_by_location_are_pooled_in_the_written_network():
    net = _net({1: 40, LV1: 30, LV2: 20})
    buses = net_to_frames(net).buses
    lv2 = buses.set_index("bus_id").geometry[LV2]
    scenario, _ = apply_interventions(
        net, [HeatPumps(households=4, location=(lv2.x, lv2.y))], buses, None
    )
    published = published_net(scenario, ADMD_KW)
    heat = published.load[published.load["type"] == "heat_pump"]
    assert len(heat) == 1 and math.isnan(heat.p_mw.iloc[0])
    kept = scenario.load[scenario.load["type"] == "heat_pump"]
    assert kept.households.tolist() == [4.0]  # the studied network keeps the count


def test_twin_energy_writes_small_results_masked_unless_raw(tmp_path):
    net = _net({1: 40, LV1: 300, LV2: 3})
    net.line.at[LV_LINE, "max_i_ka"] = 0.01  # the most loaded line, every hour
    path = tmp_path / "net.json"
    pp.to_json(net, str(path))
    outputs = {}
    for name, extra in (("published", []), ("raw", ["--raw"])):
        out = tmp_path / name
        assert main(["energy", "--net", str(path), "--out", str(out), *extra]) == 0
        outputs[name] = out
    lines = pyogrio.read_dataframe(outputs["published"] / "energy.gpkg", layer="grid_lines")
    small = lines[lines.line_id == LV_LINE].iloc[0]
    assert bool(small.masked) and math.isnan(small.loading_percent)
    styled = pyogrio.read_dataframe(
        outputs["published"] / "energy.gpkg", layer="energy_line_loading"
    )
    assert math.isnan(styled[styled.line_id == LV_LINE].loading_percent.iloc[0])
    buses = pyogrio.read_dataframe(outputs["published"] / "energy.gpkg", layer="grid_buses")
    assert math.isnan(buses[buses.bus_id == LV2].vm_min_pu.iloc[0])
    assert not buses[buses.bus_id != LV2].vm_min_pu.isna().any()
    summary = json.loads((outputs["published"] / "energy.json").read_text())
    assert summary["masked_elements"]["lines"] == 1
    hourly = summary["daily_profile"]["hourly"]
    raw_lines = pyogrio.read_dataframe(outputs["raw"] / "energy.gpkg", layer="grid_lines")
    raw_small = raw_lines[raw_lines.line_id == LV_LINE].loading_percent.iloc[0]
    assert raw_small > 0 and "masked" not in raw_lines.columns
    raw_hourly = json.loads((outputs["raw"] / "energy.json").read_text())["daily_profile"]
    assert max(r["max_line_loading_percent"] for r in raw_hourly["hourly"]) == pytest.approx(
        raw_small, rel=1e-4
    )
    assert max(r["max_line_loading_percent"] for r in hourly) < raw_small / 2


def test_hosting_capacity_of_a_bus_serving_few_households_is_masked_unless_raw(tmp_path):
    net = _net({1: 40, LV1: 300, LV2: 3})
    path = tmp_path / "net.json"
    pp.to_json(net, str(path))
    found = {}
    for name, extra in (("published", []), ("raw", ["--raw"])):
        out = tmp_path / name
        argv = ["energy", "--net", str(path), "--out", str(out), "--no-daily"]
        argv += ["--hosting-capacity", "--hosting-buses", "lv", *extra]
        assert main(argv) == 0
        layer = pyogrio.read_dataframe(out / "energy.gpkg", layer="hosting_capacity_ev_mw")
        records = json.loads((out / "energy.json").read_text())["hosting_capacity"]["buses"]
        found[name] = (layer.set_index("bus_id"), {r["bus_id"]: r for r in records})
    layer, records = found["published"]
    assert math.isnan(layer.ev_mw[LV2]) and bool(layer.masked[LV2])
    assert records[LV2]["ev_mw"] is None and records[LV2]["masked"] is True
    assert layer.ev_mw[LV1] > 0 and not bool(layer.masked[LV1])  # 303 households: shown
    raw_layer, raw_records = found["raw"]
    assert raw_layer.ev_mw[LV2] > 0 and raw_records[LV2]["ev_mw"] > 0
