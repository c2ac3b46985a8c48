"""Door-to-door travel times by walk, bike and transit with transfers (Qt-free).

:class:`TravelModel` puts a timetable (:mod:`twin.sim.transit.timetable`) on the road
graph: walks between stops (transfers), from origins to stops (access) and from stops to
destinations (egress) follow the streets (:func:`twin.sim.transit.catchment.stop_walks`);
the timetable is searched with range RAPTOR (:mod:`twin.sim.transit.raptor`) for every
departure minute of a window, and each destination gets the *median* (and 5th/95th
percentile) travel time over the window, as Conveyal's R5 reports it.

Modes (``modes``): ``walk`` (door to door on foot), ``bike`` (door to door by bike),
``transit`` (walk to a stop, ride, walk from a stop), ``bike_and_ride`` (bike to a stop with
bike parking, lock, ride), ``park_and_ride`` (drive to a park-and-ride stop, park, ride).
Each origin gets the best of the allowed modes at every departure minute.

Speeds and limits (:class:`~twin.sim.transit.travel_types.TravelParameters`, all documented
defaults): walk 4.8 km/h (80 m/min, TfL's PTAL walk speed), bike 15 km/h (average urban
cycling speed, ADEME / CEREMA "vitesse moyenne d'un cycliste en ville"), car 30 km/h (an
urban average with junctions), at most 15 min of walk to the first stop and from the last,
5 min of walk per transfer, 20 min of bike or car to a bike-and-ride or park-and-ride stop,
2 min to lock a bike and 5 min to park. Walks between stops are closed under composition
(RAPTOR's assumption).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import sparse
from scipy.sparse.csgraph import shortest_path

from twin.errors import DataError
from twin.feedback import Feedback, ensure_feedback
from twin.i18n import tr
from twin.layers.transit import TransitNetwork
from twin.sim.network import Attachment, RoadGraph
from twin.sim.transit.catchment import stop_walks
from twin.sim.transit.raptor import percentiles, range_raptor, travel_times
from twin.sim.transit.service import parse_date
from twin.sim.transit.study import default_day
from twin.sim.transit.timetable import Timetable, compile_timetable, day_stop_times
from twin.sim.transit.travel_types import (
    MODES,
    Reach,
    TravelParameters,
    TravelResult,
    Window,
    reach_within,
)
from twin.sim.transit.whatif import NewLine, NewStop, line_calls, stop_calls


@dataclass
class _Legs:
    """Walks and rides on the road graph, as (origin or stop, target, seconds) CSR."""

    start: np.ndarray
    target: np.ndarray
    seconds: np.ndarray


def _csr(rows: np.ndarray, cols: np.ndarray, seconds: np.ndarray, count: int) -> _Legs:
    order = np.lexsort((cols, rows))
    counts = np.bincount(rows[order], minlength=count)
    start = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
    return _Legs(start, cols[order].astype(np.int64), seconds[order].astype(np.float64))


class TravelModel:
    """A feed on a road graph for one day, ready to answer travel-time queries.

    ``destination_xy`` (k, 2) project metres: where times are wanted (pixel centres,
    buildings, grid cells); destinations farther than ``max_connector_m`` from any street
    are never reached. ``lines``: what-if lines added to the timetable; ``new_stops``: stops
    inserted into the trips of existing routes (:func:`twin.sim.transit.whatif.stop_calls`).
    Preparing walks and the timetable takes a moment (progress through ``feedback``);
    queries are fast.
    """

    def __init__(
        self,
        network: TransitNetwork,
        graph: RoadGraph,
        destination_xy: np.ndarray,
        day: dt.date | str | None = None,
        parameters: TravelParameters | None = None,
        lines: tuple[NewLine, ...] = (),
        new_stops: tuple[NewStop, ...] = (),
        bike_parking_stops: tuple[str, ...] = (),
        park_and_ride_stops: tuple[str, ...] = (),
        feedback: Feedback | None = None,
        destinations: Attachment | None = None,
    ) -> None:
        """``destinations``: ``graph.attach(destination_xy, max_distance=max_connector_m)``
        when the caller has it already (several scenarios on the same places)."""
        feedback = ensure_feedback(feedback)
        self.parameters = parameters or TravelParameters()
        self.graph = graph
        self.day = parse_date(day) if day is not None else default_day(network)
        p = self.parameters
        frame = network.stops.frame
        stops = pd.DataFrame(
            {
                "stop_id": frame["stop_id"].astype(str).to_numpy(),
                "x": frame.geometry.x.to_numpy(),
                "y": frame.geometry.y.to_numpy(),
            }
        )
        extra = []
        for line in lines:
            calls, line_stops = line_calls(graph, line, stops)
            extra.append(calls)
            stops = pd.concat(
                [stops, line_stops[~line_stops["stop_id"].isin(stops["stop_id"])]],
                ignore_index=True,
            )
        if new_stops:
            day_calls = pd.concat([day_stop_times(network, self.day), *extra], ignore_index=True)
            changed = set().union(*(set(calls["trip_id"]) for calls in extra))
            for stop in new_stops:
                positions = dict(
                    zip(stops["stop_id"], zip(stops["x"], stops["y"], strict=True), strict=True)
                )
                inserted = stop_calls(day_calls, stop, positions)
                day_calls = pd.concat(
                    [day_calls[~day_calls["trip_id"].isin(inserted["trip_id"])], inserted],
                    ignore_index=True,
                )
                changed |= set(inserted["trip_id"])
                new_row = pd.DataFrame({"stop_id": [stop.stop_id], "x": [stop.x], "y": [stop.y]})
                stops = pd.concat([stops, new_row], ignore_index=True)
            extra = [day_calls[day_calls["trip_id"].isin(changed)]]
        feedback.set_progress(5.0, "timetable")
        table = compile_timetable(
            network, self.day, pd.concat(extra, ignore_index=True) if extra else None
        )
        position = stops.set_index("stop_id").loc[table.stop_ids.astype(str)]
        self.stop_xy = position[["x", "y"]].to_numpy(dtype=float)
        self.stops = graph.attach(self.stop_xy, max_distance=p.max_connector_m)
        self.destination_xy = np.asarray(destination_xy, dtype=float).reshape(-1, 2)
        if destinations is None or len(destinations.edge) != len(self.destination_xy):
            destinations = graph.attach(self.destination_xy, max_distance=p.max_connector_m)
        self.destinations = destinations
        feedback.set_progress(15.0, "walks between stops")
        self.timetable = self._with_transfers(table, feedback)
        feedback.set_progress(50.0, "walks from stops to destinations")
        egress_m = p.max_access_walk_s * p.walk_m_per_s
        pairs = stop_walks(graph, self.stops, self.destinations, egress_m)
        self.egress = _csr(
            pairs["stop"].to_numpy(),
            pairs["location"].to_numpy(),
            pairs["walk_m"].to_numpy() / p.walk_m_per_s,
            table.stop_count,
        )
        known = set(table.stop_ids.tolist())
        self.bike_parking = np.isin(table.stop_ids, [s for s in bike_parking_stops if s in known])
        self.park_and_ride = np.isin(table.stop_ids, [s for s in park_and_ride_stops if s in known])
        feedback.set_progress(100.0, "ready")

    def _with_transfers(self, table: Timetable, feedback: Feedback) -> Timetable:
        p = self.parameters
        pairs = stop_walks(
            self.graph, self.stops, self.stops, p.max_transfer_walk_s * p.walk_m_per_s
        )
        pairs = pairs[pairs["stop"] != pairs["location"]]
        n = table.stop_count
        seconds = pairs["walk_m"].to_numpy() / p.walk_m_per_s
        rows, cols = pairs["stop"].to_numpy(), pairs["location"].to_numpy()
        used = np.unique(rows)
        if len(used) == 0:
            return table
        graph = sparse.csr_matrix((np.maximum(seconds, 1e-9), (rows, cols)), shape=(n, n))
        closed = shortest_path(graph, directed=True, indices=used)
        a, b = np.nonzero(np.isfinite(closed))
        keep = used[a] != b
        return table.with_transfers(used[a[keep]], b[keep], closed[a[keep], b[keep]])

    # --- queries --------------------------------------------------------------------------
    def _origin_legs(self, origin_xy: np.ndarray, modes: tuple[str, ...]):
        """Access (stop, seconds) and the direct time to every destination (s)."""
        p = self.parameters
        origin = self.graph.attach(np.asarray(origin_xy, dtype=float).reshape(1, 2))
        if not origin.attached[0] or origin.connector_m[0] > p.max_connector_m:
            raise DataError(
                tr(
                    "the origin {origin} is more than {max_connector_m:.0f} m from any street"
                ).format(origin=tuple(np.round(origin_xy, 1)), max_connector_m=p.max_connector_m)
            )
        access = np.full(self.timetable.stop_count, np.inf)
        direct = np.full(len(self.destination_xy), np.inf, dtype=np.float32)
        by_distance: dict[float, np.ndarray] = {}

        def stop_distance(limit_m: float) -> np.ndarray:
            if limit_m not in by_distance:
                reached = np.full(self.timetable.stop_count, np.inf)
                pairs = stop_walks(self.graph, origin, self.stops, limit_m)
                reached[pairs["location"].to_numpy()] = pairs["walk_m"].to_numpy()
                by_distance[limit_m] = reached
            return by_distance[limit_m]

        if "transit" in modes:
            walk = stop_distance(p.max_access_walk_s * p.walk_m_per_s) / p.walk_m_per_s
            access = np.minimum(access, walk)
        for mode, speed, flag, park in (
            ("bike_and_ride", p.bike_m_per_s, self.bike_parking, p.bike_park_s),
            ("park_and_ride", p.car_m_per_s, self.park_and_ride, p.car_park_s),
        ):
            if mode in modes and flag.any():
                ride = stop_distance(p.max_ride_access_s * speed) / speed + park
                access = np.where(flag, np.minimum(access, ride), access)
        for mode, speed in (("walk", p.walk_m_per_s), ("bike", p.bike_m_per_s)):
            if mode in modes:
                pairs = stop_walks(self.graph, origin, self.destinations, p.max_duration_s * speed)
                seconds = (pairs["walk_m"].to_numpy() / speed).astype(np.float32)
                target = pairs["location"].to_numpy()
                direct[target] = np.minimum(direct[target], seconds)
        return access, direct

    def from_point(
        self, origin_xy, window: Window | None = None, modes: tuple[str, ...] = ("walk", "transit")
    ) -> TravelResult:
        """Travel times from ``origin_xy`` (project metres) to every destination."""
        window = window or Window()
        unknown = set(modes) - set(MODES)
        if unknown or not modes:
            raise DataError(
                tr("unknown travel mode(s) {modes}; allowed: {allowed}").format(
                    modes=", ".join(sorted(unknown)) or "(none)", allowed=", ".join(MODES)
                )
            )
        access, direct = self._origin_legs(np.asarray(origin_xy, dtype=float), tuple(modes))
        departures = window.times()
        stops = np.flatnonzero(np.isfinite(access))
        ride = any(m in modes for m in ("transit", "bike_and_ride", "park_and_ride"))
        times = self._door_to_door(stops, access[stops], departures, direct, ride)
        times[times > self.parameters.max_duration_s] = np.inf
        spread = percentiles(times)
        return TravelResult(departures, times, spread[50], spread[5], spread[95])

    def _door_to_door(
        self, stops: np.ndarray, seconds: np.ndarray, departures, direct, ride: bool
    ) -> np.ndarray:
        """Travel time (s, departures x destinations) leaving from an origin that reaches
        ``stops`` in ``seconds`` and the destinations directly in ``direct``; transit only
        when ``ride``. Rounded to the hundredth of a second (15 s of walk stays 15 s, not
        15.000000000000002)."""
        p = self.parameters
        if ride and len(stops):
            arrivals = range_raptor(
                self.timetable, stops, seconds, departures, p.max_rounds, p.max_duration_s
            )
        else:
            arrivals = np.full((len(departures), self.timetable.stop_count), np.inf)
        times = travel_times(
            arrivals,
            departures,
            self.egress.start,
            self.egress.target,
            self.egress.seconds,
            direct,
        )
        return np.round(times, 2)

    def access_walks(self, origins_xy: np.ndarray) -> _Legs:
        """Walks from many origins to the stops at once (one search per stop rather than
        per origin): CSR by origin of (stop, seconds) within the access walk limit; an
        origin farther than ``max_connector_m`` from any street gets none."""
        p = self.parameters
        origins = self.graph.attach(
            np.asarray(origins_xy, dtype=float).reshape(-1, 2), max_distance=p.max_connector_m
        )
        pairs = stop_walks(self.graph, self.stops, origins, p.max_access_walk_s * p.walk_m_per_s)
        return _csr(
            pairs["location"].to_numpy(),
            pairs["stop"].to_numpy(),
            pairs["walk_m"].to_numpy() / p.walk_m_per_s,
            len(origins),
        )

    def reach_from_many(
        self,
        origins_xy: np.ndarray,
        weights: np.ndarray,
        within_s: float,
        window: Window | None = None,
        modes: tuple[str, ...] = ("walk", "transit"),
        chunk: int = 256,
        feedback: Feedback | None = None,
    ) -> np.ndarray:
        """For each origin, the sums of the destinations' ``weights`` (one column per
        weight: shape (destinations,) or (destinations, k)) over the destinations whose
        median travel time is at most ``within_s`` seconds (walk to the first stop; ``modes``
        may add ``walk`` and ``bike`` door to door). Access and direct walks are searched
        for ``chunk`` origins at once. Shape (origins,) or (origins, k); NaN for an origin
        off the streets."""
        feedback = ensure_feedback(feedback)
        window = window or Window()
        p = self.parameters
        departures = window.times()
        weights = np.asarray(weights, dtype=float)
        single = weights.ndim == 1
        weights = weights.reshape(len(weights), -1)
        origins_xy = np.asarray(origins_xy, dtype=float).reshape(-1, 2)
        result = np.full((len(origins_xy), weights.shape[1]), np.nan)
        for first in range(0, len(origins_xy), chunk):
            block = origins_xy[first : first + chunk]
            walks = self.access_walks(block)
            origins = self.graph.attach(block, max_distance=p.max_connector_m)
            direct_pairs = []
            for mode, speed in (("walk", p.walk_m_per_s), ("bike", p.bike_m_per_s)):
                if mode in modes:
                    pairs = stop_walks(
                        self.graph,
                        origins,
                        self.destinations,
                        min(within_s, p.max_duration_s) * speed,
                    )
                    direct_pairs.append(pairs.assign(seconds=pairs["walk_m"] / speed))
            direct_all = pd.concat(direct_pairs, ignore_index=True) if direct_pairs else None
            by_origin = dict(tuple(direct_all.groupby("stop"))) if direct_all is not None else {}
            for i in range(len(block)):
                if not origins.attached[i]:
                    continue
                begin, end = walks.start[i], walks.start[i + 1]
                direct = np.full(len(self.destination_xy), np.inf, dtype=np.float32)
                if i in by_origin:
                    rows = by_origin[i]
                    np.minimum.at(
                        direct, rows["location"].to_numpy(), rows["seconds"].to_numpy(np.float32)
                    )
                times = self._door_to_door(
                    walks.target[begin:end],
                    walks.seconds[begin:end],
                    departures,
                    direct,
                    "transit" in modes,
                )
                median = percentiles(times, (50,))[50]
                result[first + i] = weights[median <= within_s].sum(axis=0)
            feedback.set_progress(
                100.0 * min(len(origins_xy), first + chunk) / len(origins_xy), "origins"
            )
        return result[:, 0] if single else result

    def stop_arrivals(self, origin_xy, window: Window | None = None) -> np.ndarray:
        """Earliest arrival (s after midnight) at every stop for every departure of the
        window, walking to the first stop (the router alone, for benchmarks)."""
        window = window or Window()
        access, _direct = self._origin_legs(np.asarray(origin_xy, dtype=float), ("transit",))
        stops = np.flatnonzero(np.isfinite(access))
        return range_raptor(
            self.timetable,
            stops,
            access[stops],
            window.times(),
            self.parameters.max_rounds,
            self.parameters.max_duration_s,
        )


__all__ = [
    "MODES",
    "Reach",
    "TravelModel",
    "TravelParameters",
    "TravelResult",
    "Window",
    "reach_within",
]
