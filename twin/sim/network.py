"""The shared road graph: noded road lines as a ``scipy.sparse`` graph, Qt-free.

Every engine that moves along streets (fiber routes, walking to transit stops) uses one
:class:`RoadGraph`. All distances are metres in the project CRS (projected, metric).

Typical use::

    graph = RoadGraph.from_lines(roads_frame, snap_tolerance=1.0)   # node + snap
    report = graph.components()                 # disconnected pieces, never dropped
    stops = graph.attach(stop_points)           # nearest edge, offset, connector length
    homes = graph.attach(building_centroids)
    paths = graph.shortest_paths(stops, targets=homes, limit=800.0)
    paths.point_distance                        # metres, connector lengths included

Stable API (other engines rely on it):

- :meth:`RoadGraph.from_lines` (any line GeoDataFrame) and :meth:`RoadGraph.from_edges`
  (arrays, e.g. synthetic graphs).
- Arrays ``node_xy``, ``edge_u``, ``edge_v``, ``edge_length`` (m), ``edge_class``,
  ``edge_source`` (row position in the input frame), :attr:`RoadGraph.matrix` (symmetric CSR
  of edge lengths in m), :meth:`RoadGraph.weighted_matrix` (any per-edge weights).
- :meth:`RoadGraph.components` -> :class:`ComponentReport`.
- :meth:`RoadGraph.attach` -> :class:`Attachment` (edge, offset along it from ``edge_u``,
  connector length from the point to the edge).
- :meth:`RoadGraph.split_at` -> a new graph with a real node at each attachment point
  (``parent_edge`` maps its edges to the graph it was split from).
- :meth:`RoadGraph.edge_between` -> the edge joining node pairs (e.g. to map a path).
- :meth:`RoadGraph.shortest_paths` -> :class:`ShortestPaths` (multi-source Dijkstra,
  ``scipy.sparse.csgraph.dijkstra`` with ``indices``/``min_only``/``limit``).
- :meth:`RoadGraph.edge_geometries`, :meth:`RoadGraph.edges_frame`.
"""

from __future__ import annotations

from functools import cached_property

import geopandas as gpd
import numpy as np
import shapely
from scipy import sparse
from scipy.sparse.csgraph import connected_components

from twin.errors import DataError
from twin.i18n import tr
from twin.sim.network_build import (
    cluster_endpoints,
    multi_source_paths,
    node_lines,
    snap_dangles,
    split_graph_at,
)
from twin.sim.network_types import Attachment, ComponentReport, ShortestPaths

__all__ = ["Attachment", "ComponentReport", "RoadGraph", "ShortestPaths"]

#: Smallest weight given to an edge so that a zero weight still counts as an edge (m).
EPSILON_WEIGHT = 1e-9


class RoadGraph:
    """An undirected road graph: nodes with coordinates, edges with length, class, geometry.

    Build it with :meth:`from_lines` or :meth:`from_edges`. Parallel edges are kept in the
    edge arrays; :attr:`matrix` holds the shortest of them for each node pair.
    """

    def __init__(
        self,
        node_xy: np.ndarray,
        edge_u: np.ndarray,
        edge_v: np.ndarray,
        edge_length: np.ndarray,
        edge_class: np.ndarray | None = None,
        edge_source: np.ndarray | None = None,
        base_geometry: np.ndarray | None = None,
        edge_base: np.ndarray | None = None,
        edge_start_m: np.ndarray | None = None,
        crs=None,
    ) -> None:
        self.node_xy = np.asarray(node_xy, dtype=float).reshape(-1, 2)
        self.edge_u = np.asarray(edge_u, dtype=np.int64)
        self.edge_v = np.asarray(edge_v, dtype=np.int64)
        self.edge_length = np.asarray(edge_length, dtype=float)
        m = len(self.edge_u)
        self.edge_class = (
            np.asarray(edge_class, dtype=object) if edge_class is not None else np.full(m, "")
        ).astype(object)
        self.edge_source = (
            np.asarray(edge_source, dtype=np.int64)
            if edge_source is not None
            else np.arange(m, dtype=np.int64)
        )
        # Geometry is stored once per "base" line; an edge is the piece of its base line
        # from edge_start_m to edge_start_m + edge_length (splitting never copies geometry).
        self.base_geometry = base_geometry
        self.edge_base = (
            np.asarray(edge_base, dtype=np.int64) if edge_base is not None else np.arange(m)
        )
        self.edge_start_m = (
            np.asarray(edge_start_m, dtype=float) if edge_start_m is not None else np.zeros(m)
        )
        self.crs = crs
        #: After :meth:`split_at`: the edge of the graph it was split from that each edge is
        #: (a piece of); None for a graph not made by :meth:`split_at`.
        self.parent_edge: np.ndarray | None = None

    # --- construction ---------------------------------------------------------------------
    @classmethod
    def from_lines(
        cls,
        frame: gpd.GeoDataFrame,
        snap_tolerance: float = 1.0,
        class_column: str | None = "highway",
        node_crossings: bool = True,
    ) -> RoadGraph:
        """Node a road line layer into a graph.

        Lines are split where they cross (``node_crossings``; set False to keep bridges and
        tunnels unconnected), line ends closer than ``snap_tolerance`` metres are merged into
        one node, and a dead end within ``snap_tolerance`` of another road is joined to it
        (the road is split there). Each edge keeps the road class (``class_column``), its
        length in metres and the row position of the line it came from (``edge_source``).
        """
        if frame is None or len(frame) == 0:
            raise DataError(tr("The road layer is empty: a road graph needs at least one line."))
        geometry = frame.geometry.values
        kinds = set(shapely.get_type_id(geometry[~shapely.is_missing(geometry)]).tolist())
        if not kinds <= {1, 5}:
            raise DataError(tr("The road layer must hold lines (LineString or MultiLineString)."))
        classes = (
            frame[class_column].astype(str).to_numpy(dtype=object)
            if class_column and class_column in frame.columns
            else np.full(len(frame), "", dtype=object)
        )
        pieces, source = node_lines(np.asarray(geometry), node_crossings)
        if len(pieces) == 0:
            raise DataError(tr("The road layer has no line of non-zero length."))
        node_xy, u, v, pieces = cluster_endpoints(pieces, snap_tolerance)
        pieces, u, v, source, node_xy = snap_dangles(pieces, u, v, source, node_xy, snap_tolerance)
        length = shapely.length(pieces)
        keep = (u != v) & (length > 0)
        return cls(
            node_xy,
            u[keep],
            v[keep],
            length[keep],
            edge_class=classes[source[keep]],
            edge_source=source[keep],
            base_geometry=pieces[keep],
            crs=frame.crs,
        )

    @classmethod
    def from_edges(
        cls,
        node_xy: np.ndarray,
        edge_u: np.ndarray,
        edge_v: np.ndarray,
        edge_length: np.ndarray | None = None,
        edge_class: np.ndarray | None = None,
        crs=None,
    ) -> RoadGraph:
        """A graph from arrays; edges are straight segments, length defaults to Euclidean (m)."""
        node_xy = np.asarray(node_xy, dtype=float)
        if edge_length is None:
            edge_length = np.hypot(*(node_xy[edge_u] - node_xy[edge_v]).T)
        return cls(node_xy, edge_u, edge_v, edge_length, edge_class=edge_class, crs=crs)

    # --- sizes and matrices ---------------------------------------------------------------
    @property
    def node_count(self) -> int:
        """Number of nodes."""
        return len(self.node_xy)

    @property
    def edge_count(self) -> int:
        """Number of edges (parallel edges included)."""
        return len(self.edge_u)

    @cached_property
    def matrix(self) -> sparse.csr_matrix:
        """Symmetric CSR matrix of edge lengths (m), shortest of any parallel edges."""
        return self.weighted_matrix(self.edge_length)

    def weighted_matrix(self, edge_weight: np.ndarray) -> sparse.csr_matrix:
        """Symmetric CSR matrix with ``edge_weight`` per edge (any unit: m, s, EUR).

        Parallel edges keep their smallest weight; weights are floored at
        :data:`EPSILON_WEIGHT` so a zero weight stays an edge.
        """
        weight = np.maximum(np.asarray(edge_weight, dtype=float), EPSILON_WEIGHT)
        rows = np.concatenate([self.edge_u, self.edge_v])
        cols = np.concatenate([self.edge_v, self.edge_u])
        data = np.concatenate([weight, weight])
        order = np.lexsort((data, cols, rows))
        rows, cols, data = rows[order], cols[order], data[order]
        first = np.ones(len(rows), dtype=bool)
        first[1:] = (rows[1:] != rows[:-1]) | (cols[1:] != cols[:-1])
        n = self.node_count
        return sparse.csr_matrix((data[first], (rows[first], cols[first])), shape=(n, n))

    def edge_between(self, a: np.ndarray, b: np.ndarray, edge_weight=None) -> np.ndarray:
        """Index of the lightest edge joining each node pair (a[i], b[i]); -1 if none."""
        weight = self.edge_length if edge_weight is None else np.asarray(edge_weight)
        lo = np.minimum(self.edge_u, self.edge_v)
        hi = np.maximum(self.edge_u, self.edge_v)
        n = max(self.node_count, 1)
        key = lo * n + hi
        order = np.lexsort((weight, key))
        skey = key[order]
        a, b = np.asarray(a, dtype=np.int64), np.asarray(b, dtype=np.int64)
        query = np.minimum(a, b) * n + np.maximum(a, b)
        pos = np.searchsorted(skey, query)
        pos_clipped = np.minimum(pos, len(skey) - 1)
        found = (pos < len(skey)) & (skey[pos_clipped] == query)
        return np.where(found, order[pos_clipped], -1)

    # --- components -----------------------------------------------------------------------
    def components(self) -> ComponentReport:
        """The connected pieces, largest first (by metres of road, then nodes)."""
        count, raw = connected_components(self.matrix, directed=False)
        nodes = np.bincount(raw, minlength=count)
        edge_label = raw[self.edge_u]
        edges = np.bincount(edge_label, minlength=count)
        length = np.bincount(edge_label, weights=self.edge_length, minlength=count)
        order = np.lexsort((-nodes, -length))
        relabel = np.empty(count, dtype=np.int64)
        relabel[order] = np.arange(count)
        return ComponentReport(relabel[raw], nodes[order], edges[order], length[order])

    # --- geometry -------------------------------------------------------------------------
    def edge_geometries(self, edges: np.ndarray | None = None) -> np.ndarray:
        """Shapely LineStrings of the given edges (all by default), from ``u`` to ``v``."""
        if edges is None:
            return self._all_edge_geometries
        edges = np.asarray(edges, dtype=np.int64)
        if self.base_geometry is None:
            xy = np.stack([self.node_xy[self.edge_u[edges]], self.node_xy[self.edge_v[edges]]], 1)
            return shapely.linestrings(xy)
        base = self.base_geometry[self.edge_base[edges]]
        start = self.edge_start_m[edges]
        end = start + self.edge_length[edges]
        whole = (start <= 1e-9) & (np.abs(end - shapely.length(base)) <= 1e-6)
        out = base.copy()
        for i in np.flatnonzero(~whole):
            out[i] = shapely.ops.substring(base[i], start[i], end[i])
        return out

    @cached_property
    def _all_edge_geometries(self) -> np.ndarray:
        return self.edge_geometries(np.arange(self.edge_count))

    @cached_property
    def _edge_tree(self) -> tuple[shapely.STRtree, np.ndarray]:
        geoms = self.edge_geometries()
        return shapely.STRtree(geoms), geoms

    def edges_frame(self) -> gpd.GeoDataFrame:
        """The edges as a GeoDataFrame: edge, u, v, road_class, length_m, source_row."""
        return gpd.GeoDataFrame(
            {
                "edge": np.arange(self.edge_count),
                "u": self.edge_u,
                "v": self.edge_v,
                "road_class": self.edge_class.astype(str),
                "length_m": self.edge_length,
                "source_row": self.edge_source,
            },
            geometry=self.edge_geometries(),
            crs=self.crs,
        )

    # --- attaching points -----------------------------------------------------------------
    def attach(self, points, max_distance: float | None = None) -> Attachment:
        """Attach each point to its nearest edge (within ``max_distance`` metres if given).

        ``points``: shapely points (array, GeoSeries) or an (k, 2) array of x, y in metres.
        Polygons are attached by their centroid. Returns an :class:`Attachment`.
        """
        if isinstance(points, gpd.GeoDataFrame):
            points = points.geometry
        if isinstance(points, gpd.GeoSeries):
            points = points.values
        array = np.asarray(points)
        if array.dtype != object:
            geoms = shapely.points(array.reshape(-1, 2))
        else:
            geoms = shapely.centroid(array)
        xy = shapely.get_coordinates(geoms).reshape(-1, 2) if len(geoms) else np.zeros((0, 2))
        k = len(geoms)
        edge = np.full(k, -1, dtype=np.int64)
        offset = np.zeros(k)
        connector = np.full(k, np.inf)
        projected = np.full((k, 2), np.nan)
        if k and self.edge_count:
            tree, lines = self._edge_tree
            index, dist = tree.query_nearest(
                geoms, max_distance=max_distance, return_distance=True, all_matches=False
            )
            point_i, edge_i = index
            # Ties: keep the lowest edge id for determinism.
            edge[point_i[::-1]] = edge_i[::-1]
            connector[point_i] = dist
            hit = edge >= 0
            offset[hit] = shapely.line_locate_point(lines[edge[hit]], geoms[hit])
            projected[hit] = shapely.get_coordinates(
                shapely.line_interpolate_point(lines[edge[hit]], offset[hit])
            )
            offset[hit] = np.clip(offset[hit], 0.0, self.edge_length[edge[hit]])
        return Attachment(
            edge, offset, connector, xy, projected, np.where(edge >= 0, self.edge_length[edge], 0)
        )

    def split_at(self, attachment: Attachment, end_tolerance: float = 1e-6):
        """A new graph with a node at each attached point's projection on its edge.

        Returns ``(graph, node)`` where ``node[i]`` is the node of point ``i`` in the new
        graph (an existing end node when the projection is within ``end_tolerance`` metres
        of it; -1 for unattached points). Node and edge numbering of the old graph is kept for
        nodes; split edges are replaced by their pieces (appended at the end).
        """
        return split_graph_at(self, attachment, end_tolerance)

    # --- shortest paths -------------------------------------------------------------------
    def shortest_paths(
        self,
        sources,
        targets: Attachment | None = None,
        limit: float = np.inf,
        edge_weight: np.ndarray | None = None,
        connector_factor: float = 1.0,
        return_predecessors: bool = False,
    ) -> ShortestPaths:
        """Multi-source shortest paths (Dijkstra), distances to every node and target point.

        ``sources``: node ids (int array) or an :class:`Attachment` (points entering the graph
        at their projection; connector + distance along the edge are counted). ``limit``:
        stop beyond this distance (same unit as the weights; metres by default).
        ``edge_weight``: per-edge weights instead of lengths (e.g. seconds or EUR); offsets
        along an edge are weighted pro rata and connectors multiplied by ``connector_factor``.
        A target on the same edge as a source is reached directly along that edge.
        """
        return multi_source_paths(
            self, sources, targets, limit, edge_weight, connector_factor, return_predecessors
        )
