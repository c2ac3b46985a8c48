"""Shared pieces of the what-if adapters: options, domain results, layer labelling and the
per-project cache of prepared engine inputs (road graphs, grids, coverage models)."""

from __future__ import annotations

import json
import math
import weakref
from dataclasses import asdict, dataclass, field
from typing import Any

from twin.i18n import tr
from twin.kpi import Figure
from twin.layers.base import Layer
from twin.layers.raster import RasterLayer
from twin.layers.vector import VectorLayer

DOMAINS = ("radio", "fiber", "transit", "energy")
RESULT_NAME = "result"  # scenario name the runner gives adapters (cached results are shared)


@dataclass(frozen=True)
class WhatIfOptions:
    """Engine settings of a simulation (the same for baseline and scenario).

    - ``radio_pixel_m``: coverage pixel (m); None = the terrain DEM's pixel (50 m on the
      sample), else 50 m.
    - ``radio_bbox``: (xmin, ymin, xmax, ymax) m, the coverage grid extent; None = the
      terrain's extent (or the project's). People outside it count as "no coverage".
    - ``radio_max_range_m``: cell range (m), 5000 by default as ``twin coverage``.
    - ``energy_daily``: also run the 24-hour design day (slower; worst values over it).
    """

    radio_pixel_m: float | None = None
    radio_bbox: tuple[float, float, float, float] | None = None
    radio_max_range_m: float = 5000.0
    energy_daily: bool = True

    def key(self) -> str:
        """Stable JSON text, part of the cache key."""
        return json.dumps(asdict(self), sort_keys=True)


@dataclass
class DomainResult:
    """One engine run (baseline or scenario): result ``layers`` with provenance, KPI
    ``figures`` (values only; the runner adds the baseline), ``warnings`` (one line each) and
    ``capex_eur`` (EUR spent by the interventions of this domain; 0 for the baseline)."""

    domain: str
    layers: list[Layer] = field(default_factory=list)
    figures: list[Figure] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    capex_eur: float = 0.0
    details: dict[str, Any] = field(default_factory=dict)

    def figure(self, key: str) -> Figure:
        """The figure with ``key``; KeyError if absent."""
        for figure in self.figures:
            if figure.key == key:
                return figure
        raise KeyError(key)


def scenario_provenance(layer: Layer, scenario_name: str, engine: str) -> Any:
    """The layer's provenance with the scenario and engine named in its parameters."""
    provenance = layer.provenance
    parameters = dict(provenance.parameters)
    parameters["scenario"] = scenario_name
    parameters["engine"] = engine
    source = provenance.source if provenance.source.startswith("engine:") else f"engine:{engine}"
    return provenance.with_changes(parameters=parameters, source=source)


def relabel(layer: Layer, scenario_name: str, engine: str) -> Layer:
    """A new layer sharing ``layer``'s data, named ``"<scenario>: <name>"`` with the scenario
    and engine in its provenance (cached results are shared between scenarios with the same
    content, so labels are put on copies). A leading ``"result: "`` (the name adapters give
    when run by the runner) is replaced."""
    base_name = layer.name.removeprefix(f"{RESULT_NAME}: ")
    name = f"{scenario_name}: {base_name}"
    provenance = scenario_provenance(layer, scenario_name, engine)
    if isinstance(layer, RasterLayer):
        return RasterLayer(
            name,
            layer.array,
            layer.transform,
            layer.crs,
            nodata=layer.nodata,
            style=layer.style,
            provenance=provenance,
            unit=getattr(layer, "unit", ""),
        )
    if isinstance(layer, VectorLayer):
        return VectorLayer(
            name, layer.frame, style=layer.style, provenance=provenance, crs=layer.crs
        )
    raise TypeError(f"cannot relabel {type(layer).__name__}")


class ProjectCache:
    """Per-project store of prepared engine inputs, keyed by the project object (held
    weakly, so a closed project frees them). Call :meth:`forget` when a project's layers
    change so that the next run prepares its inputs again."""

    def __init__(self) -> None:
        self._entries: dict[int, tuple[weakref.ref, dict[Any, Any]]] = {}

    def store(self, project) -> dict[Any, Any]:
        """The dict of cached things for ``project`` (created empty)."""
        key = id(project)
        entry = self._entries.get(key)
        if entry is not None and entry[0]() is project:
            return entry[1]
        data: dict[Any, Any] = {}
        self._entries[key] = (weakref.ref(project, lambda _ref, k=key: self._drop(k)), data)
        return data

    def _drop(self, key: int) -> None:
        self._entries.pop(key, None)

    def forget(self, project=None) -> None:
        """Drop what is cached for ``project`` (every project when None)."""
        if project is None:
            self._entries.clear()
        else:
            self._drop(id(project))


CONTEXTS = ProjectCache()

# What each domain prepares in CONTEXTS (keys, or the first item of tuple keys).
CONTEXT_KEYS = {
    "radio": ("radio", "radio-light"),
    "fiber": ("fiber", "road-graph"),
    "transit": ("transit", "road-graph"),
    "energy": ("energy", "energy-grid"),
}


def forget_prepared(project, domain: str) -> None:
    """Drop what ``domain`` prepared for ``project`` (its input layers changed)."""
    data = CONTEXTS.store(project)
    names = CONTEXT_KEYS[domain]
    for key in list(data):
        name = key[0] if isinstance(key, tuple) else key
        if name in names:
            del data[key]


def road_graph(project):
    """The project's road graph (``roads`` layer noded, 1 m snapping), built once per project
    and shared by the fiber and transit what-ifs (:data:`CONTEXTS`). DataError when the
    project has no roads layer."""
    from twin.errors import DataError
    from twin.sim.network import RoadGraph

    store = CONTEXTS.store(project)
    if "road-graph" not in store:
        try:
            roads = project.layer("roads").frame
        except (KeyError, AttributeError) as error:
            raise DataError(tr("the project has no 'roads' line layer")) from error
        store["road-graph"] = RoadGraph.from_lines(roads, snap_tolerance=1.0)
    return store["road-graph"]


def finite_or_none(value: float | None) -> float | None:
    """``value`` as a float, None when missing or not finite (JSON has no NaN)."""
    if value is None:
        return None
    value = float(value)
    return value if math.isfinite(value) else None
