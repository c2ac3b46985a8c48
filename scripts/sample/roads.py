"""Generated road network and a routing graph over it.

Method (generated, EPSG:2154):
- residential/service streets: the sides of every 200 m cell that holds a building, with
  corners moved by up to 25 m (smooth noise) so the grid looks organic; sides shared by
  neighbouring cells are written once and consecutive sides on one grid line are merged
  into one street, with a vertex at every corner, so crossing streets share vertices.
  Every building is within ~125 m of a street. Sides of cells with fewer than 5
  households are "service".
- primary roads: from Rennes' centre to the town halls of the communes on the main
  radial axes; secondary roads: between the town halls of communes that share a border;
  both gently curved (perpendicular offsets from a noise field) and ending on a street
  corner next to each town hall.
- tertiary links: each group of streets not yet connected (hamlets) is joined to the main
  network by a straight link from its closest corner, so the network is one component.
"""

from __future__ import annotations

import itertools

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import shapely
from scipy.spatial import cKDTree

from sample.buildings import CELL_M
from sample.common import CRS, SmoothNoise
from sample.communes import RENNES_INSEE, Territory

JITTER_M = 25.0
MAXSPEED = {"primary": 80, "secondary": 80, "tertiary": 70, "residential": 50, "service": 30}
STREET_NAMES = (
    "des Tilleuls",
    "des Chênes",
    "du Moulin",
    "de la Fontaine",
    "des Écoles",
    "de la Gare",
    "des Lilas",
    "du Stade",
    "des Érables",
    "de Bretagne",
    "des Rosiers",
    "du Verger",
    "des Peupliers",
    "de la Vilaine",
    "des Acacias",
    "du Lavoir",
    "des Saules",
    "de l'Ille",
    "des Hêtres",
    "de la Prairie",
    "des Genêts",
    "du Bocage",
    "des Frênes",
    "de la Lande",
    "des Mésanges",
    "du Château",
    "des Bleuets",
    "de la Source",
    "des Ajoncs",
    "du Clos",
)
RADIAL_COMMUNES = (
    "35047",
    "35051",
    "35210",
    "35024",
    "35196",
    "35240",
    "35278",
    "35206",
    "35334",
    "35001",
    "35120",
    "35139",
    "35088",
    "35352",
    "35245",
    "35208",
)


def _corner_positions(ix: np.ndarray, iy: np.ndarray, noise_x, noise_y) -> np.ndarray:
    """Jittered positions (m) of grid corners given in cell units."""
    x, y = ix * CELL_M, iy * CELL_M
    return np.column_stack(
        [np.round(x + JITTER_M * noise_x(x, y), 2), np.round(y + JITTER_M * noise_y(x, y), 2)]
    )


def _curved_line(start, end, noise, amplitude_m: float) -> shapely.LineString:
    """A line from ``start`` to ``end`` with 5 interior vertices offset sideways."""
    start, end = np.asarray(start, float), np.asarray(end, float)
    t = np.linspace(0.0, 1.0, 7)
    points = start[None, :] + t[:, None] * (end - start)[None, :]
    direction = end - start
    normal = np.array([-direction[1], direction[0]]) / max(np.hypot(*direction), 1.0)
    offset = amplitude_m * noise(points[:, 0], points[:, 1]) * np.sin(np.pi * t)
    points += offset[:, None] * normal[None, :]
    return shapely.LineString(np.round(points, 2))


def generate_roads(territory: Territory, buildings: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """The road layer (see module docstring)."""
    bounds = territory.bounds
    noise_x = SmoothNoise("roads-jitter-x", bounds, 300.0)
    noise_y = SmoothNoise("roads-jitter-y", bounds, 300.0)
    bend = SmoothNoise("roads-bend", bounds, 4000.0)
    centroids = buildings.geometry.centroid
    cells = pd.DataFrame(
        {
            "ix": np.floor(centroids.x / CELL_M).astype(int),
            "iy": np.floor(centroids.y / CELL_M).astype(int),
            "households": buildings["households"].to_numpy(),
            "insee": buildings["insee"].to_numpy(),
        }
    )
    cells = cells.groupby(["ix", "iy"], as_index=False).agg(
        households=("households", "sum"), insee=("insee", "first")
    )
    # each side keyed by its two corners (in cell units), kept with the busiest cell's data
    sides: dict[tuple, tuple[int, str]] = {}
    for ix, iy, households, insee in cells.itertuples(index=False):
        for side in (
            ((ix, iy), (ix + 1, iy)),
            ((ix, iy + 1), (ix + 1, iy + 1)),
            ((ix, iy), (ix, iy + 1)),
            ((ix + 1, iy), (ix + 1, iy + 1)),
        ):
            known = sides.get(side)
            if known is None or known[0] < households:
                sides[side] = (int(households), insee)
    streets, corners, corner_insee = _street_runs(sides, noise_x, noise_y)
    corner_tree = cKDTree(corners)

    def corner_near(insee_code: str) -> np.ndarray:
        hall = np.array(territory.centre(insee_code))
        own = np.nonzero(corner_insee == insee_code)[0]
        if own.size:
            return corners[own[np.argmin(np.hypot(*(corners[own] - hall).T))]]
        return corners[corner_tree.query(hall)[1]]

    names_of = territory.communes.set_index("insee")["name"]
    main_roads = []
    for code in RADIAL_COMMUNES:
        line = _curved_line(corner_near(RENNES_INSEE), corner_near(code), bend, 400.0)
        main_roads.append((f"Route de {names_of[code]}", "primary", code, line))
    polygons = territory.communes.set_index("insee").geometry
    codes = list(polygons.index)
    for i, first in enumerate(codes):
        for second in codes[i + 1 :]:
            if RENNES_INSEE in (first, second) and {first, second} & set(RADIAL_COMMUNES):
                continue
            if polygons[first].buffer(50).intersects(polygons[second]):
                line = _curved_line(corner_near(first), corner_near(second), bend, 250.0)
                name = f"Route de {names_of[first]} à {names_of[second]}"
                main_roads.append((name, "secondary", first, line))
    main = pd.DataFrame(main_roads, columns=["name", "highway", "insee", "geometry"])
    roads = pd.concat([main, streets], ignore_index=True)
    roads = pd.concat([roads, _connect_components(roads)], ignore_index=True)
    frame = gpd.GeoDataFrame(
        {
            "road_id": np.arange(1, len(roads) + 1, dtype=np.int64),
            "name": roads["name"].astype(str),
            "highway": roads["highway"].astype(str),
            "maxspeed_kmh": [
                30 if (h == "residential" and c == RENNES_INSEE) else MAXSPEED[h]
                for h, c in zip(roads["highway"], roads["insee"], strict=True)
            ],
        },
        geometry=roads["geometry"].to_numpy(),
        crs=CRS,
    )
    frame["maxspeed_kmh"] = frame["maxspeed_kmh"].astype(np.int64)
    frame["length_m"] = frame.geometry.length.round(1)
    return frame


def _street_runs(sides: dict, noise_x, noise_y):
    """Merge cell sides into streets: runs of consecutive sides on one grid line with the
    same class and commune become one polyline (vertices at every corner, so crossing
    streets share vertices). Returns (streets frame, corner positions, corner communes)."""
    rows = []
    for (a, b), (households, insee) in sides.items():
        horizontal = a[1] == b[1]
        line_index, position = (a[1], a[0]) if horizontal else (a[0], a[1])
        highway = "residential" if households >= 5 else "service"
        rows.append((horizontal, line_index, position, highway, insee))
    table = pd.DataFrame(rows, columns=["horizontal", "line", "position", "highway", "insee"])
    table = table.sort_values(["horizontal", "line", "position"], ascending=[False, True, True])
    brk = (
        (table["horizontal"] != table["horizontal"].shift())
        | (table["line"] != table["line"].shift())
        | (table["position"] != table["position"].shift() + 1)
        | (table["highway"] != table["highway"].shift())
        | (table["insee"] != table["insee"].shift())
    )
    table["run"] = brk.cumsum()
    streets, all_corners, all_insee = [], [], []
    for _, run in table.groupby("run", sort=True):
        horizontal, line_index = bool(run["horizontal"].iloc[0]), int(run["line"].iloc[0])
        steps = np.arange(run["position"].iloc[0], run["position"].iloc[-1] + 2)
        ix = steps if horizontal else np.full(steps.size, line_index)
        iy = np.full(steps.size, line_index) if horizontal else steps
        points = _corner_positions(ix, iy, noise_x, noise_y)
        insee = str(run["insee"].iloc[0])
        name_index = (line_index * 7 + int(insee[-2:])) % len(STREET_NAMES)
        name = ("Rue " if horizontal else "Allée ") + STREET_NAMES[name_index]
        streets.append((name, str(run["highway"].iloc[0]), insee, shapely.LineString(points)))
        all_corners.append(points)
        all_insee += [insee] * len(points)
    frame = pd.DataFrame(streets, columns=["name", "highway", "insee", "geometry"])
    return frame, np.vstack(all_corners), np.array(all_insee)


def _connect_components(roads: pd.DataFrame) -> pd.DataFrame:
    """Tertiary links joining every separate group of roads to the largest one."""
    graph = road_graph(roads["geometry"])
    components = sorted(nx.connected_components(graph), key=len, reverse=True)
    main_nodes = np.array(sorted(components[0]))
    links = []
    for component in components[1:]:
        nodes = np.array(sorted(component))
        distance, nearest = cKDTree(main_nodes).query(nodes)
        k = int(np.argmin(distance))
        line = shapely.LineString([nodes[k], main_nodes[nearest[k]]])
        links.append(("Chemin rural", "tertiary", "", line))
        main_nodes = np.vstack([main_nodes, nodes])
    return pd.DataFrame(links, columns=["name", "highway", "insee", "geometry"])


def road_graph(geometries) -> nx.Graph:
    """Undirected graph of road vertices (tuples of metres) and segments (weight = length m).

    Lines connect where they share a vertex (crossings without a shared vertex do not).
    """
    graph = nx.Graph()
    for line in geometries:
        coords = [tuple(map(float, c)) for c in np.round(shapely.get_coordinates(line), 2)]
        for p, q in itertools.pairwise(coords):
            graph.add_edge(p, q, weight=float(np.hypot(p[0] - q[0], p[1] - q[1])))
    return graph


def route_on_roads(graph: nx.Graph, start, end) -> shapely.LineString:
    """Shortest road path (a line) between the road vertices nearest ``start`` and ``end``."""
    nodes = np.array(list(graph.nodes))
    tree = cKDTree(nodes)
    a = tuple(nodes[tree.query(start)[1]])
    b = tuple(nodes[tree.query(end)[1]])
    path = nx.shortest_path(graph, a, b, weight="weight")
    if len(path) == 1:
        path = [path[0], path[0]]
    return shapely.LineString(path)
