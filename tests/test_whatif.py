"""What-if runner and the fiber, transit and energy adapters on the sample territory."""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest
import shapely
from whatif_helpers import BUS_STOPS, FAST, SITE, commune_ring, sample_project

from twin.errors import DataError
from twin.scenario import (
    AddEvChargers,
    AddGridTransformer,
    AddHeatPumps,
    AddPhotovoltaics,
    AddTransitLine,
    ExtendFiber,
    Scenario,
)
from twin.sim.energy import default_settings
from twin.sim.fiber import load_costs, plan_extension
from twin.sim.transit.whatif import NewLine
from twin.sim.whatif import fiber, simulate, transit
from twin.sim.whatif.fiber import _context as fiber_context
from twin.sim.whatif.transit import _context as transit_context

LANGAN = "Langan"


@pytest.fixture(scope="module")
def project():
    return sample_project()


def _scenario(project) -> Scenario:
    return Scenario(
        "Plan",
        (
            SITE,
            ExtendFiber(LANGAN, commune_ring(project, LANGAN)),
            AddTransitLine("C9", "bus", BUS_STOPS, headway_min=8.0),
            AddEvChargers("Hub", 352_000.0, 6_789_000.0, count=20, power_kw=22.0),
            AddPhotovoltaics("Roofs", 352_500.0, 6_789_500.0, peak_kw=300.0),
        ),
    )


def _fingerprint(project) -> dict:
    """What simulate() must leave alone: layers, their data, scenarios and metadata."""
    return {
        "layers": [(layer.id, layer.name) for layer in project.layers],
        "frames": {
            layer.id: int(pd.util.hash_pandas_object(layer.frame.drop(columns="geometry")).sum())
            for layer in project.layers
            if layer.kind == "vector"
        },
        "geometry": {
            layer.id: float(shapely.get_coordinates(layer.frame.geometry.values).sum())
            for layer in project.layers
            if layer.kind == "vector"
        },
        "scenarios": list(project.scenarios),
        "metadata": dict(project.metadata),
    }


def test_empty_scenario_has_zero_deltas(project):
    result = simulate(project, Scenario("nothing"), options=FAST)
    assert {f.domain for f in result.figures} >= {"radio", "fiber", "transit", "energy", "cost"}
    for figure in result.figures:
        if figure.key.startswith("cost."):
            assert math.isnan(figure.value)  # nothing gained: no cost per unit
        else:
            assert figure.delta == 0, figure.key


def test_scenario_moves_every_domain_and_leaves_the_project_alone(project):
    before = _fingerprint(project)
    scenario = _scenario(project)
    result = simulate(project, scenario, options=FAST)
    assert _fingerprint(project) == before
    by_key = {f.key: f for f in result.figures}
    assert by_key["radio.5g.persons.good_or_better"].delta > 0
    assert by_key["fiber.premises_eligible"].delta > 0
    assert by_key["transit.persons_band_raised"].delta > 0
    assert by_key["energy.ev_added"].delta == pytest.approx(20 * 22.0)
    # No float noise posing as a gain: a cost per person is NaN or a sane figure.
    per_person = by_key["cost.radio_per_person_5g"].value
    assert 0 < per_person < 1e6
    per_person = by_key["cost.radio_per_person"].value
    assert math.isnan(per_person) or 0 < per_person < 1e7
    capex = [by_key[f"capex.{d}"].value for d in ("radio", "fiber", "energy")]
    assert by_key["capex.total"].value == pytest.approx(sum(capex))
    assert by_key["cost.fiber_per_premise"].value == pytest.approx(
        by_key["capex.fiber"].value / by_key["fiber.premises_eligible"].delta
    )
    # Every result layer names its scenario and engine.
    assert result.layers
    for layer in result.layers:
        assert layer.provenance.parameters["scenario"] == "Plan"
        assert layer.provenance.source.startswith("engine:")
        assert layer.name.startswith("Plan: ")
    # Same content again: served from the cache, same numbers.
    again = simulate(project, Scenario("Plan bis", scenario.interventions), options=FAST)
    assert [f.to_dict() for f in again.figures] == [f.to_dict() for f in result.figures]
    assert all(layer.name.startswith("Plan bis: ") for layer in again.layers)


def test_fiber_extension_adds_exactly_the_premises_passed(project):
    area = shapely.Polygon(commune_ring(project, LANGAN))
    context = fiber_context(project)
    plan = plan_extension(
        context["network"], context["inputs"].buildings, area=area, costs=load_costs()
    )
    extension = ExtendFiber(LANGAN, commune_ring(project, LANGAN))
    base = fiber.run(project, [])
    result = fiber.run(project, [extension])
    delta = (
        result.figure("fiber.premises_eligible").value
        - base.figure("fiber.premises_eligible").value
    )
    assert plan.premises_passed > 0
    assert delta == plan.premises_passed
    assert result.capex_eur == pytest.approx(plan.capex["total"])
    # The same area twice: the second finds nothing left to plan (no double count).
    twice = fiber.run(project, [extension, extension])
    assert (
        twice.figure("fiber.premises_eligible").value
        == result.figure("fiber.premises_eligible").value
    )
    assert any("nothing to plan" in w for w in twice.warnings)
    assert (context["inputs"].buildings["fiber_status"] != "eligible").any()  # baseline kept


def test_bad_fiber_area_is_a_data_error(project):
    with pytest.raises(DataError, match="three corners"):
        fiber.run(project, [ExtendFiber("line", ((0.0, 0.0), (1.0, 1.0)))])


def test_transit_line_equals_the_study_and_raises_ptal(project):
    line = AddTransitLine("C9", "bus", BUS_STOPS, headway_min=8.0)
    base = transit.run(project, [])
    result = transit.run(project, [line])
    study = transit_context(project)["study"]
    reference = study.add_line(NewLine(BUS_STOPS, 8.0, "bus", "06:00:00", "21:00:00", name="C9"))
    for band, gained in reference.persons_gained_per_band.items():
        key = f"transit.persons.ptal_{band}"
        # figures are rounded to 1/1000 person
        assert result.figure(key).value - base.figure(key).value == pytest.approx(gained, abs=2e-3)
    assert result.figure("transit.persons_band_raised").value == pytest.approx(
        reference.persons_band_raised, abs=1e-3
    )
    assert result.figure("transit.persons_band_raised").value > 0
    assert (
        result.figure("transit.persons.ptal_0").value < base.figure("transit.persons.ptal_0").value
    )
    names = [layer.name for layer in result.layers]
    assert any(n.endswith("new lines") for n in names)
    # the new line is drawn wide in its own strong colour, with its name as a label
    from twin.layers.style import new_transit_line_style

    new_lines = next(layer for layer in result.layers if layer.name.endswith("new lines"))
    assert new_lines.style == new_transit_line_style()


def test_ev_chargers_raise_peak_loading_and_pv_avoids_co2(project):
    hub = AddEvChargers("Hub", 352_000.0, 6_789_000.0, count=100, power_kw=50.0)
    result = simulate(project, Scenario("EV", (hub,)), ["energy"], options=FAST)
    by_key = {f.key: f for f in result.figures}
    assert by_key["energy.ev_added"].value == pytest.approx(100 * 50.0)  # 5 MW
    loading = [by_key["energy.peak_line_loading"].delta, by_key["energy.peak_trafo_loading"].delta]
    assert max(loading) > 0 and min(loading) >= 0
    pv = simulate(
        project,
        Scenario("PV", (AddPhotovoltaics("R", 352_500.0, 6_789_500.0, 300.0),)),
        ["energy"],
        options=FAST,
    )
    settings = default_settings()
    # 300 kWp x 1100 kWh/kWp/yr = 330 MWh/yr; x 0.052 kgCO2e/kWh = 17.16 t/yr (defaults.json).
    expected = 300.0 * settings.pv_specific_yield_kwh_per_kwp_year * settings.co2_kg_per_kwh / 1000
    assert expected == pytest.approx(17.16)
    assert pv.figure("energy.co2_avoided").delta == pytest.approx(expected)


def test_unknown_domain_is_refused(project):
    with pytest.raises(DataError, match="unknown domain"):
        simulate(project, None, ["water"], options=FAST)


def test_level_change_layer_shows_gain_around_the_new_site(project):
    result = simulate(project, Scenario("Site", (SITE,)), ["radio"], options=FAST)
    changes = {
        layer.name.removeprefix("Site: "): layer.array
        for layer in result.layers
        if layer.name.endswith("level change")
    }
    assert set(changes) == {f"{t} coverage level change" for t in ("4G", "5G", "4G+5G")}
    # A 5G site only adds signal: 5G levels rise somewhere and fall nowhere; 4G is unchanged.
    assert changes["5G coverage level change"].max() >= 1
    assert changes["5G coverage level change"].min() == 0
    assert np.count_nonzero(changes["4G coverage level change"]) == 0
    assert changes["4G+5G coverage level change"].min() == 0


def test_parallel_transformer_relieves_the_worst_one_and_costs_capex(project):
    from twin.sim.whatif.energy import _context as energy_context

    context = energy_context(project, FAST, None)
    net, state = context["grid"].net, context["baseline"]
    worst = int(state.trafos.sort_values("loading_percent").iloc[-1]["trafo_id"])
    row = net.trafo.loc[worst]
    twin_trafo = AddGridTransformer(
        "second trafo", int(row.hv_bus), int(row.lv_bus), str(row.std_type)
    )
    again = Scenario.from_dict(json.loads(json.dumps(Scenario("T", (twin_trafo,)).to_dict())))
    assert again.interventions == (twin_trafo,)
    result = simulate(project, again, ["energy"], options=FAST)
    peak = result.figure("energy.peak_trafo_loading")
    # Two identical transformers in parallel share the load: the worst one is relieved.
    assert peak.delta < 0
    capex = context["settings"].capex_eur
    hv = float(net.bus.vn_kv[int(row.hv_bus)]) > 30.0
    expected = (
        capex["trafo_hv_mv_per_mva"] * float(row.sn_mva) if hv else capex["trafo_mv_lv_per_unit"]
    )
    assert result.figure("capex.energy").value == pytest.approx(expected)


def test_heat_pumps_add_their_power(project):
    pumps = AddHeatPumps("Estate", 352_000.0, 6_789_000.0, households=40, kw_per_household=3.0)
    result = simulate(project, Scenario("HP", (pumps,)), ["energy"], options=FAST)
    assert result.figure("energy.heat_pumps_added").delta == pytest.approx(40 * 3.0)  # kW


def test_progress_is_reported_and_cancel_stops_the_run(project):
    from twin.errors import CancelledError
    from twin.feedback import Feedback
    from twin.sim.whatif import forget

    seen = []
    simulate(project, Scenario("p"), ["fiber"], Feedback(lambda p, m: seen.append(p)), FAST)
    assert seen[-1] == 100.0 and seen == sorted(seen)
    other = sample_project.__wrapped__()  # a second project object: nothing cached for it
    cancelled = Feedback()
    cancelled.cancel()
    with pytest.raises(CancelledError):
        simulate(other, Scenario("c"), ["transit"], cancelled, FAST)
    forget(other)


def test_domains_without_inputs_are_skipped_unless_asked(project):
    from twin.project import Project

    small = Project(crs=project.crs)
    for name in ("buildings", "terrain", "mobile_cells"):
        small.add_layer(project.layer(name), index=len(small.layers))
    result = simulate(small, Scenario("radio only"), options=FAST)
    assert result.domains == ("radio",)
    assert {f.domain for f in result.figures} == {"radio", "cost"}
    assert any(w.startswith("fiber: not simulated") for w in result.warnings)
    with pytest.raises(DataError):
        simulate(small, Scenario("fiber asked"), ["fiber"], options=FAST)
    with pytest.raises(DataError):  # a scenario touching a domain it cannot simulate
        simulate(small, Scenario("x", (ExtendFiber("a", ((0, 0), (1, 0), (1, 1))),)), options=FAST)


def test_new_stop_on_an_existing_route(project):
    from twin.scenario import AddTransitStop

    study = transit_context(project)["study"]
    route_id = str(study.frequencies["route_id"].iloc[0])
    stop = AddTransitStop("Halte", 349_500.0, 6_786_500.0, (route_id,))
    base = transit.run(project, [])
    result = transit.run(project, [stop])
    key = "transit.persons_within_10min"
    assert result.figure(key).value >= base.figure(key).value  # a stop only adds access
    assert any(layer.name.endswith("new stops") for layer in result.layers)
    with pytest.raises(DataError, match="no departure"):
        transit.run(project, [AddTransitStop("X", 349_500.0, 6_786_500.0, ("no-such-route",))])


def test_relabel_keeps_names_with_colons():
    from twin.layers.vector import VectorLayer
    from twin.sim.whatif.result import relabel

    frame = sample_project().layer("communes").frame
    layer = VectorLayer("Hosting capacity: PV (MW)", frame)
    once = relabel(layer, "result", "energy")
    assert once.name == "result: Hosting capacity: PV (MW)"
    again = relabel(once, "Plan", "energy")
    assert again.name == "Plan: Hosting capacity: PV (MW)"
    assert again.provenance.parameters == {"scenario": "Plan", "engine": "energy"}
    assert again.frame is frame and layer.name == "Hosting capacity: PV (MW)"


def test_a_tram_from_the_centre_reaches_more_people_within_30_min(project):
    from twin.sim.whatif.transit_travel import main_centre

    centre = main_centre(project)
    assert centre.name == "Rennes town hall"
    x, y = centre.xy
    stops = ((x, y), (x + 3000, y + 2000), (x + 6000, y + 4000), (x + 9000, y + 6000))
    base = transit.run(project, [])
    result = transit.run(project, [AddTransitLine("T3", "tram", stops, headway_min=5.0)])
    for minutes in (30, 45):
        key = f"transit.travel.persons_within_{minutes}min"
        assert result.figure(key).value > base.figure(key).value  # a line only adds options
        assert result.figure(key).unit == "persons"
    isochrones = [layer for layer in result.layers if "Isochrones from Rennes" in layer.name]
    assert len(isochrones) == 1
    bands = isochrones[0].frame
    assert bands["minutes"].tolist() == [10, 20, 30, 45, 60]
    assert not bands.geometry.iloc[1].intersection(bands.geometry.iloc[0]).area > 1.0
