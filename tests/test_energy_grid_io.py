"""Grid I/O: pandapower JSON <-> GeoPackage layers, and loads from buildings."""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandapower as pp
import pytest
import shapely

from twin.errors import DataError
from twin.sim.energy import (
    attach_buildings,
    frames_to_net,
    net_to_frames,
    read_grid_gpkg,
    read_pandapower_json,
    run_power_flow,
    write_grid_gpkg,
)
from twin.sim.energy.examples import ORIGIN_L93, radial_mv_feeder

# pandapower.networks.mv_oberrhein() saved as JSON (BSD-3, see tests/data/energy/README.md)
OBERRHEIN_JSON = Path(__file__).parent / "data" / "energy" / "mv_oberrhein.json"


def _coordinates(geo_column) -> list:
    return [json.loads(g)["coordinates"] if isinstance(g, str) else None for g in geo_column]


def test_round_trip_pandapower_json_geopackage_network(tmp_path):
    original = pp.from_json(str(OBERRHEIN_JSON))
    json_path = tmp_path / "oberrhein.json"
    pp.to_json(original, str(json_path))
    net = read_pandapower_json(json_path)
    frames = net_to_frames(net, crs="EPSG:2154")
    # WGS84 geodata reprojected to Lambert-93: Offenburg lies ~1,000 km east of x = 0 in
    # Lambert-93 (x ~ 1.03e6 m, y ~ 6.83e6 m).
    minx, miny, maxx, maxy = frames.buses.total_bounds
    assert 1.0e6 < minx < maxx < 1.1e6 and 6.8e6 < miny < maxy < 6.9e6
    assert frames.lines.geometry.geom_type.eq("LineString").all()
    assert set(frames.buses.kind) == {"source", "substation", "mv"}
    assert frames.buses.slack.sum() == 2
    gpkg = write_grid_gpkg(frames, tmp_path / "grid.gpkg")
    back = frames_to_net(read_grid_gpkg(gpkg))

    assert list(back.bus.index) == list(original.bus.index)
    np.testing.assert_array_equal(back.bus.vn_kv, original.bus.vn_kv)
    assert list(back.bus.name) == list(original.bus.name)
    assert list(back.line.index) == list(original.line.index)
    for column in ("from_bus", "to_bus"):
        np.testing.assert_array_equal(back.line[column], original.line[column])
    for column in ("length_km", "r_ohm_per_km", "x_ohm_per_km", "c_nf_per_km", "max_i_ka"):
        np.testing.assert_allclose(back.line[column], original.line[column], rtol=1e-12)
    assert list(back.line.std_type) == list(original.line.std_type)
    np.testing.assert_allclose(
        np.array(_coordinates(back.bus.geo)),
        np.array(_coordinates(original.bus.geo)),
        atol=1e-9,
    )
    for ours, theirs in zip(
        _coordinates(back.line.geo), _coordinates(original.line.geo), strict=True
    ):
        np.testing.assert_allclose(np.array(ours), np.array(theirs), atol=1e-9)
    # Same electrical network: open switches, transformer taps and slack voltages survive.
    reference = run_power_flow(original)
    result = run_power_flow(back)
    np.testing.assert_allclose(result.buses.vm_pu, reference.buses.vm_pu, atol=1e-9)
    np.testing.assert_allclose(
        result.lines.loading_percent, reference.lines.loading_percent, atol=1e-6
    )
    assert len(back.load) == len(original.load) and len(back.sgen) == len(original.sgen)


def test_frames_with_std_types_only_build_a_network():
    x0, y0 = ORIGIN_L93
    buses = gpd.GeoDataFrame(
        {
            "bus_id": [10, 11, 12],
            "name": ["source", "MV", "LV"],
            "vn_kv": [20.0, 20.0, 0.4],
            "kind": ["source", "substation", "lv"],
            "slack": [True, False, False],
        },
        geometry=[
            shapely.Point(x0, y0),
            shapely.Point(x0 + 1500, y0),
            shapely.Point(x0 + 1500, y0 + 300),
        ],
        crs="EPSG:2154",
    )
    lines = gpd.GeoDataFrame(
        {
            "line_id": [1],
            "name": ["mv"],
            "from_bus": [10],
            "to_bus": [11],
            "vn_kv": [20.0],
            "std_type": ["NA2XS2Y 1x185 RM/25 12/20 kV"],
            "length_km": [np.nan],
            "parallel": [1],
        },
        geometry=[shapely.LineString([(x0, y0), (x0 + 1500, y0)])],
        crs="EPSG:2154",
    )
    trafos = gpd.GeoDataFrame(
        {
            "trafo_id": [5],
            "name": ["T"],
            "hv_bus": [11],
            "lv_bus": [12],
            "std_type": ["0.63 MVA 20/0.4 kV"],
            "sn_mva": [0.63],
        },
        geometry=[shapely.Point(x0 + 1500, y0)],
        crs="EPSG:2154",
    )
    from twin.sim.energy.grid_io import GridFrames

    net = frames_to_net(GridFrames(buses, lines, trafos))
    assert net.line.length_km.iloc[0] == pytest.approx(1.5)  # from the geometry (metres)
    assert net.line.r_ohm_per_km.iloc[0] == pytest.approx(0.161)  # from the std type
    assert list(net.ext_grid.bus) == [10]
    assert net.trafo.sn_mva.iloc[0] == pytest.approx(0.63)
    bad = lines.copy()
    bad["std_type"] = "no such cable"
    with pytest.raises(DataError, match="no such cable"):
        frames_to_net(GridFrames(buses, bad, trafos))
    with pytest.raises(DataError, match="slack"):
        frames_to_net(GridFrames(buses.assign(slack=False, kind="mv"), lines, trafos))


def test_buildings_attach_to_nearest_lv_bus_else_mv():
    net = radial_mv_feeder(sections=2, section_km=2.0, with_lv=True)
    frames = net_to_frames(net)
    x0, y0 = ORIGIN_L93
    # LV buses 3 (x0+4000, y0+10) and 4 (x0+4000, y0+210); MV buses 0, 1 (x0+2000), 2.
    buildings = gpd.GeoDataFrame(
        {"building_id": [1, 2, 3], "households": [10, 4, 20], "premises": [12, 4, 20]},
        geometry=[
            shapely.box(x0 + 4010, y0 + 200, x0 + 4030, y0 + 220),  # by LV bus 4
            shapely.box(x0 + 3990, y0 - 30, x0 + 4000, y0 - 20),  # by LV bus 3
            shapely.box(x0 + 2000, y0 + 5, x0 + 2010, y0 + 15),
        ],  # 2 km away: MV bus 1
        crs="EPSG:2154",
    )
    table = attach_buildings(net, frames.buses, buildings)
    assert list(table.bus) == [4, 3, 1]
    # 10 households x 2 kW + 2 business premises x 3 kW = 26 kW; 4 x 2 = 8 kW; 20 x 2 = 40 kW
    assert list(table.p_kw) == pytest.approx([26.0, 8.0, 40.0])
    residential = net.load[net.load.type == "residential"].set_index("bus")
    assert residential.p_mw[4] == pytest.approx(0.020)
    assert residential.q_mvar[4] == pytest.approx(0.020 * 0.328684, rel=1e-5)  # cos phi 0.95
    commercial = net.load[net.load.type == "commercial"]
    assert list(commercial.bus) == [4] and commercial.p_mw.iloc[0] == pytest.approx(0.006)
    with pytest.raises(DataError, match="households"):
        attach_buildings(net, frames.buses, buildings.drop(columns="households"))


def test_sample_territory_grid_builds_and_solves():
    import twin
    from twin.sim.energy import grid_frames_from_project

    project = twin.open_project(None)
    frames = grid_frames_from_project(project)
    net = frames_to_net(frames)
    assert len(net.bus) == len(frames.buses) and len(net.line) == len(frames.lines)
    assert len(net.trafo) == len(frames.transformers) and len(net.ext_grid) >= 1
    result = run_power_flow(net)  # no load yet: every bus near the source voltage (the MV
    assert result.converged  # cables' charging current lifts the far ends by a few %)
    assert 0.98 < result.min_bus_voltage_pu <= result.max_bus_voltage_pu < 1.06
