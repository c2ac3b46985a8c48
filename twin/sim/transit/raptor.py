"""RAPTOR, range variant: earliest arrival at every stop for every departure minute.

Delling, Pajor and Werneck, "Round-Based Public Transit Routing" (Transportation Science
49(3), 2015; ALENEX 2012), Algorithm 1 with local pruning (best arrival per stop across
rounds) and the *range* variant rRAPTOR (section 4): departure times are processed from
the latest to the earliest, keeping the labels of later departures, which stay valid (one
may always leave earlier and wait at the origin). Round ``k`` gives the
best arrivals with at most ``k`` vehicles; a walk between two stops (footpath) may follow
the access leg and each vehicle. As in the paper, footpaths must be closed under
composition (if a->b and b->c are footpaths, so is a->c, no longer than the two):
:mod:`twin.sim.transit.travel` closes the road-graph walks that way.

The kernels are compiled with numba when it imports (``TWIN_NO_NUMBA`` unset); otherwise
the same Python runs uncompiled (slow, for tests of the fallback only).
"""

from __future__ import annotations

import os

import numpy as np

from twin.sim.transit.timetable import Timetable

INF = np.inf


def _compiler():
    if os.environ.get("TWIN_NO_NUMBA"):
        return lambda function: function
    try:
        import numba
    except ImportError:  # pragma: no cover - numba is a dependency
        return lambda function: function
    return numba.njit(cache=True, nogil=True)


_jit = _compiler()


@_jit
def _earliest_trip(departure, can_board, time_start, length, trips, position, ready):
    """Index (0-based within the route) of the first trip that can be boarded at
    ``position`` at or after ``ready`` seconds; -1 if none. Trips are in non-decreasing
    departure order at every position (no overtaking)."""
    lo, hi = 0, trips
    while lo < hi:
        mid = (lo + hi) // 2
        if departure[time_start + mid * length + position] < ready:
            lo = mid + 1
        else:
            hi = mid
    while lo < trips and not can_board[time_start + lo * length + position]:
        lo += 1
    return lo if lo < trips else -1


@_jit
def _range_raptor(
    route_stop_start,
    route_stops,
    route_trip_start,
    route_time_start,
    arrival,
    departure,
    can_board,
    stop_route_start,
    stop_routes,
    stop_route_position,
    transfer_start,
    transfer_to,
    transfer_s,
    access_stop,
    access_s,
    departure_times,
    max_rounds,
    max_duration_s,
):
    stops = len(stop_route_start) - 1
    routes = len(route_stop_start) - 1
    times = len(departure_times)
    tau = np.full((max_rounds + 1, stops), INF)
    best = np.full(stops, INF)
    result = np.full((times, stops), INF)
    marked = np.zeros(stops, dtype=np.bool_)
    marked_next = np.zeros(stops, dtype=np.bool_)
    queue = np.full(routes, -1, dtype=np.int64)
    for d in range(times - 1, -1, -1):  # latest departure first (rRAPTOR)
        start = departure_times[d]
        horizon = start + max_duration_s
        marked[:] = False
        for a in range(len(access_stop)):
            stop = access_stop[a]
            reach = start + access_s[a]
            if reach < tau[0, stop]:
                tau[0, stop] = reach
            if reach < best[stop] and reach <= horizon:
                best[stop] = reach
                marked[stop] = True
        marked_next[:] = marked
        for s in range(stops):  # footpaths from the stops the access reaches
            if marked_next[s]:
                for e in range(transfer_start[s], transfer_start[s + 1]):
                    target = transfer_to[e]
                    reach = tau[0, s] + transfer_s[e]
                    if reach < tau[0, target]:
                        tau[0, target] = reach
                    if reach < best[target] and reach <= horizon:
                        best[target] = reach
                        marked[target] = True
        for k in range(1, max_rounds + 1):
            for s in range(stops):  # first stage: tau_k starts as tau_(k-1)
                if tau[k - 1, s] < tau[k, s]:
                    tau[k, s] = tau[k - 1, s]
            queue[:] = -1
            any_route = False
            for s in range(stops):
                if marked[s]:
                    marked[s] = False
                    for e in range(stop_route_start[s], stop_route_start[s + 1]):
                        r = stop_routes[e]
                        p = stop_route_position[e]
                        if queue[r] < 0 or p < queue[r]:
                            queue[r] = p
                            any_route = True
            if not any_route:
                break
            marked_next[:] = False
            for r in range(routes):
                first = queue[r]
                if first < 0:
                    continue
                base = route_stop_start[r]
                length = route_stop_start[r + 1] - base
                trips = route_trip_start[r + 1] - route_trip_start[r]
                time_start = route_time_start[r]
                trip = -1
                for i in range(first, length):
                    s = route_stops[base + i]
                    if trip >= 0:
                        reach = arrival[time_start + trip * length + i]
                        if reach < best[s] and reach <= horizon:
                            tau[k, s] = reach
                            best[s] = reach
                            marked_next[s] = True
                    ready = tau[k - 1, s]
                    if ready < INF and (
                        trip < 0 or ready <= departure[time_start + trip * length + i]
                    ):
                        earlier = _earliest_trip(
                            departure, can_board, time_start, length, trips, i, ready
                        )
                        if earlier >= 0 and (trip < 0 or earlier < trip):
                            trip = earlier
            for s in range(stops):  # footpaths after the vehicles of this round
                if marked_next[s]:
                    marked[s] = True
                    for e in range(transfer_start[s], transfer_start[s + 1]):
                        target = transfer_to[e]
                        reach = tau[k, s] + transfer_s[e]
                        if reach < best[target] and reach <= horizon:
                            tau[k, target] = reach
                            best[target] = reach
                            marked[target] = True
        for s in range(stops):
            result[d, s] = best[s]
    return result


def range_raptor(
    timetable: Timetable,
    access_stop: np.ndarray,
    access_s: np.ndarray,
    departure_times: np.ndarray,
    max_rounds: int = 4,
    max_duration_s: float = np.inf,
) -> np.ndarray:
    """Earliest arrival (s after midnight) at every stop for every departure time.

    ``access_stop``/``access_s``: the stops reached from the origin before any vehicle and
    the time to reach each (s: the walk, or the bike or car leg). ``departure_times``:
    seconds after midnight, ascending (e.g. every minute of a window). At most
    ``max_rounds`` vehicles per journey; arrivals later than departure + ``max_duration_s``
    are dropped. Returns an array (departures x stops), ``inf`` where unreachable.
    """
    departure_times = np.asarray(departure_times, dtype=np.float64)
    if len(departure_times) > 1 and np.any(np.diff(departure_times) < 0):
        raise ValueError("departure times must be in ascending order")
    t = timetable
    return _range_raptor(
        t.route_stop_start,
        t.route_stops,
        t.route_trip_start,
        t.route_time_start,
        t.arrival_s,
        t.departure_s,
        t.can_board,
        t.stop_route_start,
        t.stop_routes,
        t.stop_route_position,
        t.transfer_start,
        t.transfer_to,
        t.transfer_s,
        np.asarray(access_stop, dtype=np.int64),
        np.asarray(access_s, dtype=np.float64),
        departure_times,
        int(max_rounds),
        float(max_duration_s),
    )


@_jit
def _egress(arrivals, departure_times, egress_start, egress_to, egress_s, direct_s, out):
    times, stops = arrivals.shape
    for d in range(times):
        start = departure_times[d]
        for j in range(len(direct_s)):
            out[d, j] = direct_s[j]
        for s in range(stops):
            at = arrivals[d, s]
            if at == INF:
                continue
            for e in range(egress_start[s], egress_start[s + 1]):
                j = egress_to[e]
                total = at - start + egress_s[e]
                if total < out[d, j]:
                    out[d, j] = total
    return out


def travel_times(
    arrivals: np.ndarray,
    departure_times: np.ndarray,
    egress_start: np.ndarray,
    egress_to: np.ndarray,
    egress_s: np.ndarray,
    direct_s: np.ndarray,
) -> np.ndarray:
    """Travel time (s) to every destination for every departure: the best of the direct
    leg (``direct_s``: walk or bike only; ``inf`` where none) and every stop's arrival plus
    its egress walk (CSR by stop: ``egress_start``, ``egress_to`` destinations,
    ``egress_s`` seconds). Returns float32 (departures x destinations)."""
    out = np.empty((len(departure_times), len(direct_s)), dtype=np.float32)
    return _egress(
        np.asarray(arrivals, dtype=np.float64),
        np.asarray(departure_times, dtype=np.float64),
        np.asarray(egress_start, dtype=np.int64),
        np.asarray(egress_to, dtype=np.int64),
        np.asarray(egress_s, dtype=np.float64),
        np.asarray(direct_s, dtype=np.float32),
        out,
    )


def percentiles(times_s: np.ndarray, which=(5, 50, 95)) -> dict[int, np.ndarray]:
    """Per destination (columns), the ``which`` percentiles of the travel times over the
    departure window (rows), by nearest rank as Conveyal reports them (a time that some
    departure really gives; ``inf`` stays ``inf``). Seconds, float32."""
    ordered = np.sort(np.asarray(times_s), axis=0)
    count = ordered.shape[0]
    result = {}
    for p in which:
        rank = max(1, int(np.ceil(p / 100.0 * count)))
        result[int(p)] = ordered[rank - 1]
    return result
