"""Travel-time figures of the transit what-if: persons reached from the territory's centre.

The transit adapter (:mod:`twin.sim.whatif.transit`) calls :func:`travel_result` with the
feed and road graph it has prepared. The *centre* is the town hall of the most populous
commune (``town_halls`` joined to ``communes`` on ``insee``; without them, the
population-weighted centre of the buildings). From it, the door-to-door travel time by walk
and transit (:class:`twin.sim.transit.travel.TravelModel`, median over departures every
minute 07:00-09:00) to every building gives the persons and premises reached within 30 and
45 minutes; the isochrones (200 m pixels) become a result layer. A scenario's new lines
and stops are added to the timetable, so the figures move with them and never drop.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import shapely

from twin.kpi import Figure
from twin.layers.provenance import Provenance
from twin.layers.style import Category, Style
from twin.layers.vector import VectorLayer
from twin.sim.network import Attachment
from twin.sim.transit.isochrones import TimeGrid, isochrones
from twin.sim.transit.travel import TravelModel, TravelParameters, Window
from twin.sim.transit.whatif import NewLine, NewStop
from twin.sim.whatif import prepared
from twin.sim.whatif.result import CONTEXTS

NAME = "transit-destinations"  # their road attachment, stored in the project file
STORED_FIELDS = ("edge", "offset_m", "connector_m", "projected_xy")
WINDOW = Window("07:00", 120)
MODES = ("walk", "transit")
MINUTES = (30, 45)
ISOCHRONE_CELL_M = 200.0
ISOCHRONE_COLORS = {  # cividis-like, light (far) to dark (near): readable on the terrain
    10: "#00204D",
    20: "#31446B",
    30: "#666970",
    45: "#958F78",
    60: "#CBBA69",
}


def isochrone_bands(polygons: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Nested isochrones (``minutes``, reached within) as non-overlapping bands ("20-30
    min"), nearest first, so that a map draws each pixel once."""
    ordered = polygons.sort_values("minutes")
    rows, previous, low = [], shapely.Polygon(), 0
    for minutes, polygon in zip(ordered["minutes"], ordered.geometry, strict=True):
        rows.append((int(minutes), f"{low}-{int(minutes)} min", polygon.difference(previous)))
        previous, low = polygon, int(minutes)
    return gpd.GeoDataFrame(
        {"minutes": [r[0] for r in rows], "label": [r[1] for r in rows]},
        geometry=[r[2] for r in rows],
        crs=polygons.crs,
    )


@dataclass
class Centre:
    """Where travel times start: a name and (x, y) project metres."""

    name: str
    xy: np.ndarray


def main_centre(project) -> Centre:
    """The town hall of the most populous commune, else the population-weighted centre of
    the buildings."""
    try:
        halls = project.layer("town_halls").frame
        communes = project.layer("communes").frame
        biggest = communes.sort_values("population", ascending=False).iloc[0]
        hall = halls[halls["insee"].astype(str) == str(biggest["insee"])].iloc[0]
        return Centre(f"{biggest['name']} town hall", shapely.get_coordinates(hall.geometry)[0])
    except (KeyError, IndexError, AttributeError):
        buildings = project.layer("buildings").frame
        xy = shapely.get_coordinates(shapely.centroid(buildings.geometry.values))
        weight = np.nan_to_num(buildings["population"].to_numpy(float))
        return Centre("population centre", np.average(xy, axis=0, weights=weight + 1e-9))


def people(project) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """Centroids of the buildings (m) and their persons, households and premises, computed
    once per project (forgotten with the transit domain's prepared inputs)."""
    store = CONTEXTS.store(project)
    buildings = project.layer("buildings").frame
    key = ("transit", "people")
    if key not in store or store[key][0] is not buildings:
        xy = shapely.get_coordinates(shapely.centroid(buildings.geometry.values))
        weights = {
            name: np.nan_to_num(buildings[name].to_numpy(float))
            for name in ("population", "households", "premises")
            if name in buildings
        }
        store[key] = (buildings, xy, weights)
    return store[key][1], store[key][2]


def destination_attachment(project, graph, destination_xy: np.ndarray):
    """The road attachment of the travel figures' destinations (buildings and isochrone
    pixels), computed once per project and road graph and reused by every scenario (it is
    the slowest part of preparing a travel model: a nearest-road search for each place)."""
    store = CONTEXTS.store(project)
    key = ("transit-destinations", id(graph), hashlib.blake2b(destination_xy.tobytes()).hexdigest())
    if key not in store:
        distance = TravelParameters().max_connector_m
        store[key] = (graph, _stored_or_attached(project, graph, destination_xy, distance))
    return store[key][1]


def _stored_or_attached(project, graph, destination_xy: np.ndarray, distance: float):
    """The attachment read from the project file when it holds one built from the same
    roads and points (:mod:`twin.sim.whatif.prepared`), else computed (and kept there when
    ``graph`` is the project's own road graph, so that saving stores it). Stored: what the
    search finds (edge, offset, connector, projected point); the points themselves and
    the edge lengths are the inputs' and the graph's."""
    if CONTEXTS.store(project).get("road-graph") is not graph:
        return graph.attach(destination_xy, max_distance=distance)
    parameters = {"snap_tolerance_m": 1.0, "max_connector_m": distance}
    record = prepared.key(project, NAME, ("roads",), parameters, (destination_xy,))
    arrays = prepared.load(project, NAME, record)
    k = len(destination_xy)
    if arrays is not None and _fits(arrays, k, graph.edge_count):
        edge = arrays["edge"].astype(np.int64)
        hit = edge >= 0
        offset, connector, projected = np.zeros(k), np.full(k, np.inf), np.full((k, 2), np.nan)
        offset[hit], connector[hit] = arrays["offset_m"], arrays["connector_m"]
        projected[hit] = arrays["projected_xy"]
        return Attachment(
            edge,
            offset,
            connector,
            np.asarray(destination_xy, dtype=float).reshape(-1, 2).copy(),
            projected,
            np.where(hit, graph.edge_length[edge], 0),
        )
    attachment = graph.attach(destination_xy, max_distance=distance)
    hit = attachment.edge >= 0  # the others: no edge, 0 m offset, inf connector, no point
    stored = {name: getattr(attachment, name)[hit] for name in STORED_FIELDS}
    stored["edge"] = attachment.edge.astype(np.int32)
    prepared.keep(project, NAME, record, stored)
    return attachment


def _fits(arrays: dict[str, np.ndarray], k: int, edge_count: int) -> bool:
    """True when stored attachment arrays have the fields of ``k`` points (the edge of
    each, -1: none, of a graph of ``edge_count`` edges; the rest for attached points only)."""
    if set(arrays) != set(STORED_FIELDS):
        return False
    edge = arrays["edge"]
    if edge.shape != (k,) or edge.dtype.kind not in "iu":
        return False
    if edge.max(initial=-1) >= edge_count or edge.min(initial=-1) < -1:
        return False
    hits = int((edge >= 0).sum())
    shapes = [arrays[name].shape for name in ("offset_m", "connector_m", "projected_xy")]
    return shapes == [(hits,), (hits,), (hits, 2)]


def prepare_destinations(project, graph) -> Attachment:
    """Attach the travel figures' destinations (the buildings, then the isochrone pixels)
    to ``graph`` now (see :func:`destination_attachment`), so that the first scenario finds
    them; returns that attachment (its first rows are the buildings, which the access model
    reuses instead of attaching them again)."""
    xy, _weights = people(project)
    return destination_attachment(project, graph, np.vstack([xy, _grid(project).centres()]))


def _grid(project) -> TimeGrid:
    minx, miny, maxx, maxy = project.layer("roads").frame.total_bounds
    return TimeGrid((float(minx), float(miny), float(maxx), float(maxy)), ISOCHRONE_CELL_M)


def travel_result(
    project, network, graph, lines: tuple[NewLine, ...], stops: tuple[NewStop, ...], day
) -> tuple[list[Figure], list[VectorLayer], dict[str, np.ndarray]]:
    """Figures (persons and premises reached within 30/45 min from the centre), the
    isochrone layer, and for the privacy gate the buildings each figure counts (key ->
    boolean array over the ``buildings`` layer), with the scenario's ``lines`` and new
    ``stops`` in the timetable."""
    centre = main_centre(project)
    xy, weights = people(project)
    grid = _grid(project)
    destination_xy = np.vstack([xy, grid.centres()])
    model = TravelModel(
        network,
        graph,
        destination_xy,
        day=day,
        lines=lines,
        new_stops=stops,
        destinations=destination_attachment(project, graph, destination_xy),
    )
    result = model.from_point(centre.xy, WINDOW, MODES)
    k = len(xy)
    median = result.median[:k]
    persons = weights.get("population", np.zeros(k))
    premises = weights.get("premises", np.zeros(k))
    how = f"from {centre.name}, walk + transit, median departure 07:00-09:00"
    figures = []
    members: dict[str, np.ndarray] = {}
    for limit in MINUTES:
        inside = median <= limit * 60.0
        members[f"transit.travel.persons_within_{limit}min"] = inside
        members[f"transit.travel.premises_within_{limit}min"] = inside
        figures.append(
            Figure(
                f"transit.travel.persons_within_{limit}min",
                f"Persons reached within {limit} min ({how})",
                round(float(persons[inside].sum())),
                "persons",
                "transit",
            )
        )
        figures.append(
            Figure(
                f"transit.travel.premises_within_{limit}min",
                f"Premises reached within {limit} min ({how})",
                round(float(premises[inside].sum())),
                "premises",
                "transit",
            )
        )
    polygons = isochrones(grid.raster(result.median[k:]) / 60.0, grid.transform, project.crs)
    bands = isochrone_bands(polygons)
    style = Style(
        kind="categorized",
        column="minutes",
        categories=tuple(
            Category(int(m), ISOCHRONE_COLORS.get(int(m), "#999999"), label)
            for m, label in zip(bands["minutes"], bands["label"], strict=True)
        ),
        fill_opacity=0.45,
        stroke_width=0.0,
    )
    layer = VectorLayer(
        f"Isochrones from {centre.name}",
        bands,
        style=style,
        provenance=Provenance(
            source="engine:transit",
            method="Range RAPTOR (Delling et al. 2012) over the GTFS timetable with walks on "
            "the road graph; median door-to-door time over departures every minute "
            "07:00-09:00; 200 m pixels",
            parameters={"origin": [round(float(v), 1) for v in centre.xy], "modes": list(MODES)},
        ),
        crs=project.crs,
    )
    return figures, [layer], members
