"""Assemble the grid to study: from a pandapower JSON file or a project's grid layers, with
loads derived from the project's buildings when the grid carries none."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandapower as pp

from twin.errors import DataError
from twin.i18n import N_, tr
from twin.sim.energy.defaults import EnergyDefaults, default_settings
from twin.sim.energy.grid_build import frames_to_net
from twin.sim.energy.grid_io import GridFrames, net_to_frames, read_pandapower_json
from twin.sim.energy.grid_store import grid_frames_from_project, project_has_grid
from twin.sim.energy.loads import attach_buildings


@dataclass
class PreparedGrid:
    """A network ready to run, its frames in the project CRS, the buildings used for loads
    (or None), the building-to-bus attachment table and a description of the source."""

    net: pp.pandapowerNet
    frames: GridFrames
    buildings: gpd.GeoDataFrame | None = None
    attachments: Any = None
    source: str = ""
    notes: list[str] = field(default_factory=list)


def _buildings_of(project) -> gpd.GeoDataFrame | None:
    if project is None:
        return None
    try:
        layer = project.layer("buildings")
    except KeyError:
        return None
    return getattr(layer, "frame", None)


def prepare_grid(
    project=None, net_path: str | Path | None = None, settings: EnergyDefaults | None = None
) -> PreparedGrid:
    """The grid of ``net_path`` (pandapower JSON) or else of ``project`` (grid layers).

    When the network has no loads, the project's buildings are attached to their nearest
    LV (else MV) bus with the documented per-household defaults.
    """
    settings = settings or default_settings()
    crs = project.crs if project is not None else "EPSG:2154"
    notes: list[str] = []
    if net_path is not None:
        net = read_pandapower_json(net_path)
        frames = net_to_frames(net, crs=crs)
        source = f"pandapower JSON {Path(net_path).name}"
    elif project is not None and project_has_grid(project):
        frames = grid_frames_from_project(project)
        net = frames_to_net(frames, name="project grid")
        source = N_("project grid layers")  # translated where printed
    else:
        raise DataError(
            tr(
                "no grid to study: the project has no grid_buses/grid_lines/grid_transformers "
                "layers; pass a pandapower network with --net FILE"
            )
        )
    notes.extend(frames.warnings)
    buildings = _buildings_of(project)
    attachments = None
    if len(net.load) == 0:
        if buildings is None:
            notes.append(tr("the grid has no loads and the project no buildings: no load"))
        else:
            attachments = attach_buildings(net, frames.buses, buildings, settings)
            frames = net_to_frames(net, crs=crs)
            notes.append(
                tr(
                    "{households} households and {premises} business premises of {buildings} "
                    "buildings attached to {buses} buses"
                ).format(
                    households=int(attachments.households.sum()),
                    premises=int(attachments.business_premises.sum()),
                    buildings=len(attachments),
                    buses=attachments.bus.nunique(),
                )
            )
    notes.append(capacity_note(net))
    return PreparedGrid(net, frames, buildings, attachments, source, notes)


def capacity_note(net: pp.pandapowerNet) -> str:
    """One line comparing the peak load (MW) with the transformer capacity (MVA) per level,
    so that a grid sized for another load assumption is obvious."""
    load_mw = float((net.load.p_mw * net.load.scaling)[net.load.in_service.astype(bool)].sum())
    hv_kv = net.bus.vn_kv.reindex(net.trafo.hv_bus).to_numpy()
    lv_kv = net.bus.vn_kv.reindex(net.trafo.lv_bus).to_numpy()
    sn = (net.trafo.sn_mva * net.trafo.parallel).to_numpy()
    hv_mv = float(sn[hv_kv > 30.0].sum())
    mv_lv = float(sn[lv_kv <= 1.0].sum())
    return (
        f"peak load {load_mw:.1f} MW (before daily factors); transformer capacity "
        f"HV/MV {hv_mv:.1f} MVA, MV/LV {mv_lv:.1f} MVA"
    )
