"""Brute-force earliest arrivals on a time-expanded graph (networkx), for the RAPTOR tests.

Built from the feed's stop_times directly (not from twin's compiled timetable): one node per
departure and arrival event, a waiting chain per stop, ride, stay-aboard, alight, board and
walk edges. A stop's earliest arrival is the earliest arrival event reachable from the
origin (or a walk from one), or the access leg and a walk after it. No limit on the number
of vehicles.
"""

from __future__ import annotations

import networkx as nx
import numpy as np

from twin.sim.transit.service import active_services


class BruteForce:
    """The time-expanded graph of one day's trips with ``transfers`` {(from, to): s}."""

    def __init__(self, network, day, transfers: dict) -> None:
        running = network.trips[network.trips["service_id"].isin(active_services(network, day))]
        calls = network.stop_times[network.stop_times["trip_id"].isin(running["trip_id"])]
        calls = calls.sort_values(["trip_id", "stop_sequence"])
        self.transfers = transfers
        self.walks_from: dict[str, list[tuple[str, float]]] = {}
        for (a, b), walk in transfers.items():
            self.walks_from.setdefault(a, []).append((b, walk))
        graph = nx.DiGraph()
        boards: dict[str, list[tuple[float, object]]] = {}
        self.arrivals = []
        for trip, group in calls.groupby("trip_id"):
            rows = group.to_dict("records")
            for i, row in enumerate(rows):
                arr, dep = ("a", trip, i), ("d", trip, i)
                if i > 0:
                    graph.add_edge(("d", trip, i - 1), arr)
                    self.arrivals.append((arr, row["stop_id"], row["arrival_s"]))
                if i < len(rows) - 1:
                    if i > 0:
                        graph.add_edge(arr, dep)  # stay aboard
                    if row["pickup_type"] != 1:
                        boards.setdefault(row["stop_id"], []).append((row["departure_s"], dep))
        self.waits = {}
        for stop, events in boards.items():
            events.sort(key=lambda e: e[0])
            nodes = [("w", stop, k) for k in range(len(events))]
            for k, (_time, dep) in enumerate(events):
                graph.add_edge(nodes[k], dep)
                if k + 1 < len(nodes):
                    graph.add_edge(nodes[k], nodes[k + 1])
            self.waits[stop] = (np.array([e[0] for e in events]), nodes)
        for node, stop, time in self.arrivals:
            target = self._first_wait(stop, time)
            if target is not None:
                graph.add_edge(node, target)
            for other, walk in self.walks_from.get(stop, []):
                target = self._first_wait(other, time + walk)
                if target is not None:
                    graph.add_edge(node, target)
        self.graph = graph

    def _first_wait(self, stop, time):
        if stop not in self.waits:
            return None
        times, nodes = self.waits[stop]
        k = int(np.searchsorted(times, time, side="left"))
        return nodes[k] if k < len(nodes) else None

    def arrivals_from(self, access: dict, departure_s: float) -> dict:
        """{stop_id: earliest arrival s} leaving at ``departure_s``; ``access`` {stop: s}."""
        reachable = dict(access)
        for stop, walk in access.items():  # a footpath may follow the access leg
            for other, step in self.walks_from.get(stop, []):
                reachable[other] = min(reachable.get(other, np.inf), walk + step)
        best = {}
        starts = []
        for stop, walk in reachable.items():
            best[stop] = min(best.get(stop, np.inf), departure_s + walk)
            target = self._first_wait(stop, departure_s + walk)
            if target is not None:
                starts.append(target)
        reached = set()
        if starts:
            self.graph.add_edges_from(("origin", start) for start in starts)
            reached = nx.descendants(self.graph, "origin")
            self.graph.remove_node("origin")
        for node, stop, time in self.arrivals:
            if node in reached:
                best[stop] = min(best.get(stop, np.inf), time)
                for other, walk in self.walks_from.get(stop, []):
                    best[other] = min(best.get(other, np.inf), time + walk)
        return best
