"""Result layers of an energy study: the grid of the final state with worst-case voltages
and loadings, and hosting capacity per bus, styled by :mod:`twin.layers.energy`."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
from pyproj import CRS

from twin.layers.energy import (
    bus_voltage_layer,
    grid_layer,
    hosting_capacity_layer,
    line_loading_layer,
    trafo_loading_layer,
)
from twin.layers.provenance import Provenance
from twin.layers.vector import VectorLayer
from twin.sim.energy.grid_io import net_to_frames
from twin.sim.energy.hosting import HostingCapacity
from twin.sim.energy.study import EnergyStudy

ENGINE = "engine:energy"


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
) -> list[VectorLayer]:
    """Layers of the final state (scenario if any): grid buses/lines/transformers carrying
    vm_min_pu/vm_max_pu (pu) and loading_percent (%), styled result layers, and hosting
    capacity (MW) when given. Electrical grid layers keep their SCHEMAS.md ids."""
    state = study.final
    frames = net_to_frames(state.net, crs=crs)
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
    layers += [
        line_loading_layer(lines, provenance),
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
