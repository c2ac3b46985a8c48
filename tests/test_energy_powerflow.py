"""Power flow wrapper, violations, interventions and design day of the energy engine."""

from __future__ import annotations

import copy
import math
from pathlib import Path

import numpy as np
import pandapower as pp
import pytest
import shapely

from twin.sim.energy import (
    EVChargers,
    NewLine,
    NewTransformer,
    RooftopPV,
    apply_interventions,
    default_settings,
    net_to_frames,
    run_daily_profile,
    run_power_flow,
    run_study,
    study_summary,
)
from twin.sim.energy.examples import ORIGIN_L93, radial_mv_feeder

TAN_PHI_095 = math.tan(math.acos(0.95))  # 0.328684

# pandapower.networks.mv_oberrhein() saved as JSON (BSD-3, see tests/data/energy/README.md)
OBERRHEIN_JSON = Path(__file__).parent / "data" / "energy" / "mv_oberrhein.json"


@pytest.fixture(scope="module")
def oberrhein():
    return pp.from_json(str(OBERRHEIN_JSON))


def test_wrapper_equals_pandapower_run_directly(oberrhein):
    ours, theirs = copy.deepcopy(oberrhein), copy.deepcopy(oberrhein)
    result = run_power_flow(ours)
    pp.runpp(theirs)
    np.testing.assert_allclose(result.buses.vm_pu, theirs.res_bus.vm_pu, atol=1e-9)
    np.testing.assert_allclose(
        result.lines.loading_percent, theirs.res_line.loading_percent, atol=1e-6
    )
    np.testing.assert_allclose(
        result.trafos.loading_percent, theirs.res_trafo.loading_percent, atol=1e-6
    )
    assert result.max_line_loading_percent == pytest.approx(theirs.res_line.loading_percent.max())
    mv = theirs.bus.vn_kv < 30
    assert result.min_bus_voltage_pu == pytest.approx(theirs.res_bus.vm_pu[mv].min())
    assert result.max_bus_voltage_pu == pytest.approx(theirs.res_bus.vm_pu[mv].max())


def test_voltage_drop_violation_matches_hand_calculation():
    # 20 kV feeder, 15 km of cable with R' = 0.161 ohm/km, X' = 0.117 ohm/km, no capacitance:
    # R = 2.415 ohm, X = 1.755 ohm. Load 8 MW at cos phi 0.95: Q = 8 x 0.328684 = 2.6295 Mvar.
    # Longitudinal drop dV = (R P + X Q) / V2 = (19.32 + 4.6147) / V2 = 23.935 / V2 (kV, MW).
    # With V1 = 20 kV: V2 = V1 - 23.935 / V2  ->  V2^2 - 20 V2 + 23.935 = 0
    # V2 = (20 + sqrt(400 - 95.74)) / 2 = (20 + 17.443) / 2 = 18.721 kV = 0.9361 pu < 0.95.
    # (the transverse drop (X P - R Q)/V, ~0.4 kV, changes |V2| by ~0.02 %, hence 5e-4.)
    p_mw, q_mvar = 8.0, 8.0 * TAN_PHI_095
    r_ohm, x_ohm = 0.161 * 15, 0.117 * 15
    longitudinal = r_ohm * p_mw + x_ohm * q_mvar
    v2_kv = (20.0 + math.sqrt(20.0**2 - 4 * longitudinal)) / 2
    assert v2_kv / 20.0 == pytest.approx(0.9361, abs=1e-4)
    net = radial_mv_feeder(load_mw=p_mw, load_mvar=q_mvar)
    result = run_power_flow(net)
    assert result.buses.vm_pu[1] == pytest.approx(v2_kv / 20.0, abs=5e-4)
    assert [(v["element"], v["id"], v["quantity"]) for v in result.violations] == [
        ("bus", 1, "vm_pu_min")
    ]
    # Current I = S / (sqrt(3) V2) = 8.421 MVA / (1.732 x 18.72 kV) = 0.2597 kA -> 71.7 % of
    # the cable's 0.362 kA: no thermal violation.
    assert result.lines.loading_percent[0] == pytest.approx(100 * 0.2597 / 0.362, abs=0.3)
    # Half the load: 11.967 / V2 -> V2 = (20 + sqrt(400 - 47.87)) / 2 = 19.383 kV = 0.9691 pu
    half = run_power_flow(radial_mv_feeder(load_mw=4.0, load_mvar=4.0 * TAN_PHI_095))
    assert half.buses.vm_pu[1] == pytest.approx(0.9691, abs=5e-4)
    assert half.violations == []


def test_line_overload_is_flagged():
    # 8.421 MVA at 20 kV through a 0.2 kA cable: I = 0.2597 kA -> ~130 % > 100 %.
    net = radial_mv_feeder(load_mw=8.0, load_mvar=8.0 * TAN_PHI_095, max_i_ka=0.2)
    quantities = {v["quantity"] for v in run_power_flow(net).violations}
    assert "loading_percent" in quantities


def test_added_ev_load_raises_feeding_line_and_lowers_downstream_voltage():
    net = radial_mv_feeder(sections=3, section_km=3.0, load_mw=2.0, load_mvar=0.6)
    buses = net_to_frames(net).buses
    before = run_power_flow(copy.deepcopy(net))
    far_end = (ORIGIN_L93[0] + 9000.0 + 40.0, ORIGIN_L93[1] + 30.0)  # next to bus 3
    scenario, changes = apply_interventions(
        net, [EVChargers(count=20, location=far_end, kw_per_charger=22.0)], buses
    )
    assert changes[0].buses == [3]
    assert changes[0].p_kw == pytest.approx(440.0)
    assert len(net.load) == 1  # the baseline is not changed
    after = run_power_flow(scenario)
    assert (after.lines.loading_percent > before.lines.loading_percent).all()
    assert (after.buses.vm_pu[1:] < before.buses.vm_pu[1:]).all()
    assert after.buses.vm_pu[3] < after.buses.vm_pu[2] < after.buses.vm_pu[1]


def test_new_line_relieves_the_feeder_and_is_costed():
    net = radial_mv_feeder(load_mw=8.0, load_mvar=8.0 * TAN_PHI_095)
    buses = net_to_frames(net).buses
    reinforced, changes = apply_interventions(
        net, [NewLine(0, 1, "NA2XS2Y 1x185 RM/25 12/20 kV")], buses
    )
    # Straight distance bus 0 -> bus 1 is 15 km; 15 km x 120,000 EUR/km = 1.8 MEUR.
    assert reinforced.line.length_km.iloc[-1] == pytest.approx(15.0)
    assert changes[0].capex_eur == pytest.approx(1_800_000.0)
    result = run_power_flow(reinforced)
    assert result.violations == []  # two cables in parallel halve the drop (~3 %)
    with_lv = radial_mv_feeder(with_lv=True)
    _, trafo_changes = apply_interventions(
        with_lv, [NewTransformer(1, 2, "0.63 MVA 20/0.4 kV")], net_to_frames(with_lv).buses
    )
    assert trafo_changes[0].capex_eur == default_settings().capex_eur["trafo_mv_lv_per_unit"]


def test_rooftop_pv_kpis_use_documented_yield_and_emission_factor():
    net = radial_mv_feeder(sections=2, section_km=2.0, load_mw=1.0, load_mvar=0.3)
    buses = net_to_frames(net).buses
    study = run_study(
        net, [RooftopPV(kwp=500.0, location=(ORIGIN_L93[0] + 4000, ORIGIN_L93[1]))], buses
    )
    kpis = study.kpis(study.scenario, study.changes)
    # 500 kWp x 1,100 kWh/kWp/yr = 550 MWh/yr; x 0.052 kgCO2e/kWh = 28.6 tCO2e/yr
    assert kpis["pv_added_energy_mwh_per_year"] == pytest.approx(550.0)
    assert kpis["co2_avoided_t_per_year"] == pytest.approx(28.6)
    # Design day: PV energy = 0.5 MW x sum of the hourly PV factors (MWh)
    pv_factors = default_settings().profiles["pv"]
    assert kpis["pv_energy_mwh_per_day"] == pytest.approx(0.5 * sum(pv_factors), rel=1e-6)
    summary = study_summary(study)
    assert summary["scenario"]["changes"][0]["pv_kwp"] == pytest.approx(500.0)
    assert summary["kpis"]["max_bus_voltage_pu"] > summary["baseline"]["kpis"]["max_bus_voltage_pu"]


def test_pv_by_area_is_shared_by_footprint():
    import geopandas as gpd

    net = radial_mv_feeder(sections=2, section_km=1.0)
    buses = net_to_frames(net).buses
    x0, y0 = ORIGIN_L93
    buildings = gpd.GeoDataFrame(
        {"building_id": [1, 2], "households": [1, 1]},
        geometry=[
            shapely.box(x0 + 990, y0, x0 + 1010, y0 + 10),  # 200 m2 near bus 1
            shapely.box(x0 + 1990, y0, x0 + 2050, y0 + 10),
        ],  # 600 m2 near bus 2
        crs="EPSG:2154",
    )
    area = shapely.box(x0, y0 - 100, x0 + 3000, y0 + 100)
    scenario, changes = apply_interventions(net, [RooftopPV(kwp=80.0, area=area)], buses, buildings)
    by_bus = scenario.sgen.groupby("bus").p_mw.sum() * 1000
    assert by_bus[1] == pytest.approx(20.0) and by_bus[2] == pytest.approx(60.0)
    assert changes[0].pv_kwp == pytest.approx(80.0)


def test_daily_profile_energy_and_worst_hour():
    net = radial_mv_feeder(sections=1, section_km=5.0, load_mw=2.0, load_mvar=0.6)
    day = run_daily_profile(net)
    factors = default_settings().profiles["residential"]
    # PQ loads draw exactly their set power: 2 MW x sum(factors) MWh over the day.
    assert day.load_mwh == pytest.approx(2.0 * sum(factors), rel=1e-9)
    assert day.worst_hour() == int(np.argmax(factors)) == 19
    assert day.hourly.min_bus_voltage_pu.idxmin() == 19
    assert len(day.hourly) == 24


def test_tap_changer_regulation_reproduces_oberrhein_load_scenario_taps(oberrhein):
    from twin.sim.energy.powerflow import ScaledNet

    # pandapower's mv_oberrhein(scenario="load") sets the HV/MV taps to -2 and -3 by hand.
    # An AVR holding the MV busbars within 0.6 x 1.5 % = 0.9 % of 1.02 pu keeps them there,
    # and from neutral taps moves them back into that band (to -2 or -3: like a real
    # regulator, where it stops inside the dead band depends on where it starts).
    limits = default_settings().limits
    for start in ([-2.0, -3.0], [0.0, 0.0]):
        net = copy.deepcopy(oberrhein)
        net.trafo["tap_pos"] = start
        scaled = ScaledNet(net, tap_setpoint_pu=1.02)
        scaled.set_factors({}, 0.0)
        result = scaled.run(limits)
        taps = list(scaled.net.trafo.tap_pos)
        if start[0] == -2.0:
            assert taps == [-2.0, -3.0]
        assert set(taps) <= {-2.0, -3.0}
        busbars = scaled.net.res_bus.vm_pu[scaled.net.trafo.lv_bus]
        assert (abs(busbars - 1.02) <= 0.009 + 1e-9).all()
        assert result.converged and result.violations == []


def test_interventions_from_scenario_dicts():
    from twin.errors import DataError
    from twin.sim.energy import intervention_from_dict
    from twin.sim.energy.interventions import intervention_to_dict

    ev = intervention_from_dict(
        {"kind": "ev_chargers", "count": 4, "location": [1, 2], "kw_per_charger": 50}
    )
    assert ev == EVChargers(count=4, location=(1.0, 2.0), kw_per_charger=50)
    pv = intervention_from_dict({"kind": "rooftop_pv", "area": "POLYGON ((0 0, 1 0, 1 1, 0 0))"})
    assert pv.area.area == pytest.approx(0.5)
    assert intervention_to_dict(ev)["kind"] == "ev_chargers"
    # twin.scenario's stored form ("type" tag, x/y, power_kw / peak_kw)
    stored = {"type": "add_ev_chargers", "name": "hub", "x": 1, "y": 2, "count": 4, "power_kw": 50}
    assert intervention_from_dict(stored) == EVChargers(
        count=4, location=(1.0, 2.0), kw_per_charger=50, name="hub"
    )
    pv_stored = {"type": "add_photovoltaics", "name": "roofs", "x": 5, "y": 6, "peak_kw": 90}
    assert intervention_from_dict(pv_stored) == RooftopPV(kwp=90, location=(5.0, 6.0), name="roofs")
    assert intervention_from_dict({"type": "add_mobile_site", "site_id": "x"}) is None
    assert intervention_from_dict({"kind": "add_mobile_site"}) is None
    with pytest.raises(DataError):
        intervention_from_dict({"kind": "ev_chargers", "count": 1, "watts": 3})
