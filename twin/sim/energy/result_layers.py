"""Result layers of an energy study: the grid of the final state with worst-case voltages
and loadings, and hosting capacity per bus, styled by :mod:`twin.layers.energy`."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
from pyproj import CRS

from twin.layers.energy import (
    bus_voltage_layer,
    graduated_fixed,
    grid_layer,
    hosting_capacity_layer,
    line_loading_layer,
    trafo_loading_layer,
)
from twin.layers.provenance import Provenance
from twin.layers.style import ClassBreak, Style
from twin.layers.vector import VectorLayer
from twin.sim.energy.disclosure import published_net
from twin.sim.energy.grid_io import _injection_frame, net_to_frames
from twin.sim.energy.hosting import HostingCapacity
from twin.sim.energy.published import published_state
from twin.sim.energy.study import EnergyStudy

ENGINE = "engine:energy"
# Line loading by classes: lightly loaded lines recede (thin, pale grey), loaded ones stand
# out (blue, orange) and overloads are red; overloads are drawn again, thick, on top.
LINE_LOADING_CLASSES = (
    ClassBreak(0.0, 50.0, "#C8C8C8", "< 50 %"),
    ClassBreak(50.0, 80.0, "#56B4E9", "50 – 80 %"),
    ClassBreak(80.0, 100.0, "#E69F00", "80 – 100 %"),
    ClassBreak(100.0, 1e9, "#D00000", "> 100 % (overload)"),
)
LINE_LOADING_WIDTH_PX = 1.5
OVERLOAD_COLOR = "#D00000"
OVERLOAD_WIDTH_PX = 5.0
OVERLOAD_LAYER_NAME = "Overloaded lines (> 100 %)"


def line_loading_style() -> Style:
    """Line loading (%) by classes: < 50 % pale grey ... > 100 % red, 1.5 px lines."""
    return graduated_fixed(
        "loading_percent",
        LINE_LOADING_CLASSES,
        "%",
        Style(stroke_width=LINE_LOADING_WIDTH_PX),
    )


def overloaded_lines_layer(lines: gpd.GeoDataFrame, provenance: Provenance) -> VectorLayer:
    """The lines loaded above 100 % (worst case), thick red, to draw above the loading."""
    loading = pd.to_numeric(lines["loading_percent"], errors="coerce")
    frame = lines[loading > 100.0].copy()
    return VectorLayer(
        OVERLOAD_LAYER_NAME,
        frame,
        style=Style(
            kind="single",
            stroke_color=OVERLOAD_COLOR,
            fill_color=OVERLOAD_COLOR,
            stroke_width=OVERLOAD_WIDTH_PX,
        ),
        provenance=provenance,
        layer_id="energy_overloaded_lines",
    )


def _provenance(study: EnergyStudy, method: str, source_name: str) -> Provenance:
    return Provenance(
        source=ENGINE,
        licence="computed by twin",
        attribution=f"pandapower power flow on {source_name}",
        method=method,
        parameters={
            "limits": study.settings.limits.to_dict(),
            "interventions": len(study.interventions),
        },
    )


def study_layers(
    study: EnergyStudy,
    crs: CRS | str,
    source_name: str = "the grid",
    hosting: HostingCapacity | None = None,
    raw: bool = False,
) -> list[VectorLayer]:
    """Layers of the final state (scenario if any): grid buses/lines/transformers carrying
    vm_min_pu/vm_max_pu (pu) and loading_percent (%), styled result layers, and hosting
    capacity (MW) when given. Electrical grid layers keep their SCHEMAS.md ids.

    The loads layer is that of :func:`~twin.sim.energy.disclosure.published_net` (loads
    on fewer than 11 households pooled per substation) and the results of buses, lines and
    transformers serving 1 to 10 households are null with ``masked`` true
    (:func:`~twin.sim.energy.published.published_state`), unless ``raw`` (the user
    explicitly asks for raw data)."""
    state = study.final
    if not raw:
        state = published_state(state, study.settings.household_admd_kw)
    frames = net_to_frames(state.net, crs=crs)
    if not raw and frames.loads is not None:
        published = published_net(state.net, study.settings.household_admd_kw)
        points = dict(zip(frames.buses.bus_id, frames.buses.geometry, strict=True))
        frames.loads = _injection_frame(published.load, "load_id", points, frames.buses.crs)
    provenance = _provenance(
        study,
        "worst value over the high-load and high-feed-in design cases and the 24 "
        "hours of the design day (defaults.json)",
        source_name,
    )
    buses = frames.buses.merge(state.buses, on="bus_id", how="left")
    violated = {(v["element"], v["id"]) for v in state.violations}
    buses["violation"] = [("bus", int(b)) in violated for b in buses.bus_id]
    lines = frames.lines.merge(state.lines, on="line_id", how="left")
    lines["violation"] = [("line", int(i)) in violated for i in lines.line_id]
    trafos = frames.transformers.merge(state.trafos, on="trafo_id", how="left")
    trafos["violation"] = [("trafo", int(i)) in violated for i in trafos.trafo_id]
    grid_provenance = provenance.with_changes(method="grid of the studied state")
    layers = [
        grid_layer("grid_buses", buses, grid_provenance),
        grid_layer("grid_lines", lines, grid_provenance),
        grid_layer("grid_transformers", trafos, grid_provenance),
    ]
    if frames.loads is not None:
        layers.append(grid_layer("grid_loads", frames.loads, grid_provenance))
    if frames.generators is not None:
        layers.append(grid_layer("grid_generators", frames.generators, grid_provenance))
    loading = line_loading_layer(lines, provenance)
    loading.style = line_loading_style()
    overloaded = overloaded_lines_layer(lines, provenance)
    layers += [overloaded] if len(overloaded.frame) else []
    layers += [
        loading,
        trafo_loading_layer(trafos, provenance),
        bus_voltage_layer(buses, provenance, "vm_min_pu", "Bus voltage (lowest)"),
        bus_voltage_layer(buses, provenance, "vm_max_pu", "Bus voltage (highest)"),
    ]
    if hosting is not None:
        frame = frames.buses[["bus_id", "name", "vn_kv", "kind", "geometry"]].merge(
            hosting.frame.drop(columns=["vn_kv"]), on="bus_id", how="inner"
        )
        frame = gpd.GeoDataFrame(frame, geometry="geometry", crs=frames.buses.crs)
        hosting_provenance = provenance.with_changes(
            method="bisection with the power flow: largest PV (high-feed-in case) and EV "
            "load (high-load case) at each bus before a new violation",
        )
        for column, label in (("pv_mw", "PV"), ("ev_mw", "EV load")):
            if column in frame.columns:
                layers.append(
                    hosting_capacity_layer(
                        frame, column, hosting_provenance, f"Hosting capacity: {label} (MW)"
                    )
                )
    for layer in layers:
        frame = layer.frame
        for column in frame.columns:
            if frame[column].dtype == np.uint32 or frame[column].dtype == np.uint64:
                frame[column] = frame[column].astype(np.int64)
    return layers
