"""Generated FTTH network: optical nodes (NRO), shared access points (PM), cables, ducts.

Method (generated; no deployment data installs offline):
- 6 NROs at fixed offsets from town halls (two in Rennes, then Cesson-Sévigné, Bruz,
  Pacé, Betton).
- PMs: the premises of buildings already "eligible" or "connected" are clustered per
  commune with a premises-weighted k-means (one PM per ~450 premises, re-run with more PMs
  until no PM serves more than 700); capacity = served premises + 15 % rounded up to 100,
  between 300 and 800. Each PM's parent is the NRO with the shortest road distance.
- Cables: one transport cable per PM along the shortest road path from its NRO; support
  "duct" in Rennes and the inner ring, "aerial" (60 %), "duct" (30 %) or "trench" (10 %)
  in outer communes. Not-eligible areas have no PM: the gaps a fiber study must fill.
- Ducts: existing civil engineering along roads: all primary/secondary roads (duct), most
  streets of Rennes and the inner ring (duct), part of outer streets (duct or poles).
"""

from __future__ import annotations

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import shapely
from scipy.spatial import cKDTree

from sample.common import CRS, rng, weighted_kmeans
from sample.communes import RENNES_INSEE, Territory
from sample.roads import road_graph

NRO_SITES = (
    ("NRO Rennes Nord", RENNES_INSEE, (300.0, 1800.0)),
    ("NRO Rennes Sud", RENNES_INSEE, (-400.0, -1700.0)),
    ("NRO Cesson-Sévigné", "35051", (200.0, 150.0)),
    ("NRO Bruz", "35047", (-150.0, 200.0)),
    ("NRO Pacé", "35210", (150.0, -200.0)),
    ("NRO Betton", "35024", (-200.0, -150.0)),
)
PREMISES_PER_PM = 450
MAX_SERVED = 700


def _ring_of_points(territory: Territory, points: gpd.GeoSeries) -> np.ndarray:
    joined = gpd.sjoin(
        gpd.GeoDataFrame(geometry=points.reset_index(drop=True), crs=CRS),
        territory.communes[["insee", "geometry"]],
        how="left",
        predicate="within",
    )
    joined = joined[~joined.index.duplicated()]
    return np.array([territory.ring(c) if isinstance(c, str) else "outer" for c in joined["insee"]])


def generate_fiber(territory: Territory, buildings: gpd.GeoDataFrame, roads: gpd.GeoDataFrame):
    """(fiber_nodes, fiber_cables, ducts) frames (see module docstring)."""
    graph = road_graph(roads.geometry)
    nodes = np.array(list(graph.nodes))
    tree = cKDTree(nodes)
    names = territory.communes.set_index("insee")["name"]

    node_rows, nro_nodes = [], []
    for number, (name, insee, offset) in enumerate(NRO_SITES, 1):
        hall = np.array(territory.centre(insee)) + np.array(offset)
        snapped = tuple(nodes[tree.query(hall)[1]])
        nro_nodes.append(snapped)
        node_rows.append((f"NRO-{number:02d}", "NRO", name, 0, "", shapely.Point(snapped)))
    shortest = [nx.single_source_dijkstra(graph, source, weight="weight") for source in nro_nodes]

    served = buildings[buildings["fiber_status"] != "not-eligible"]
    centroids = served.geometry.centroid
    pm_number = 0
    cable_rows = []
    generator = rng("fiber-support")
    for insee in sorted(served["insee"].unique()):
        mask = (served["insee"] == insee).to_numpy()
        points = np.column_stack([centroids.x.to_numpy()[mask], centroids.y.to_numpy()[mask]])
        premises = served["premises"].to_numpy()[mask].astype(float)
        count = max(1, int(np.ceil(premises.sum() / PREMISES_PER_PM)))
        while True:
            centres, labels = weighted_kmeans(points, premises, count, f"pm-{insee}-{count}")
            load = np.bincount(labels, weights=premises, minlength=len(centres))
            if load.max() <= MAX_SERVED or count >= len(points):
                break
            count += 1
        ring = territory.ring(insee)
        for k in np.argsort(-load, kind="stable"):
            if load[k] <= 0:
                continue
            pm_number += 1
            snapped = tuple(nodes[tree.query(centres[k])[1]])
            distances = [paths[0].get(snapped, np.inf) for paths in shortest]
            parent = int(np.argmin(distances))
            capacity = int(np.clip(np.ceil(load[k] * 1.15 / 100) * 100, 300, 800))
            node_id = f"PM-{pm_number:04d}"
            node_rows.append(
                (
                    node_id,
                    "PM",
                    f"PM {names[insee]} {pm_number:04d}",
                    capacity,
                    f"NRO-{parent + 1:02d}",
                    shapely.Point(snapped),
                )
            )
            path = shortest[parent][1][snapped]
            if len(path) < 2:
                continue
            if ring == "outer":
                support = generator.choice(["aerial", "duct", "trench"], p=[0.6, 0.3, 0.1])
            else:
                support = "duct"
            cable_rows.append(
                (
                    f"CAB-{pm_number:04d}",
                    "fiber",
                    str(support),
                    f"NRO-{parent + 1:02d}",
                    shapely.LineString(path),
                )
            )
    fiber_nodes = gpd.GeoDataFrame(
        pd.DataFrame(
            node_rows,
            columns=["node_id", "kind", "name", "capacity_premises", "parent_id", "geometry"],
        ),
        geometry="geometry",
        crs=CRS,
    )
    fiber_nodes["capacity_premises"] = fiber_nodes["capacity_premises"].astype(np.int64)
    cables = gpd.GeoDataFrame(
        pd.DataFrame(cable_rows, columns=["cable_id", "kind", "support", "from_node", "geometry"]),
        geometry="geometry",
        crs=CRS,
    )
    cables["length_m"] = cables.geometry.length.round(1)
    return fiber_nodes, cables, _ducts(territory, roads)


def _ducts(territory: Territory, roads: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    generator = rng("ducts")
    rings = _ring_of_points(territory, roads.geometry.interpolate(0.5, normalized=True))
    draw = generator.random(len(roads))
    support = np.full(len(roads), "", dtype=object)
    major = roads["highway"].isin(["primary", "secondary"]).to_numpy()
    support[major] = "duct"
    urban = ~major & (rings != "outer")
    support[urban & (draw < 0.9)] = "duct"
    outer = ~major & (rings == "outer")
    support[outer & (draw < 0.35)] = "duct"
    support[outer & (draw >= 0.35) & (draw < 0.7)] = "aerial"
    keep = support != ""
    ducts = gpd.GeoDataFrame(
        {"support": support[keep].astype(str)}, geometry=roads.geometry.to_numpy()[keep], crs=CRS
    )
    ducts.insert(0, "duct_id", [f"D{i:05d}" for i in range(1, len(ducts) + 1)])
    ducts["length_m"] = ducts.geometry.length.round(1)
    return ducts
