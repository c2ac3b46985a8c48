"""Transit engine: service levels, walk access and PTAL, what-if lines and stops, hubs.

Qt-free. Service levels read a :class:`twin.layers.transit.TransitNetwork` (GTFS); access
and PTAL walk along the shared road graph of :mod:`twin.sim.network`. Typical use::

    network = read_gtfs("feed.zip", crs=project.crs)
    graph = RoadGraph.from_lines(project.layer("roads").frame)
    study = TransitStudy(network, graph, building_xy, population, premises, day="2026-01-06")
    study.baseline().kpis                 # persons within 5/10 min, persons per PTAL band
    study.add_line(NewLine(stops, headway_min=8, mode="tram")).summary()
    study.hubs()
"""

from twin.sim.transit.access import AccessModel, AccessParameters, AccessResult, StopSet
from twin.sim.transit.hubs import find_hubs
from twin.sim.transit.ptal import PtalParameters, accessibility_index, ptal_band
from twin.sim.transit.study import TransitStudy, WhatIfResult
from twin.sim.transit.whatif import COMMERCIAL_SPEED_KMH, NewLine, NewStop

__all__ = [
    "COMMERCIAL_SPEED_KMH",
    "AccessModel",
    "AccessParameters",
    "AccessResult",
    "NewLine",
    "NewStop",
    "PtalParameters",
    "StopSet",
    "TransitStudy",
    "WhatIfResult",
    "accessibility_index",
    "find_hubs",
    "ptal_band",
]
