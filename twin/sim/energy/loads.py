"""Loads from the territory: buildings (households, premises) attached to their nearest bus.

Each building goes to the nearest in-service LV bus within ``max_lv_distance_m``; where there
is none (an MV-only grid, or a building far from any LV feeder) it goes to the nearest MV
bus. Per bus, the engine creates one "residential" load (households x ADMD) and one
"commercial" load (business premises x premise ADMD) at the documented power factor (see
``defaults.json``). ADMD is already a diversified figure: it is right for groups of dozens
of households and optimistic for a bus feeding only a few.
"""

from __future__ import annotations

import math

import geopandas as gpd
import numpy as np
import pandapower as pp
import pandas as pd
import shapely

from twin.errors import DataError
from twin.i18n import tr
from twin.sim.energy.defaults import EnergyDefaults, default_settings

MAX_LV_DISTANCE_M = 500.0


def nearest_bus(
    points: np.ndarray,
    buses: gpd.GeoDataFrame,
    max_lv_distance_m: float = MAX_LV_DISTANCE_M,
) -> tuple[np.ndarray, np.ndarray]:
    """(bus_id, distance in metres) of the nearest LV bus within ``max_lv_distance_m`` of each
    point, else of the nearest MV bus. ``buses`` is the grid_buses frame (project CRS)."""
    usable = buses[buses.geometry.notna() & ~buses.geometry.is_empty]
    if "in_service" in usable.columns:
        usable = usable[usable.in_service.astype(bool)]
    kinds = (
        usable["kind"].astype(str)
        if "kind" in usable.columns
        else pd.Series(np.where(usable.vn_kv <= 1.0, "lv", "mv"), index=usable.index)
    )
    lv = usable[kinds == "lv"]
    mv = usable[kinds.isin(["mv", "substation"])]
    if len(lv) == 0 and len(mv) == 0:
        raise DataError(tr("the grid has no LV or MV bus with a position to attach loads to"))
    count = len(points)
    bus_ids = np.full(count, -1, dtype=np.int64)
    distances = np.full(count, np.inf)
    for candidates, limit in ((lv, max_lv_distance_m), (mv, math.inf)):
        todo = np.flatnonzero(bus_ids < 0)
        if len(candidates) == 0 or len(todo) == 0:
            continue
        tree = shapely.STRtree(candidates.geometry.to_numpy())
        (query_index, tree_index), found = tree.query_nearest(
            points[todo], return_distance=True, all_matches=False
        )
        ok = found <= limit
        chosen = todo[query_index[ok]]
        bus_ids[chosen] = candidates.bus_id.to_numpy()[tree_index[ok]]
        distances[chosen] = found[ok]
    return bus_ids, distances


def attach_buildings(
    net: pp.pandapowerNet,
    buses: gpd.GeoDataFrame,
    buildings: gpd.GeoDataFrame,
    settings: EnergyDefaults | None = None,
    max_lv_distance_m: float = MAX_LV_DISTANCE_M,
) -> pd.DataFrame:
    """Add residential and commercial loads for ``buildings`` to ``net`` (in place).

    ``buildings`` needs ``households``; ``premises`` (households + business premises) is
    optional. Returns one row per building: building_id, bus, distance_m, households,
    business_premises, p_kw (kW at peak, before any scaling).
    """
    settings = settings or default_settings()
    if "households" not in buildings.columns:
        raise DataError(tr("the buildings layer has no 'households' column to derive loads from"))
    frame = buildings[buildings.geometry.notna() & ~buildings.geometry.is_empty]
    households = pd.to_numeric(frame["households"], errors="coerce").fillna(0).clip(lower=0)
    if "premises" in frame.columns:
        premises = pd.to_numeric(frame["premises"], errors="coerce").fillna(households)
        business = (premises - households).clip(lower=0)
    else:
        business = pd.Series(0, index=frame.index)
    keep = (households > 0) | (business > 0)
    frame, households, business = frame[keep], households[keep], business[keep]
    points = frame.geometry.representative_point().to_numpy()
    bus_ids, distances = nearest_bus(points, buses, max_lv_distance_m)
    p_kw = households.to_numpy() * settings.household_admd_kw + (
        business.to_numpy() * settings.premise_admd_kw
    )
    ids = frame["building_id"].to_numpy() if "building_id" in frame.columns else frame.index
    table = pd.DataFrame(
        {
            "building_id": ids,
            "bus": bus_ids,
            "distance_m": distances,
            "households": households.to_numpy().astype(int),
            "business_premises": business.to_numpy().astype(int),
            "p_kw": p_kw,
        }
    )
    per_bus = table.groupby("bus")[["households", "business_premises"]].sum()
    tan_phi = math.tan(math.acos(settings.power_factor))
    for kind, column, admd in (
        ("residential", "households", settings.household_admd_kw),
        ("commercial", "business_premises", settings.premise_admd_kw),
    ):
        counts = per_bus[column]
        counts = counts[counts > 0]
        if len(counts) == 0:
            continue
        p_mw = counts.to_numpy() * admd / 1000.0
        pp.create_loads(
            net,
            counts.index.to_numpy(),
            p_mw=p_mw,
            q_mvar=p_mw * tan_phi,
            name=[f"{kind} at bus {bus}" for bus in counts.index],  # no count: privacy
            type=kind,
        )
    return table
