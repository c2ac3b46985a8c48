"""Fiber extension planning on small hand-drawn streets (twin.sim.fiber.plan_extension)."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
from shapely.geometry import LineString, Point, box

from twin.errors import DataError
from twin.layers.fiber import check_frame, plan_layers
from twin.sim.fiber import PlanParameters, plan_extension, prepare_network

CRS = "EPSG:2154"


def frame(rows: list[dict], geometry) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(rows, geometry=list(geometry), crs=CRS)


def nodes(*specs) -> gpd.GeoDataFrame:
    """specs: (node_id, kind, capacity, x, y)."""
    return frame(
        [
            {"node_id": n, "kind": k, "name": n, "capacity_premises": c, "parent_id": ""}
            for n, k, c, _, _ in specs
        ],
        [Point(x, y) for *_, x, y in specs],
    )


def buildings(*specs) -> gpd.GeoDataFrame:
    """specs: (building_id, x, y, premises, status); 6 m squares centred on x, y."""
    return frame(
        [
            {
                "building_id": b,
                "premises": p,
                "fiber_status": s,
                "commune": "Testville",
                "insee": "35999",
            }
            for b, _, _, p, s in specs
        ],
        [box(x - 3, y - 3, x + 3, y + 3) for _, x, y, *_ in specs],
    )


def street(*coords) -> LineString:
    return LineString(coords)


def roads(*lines) -> gpd.GeoDataFrame:
    return frame([{"road_id": i, "highway": "residential"} for i in range(len(lines))], lines)


def ducts(*lines, support="duct") -> gpd.GeoDataFrame:
    return frame([{"duct_id": str(i), "support": support} for i in range(len(lines))], lines)


def street_world(pm_capacity: int = 100):
    """One 300 m street (0,0)-(300,0); a PM at its west end; a duct under its first 100 m;
    two not-eligible buildings 10 m off the street at x = 150 (3 premises) and x = 250 (2)."""
    network = prepare_network(
        roads(street((0, 0), (300, 0))),
        nodes(("PM1", "PM", pm_capacity, 0, 0)),
        None,
        ducts(street((0, 0), (100, 0))),
    )
    homes = buildings((1, 150, 10, 3, "not-eligible"), (2, 250, 10, 2, "not-eligible"))
    return network, homes


def test_cost_arithmetic_by_hand():
    # Route from the PM (x=0) to the farthest building (x=250): 0-100 in the duct, 100-250
    # in a new trench.  duct 100 m x 12 = 1,200; trench 150 m x 90 = 13,500.
    # PBOs: the buildings are 100 m apart along the route (> 50 m reach) -> 2 x 450 = 900.
    # Connections: 5 premises x 350 = 1,750. No new PM (capacity 100).
    # Total 1,200 + 13,500 + 900 + 1,750 = 17,350 EUR; per premise 17,350 / 5 = 3,470 EUR.
    network, homes = street_world()
    plan = plan_extension(network, homes, building_ids=[1, 2])
    assert plan.metres_by_kind == pytest.approx({"duct": 100.0, "aerial": 0.0, "trench": 150.0})
    assert plan.capex["route_duct"] == pytest.approx(1200.0)
    assert plan.capex["route_trench"] == pytest.approx(13500.0)
    assert plan.capex["pbo"] == pytest.approx(900.0)
    assert plan.capex["connections"] == pytest.approx(1750.0)
    assert plan.capex["pm"] == 0.0
    assert plan.capex["total"] == pytest.approx(17350.0)
    assert plan.cost_per_premise == pytest.approx(3470.0)
    assert plan.premises_passed == 5
    assert sorted(plan.passed_building_ids) == [1, 2]
    np.testing.assert_allclose(plan.buildings["drop_m"], [10.0, 10.0], atol=1e-6)
    # Half the premises connected: connections 2.5 x 350 = 875 EUR.
    half = plan_extension(
        network, homes, building_ids=[1, 2], parameters=PlanParameters(take_up_rate=0.5)
    )
    assert half.capex["connections"] == pytest.approx(875.0)


def test_duct_reuse_lowers_cost():
    # Direct street (0,0)-(250,0); a detour (0,0)-(0,80)-(200,80)-(200,0) joins it at x=200.
    # Building 10 m south of x=225. All trench: 225 m x 90 = 20,250 EUR.
    # With a duct along the detour: 360 m x 12 = 4,320 + 25 m trench x 90 = 2,250 = 6,570.
    lines = [street((0, 0), (250, 0)), street((0, 0), (0, 80), (200, 80), (200, 0))]
    pm = nodes(("PM1", "PM", 100, 0, 0))
    home = buildings((7, 225, -10, 1, "not-eligible"))
    bare = plan_extension(prepare_network(roads(*lines), pm), home, building_ids=[7])
    reuse = plan_extension(
        prepare_network(roads(*lines), pm, None, ducts(lines[1])), home, building_ids=[7]
    )
    assert bare.metres_by_kind == pytest.approx({"duct": 0.0, "aerial": 0.0, "trench": 225.0})
    assert bare.route_weight_eur == pytest.approx(20250.0)
    assert reuse.metres_by_kind == pytest.approx({"duct": 360.0, "aerial": 0.0, "trench": 25.0})
    assert reuse.route_weight_eur == pytest.approx(6570.0)
    assert reuse.capex["total"] < bare.capex["total"]
    # Poles instead of ducts: 360 x 18 = 6,480 + 2,250 = 8,730, still far below a trench.
    aerial = plan_extension(
        prepare_network(roads(*lines), pm, None, ducts(lines[1], support="aerial")),
        home,
        building_ids=[7],
    )
    assert aerial.route_weight_eur == pytest.approx(8730.0)


def test_pm_capacity_is_respected():
    # PM1 (capacity 4) at x=0 already serves 1 eligible premise -> room for 3.
    # Five single-premise buildings at x = 50, 100, 150, 200, 250: the 3 nearest go to PM1,
    # the other 2 to one new PM (20,000 EUR).
    network = prepare_network(roads(street((0, 0), (300, 0))), nodes(("PM1", "PM", 4, 0, 0)))
    homes = buildings(
        (0, 10, 8, 1, "eligible"),
        *[(i, 50.0 * i, 8, 1, "not-eligible") for i in range(1, 6)],
    )
    plan = plan_extension(network, homes, area=box(-10, -50, 400, 50))
    by_id = plan.buildings.set_index("building_id")
    assert list(by_id.loc[[1, 2, 3], "pm_id"]) == ["PM1"] * 3
    assert list(by_id.loc[[4, 5], "pm_id"]) == ["PM-NEW-1"] * 2
    load = plan.pm_load.iloc[0]
    assert (load["baseline_load"], load["added_load"]) == (1, 3)
    assert load["baseline_load"] + load["added_load"] <= load["capacity"]
    assert plan.bill.pm_count == 1 and plan.capex["pm"] == pytest.approx(20000.0)
    assert len(plan.new_pms) == 1 and plan.new_pms.iloc[0]["premises"] == 2
    # A second PM with room at the far end takes the overflow instead of a new PM.
    network2 = prepare_network(
        roads(street((0, 0), (300, 0))),
        nodes(("PM1", "PM", 4, 0, 0), ("PM2", "PM", 10, 300, 0)),
    )
    plan2 = plan_extension(network2, homes, area=box(-10, -50, 400, 50))
    assert plan2.bill.pm_count == 0
    assert (plan2.buildings["pm_id"] == "PM1").sum() <= 3


def test_pbo_capacity_and_reach():
    # 12 single-premise buildings every 5 m along one street, PBO capacity 8:
    # 8 + 4 premises -> 2 PBOs; a 20-premise block alone takes ceil(20 / 8) = 3 boxes.
    network = prepare_network(roads(street((0, 0), (300, 0))), nodes(("PM1", "PM", 500, 0, 0)))
    homes = buildings(*[(i, 100 + 5.0 * i, 8, 1, "not-eligible") for i in range(12)])
    plan = plan_extension(network, homes, area=box(0, -50, 300, 50))
    assert sorted(plan.pbos["premises"]) == [4, 8]
    block = buildings((1, 150, 8, 20, "not-eligible"))
    plan = plan_extension(network, block, building_ids=[1])
    assert plan.bill.pbo_count == 3


def test_too_far_and_unreachable_buildings_are_reported():
    # A building 150 m from any road (> 100 m max drop) and one on a road piece that does not
    # touch the network are listed with their status, not planned.
    network = prepare_network(
        roads(street((0, 0), (300, 0)), street((0, 1000), (100, 1000))),
        nodes(("PM1", "PM", 100, 0, 0)),
    )
    homes = buildings(
        (1, 100, 10, 1, "not-eligible"),
        (2, 200, 150, 1, "not-eligible"),
        (3, 50, 1010, 1, "not-eligible"),
    )
    plan = plan_extension(network, homes, building_ids=[1, 2, 3])
    status = plan.buildings.set_index("building_id")["status"].to_dict()
    assert status == {1: "passed", 2: "too-far", 3: "unreachable"}
    assert plan.premises_passed == 1
    assert any("farther than 100 m" in w for w in plan.warnings)
    assert any("disconnected" in w for w in plan.warnings)
    # With a 200 m drop allowance building 2 is passed.
    wide = plan_extension(
        network, homes, building_ids=[1, 2], parameters=PlanParameters(max_drop_m=200.0)
    )
    assert wide.premises_passed == 2


def test_phasing_under_a_yearly_budget_adds_up():
    network, homes = street_world()
    plan = plan_extension(
        network, homes, building_ids=[1, 2], parameters=PlanParameters(yearly_budget_eur=12000.0)
    )
    # Step 1 (x=150): duct 1,200 + trench 50 m 4,500 + PBO 450 + 3 x 350 = 7,200 EUR.
    # Step 2 (x=250): trench 100 m 9,000 + PBO 450 + 2 x 350 = 10,150 EUR -> next year.
    assert [p["capex_eur"] for p in plan.phasing] == [7200.0, 10150.0]
    assert [p["premises_passed"] for p in plan.phasing] == [3, 2]
    assert sum(p["capex_eur"] for p in plan.phasing) == pytest.approx(plan.capex["total"])
    assert set(plan.route["year"]) == {1, 2}


def test_eligibility_kpis_baseline_vs_plan():
    # Testville: 3 premises eligible (building 9) + 5 not eligible -> 3/8 = 37.5 % baseline;
    # the plan passes the 5 -> 100 %.
    network, homes = street_world()
    homes = gpd.GeoDataFrame(
        gpd.pd.concat([homes, buildings((9, 20, 10, 3, "connected"))], ignore_index=True),
        crs=CRS,
    )
    plan = plan_extension(network, homes, area=box(100, -50, 300, 50))
    table = plan.eligibility.set_index("zone")
    assert table.loc["Testville", "share_baseline_pct"] == pytest.approx(37.5)
    assert table.loc["Testville", "share_plan_pct"] == pytest.approx(100.0)
    assert table.loc["target area", "premises"] == 5
    assert table.loc["all", "eligible_plan"] == 8
    kpis = plan.kpis()
    assert kpis["premises_passed"] == 5
    assert kpis["pm_load"][0]["baseline_load"] == 3


def test_inputs_are_checked():
    network, homes = street_world()
    with pytest.raises(DataError, match="nothing to plan"):
        plan_extension(network, homes, area=box(1000, 1000, 1100, 1100))
    with pytest.raises(DataError, match="lacks column"):
        plan_extension(network, homes.drop(columns="fiber_status"), building_ids=[1])
    bad = homes.copy()
    bad.loc[0, "fiber_status"] = "maybe"
    with pytest.raises(DataError, match="row 0"):
        check_frame("buildings", bad)
    with pytest.raises(DataError, match="expected 'NRO' or 'PM'"):
        prepare_network(roads(street((0, 0), (10, 0))), nodes(("X", "SRO", 1, 0, 0)))


def test_result_layers_carry_provenance():
    network, homes = street_world()
    plan = plan_extension(network, homes, building_ids=[1, 2])
    layers = {layer.id: layer for layer in plan_layers(plan)}
    assert set(layers) == {"fiber_route", "pbos", "premises_passed"}
    route = layers["fiber_route"]
    assert route.provenance.source == "engine:fiber"
    assert route.provenance.parameters["max_drop_m"] == 100.0
    assert route.frame["length_m"].sum() == pytest.approx(250.0)
    assert sorted(layers["premises_passed"].frame["building_id"]) == [1, 2]
