"""Generated MV/LV electricity grid (pandapower standard types), reaching every commune.

Method (generated; the real Enedis grid is not public in an offline package):
- peak loads as twin's energy engine attaches them (twin/sim/energy/defaults.json): each
  building to its nearest LV bus, 2 kW per household plus 3 kW per business premise
  (after-diversity maximum demand), cos phi 0.95;
- one HV/MV source substation ("poste source") in south-east Rennes stands in for the
  several real ones: a 110 kV bus (the external grid, slack) and a 20 kV busbar linked by
  as many "63 MVA 110/20 kV" transformers as keep them under 80 % loading (pandapower has no
  90 kV type, so 110 kV is used);
- MV/LV substations: buildings are clustered (load-weighted k-means, ~420 kW per
  substation); each substation has a 20 kV bus, a 0.4 kV bus and transformers sized for the
  load of its nearest-bus buildings ("0.25", "0.4" or parallel "0.63 MVA 20/0.4 kV");
- 20 kV feeders: substations sorted by bearing from the source are grouped into feeders of
  at most 6 MW in Rennes and 3 MW outside; each feeder is the minimum spanning tree of its
  substations and the source, each span routed along the roads (cable type
  "NA2XS2Y 1x240 RM/25 12/20 kV");
- LV: in the substation nearest each town hall, the buildings are split into three groups
  and two of them get their own 0.4 kV bus at most 200 m away (towards the group's centre),
  fed by "NAYY 4x150 SE" cables (in parallel so that they stay under half their rating).
"""

from __future__ import annotations

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import shapely
from scipy.sparse.csgraph import minimum_spanning_tree
from scipy.spatial import cKDTree, distance_matrix

from sample.common import CRS, weighted_kmeans
from sample.communes import RENNES_INSEE, Territory
from sample.roads import road_graph

HV_KV, MV_KV, LV_KV = 110.0, 20.0, 0.4
HV_MV_TYPE = "63 MVA 110/20 kV"
HV_MV_MAX_LOADING = 0.8
MV_LINE_TYPE = "NA2XS2Y 1x240 RM/25 12/20 kV"
LV_LINE_TYPE = "NAYY 4x150 SE"
LV_LINE_MAX_KA = 0.27
# peak loads (kW) = the energy engine's defaults (twin/sim/energy/defaults.json)
KW_PER_HOUSEHOLD = 2.0
KW_PER_BUSINESS_PREMISE = 3.0
POWER_FACTOR = 0.95
KW_PER_SUBSTATION = 420.0
URBAN_FEEDER_MAX_MW = 6.0
RURAL_FEEDER_MAX_MW = 3.0
MAX_LV_BRANCH_M = 200.0
SOURCE_OFFSET_M = (2200.0, -1800.0)


def _trafo_types(apparent_mva: float) -> list[tuple[str, float]]:
    if apparent_mva <= 0.2:
        return [("0.25 MVA 20/0.4 kV", 0.25)]
    if apparent_mva <= 0.32:
        return [("0.4 MVA 20/0.4 kV", 0.4)]
    return [("0.63 MVA 20/0.4 kV", 0.63)] * int(np.ceil(apparent_mva / 0.5))


class _Grid:
    def __init__(self) -> None:
        self.buses: list[dict] = []
        self.lines: list[dict] = []
        self.trafos: list[dict] = []

    def bus(self, name, vn_kv, kind, xy, slack=False) -> int:
        bus_id = len(self.buses)
        self.buses.append(
            {
                "bus_id": bus_id,
                "name": name,
                "vn_kv": vn_kv,
                "kind": kind,
                "slack": slack,
                "geometry": shapely.Point(np.round(xy, 2)),
            }
        )
        return bus_id

    def line(self, name, a, b, vn_kv, std_type, geometry, parallel=1) -> None:
        self.lines.append(
            {
                "line_id": len(self.lines),
                "name": name,
                "from_bus": a,
                "to_bus": b,
                "vn_kv": vn_kv,
                "std_type": std_type,
                "length_km": round(max(geometry.length, 1.0) / 1000.0, 4),
                "parallel": parallel,
                "geometry": geometry,
            }
        )

    def trafo(self, name, hv, lv, std_type, sn_mva, xy) -> None:
        self.trafos.append(
            {
                "trafo_id": len(self.trafos),
                "name": name,
                "hv_bus": hv,
                "lv_bus": lv,
                "std_type": std_type,
                "sn_mva": sn_mva,
                "geometry": shapely.Point(np.round(xy, 2)),
            }
        )

    def frames(self):
        buses = gpd.GeoDataFrame(pd.DataFrame(self.buses), geometry="geometry", crs=CRS)
        lines = gpd.GeoDataFrame(pd.DataFrame(self.lines), geometry="geometry", crs=CRS)
        trafos = gpd.GeoDataFrame(pd.DataFrame(self.trafos), geometry="geometry", crs=CRS)
        for frame, columns in (
            (buses, ["bus_id"]),
            (lines, ["line_id", "from_bus", "to_bus", "parallel"]),
            (trafos, ["trafo_id", "hv_bus", "lv_bus"]),
        ):
            for column in columns:
                frame[column] = frame[column].astype(np.int64)
        buses["slack"] = buses["slack"].astype(bool)
        return buses, lines, trafos


def building_load_kw(buildings: pd.DataFrame) -> np.ndarray:
    """Peak load of each building (kW): 2 kW per household plus 3 kW per business premise
    (premises - households), the after-diversity defaults of twin's energy engine."""
    households = buildings["households"].to_numpy(dtype=float)
    business = buildings["premises"].to_numpy(dtype=float) - households
    return KW_PER_HOUSEHOLD * households + KW_PER_BUSINESS_PREMISE * np.clip(business, 0, None)


def generate_grid(territory: Territory, buildings: gpd.GeoDataFrame, roads: gpd.GeoDataFrame):
    """(grid_buses, grid_lines, grid_transformers) frames (see module docstring)."""
    graph = road_graph(roads.geometry)
    nodes = np.array(list(graph.nodes))
    tree = cKDTree(nodes)
    names = territory.communes.set_index("insee")["name"]
    grid = _Grid()
    source_xy = nodes[tree.query(np.array(territory.centre(RENNES_INSEE)) + SOURCE_OFFSET_M)[1]]
    hv = grid.bus(
        "Poste source Rennes-Est 110 kV", HV_KV, "source", np.add(source_xy, (0, 15)), True
    )
    mv_source = grid.bus("Poste source Rennes-Est 20 kV", MV_KV, "substation", source_xy)
    homes = buildings[buildings["premises"] > 0]
    centroids = homes.geometry.centroid
    points = np.column_stack([centroids.x.to_numpy(), centroids.y.to_numpy()])
    weights = building_load_kw(homes)
    hv_mv_count = int(np.ceil(weights.sum() / 1000 / POWER_FACTOR / (HV_MV_MAX_LOADING * 63.0)))
    for k in range(hv_mv_count):
        grid.trafo(
            f"Poste source Rennes-Est TR{k + 1}",
            hv,
            mv_source,
            HV_MV_TYPE,
            63.0,
            np.add(source_xy, (5 * k, 8)),
        )

    insee_of = homes["insee"].to_numpy()
    count = round(weights.sum() / KW_PER_SUBSTATION)
    centres, labels = weighted_kmeans(points, weights, count, "grid-substations")
    sites = []  # dict per MV/LV substation
    taken: set[int] = set()  # road vertices already holding a substation
    for k, centre in enumerate(centres):
        members = labels == k
        if weights[members].sum() <= 0:
            continue
        insee = pd.Series(insee_of[members]).mode().iloc[0]
        sites.append(
            {
                "xy": _free_node(nodes, tree, centre, taken),
                "insee": insee,
                "points": points[members],
                "weights": weights[members],
            }
        )
    sites.sort(key=lambda site: (site["insee"], site["xy"][1], site["xy"][0]))
    lv_buses = []  # (bus, site index, branch line index or -1)
    numbers: dict[str, int] = {}
    for index, site in enumerate(sites):
        numbers[site["insee"]] = numbers.get(site["insee"], 0) + 1
        site["label"] = f"{names[site['insee']]} P{numbers[site['insee']]:02d}"
        site["mv"] = grid.bus(f"{site['label']} 20 kV", MV_KV, "mv", site["xy"])
        site["lv"] = grid.bus(f"{site['label']} 0.4 kV", LV_KV, "lv", site["xy"] + (6, 0))
        lv_buses.append((site["lv"], index, -1))
    for insee in names.index:
        hall = np.array(territory.centre(insee))
        own = [i for i, s in enumerate(sites) if s["insee"] == insee]
        if own:
            index = min(own, key=lambda i: np.hypot(*(sites[i]["xy"] - hall)))
            lv_buses += _lv_branches(grid, sites[index], index)
    # loads as the energy engine will attach them: each household to its nearest LV bus
    bus_xy = np.array([grid.buses[bus]["geometry"].coords[0] for bus, _, _ in lv_buses])
    nearest = cKDTree(bus_xy).query(points)[1]
    bus_kw = np.bincount(nearest, weights=weights, minlength=len(lv_buses))
    site_kw = np.zeros(len(sites))
    for (_, index, line_index), load_kw in zip(lv_buses, bus_kw, strict=True):
        site_kw[index] += load_kw
        if line_index >= 0:
            current_ka = load_kw / (np.sqrt(3) * LV_KV * POWER_FACTOR) / 1000
            parallel = max(1, int(np.ceil(current_ka / (0.5 * LV_LINE_MAX_KA))))
            grid.lines[line_index]["parallel"] = parallel
    for site, load_kw in zip(sites, site_kw, strict=True):
        apparent = load_kw / 1000 / POWER_FACTOR
        for n, (std_type, sn) in enumerate(_trafo_types(apparent)):
            grid.trafo(
                f"{site['label']} TR{n + 1}",
                site["mv"],
                site["lv"],
                std_type,
                sn,
                site["xy"] + (3, 3 * n),
            )
        site["load_mw"] = apparent * POWER_FACTOR
    rennes = territory.communes.set_index("insee").geometry[RENNES_INSEE]
    urban = [s for s in sites if rennes.contains(shapely.Point(s["xy"]))]
    rural = [s for s in sites if not rennes.contains(shapely.Point(s["xy"]))]
    groups = _group_by_bearing(urban, source_xy, URBAN_FEEDER_MAX_MW)
    groups += _group_by_bearing(rural, source_xy, RURAL_FEEDER_MAX_MW)
    _feeders(grid, graph, source_xy, mv_source, groups)
    return grid.frames()


def _free_node(nodes: np.ndarray, tree: cKDTree, centre: np.ndarray, taken: set[int]):
    """The road vertex nearest ``centre`` that holds no substation yet (so no two substations
    share a position and "nearest bus" is never a tie)."""
    for k in (8, 64, len(nodes)):
        _, candidates = tree.query(centre, k=min(k, len(nodes)))
        for index in np.atleast_1d(candidates):
            if int(index) not in taken:
                taken.add(int(index))
                return nodes[index]
    raise ValueError("more substations than road vertices")


def _lv_branches(grid, site, index) -> list[tuple[int, int, int]]:
    """Two LV branches towards two of three household groups of a substation."""
    points, weights, xy, label = site["points"], site["weights"], site["xy"], site["label"]
    if len(points) < 6:
        return []
    centres, _ = weighted_kmeans(points, weights, 3, f"lv-{label}")
    far = np.argsort(-np.hypot(*(centres - xy).T), kind="stable")[:2]
    added = []
    for n, k in enumerate(far):
        offset = centres[k] - xy
        reach = np.hypot(*offset)
        target = xy + offset * min(1.0, MAX_LV_BRANCH_M / max(reach, 1.0))
        end = grid.bus(f"{label} LV{n + 1}", LV_KV, "lv", target)
        geometry = shapely.LineString(np.round([np.add(xy, (6, 0)), target], 2))
        grid.line(f"{label} BT{n + 1}", site["lv"], end, LV_KV, LV_LINE_TYPE, geometry)
        added.append((end, index, len(grid.lines) - 1))
    return added


def _group_by_bearing(sites, source_xy, max_mw) -> list[list[dict]]:
    """Consecutive substations by bearing from the source, at most ``max_mw`` per group."""
    order = sorted(
        sites, key=lambda s: np.arctan2(s["xy"][1] - source_xy[1], s["xy"][0] - source_xy[0])
    )
    groups, current, load = [], [], 0.0
    for site in order:
        if current and load + site["load_mw"] > max_mw:
            groups.append(current)
            current, load = [], 0.0
        current.append(site)
        load += site["load_mw"]
    if current:
        groups.append(current)
    return groups


def _feeders(grid, graph, source_xy, mv_source, groups) -> None:
    """Connect each group of substations to the source by a minimum spanning tree."""
    for number, group in enumerate(groups, 1):
        xy = np.vstack([source_xy] + [s["xy"] for s in group]).astype(float)
        buses = [mv_source] + [s["mv"] for s in group]
        tree_matrix = minimum_spanning_tree(distance_matrix(xy, xy) + 1e-3).tocoo()
        for a, b in zip(tree_matrix.row, tree_matrix.col, strict=True):
            geometry = _route(graph, xy[a], xy[b])
            grid.line(f"Départ {number:02d} HTA", buses[a], buses[b], MV_KV, MV_LINE_TYPE, geometry)


def _route(graph, a, b) -> shapely.LineString:
    start, end = tuple(map(float, np.round(a, 2))), tuple(map(float, np.round(b, 2)))
    try:
        path = nx.shortest_path(graph, start, end, weight="weight")
    except (nx.NodeNotFound, nx.NetworkXNoPath):
        path = [start, end]
    if len(path) < 2:
        path = [start, (end[0] + 1.0, end[1])]
    return shapely.LineString(path)
