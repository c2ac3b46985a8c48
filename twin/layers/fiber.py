"""Fiber (FTTH) layers: read and check the existing network, build the plan's result layers.

Schemas (see the project's SCHEMAS notes): ``fiber_nodes`` points (node_id, kind NRO/PM,
name, capacity_premises, parent_id), ``fiber_cables`` lines (cable_id, kind, support
duct/aerial/trench, from_node, length_m), ``ducts`` lines (duct_id, support duct/aerial,
length_m), ``buildings`` polygons (building_id, premises, fiber_status not-eligible /
eligible / connected, commune, insee), ``roads`` lines (highway).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from twin.errors import DataError
from twin.i18n import N_, tr
from twin.layers.provenance import Provenance
from twin.layers.style import Category, Style
from twin.layers.vector import VectorLayer

FIBER_STATUSES = ("not-eligible", "eligible", "connected")
# the fiber theme's purples (twin.layers.colors.THEME_COLORS), the new trench darkest
ROUTE_COLORS = {"duct": "#7B3294", "aerial": "#B07CC6", "trench": "#4D0F6E"}
REQUIRED_COLUMNS = {
    "roads": (),
    "buildings": ("building_id", "premises", "fiber_status"),
    "fiber_nodes": ("node_id", "kind"),
    "fiber_cables": (),
    "ducts": ("support",),
}


@dataclass
class FiberInputs:
    """The frames the fiber planner reads from a project (cables/ducts/communes optional)."""

    roads: gpd.GeoDataFrame
    buildings: gpd.GeoDataFrame
    fiber_nodes: gpd.GeoDataFrame
    fiber_cables: gpd.GeoDataFrame | None
    ducts: gpd.GeoDataFrame | None
    communes: gpd.GeoDataFrame | None


def check_frame(name: str, frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Check the columns and values of one fiber input layer; raise DataError if unusable."""
    missing = [c for c in REQUIRED_COLUMNS.get(name, ()) if c not in frame.columns]
    if missing:
        raise DataError(
            tr("layer '{name}' lacks column(s) {missing}").format(
                name=name, missing=", ".join(missing)
            )
        )
    if name == "buildings":
        status = frame["fiber_status"].astype(str)
        bad = ~status.isin(FIBER_STATUSES)
        if bad.any():
            row = int(np.flatnonzero(bad.to_numpy())[0])
            raise DataError(
                tr(
                    "layer 'buildings', row {row}: fiber_status {status!r} is not one "
                    "of {fiber_statuses}"
                ).format(row=row, status=status.iloc[row], fiber_statuses=", ".join(FIBER_STATUSES))
            )
        premises = pd.to_numeric(frame["premises"], errors="coerce")
        if premises.isna().any() or (premises < 0).any():
            row = int(np.flatnonzero((premises.isna() | (premises < 0)).to_numpy())[0])
            raise DataError(
                tr("layer 'buildings', row {row}: premises must be a count >= 0").format(row=row)
            )
    if name == "fiber_nodes":
        kind = frame["kind"].astype(str).str.upper()
        if not kind.isin(["NRO", "PM"]).all():
            row = int(np.flatnonzero(~kind.isin(["NRO", "PM"]).to_numpy())[0])
            raise DataError(
                tr("layer 'fiber_nodes', row {row}: kind must be NRO or PM").format(row=row)
            )
    if name == "ducts":
        support = frame["support"].astype(str).str.lower()
        if not support.isin(["duct", "aerial"]).all():
            row = int(np.flatnonzero(~support.isin(["duct", "aerial"]).to_numpy())[0])
            raise DataError(
                tr("layer 'ducts', row {row}: support must be duct or aerial").format(row=row)
            )
    return frame


def read_fiber_inputs(project) -> FiberInputs:
    """The fiber planner's input frames from ``project`` (layers named by their ids)."""

    def get(name: str, required: bool) -> gpd.GeoDataFrame | None:
        try:
            layer = project.layer(name)
        except KeyError:
            if required:
                raise DataError(
                    tr("the project has no '{name}' layer (needed to plan fiber)").format(name=name)
                ) from None
            return None
        frame = getattr(layer, "frame", None)
        if frame is None:
            raise DataError(tr("layer '{name}' is not a vector layer").format(name=name))
        return check_frame(name, frame)

    return FiberInputs(
        roads=get("roads", True),
        buildings=get("buildings", True),
        fiber_nodes=get("fiber_nodes", True),
        fiber_cables=get("fiber_cables", False),
        ducts=get("ducts", False),
        communes=get("communes", False),
    )


def plan_layers(plan, parameters: dict[str, Any] | None = None) -> list[VectorLayer]:
    """Result layers of a :class:`twin.sim.fiber.FiberPlan`: route (by kind), PBOs, new PMs
    and premises passed (building points with pm_id, pbo_id, year), each with provenance."""
    params = dict(plan.parameters, **(parameters or {}))
    method = (
        "Steiner-tree route (Mehlhorn 2-approximation) on the road graph weighted by EUR per "
        "metre of support kind, from the existing fiber network; PM assignment within capacity, "
        "PBOs grouped along the route."
    )

    def provenance(what: str) -> Provenance:
        return Provenance(source="engine:fiber", method=f"{what}. {method}", parameters=params)

    route_style = Style(
        kind="categorized",
        column="kind",
        categories=tuple(
            Category(kind, color, label)
            for kind, color, label in (
                ("duct", ROUTE_COLORS["duct"], N_("existing duct")),
                ("aerial", ROUTE_COLORS["aerial"], N_("aerial (poles)")),
                ("trench", ROUTE_COLORS["trench"], N_("new trench")),
            )
        ),
        stroke_width=2.5,
    )
    layers = [
        VectorLayer(
            "fiber route",
            plan.route,
            style=route_style,
            provenance=provenance("New fiber route, metres by kind"),
        ),
        VectorLayer(
            "PBOs",
            plan.pbos,
            style=Style(fill_color="#CC79A7", point_size=7.0),
            provenance=provenance("Optical distribution boxes (PBO)"),
        ),
        VectorLayer(
            "premises passed",
            passed_buildings(plan),
            style=Style(fill_color="#56B4E9", point_size=5.0),
            provenance=provenance("Buildings whose premises the plan makes eligible"),
        ),
    ]
    if len(plan.new_pms):
        layers.append(
            VectorLayer(
                "new PMs",
                plan.new_pms,
                style=Style(fill_color="#E69F00", point_size=10.0),
                provenance=provenance("New shared access points (PM)"),
            )
        )
    for layer in layers:
        layer.id = layer.name.lower().replace(" ", "_")  # table name in a GeoPackage
    return layers


def passed_buildings(plan) -> gpd.GeoDataFrame:
    """Points of the buildings passed, with building_id, premises, pm_id, pbo_id, year."""
    table = plan.buildings[plan.buildings["status"] == "passed"].reset_index(drop=True)
    xy = plan.building_xy[(plan.buildings["status"] == "passed").to_numpy()]
    return gpd.GeoDataFrame(
        table.drop(columns="status"),
        geometry=gpd.points_from_xy(xy[:, 0], xy[:, 1]) if len(xy) else [],
        crs=plan.route.crs,
    )
