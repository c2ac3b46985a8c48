"""Rollout plans across domains: fibre areas driven by an eligibility target, grid
reinforcements of a phase's loads, capex per domain within each phase's budget; the plan's
scenario through the what-if engines gives the figures the plan reports."""

from __future__ import annotations

import json

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from shapely.geometry import LineString, Point
from ui_scenario_project import (
    OPTIONS,
    SIZE_M,
    X0,
    Y0,
    make_buildings,
    make_cells,
    make_terrain,
)

from twin.errors import DataError
from twin.layers import VectorLayer
from twin.layers.energy import grid_layer
from twin.layers.provenance import Provenance
from twin.project import Project
from twin.scenario import AddEvChargers, AddGridLine, Scenario
from twin.sim.energy import net_to_frames
from twin.sim.energy.examples import ORIGIN_L93, radial_mv_feeder
from twin.sim.optimise.candidates import Candidates
from twin.sim.optimise.fiber_areas import FibreAreas, build_fibre_areas, required_shares
from twin.sim.optimise.grid_phase import GridChecker
from twin.sim.optimise.plan import Phase, plan_rollout
from twin.sim.optimise.report import phase_scenarios, plan_json, write_plan
from twin.sim.optimise.roi import CostModel
from twin.sim.optimise.selection import CoverageInstance
from twin.sim.optimise.study import plan_project
from twin.sim.whatif.result import WhatIfOptions
from twin.sim.whatif.runner import simulate

CRS = "EPSG:2154"


# --- fibre --------------------------------------------------------------------------------
def fibre_town() -> Project:
    """The scenario test town with FTTH inputs: a street along every row of buildings (40 m
    north of their centres), an NRO at the west end of the middle street; the western half
    of the buildings is already eligible (fibre cables along its streets), the eastern half
    (4 000 premises) is not."""
    buildings = make_buildings().frame.copy()
    centre_x = shapely.get_coordinates(buildings.geometry.centroid)[:, 0]
    buildings["building_id"] = np.arange(1, len(buildings) + 1)
    buildings["fiber_status"] = np.where(centre_x < X0 + SIZE_M / 2, "eligible", "not-eligible")
    buildings["commune"] = "Testville"
    rows = [Y0 + 140.0 + 200.0 * j for j in range(20)]
    streets = [LineString([(X0, y), (X0 + SIZE_M, y)]) for y in rows]
    streets.append(LineString([(X0 + 10.0, Y0), (X0 + 10.0, Y0 + SIZE_M)]))  # joins the rows
    roads = gpd.GeoDataFrame({"highway": ["residential"] * len(streets)}, geometry=streets, crs=CRS)
    nodes = gpd.GeoDataFrame(
        {
            "node_id": ["NRO1"],
            "kind": ["NRO"],
            "name": ["NRO"],
            "capacity_premises": [100_000],
            "parent_id": [""],
        },
        geometry=[Point(X0 + 10.0, rows[10])],
        crs=CRS,
    )
    served = [LineString([(X0, y), (X0 + SIZE_M / 2, y)]) for y in rows]
    served.append(streets[-1])
    cables = gpd.GeoDataFrame({"support": ["duct"] * len(served)}, geometry=served, crs=CRS)
    project = Project(crs=CRS)
    for layer in (
        make_terrain(),
        VectorLayer("Buildings", buildings, layer_id="buildings"),
        VectorLayer("Roads", roads, layer_id="roads"),
        VectorLayer("Fibre nodes", nodes, layer_id="fiber_nodes"),
        VectorLayer("Fibre cables", cables, layer_id="fiber_cables"),
        make_cells(),
    ):
        project.add_layer(layer, index=0)
    return project


@pytest.fixture(scope="module")
def town():
    return fibre_town()


def test_required_course_is_a_straight_line_to_each_target():
    course = required_shares([2026, 2027, 2028, 2031], {2028: 1.0}, 0.7)
    assert course[2026] == pytest.approx(0.8)  # 2025 at 0.7 -> 2028 at 1.0
    assert course[2027] == pytest.approx(0.9)
    assert course[2028] == pytest.approx(1.0) and course[2031] == pytest.approx(1.0)
    two = required_shares([2026, 2027], {2026: 0.8, 2028: 1.0}, 0.6)
    assert two == {2026: pytest.approx(0.8), 2027: pytest.approx(0.9)}
    assert required_shares([2026], {}, 0.5) == {2026: None}


def test_fibre_areas_follow_the_target_and_simulate_gives_the_plans_figures(town, tmp_path):
    phases = [Phase(2026, 3_000_000.0), Phase(2027, 5_000_000.0)]
    study = plan_project(
        town,
        phases,
        spacing_m=500.0,
        options=OPTIONS,
        fibre_targets={2027: 1.0},
        fibre_cell_m=1000.0,
    )
    fibre = study.fibre
    # 8 cells of 1 km over the eastern half, every one with premises to pass
    assert len(fibre.frame) == 8
    assert fibre.premises_total == 8000.0 and fibre.premises_eligible == 4000.0
    first, second = study.plan.phases
    # the course: 2025 at 50 %, 2027 at 100 %, so 75 % (6 000 premises) by the end of 2026
    assert first.figures["premises_eligible_share_course"] == pytest.approx(0.75)
    assert first.figures["premises_eligible_cumulative"] >= 6000.0
    assert second.figures["premises_eligible_share"] == pytest.approx(1.0)
    for phase in study.plan.phases:  # the budget holds every domain together
        by_domain = phase.figures["capex_by_domain_eur"]
        assert sum(by_domain.values()) == pytest.approx(phase.figures["capex_eur"], abs=0.02)
        assert phase.figures["capex_eur"] <= phase.phase.budget_eur
        assert by_domain["fibre"] > 0 and by_domain["radio"] > 0
    # cheapest areas per premise go first
    price = fibre.frame.set_index("area_id")["eur_per_premise"]
    assert max(price[first.figures["fibre_area_ids"]]) <= min(
        price[second.figures["fibre_area_ids"]]
    )
    write_plan(study, tmp_path)
    scenario = Scenario.from_dict(json.loads((tmp_path / "scenario.json").read_text()))
    result = simulate(town, scenario, domains=("radio", "fiber"), options=OPTIONS)
    totals = study.plan.totals
    passed = result.figure("fiber.premises_passed").value
    assert passed == pytest.approx(totals["premises_passed_fibre"])
    assert result.figure("fiber.premises_eligible").value == pytest.approx(8000.0)
    gained = result.figure("radio.4g_5g.persons.good_or_better").delta
    assert gained == pytest.approx(totals["persons_gained"], abs=1e-2)
    # each phase's scenario stops at that phase's areas
    end_2026 = next(s for s in phase_scenarios(study) if s.name == "Rollout 2026")
    partial = simulate(town, end_2026, domains=("fiber",), options=OPTIONS)
    expected = first.figures["premises_eligible_cumulative"]
    assert partial.figure("fiber.premises_eligible").value == pytest.approx(expected)
    data = plan_json(study)
    fibre_target = [t for t in data["targets"] if t["indicator"] == "premises_eligible_share"]
    assert fibre_target == [
        {
            "indicator": "premises_eligible_share",
            "year": 2027,
            "premises_eligible_share_target": 1.0,
            "premises_eligible_share_reached": 1.0,
            "met": True,
        }
    ]
    header = (tmp_path / "phases.csv").read_text().splitlines()[0].split(",")
    assert {"capex_radio_eur", "capex_fibre_eur", "capex_grid_eur"} <= set(header)


# --- grid ---------------------------------------------------------------------------------
def grid_project() -> Project:
    """A 20 kV feeder (two 2 km sections) to a 0.63 MVA MV/LV transformer and a 200 m LV
    cable (NAYY 4x150 SE, 270 A); three buildings of households."""
    frames = net_to_frames(radial_mv_feeder(sections=2, section_km=2.0, with_lv=True))
    project = Project(crs=CRS)
    for layer_id, frame in frames.items()[:3]:
        project.add_layer(grid_layer(layer_id, frame, Provenance(source="test")))
    x0, y0 = ORIGIN_L93
    buildings = gpd.GeoDataFrame(
        {"building_id": [1, 2, 3], "households": [20, 10, 30], "premises": [20, 10, 30]},
        geometry=[
            shapely.box(x0 + 4010, y0 + 200, x0 + 4030, y0 + 220),
            shapely.box(x0 + 3990, y0 - 30, x0 + 4000, y0 - 20),
            shapely.box(x0 + 2000, y0 + 5, x0 + 2010, y0 + 15),
        ],
        crs=CRS,
    )
    project.add_layer(VectorLayer("Buildings", buildings, layer_id="buildings"))
    return project


GRID_OPTIONS = WhatIfOptions(energy_daily=False)
HUB = (ORIGIN_L93[0] + 4005.0, ORIGIN_L93[1] + 215.0)  # beside the far LV bus


def _sites_by_the_hub() -> Candidates:
    """Two candidate sites at the far end of the LV cable (100 EUR each, 10 persons)."""
    sets = [np.array([0]), np.array([1])]
    costs = np.array([100.0, 100.0])
    frame = pd.DataFrame(
        {
            "candidate_id": ["s1", "s2"],
            "x": [HUB[0], HUB[0] + 5.0],
            "y": [HUB[1], HUB[1]],
            "site_eur": costs,
            "backhaul_eur": 0.0,
            "grid_eur": 0.0,
            "cost_eur": costs,
        }
    )
    weights = np.array([10.0, 10.0])
    instance = CoverageInstance(sets, weights, costs)
    return Candidates(frame, instance, CoverageInstance(sets, weights, costs))


def test_a_phases_new_load_gets_its_reinforcement_and_the_budget_holds():
    project = grid_project()
    checker = GridChecker(project, GRID_OPTIONS)
    hub = AddEvChargers("hub", HUB[0], HUB[1], 20, 22.0)  # 440 kW at the end of a 270 A cable
    plain = simulate(project, Scenario("hub", (hub,)), domains=("energy",), options=GRID_OPTIONS)
    assert plain.figure("energy.violations").value > plain.figure("energy.violations").baseline
    phases = [Phase(2026, 1_000.0), Phase(2027, 200_000.0)]
    plan = plan_rollout(
        _sites_by_the_hub(), phases, 100.0, 100.0, 0.0, 0.0, grid=checker,
        programme={2027: [hub]},
    )  # fmt: skip
    first, second = plan.phases
    # 2026: two 4 kW site supplies need nothing; 2027: the hub overloads the LV cable
    assert first.figures["grid_reinforcements"] == 0 and first.figures["sites"] == 2
    assert second.figures["grid_violations_found"] > 0
    assert second.figures["grid_violations_left"] == 0
    # the cable runs at about 310 %: three more circuits of its own type (the bus beyond,
    # under 0.9 pu, is on the same cable and needs nothing more)
    (line,) = second.reinforcements
    assert isinstance(line, AddGridLine) and line.std_type == "NAYY 4x150 SE"
    assert line.parallel == 3 and line.length_km == pytest.approx(0.2)
    lines = [line]
    grid_eur = second.figures["capex_by_domain_eur"]["grid"]
    # the energy engine's LV cable cost: 90 000 EUR/km x 0.2 km per circuit
    circuits = sum(i.parallel for i in lines)
    assert grid_eur == pytest.approx(90_000.0 * 0.2 * circuits)
    assert second.figures["capex_eur"] <= 200_000.0
    # the plan's scenario through the energy what-if: no violation beyond the baseline's
    scenario = Scenario(
        "plan", tuple(i for p in plan.phases for i in (*p.supplies, *p.programme,
                                                        *p.reinforcements))
    )  # fmt: skip
    result = simulate(project, scenario, domains=("energy",), options=GRID_OPTIONS)
    violations = result.figure("energy.violations")
    assert violations.value == violations.baseline
    # a budget that cannot pay the programme's reinforcements is refused, in one line
    with pytest.raises(DataError, match="exceed its budget"):
        plan_rollout(
            _sites_by_the_hub(), [Phase(2027, 5_000.0)], 100.0, 100.0, 0.0, 0.0,
            grid=checker, programme={2027: [hub]},
        )  # fmt: skip


def test_sites_whose_supply_the_budget_cannot_reinforce_are_dropped():
    project = grid_project()
    checker = GridChecker(project, GRID_OPTIONS)
    heavy = AddEvChargers("hub", HUB[0], HUB[1], 5, 22.0)
    # 2026: the programme's 110 kW fits the cable alone; each site adds a 150 kW supply
    plan = plan_rollout(
        _sites_by_the_hub(), [Phase(2026, 250.0)], 100.0, 100.0, 0.0, 0.0,
        costs=CostModel(site_load_kw=150.0),
        grid=checker, programme={2026: [heavy]},
    )  # fmt: skip
    phase = plan.phases[0]
    assert phase.figures["capex_eur"] <= 250.0
    # the reinforcement a site's supply would need (a cable, 18 000 EUR) does not fit in
    # the 50 EUR left: the sites are dropped
    assert phase.figures["grid_violations_found"] == 0
    assert phase.figures["capex_by_domain_eur"] == {"radio": 0.0, "fibre": 0.0, "grid": 0.0}
    assert phase.figures["sites"] == 0


def test_fibre_areas_give_scenario_polygons():
    frame = pd.DataFrame(
        {
            "area_id": ["fibre-1-2"],
            "x0": [1000.0],
            "y0": [2000.0],
            "x1": [2000.0],
            "y1": [3000.0],
            "premises_passed": [10.0],
            "capex_eur": [5000.0],
            "route_m": [300.0],
            "eur_per_premise": [500.0],
        }
    )
    (area,) = FibreAreas(frame, 0.0, 10.0).interventions([0])
    assert area.name == "fibre-1-2"
    assert shapely.Polygon(area.polygon).equals(shapely.box(1000, 2000, 2000, 3000))


def test_build_fibre_areas_refuses_a_bad_size(town):
    with pytest.raises(DataError, match="positive"):
        build_fibre_areas(town, 0.0)


def test_cli_plans_fibre_to_a_target_and_refuses_bad_files(town, tmp_path, capsys):
    from twin.cli import main

    path = town.save(tmp_path / "town.twin")
    targets = tmp_path / "targets.json"
    targets.write_text('{"premises_eligible_share": {"2027": 1.0}}')
    out = tmp_path / "out"
    command = ["plan", str(path), "--phases", "2026:3e6,2027:5e6", "--spacing", "500"]
    common = ["--fibre-cell", "1000", "--out", str(out)]
    assert main([*command, "--targets", str(targets), *common]) == 0
    plan = json.loads((out / "plan.json").read_text())
    assert plan["premises_passed_fibre"] == 4000.0 and plan["fibre_areas"] == 8
    assert plan["phases"][-1]["premises_eligible_share"] == 1.0
    assert "8 fibre areas" in capsys.readouterr().out
    areas = gpd.read_file(out / "candidates.gpkg", layer="fibre_areas")
    assert sorted(areas["year"].unique()) == [2026, 2027]
    programme = tmp_path / "programme.json"
    for text, file, message in (
        ('{"premises_eligible_share": {"2027": 2}}', targets, "not within 0-1"),
        ('{"premises_eligble_share": {"2027": 1}}', targets, "unknown key"),
        ('{"2027": [{"type": "extend_fiber", "name": "x", "polygon": [[0, 0], [1, 0], '
         '[1, 1]]}]}', programme, "not an energy intervention"),
        ('{"2031": []}', programme, "not one of the phases"),
        ("[1, 2]", programme, "expected JSON"),
    ):  # fmt: skip
        file.write_text(text)
        option = "--targets" if file == targets else "--programme"
        assert main([*command, option, str(file), *common]) == 2
        error = capsys.readouterr().err.strip()
        assert message in error and "\n" not in error
    assert main([*command, "--fibre-cell", "0", "--out", str(out)]) == 2
    assert "positive number of metres" in capsys.readouterr().err
    programme.write_text('{"2027": [{"type": "add_ev_chargers", "name": "hub", "x": 352000, '
                         '"y": 6788000, "count": 4, "power_kw": 22}]}')  # fmt: skip
    assert main([*command, "--programme", str(programme), *common]) == 2  # the town has no grid
    error = capsys.readouterr().err.strip()
    assert "needs the grid checked" in error and "\n" not in error


def test_the_pms_baseline_load_computed_once_plans_the_same():
    from test_fiber_plan import buildings, nodes, roads, street

    from twin.sim.fiber import plan_extension, prepare_network
    from twin.sim.fiber.planning import baseline_pm_loads

    # PM1 (4 premises) serves 1 eligible premise: 3 more fit, the next two need a new PM
    network = prepare_network(roads(street((0, 0), (300, 0))), nodes(("PM1", "PM", 4, 0, 0)))
    homes = buildings(
        (0, 10, 8, 1, "eligible"),
        *[(i, 50.0 * i, 8, 1, "not-eligible") for i in range(1, 6)],
    )
    loads = baseline_pm_loads(network, homes)
    assert loads.tolist() == [1.0]
    new_pms = []
    for area in (shapely.box(-10, -50, 400, 50), shapely.box(120, -50, 400, 50)):
        alone = plan_extension(network, homes, area=area)
        shared = plan_extension(network, homes, area=area, baseline_load=loads)
        assert shared.capex == alone.capex
        assert shared.buildings["pm_id"].tolist() == alone.buildings["pm_id"].tolist()
        new_pms.append(shared.bill.pm_count)
    assert new_pms == [1, 0]  # five premises overflow PM1; the last three fit in it


def test_each_phase_pays_its_own_reinforcements_only():
    project = grid_project()
    checker = GridChecker(project, GRID_OPTIONS)
    hubs = {
        2026: [AddEvChargers("hub 1", HUB[0], HUB[1], 20, 22.0)],
        2027: [AddEvChargers("hub 2", HUB[0], HUB[1], 20, 22.0)],
    }
    plan = plan_rollout(
        _sites_by_the_hub(), [Phase(2026, 1e6), Phase(2027, 1e6)], 100.0, 100.0, 0.0, 0.0,
        grid=checker, programme=hubs,
    )  # fmt: skip
    for phase in plan.phases:
        own = phase.reinforcements
        assert own and all(i.name.startswith(f"Reinforcement {phase.phase.year}") for i in own)
        circuits = sum(i.parallel for i in own if isinstance(i, AddGridLine))
        transformers = len(own) - len([i for i in own if isinstance(i, AddGridLine)])
        expected = 90_000.0 * 0.2 * circuits + 45_000.0 * transformers
        assert phase.figures["capex_by_domain_eur"]["grid"] == pytest.approx(expected)
        assert phase.figures["grid_violations_left"] == 0
    everything = Scenario("plan", tuple(plan.interventions(_sites_by_the_hub(), None)[2:]))
    result = simulate(project, everything, domains=("energy",), options=GRID_OPTIONS)
    assert result.figure("energy.violations").value == result.figure("energy.violations").baseline


def test_a_candidates_grid_connection_names_its_bus_and_whether_it_can_host_the_site():
    from twin.sim.optimise.candidates import bus_hosting, candidate_costs

    project = grid_project()
    checker = GridChecker(project, GRID_OPTIONS)
    xy = np.array([HUB, (HUB[0] + 3000.0, HUB[1] + 4000.0)])
    costs = candidate_costs(project, xy)
    buses = project.layer("grid_buses").frame.set_index("bus_id")
    for k, bus in enumerate(costs["grid_bus"]):  # the bus the energy engine attaches to
        point = buses.geometry[bus]
        assert costs["grid_m"][k] == pytest.approx(point.distance(shapely.Point(xy[k])), abs=0.1)
        assert costs["grid_eur"][k] == pytest.approx(2_000.0 + 120.0 * costs["grid_m"][k], 0.01)
    # the far LV bus hosts a 4 kW site; 400 kW overloads its 270 A cable
    hub_bus = costs["grid_bus"][:1]
    assert bus_hosting(checker.grid.net, hub_bus, 4.0).tolist() == [True]
    assert bus_hosting(checker.grid.net, hub_bus, 400.0).tolist() == [False]
    assert bus_hosting(checker.grid.net, np.array([-1]), 4.0).tolist() == [False]
