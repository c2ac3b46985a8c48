"""Walk access to transit: who lives within 5 and 10 minutes of a stop, and PTAL per place.

Walk distances run along the road graph (:mod:`twin.sim.network`) at 80 m/min (4.8 km/h):
the nearest-stop catchments use the graph's multi-source Dijkstra, PTAL the per-stop walks
of :mod:`twin.sim.transit.catchment`. Locations are buildings (persons = ``population``,
``premises``) or grid cells; each enters the graph at the nearest point of its nearest road
(the connector is walked too). Results are aggregates (persons, premises), as twin's
privacy rule asks.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import shapely
import shapely.ops

from twin.feedback import Feedback, ensure_feedback
from twin.i18n import tr
from twin.sim.network import Attachment, RoadGraph
from twin.sim.transit.catchment import attachment_within, stop_walks, subset_attachment
from twin.sim.transit.ptal import BAND_ORDER, PtalParameters, accessibility_index


@dataclass(frozen=True)
class AccessParameters:
    """Parameters of the access computation.

    ``ptal``: the PTAL method's parameters (walk speed, limits, reliability, peak window);
    ``catchment_minutes``: walk times (min) of the catchments reported (5 and 10);
    ``max_connector_m``: a stop or location farther than this (m) from any road is left out
    and counted in the warnings.
    """

    ptal: PtalParameters = field(default_factory=PtalParameters)
    catchment_minutes: tuple[float, ...] = (5.0, 10.0)
    max_connector_m: float = 250.0

    def catchment_limit_m(self) -> float:
        """Walk distance (m) of the largest catchment."""
        return max(self.catchment_minutes) * self.ptal.walk_speed_m_per_min


@dataclass
class StopSet:
    """Stops offered to the walkers: ``stops`` (stop_id, x, y in project metres, modes) and
    ``frequencies`` (stop_id, route_id, mode, departures_per_hour in the PTAL peak). Only
    stops listed in ``served`` (service on the day studied) bound the catchments."""

    stops: pd.DataFrame
    frequencies: pd.DataFrame
    served: set[str]


@dataclass
class AccessResult:
    """Access of every location: ``locations`` (index = location position; walk_m to the
    nearest served stop, inf beyond the largest catchment; walk_min; within_<m>min flags;
    ai, ai_<mode>, ptal), ``kpis`` (persons/premises within each catchment, persons and
    premises per PTAL band), ``node_distance`` (m, nearest served stop to every graph node,
    inf beyond the catchment) and ``warnings``."""

    locations: pd.DataFrame
    kpis: dict
    node_distance: np.ndarray
    warnings: list[str]


class AccessModel:
    """Access to transit on one road graph for a fixed set of locations.

    ``location_xy`` (k, 2) in project metres; ``population`` (persons) and ``premises``
    per location. Per-stop walks are cached by stop_id so that a what-if only searches from
    its new stops.
    """

    def __init__(
        self,
        graph: RoadGraph,
        location_xy: np.ndarray,
        population: np.ndarray | None = None,
        premises: np.ndarray | None = None,
        parameters: AccessParameters | None = None,
        locations: Attachment | None = None,
    ) -> None:
        """``locations``: the locations attached to ``graph`` by the caller (with any limit
        at least ``max_connector_m``, e.g. shared with a travel model); else attached here."""
        self.graph = graph
        self.parameters = parameters or AccessParameters()
        xy = np.asarray(location_xy, dtype=float).reshape(-1, 2)
        k = len(xy)
        self.population = np.zeros(k) if population is None else np.asarray(population, float)
        self.premises = np.zeros(k) if premises is None else np.asarray(premises, float)
        self.population = np.nan_to_num(self.population)
        self.premises = np.nan_to_num(self.premises)
        limit = self.parameters.max_connector_m
        if locations is None or len(locations) != k:
            locations = graph.attach(xy, max_distance=limit)
        self.locations = attachment_within(locations, limit)
        self._walks: dict[tuple, pd.DataFrame] = {}

    def _attach_stops(self, stops: pd.DataFrame) -> Attachment:
        return self.graph.attach(
            stops[["x", "y"]].to_numpy(dtype=float), max_distance=self.parameters.max_connector_m
        )

    def walks(self, stops: pd.DataFrame, feedback: Feedback | None = None) -> pd.DataFrame:
        """(location, stop_id, walk_m) for every stop within the longest PTAL walk (m).

        Cached per (stop_id, x, y): a what-if only searches from its new or moved stops.
        """
        keys = list(zip(stops["stop_id"], stops["x"].round(3), stops["y"].round(3), strict=True))
        new_rows = [i for i, key in enumerate(keys) if key not in self._walks]
        if new_rows:
            new = stops.iloc[new_rows].reset_index(drop=True)
            attachment = self._attach_stops(new)
            pairs = stop_walks(
                self.graph,
                attachment,
                self.locations,
                self.parameters.ptal.longest_walk_m,
                feedback,
            )
            grouped = dict(tuple(pairs.groupby("stop", sort=False)))
            empty = pairs.iloc[:0]
            for position, row in enumerate(new_rows):
                found = grouped.get(position, empty).drop(columns="stop")
                self._walks[keys[row]] = found.assign(stop_id=keys[row][0])
        wanted = [self._walks[key] for key in keys]
        if not wanted:
            return pd.DataFrame({"location": [], "walk_m": [], "stop_id": []})
        return pd.concat(wanted, ignore_index=True)

    def evaluate(self, stop_set: StopSet, feedback: Feedback | None = None) -> AccessResult:
        """Catchments, PTAL and KPIs for ``stop_set`` (see :class:`AccessResult`)."""
        feedback = ensure_feedback(feedback)
        parameters = self.parameters
        warnings: list[str] = []
        stops = stop_set.stops.reset_index(drop=True)
        attachment = self._attach_stops(stops)
        left_out = int((~attachment.attached).sum())
        if left_out:
            warnings.append(
                tr(
                    "{left_out} of {stops} stops are farther than {max_connector_m:.0f} m from any "
                    "road and were left out."
                ).format(
                    left_out=left_out, stops=len(stops), max_connector_m=parameters.max_connector_m
                )
            )
        unplaced = int((~self.locations.attached).sum())
        if unplaced:
            warnings.append(
                tr(
                    "{unplaced} locations are farther than {max_connector_m:.0f} m from any road: "
                    "no walk access counted for them."
                ).format(unplaced=unplaced, max_connector_m=parameters.max_connector_m)
            )
        served = stops["stop_id"].isin(stop_set.served).to_numpy() & attachment.attached
        served_attachment = subset_attachment(attachment, np.flatnonzero(served))
        limit = parameters.catchment_limit_m()
        paths = self.graph.shortest_paths(served_attachment, targets=self.locations, limit=limit)
        feedback.set_progress(20.0, "catchments")
        table = pd.DataFrame(index=pd.RangeIndex(len(self.population), name="location"))
        table["walk_m"] = paths.point_distance
        speed = parameters.ptal.walk_speed_m_per_min
        table["walk_min"] = table["walk_m"] / speed
        kpis: dict = {}
        for minutes in parameters.catchment_minutes:
            inside = table["walk_m"].to_numpy() <= minutes * speed
            table[f"within_{minutes:g}min"] = inside
            kpis[f"persons_within_{minutes:g}min"] = float(self.population[inside].sum())
            kpis[f"premises_within_{minutes:g}min"] = float(self.premises[inside].sum())
        in_peak = stop_set.frequencies
        sap_ids = set(in_peak.loc[in_peak["departures_per_hour"] > 0, "stop_id"])
        saps = stops[stops["stop_id"].isin(sap_ids) & attachment.attached]
        walks = self.walks(saps, feedback)
        ptal = accessibility_index(walks, in_peak, table.index, parameters.ptal)
        table = table.join(ptal)
        kpis["persons_per_ptal_band"] = _per_band(table["ptal"], self.population)
        kpis["premises_per_ptal_band"] = _per_band(table["ptal"], self.premises)
        kpis["persons_total"] = float(self.population.sum())
        kpis["premises_total"] = float(self.premises.sum())
        kpis["stops_used"] = int(served.sum())
        feedback.set_progress(100.0, "access")
        return AccessResult(table, kpis, paths.node_distance, warnings)


def _per_band(bands: pd.Series, weights: np.ndarray) -> dict[str, float]:
    sums = pd.Series(weights, index=bands.index).groupby(bands.to_numpy()).sum()
    return {band: float(sums.get(band, 0.0)) for band in BAND_ORDER}


def catchment_lines(
    graph: RoadGraph,
    node_distance: np.ndarray,
    limit_m: float,
    sources: Attachment | None = None,
) -> shapely.MultiLineString:
    """The street reached within ``limit_m`` (m) of the nearest stop, as one
    MultiLineString: each edge is cut where the walk from either end runs out; with
    ``sources`` (the stops' attachment) the stretch around each stop on its own street is
    drawn too (it matters on streets longer than the walk)."""
    du = node_distance[graph.edge_u]
    dv = node_distance[graph.edge_v]
    length = graph.edge_length
    from_u = np.clip(limit_m - du, 0.0, None)
    from_v = np.clip(limit_m - dv, 0.0, None)
    touched = (from_u > 0) | (from_v > 0)
    whole = touched & (from_u + from_v >= length)
    pieces = list(graph.edge_geometries(np.flatnonzero(whole)))
    cuts: list[tuple[int, float, float]] = []
    for edge in np.flatnonzero(touched & ~whole):
        if from_u[edge] > 0:
            cuts.append((edge, 0.0, from_u[edge]))
        if from_v[edge] > 0:
            cuts.append((edge, length[edge] - from_v[edge], length[edge]))
    if sources is not None:
        for i in np.flatnonzero(sources.attached):
            edge, reach = int(sources.edge[i]), limit_m - sources.connector_m[i]
            if reach > 0 and not whole[edge]:
                low = max(sources.offset_m[i] - reach, 0.0)
                cuts.append((edge, low, min(sources.offset_m[i] + reach, length[edge])))
    if cuts:
        lines = graph.edge_geometries(np.array([c[0] for c in cuts]))
        for line, (_, start, end) in zip(lines, cuts, strict=True):
            pieces.append(shapely.ops.substring(line, start, end))
    pieces = [p for p in pieces if p.geom_type == "LineString" and not p.is_empty]
    return shapely.multilinestrings(pieces) if pieces else shapely.MultiLineString()
