"""A GTFS feed compiled for routing: RAPTOR routes (trip patterns) as flat arrays.

RAPTOR (Delling, Pajor, Werneck, "Round-Based Public Transit Routing", 2012) scans
*routes*: groups of trips that call at the same sequence of stops and never overtake one
another, so that the earliest trip to catch at a stop is found by a search over sorted
departure times. :func:`compile_timetable` builds those groups for one service day from a
:class:`~twin.layers.transit.TransitNetwork` (trips of that day, and the previous service
day's trips that run past midnight, shifted by -24 h) and holds them as CSR-like arrays the
compiled router (:mod:`twin.sim.transit.raptor`) reads.

Times are seconds after midnight of the day. A stop call with ``pickup_type`` 1 cannot be
boarded (``can_board`` False); drop-off restrictions are not modelled (one may always alight).
Footpaths between stops (``transfer_*``) are walks along the road graph, added by
:mod:`twin.sim.transit.travel`, or given by hand.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd

from twin.errors import DataError
from twin.i18n import tr
from twin.layers.transit import TransitNetwork
from twin.sim.transit.service import DAY_S, active_services, parse_date


@dataclass
class Timetable:
    """Routes of one service day as arrays (seconds after midnight of the day).

    - ``stop_ids``: the feed's stop ids; a stop is its position in this array.
    - route ``r`` calls at ``route_stops[route_stop_start[r]:route_stop_start[r + 1]]`` and
      runs the trips ``route_trip_start[r]`` .. ``route_trip_start[r + 1] - 1`` (rows of the
      time tables, sorted by departure; no overtaking within a route).
    - ``arrival_s``/``departure_s``/``can_board`` are flat: the call at position ``i`` of the
      route's ``j``-th trip is at ``route_time_start[r] + j * length + i``.
    - ``stop_route_start``/``stop_routes``/``stop_route_position``: the routes calling at
      each stop and the stop's position in them.
    - ``transfer_start``/``transfer_to``/``transfer_s``: footpaths between stops (CSR).
    - ``trip_ids``: the GTFS trip of each row, ``route_ids`` the GTFS route of each route.
    """

    stop_ids: np.ndarray
    route_stop_start: np.ndarray
    route_stops: np.ndarray
    route_trip_start: np.ndarray
    route_time_start: np.ndarray
    arrival_s: np.ndarray
    departure_s: np.ndarray
    can_board: np.ndarray
    stop_route_start: np.ndarray
    stop_routes: np.ndarray
    stop_route_position: np.ndarray
    trip_ids: np.ndarray
    route_ids: np.ndarray
    transfer_start: np.ndarray
    transfer_to: np.ndarray
    transfer_s: np.ndarray

    @property
    def stop_count(self) -> int:
        """Number of stops."""
        return len(self.stop_ids)

    @property
    def route_count(self) -> int:
        """Number of RAPTOR routes (trip patterns without overtaking)."""
        return len(self.route_stop_start) - 1

    @property
    def trip_count(self) -> int:
        """Number of trips of the day."""
        return len(self.trip_ids)

    def stop_index(self, stop_ids) -> np.ndarray:
        """Positions of ``stop_ids`` (KeyError naming the first unknown one)."""
        lookup = {s: i for i, s in enumerate(self.stop_ids.tolist())}
        try:
            return np.array([lookup[s] for s in stop_ids], dtype=np.int64)
        except KeyError as error:
            raise KeyError(f"unknown stop {error.args[0]!r}") from None

    def with_transfers(self, origin: np.ndarray, target: np.ndarray, seconds: np.ndarray):
        """A copy whose footpaths are (origin -> target, seconds); pairs are kept as given,
        the shortest of duplicates, no self-loops."""
        origin = np.asarray(origin, dtype=np.int64)
        target = np.asarray(target, dtype=np.int64)
        seconds = np.asarray(seconds, dtype=np.float64)
        keep = origin != target
        frame = pd.DataFrame({"o": origin[keep], "t": target[keep], "s": seconds[keep]})
        frame = frame.groupby(["o", "t"], as_index=False)["s"].min().sort_values(["o", "t"])
        counts = np.bincount(frame["o"].to_numpy(), minlength=self.stop_count)
        start = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
        return Timetable(
            **{
                **self.__dict__,
                "transfer_start": start,
                "transfer_to": frame["t"].to_numpy(dtype=np.int64),
                "transfer_s": frame["s"].to_numpy(dtype=np.float64),
            }
        )


def day_stop_times(network: TransitNetwork, day: dt.date | str) -> pd.DataFrame:
    """Stop calls of the trips running on ``day``: the day's service plus the previous
    service day's trips shifted by -24 h (those running past midnight). Columns trip_id
    (suffixed "@-1" for the previous day), stop_id, stop_sequence, arrival_s, departure_s,
    pickup_type, route_id."""
    day = parse_date(day)
    trips = network.trips[["trip_id", "route_id", "service_id"]]
    pieces = []
    for offset, service_day, suffix in ((0, day, ""), (DAY_S, day - dt.timedelta(days=1), "@-1")):
        running = trips[trips["service_id"].isin(active_services(network, service_day))]
        calls = network.stop_times.merge(running[["trip_id", "route_id"]], on="trip_id")
        if offset:
            calls = calls[calls.groupby("trip_id")["arrival_s"].transform("max") >= offset]
            calls = calls.assign(
                arrival_s=calls["arrival_s"] - offset,
                departure_s=calls["departure_s"] - offset,
                trip_id=calls["trip_id"].astype(str) + suffix,
            )
        pieces.append(calls)
    calls = pd.concat(pieces, ignore_index=True)
    return calls.sort_values(["trip_id", "stop_sequence"], kind="stable").reset_index(drop=True)


def compile_timetable(
    network: TransitNetwork, day: dt.date | str, extra_calls: pd.DataFrame | None = None
) -> Timetable:
    """The routes of ``day`` (see :class:`Timetable`), with no footpaths yet.

    ``extra_calls``: more stop calls in the same columns as :func:`day_stop_times` (e.g. a
    what-if line's trips), whose stop ids may include stops the feed lacks (they are added);
    a trip id already in the day's calls replaces that trip (e.g. with a new stop in it).
    """
    calls = day_stop_times(network, day)
    if extra_calls is not None and len(extra_calls):
        # a trip given again (e.g. with a what-if stop inserted) replaces the feed's
        calls = calls[~calls["trip_id"].isin(extra_calls["trip_id"])]
        calls = pd.concat([calls, extra_calls[calls.columns]], ignore_index=True)
        calls = calls.sort_values(["trip_id", "stop_sequence"], kind="stable")
        calls = calls.reset_index(drop=True)
    stop_ids = pd.unique(
        pd.concat(
            [network.stops.frame["stop_id"].astype(str), calls["stop_id"].astype(str)],
            ignore_index=True,
        )
    )
    stop_of = pd.Series(np.arange(len(stop_ids)), index=stop_ids)
    if len(calls) == 0:
        return _empty(np.asarray(stop_ids, dtype=object))
    stop = stop_of.loc[calls["stop_id"].astype(str).to_numpy()].to_numpy()
    trip_codes, trip_ids = pd.factorize(calls["trip_id"], sort=False)
    arrival = calls["arrival_s"].to_numpy(dtype=np.float64)
    departure = calls["departure_s"].to_numpy(dtype=np.float64)
    board = calls["pickup_type"].to_numpy() != 1
    trip_start = np.flatnonzero(np.r_[True, trip_codes[1:] != trip_codes[:-1]])
    trip_end = np.r_[trip_start[1:], len(calls)]
    route_of_trip = calls["route_id"].astype(str).to_numpy()[trip_start]
    if np.any(np.diff(departure) < 0) and _decreasing_within_trips(departure, trip_codes):
        bad = trip_ids[trip_codes[np.flatnonzero(np.diff(departure) < 0)[0]]]
        raise DataError(
            tr("stop_times.txt: trip '{bad}' goes back in time between two stops").format(bad=bad)
        )
    # trips grouped by (GTFS route, stop sequence), each group split so trips never overtake
    patterns: dict[tuple, list[int]] = {}
    for t, (a, b) in enumerate(zip(trip_start, trip_end, strict=True)):
        if b - a < 2:
            continue  # a trip calling at one stop carries nobody anywhere
        patterns.setdefault((route_of_trip[t], tuple(stop[a:b].tolist())), []).append(t)
    route_stops, route_stop_start, route_trip_start, route_time_start = [], [0], [0], [0]
    arrivals, departures, boards, rows, route_names = [], [], [], [], []
    for (route_name, sequence), members in patterns.items():
        length = len(sequence)
        table_a = np.stack([arrival[trip_start[t] : trip_end[t]] for t in members])
        table_d = np.stack([departure[trip_start[t] : trip_end[t]] for t in members])
        table_b = np.stack([board[trip_start[t] : trip_end[t]] for t in members])
        order = np.lexsort((table_a[:, -1], table_d[:, 0]))
        for group in _non_overtaking_groups(table_a[order], table_d[order]):
            chosen = order[group]
            route_stops.extend(sequence)
            route_stop_start.append(route_stop_start[-1] + length)
            route_trip_start.append(route_trip_start[-1] + len(chosen))
            route_time_start.append(route_time_start[-1] + len(chosen) * length)
            arrivals.append(table_a[chosen].ravel())
            departures.append(table_d[chosen].ravel())
            boards.append(table_b[chosen].ravel())
            rows.extend(int(members[i]) for i in chosen)
            route_names.append(route_name)
    route_stops_a = np.asarray(route_stops, dtype=np.int64)
    route_stop_start_a = np.asarray(route_stop_start, dtype=np.int64)
    # stop -> (route, position) index
    route_of_call = np.repeat(np.arange(len(route_names)), np.diff(route_stop_start_a))
    position = np.arange(len(route_stops_a)) - route_stop_start_a[route_of_call]
    order = np.lexsort((position, route_of_call, route_stops_a))
    counts = np.bincount(route_stops_a, minlength=len(stop_ids))
    empty_i = np.zeros(0, dtype=np.int64)
    return Timetable(
        stop_ids=np.asarray(stop_ids, dtype=object),
        route_stop_start=route_stop_start_a,
        route_stops=route_stops_a,
        route_trip_start=np.asarray(route_trip_start, dtype=np.int64),
        route_time_start=np.asarray(route_time_start, dtype=np.int64),
        arrival_s=np.concatenate(arrivals) if arrivals else np.zeros(0),
        departure_s=np.concatenate(departures) if departures else np.zeros(0),
        can_board=np.concatenate(boards) if boards else np.zeros(0, dtype=bool),
        stop_route_start=np.concatenate([[0], np.cumsum(counts)]).astype(np.int64),
        stop_routes=route_of_call[order].astype(np.int64),
        stop_route_position=position[order].astype(np.int64),
        trip_ids=np.asarray(trip_ids, dtype=object)[np.asarray(rows, dtype=np.int64)],
        route_ids=np.asarray(route_names, dtype=object),
        transfer_start=np.zeros(len(stop_ids) + 1, dtype=np.int64),
        transfer_to=empty_i,
        transfer_s=np.zeros(0),
    )


def _decreasing_within_trips(times: np.ndarray, trip_codes: np.ndarray) -> bool:
    step = np.diff(times)
    same_trip = trip_codes[1:] == trip_codes[:-1]
    return bool(np.any((step < 0) & same_trip))


def _non_overtaking_groups(arrival: np.ndarray, departure: np.ndarray) -> list[np.ndarray]:
    """Split trips (rows, sorted by first departure) into groups in which every trip is no
    earlier than the one before it at every stop (greedy first fit)."""
    groups: list[list[int]] = []
    for trip in range(len(arrival)):
        for group in groups:
            last = group[-1]
            if np.all(departure[trip] >= departure[last]) and np.all(
                arrival[trip] >= arrival[last]
            ):
                group.append(trip)
                break
        else:
            groups.append([trip])
    return [np.asarray(g, dtype=np.int64) for g in groups]


def _empty(stop_ids: np.ndarray) -> Timetable:
    zeros_i = np.zeros(0, dtype=np.int64)
    return Timetable(
        stop_ids=stop_ids,
        route_stop_start=np.zeros(1, dtype=np.int64),
        route_stops=zeros_i,
        route_trip_start=np.zeros(1, dtype=np.int64),
        route_time_start=np.zeros(1, dtype=np.int64),
        arrival_s=np.zeros(0),
        departure_s=np.zeros(0),
        can_board=np.zeros(0, dtype=bool),
        stop_route_start=np.zeros(len(stop_ids) + 1, dtype=np.int64),
        stop_routes=zeros_i,
        stop_route_position=zeros_i,
        trip_ids=np.zeros(0, dtype=object),
        route_ids=np.zeros(0, dtype=object),
        transfer_start=np.zeros(len(stop_ids) + 1, dtype=np.int64),
        transfer_to=zeros_i,
        transfer_s=np.zeros(0),
    )
