"""The result types of the road graph (:mod:`twin.sim.network`): component report, point
attachments and shortest-path distances. Kept apart so that the graph and its builders
(:mod:`twin.sim.network_build`) both import them without importing each other."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


@dataclass(frozen=True)
class ComponentReport:
    """Connected pieces of a road graph, largest first (``main`` is the largest).

    ``labels`` gives each node's component (0 = largest); ``node_count``, ``edge_count`` and
    ``length_m`` (metres of road) are per component. Nothing is dropped: engines decide what
    to do with points attached to a small piece and say so.
    """

    labels: np.ndarray
    node_count: np.ndarray
    edge_count: np.ndarray
    length_m: np.ndarray

    @property
    def count(self) -> int:
        """Number of connected pieces."""
        return len(self.node_count)

    @property
    def main(self) -> int:
        """Label of the largest piece (always 0)."""
        return 0

    def summary(self) -> str:
        """One sentence for a planner, e.g. for a result's warnings."""
        if self.count <= 1:
            return "The road network is connected."
        others = self.length_m[1:]
        return (
            f"The road network has {self.count} disconnected pieces: the main one holds "
            f"{self.length_m[0] / 1000:.1f} km; {self.count - 1} others hold "
            f"{others.sum() / 1000:.2f} km (largest {others.max():.0f} m)."
        )


@dataclass(frozen=True)
class Attachment:
    """Points attached to their nearest graph edge.

    For point ``i``: ``edge[i]`` (-1 if no edge within the search distance), ``offset_m[i]``
    the distance along the edge from its ``edge_u`` node to the projected point (m),
    ``connector_m[i]`` the straight distance from the point to the edge (m), ``point_xy`` and
    ``projected_xy`` the point and its projection (m, project CRS).
    """

    edge: np.ndarray
    offset_m: np.ndarray
    connector_m: np.ndarray
    point_xy: np.ndarray
    projected_xy: np.ndarray
    edge_length_m: np.ndarray = field(repr=False)

    def __len__(self) -> int:
        return len(self.edge)

    @property
    def attached(self) -> np.ndarray:
        """Boolean mask of the points that found an edge."""
        return self.edge >= 0

    @property
    def to_u_m(self) -> np.ndarray:
        """Distance along the edge from the projected point to the edge's ``u`` node (m)."""
        return self.offset_m

    @property
    def to_v_m(self) -> np.ndarray:
        """Distance along the edge from the projected point to the edge's ``v`` node (m)."""
        return np.maximum(self.edge_length_m - self.offset_m, 0.0)


@dataclass(frozen=True)
class ShortestPaths:
    """Result of :meth:`RoadGraph.shortest_paths` (metres, or the unit of the weights).

    ``node_distance[n]`` is the distance from the nearest source to graph node ``n``
    (``inf`` when unreachable or beyond the limit) and ``node_source[n]`` the index (into the
    sources given) of that source, -1 when none. ``point_distance``/``point_source`` are the
    same for the target points when targets were given (connector lengths included).
    ``predecessors`` is scipy's predecessor array over the graph nodes (-9999 = none) when
    asked for; with attached sources the first hop leads to a virtual source node
    numbered ``node_count + source index``.
    """

    node_distance: np.ndarray
    node_source: np.ndarray
    point_distance: np.ndarray | None = None
    point_source: np.ndarray | None = None
    predecessors: np.ndarray | None = None
