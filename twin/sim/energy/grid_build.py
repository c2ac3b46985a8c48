"""Build a pandapower network from grid frames (the SCHEMAS.md grid layers).

Lines and transformers with electrical parameter columns are built from them, the others
from their pandapower standard type; geodata is stored in WGS84 GeoJSON as pandapower 3.x
does. Errors a user can fix (unknown type, missing bus, no slack) raise DataError.
"""

from __future__ import annotations

import json
import math
from typing import Any

import geopandas as gpd
import numpy as np
import pandapower as pp
import pandas as pd
import shapely

from twin.errors import DataError
from twin.i18n import tr
from twin.sim.energy.grid_io import (
    GRID_LAYER_IDS,
    LINE_PARAMETERS,
    TRAFO_PARAMETERS,
    WGS84,
    GridFrames,
)


def _column(frame: pd.DataFrame, name: str, default: Any) -> pd.Series:
    if name in frame.columns:
        return frame[name]
    return pd.Series([default] * len(frame), index=frame.index)


def _require(frame: pd.DataFrame, columns: tuple[str, ...], layer: str) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise DataError(
            tr("grid layer {layer!r} lacks the column(s) {columns}").format(
                layer=layer, columns=", ".join(missing)
            )
        )


def _has_parameters(row: pd.Series, names: tuple[str, ...]) -> bool:
    return all(name in row.index and _finite(row[name]) for name in names)


def _finite(value: Any) -> bool:
    try:
        return value is not None and math.isfinite(float(value))
    except (TypeError, ValueError):
        return False


def _geojson(geometry: Any) -> Any:
    if geometry is None or geometry.is_empty:
        return np.nan
    return json.dumps(json.loads(shapely.to_geojson(geometry)))


def frames_to_net(frames: GridFrames, name: str = "twin grid") -> pp.pandapowerNet:
    """Build a pandapower network from :class:`GridFrames` (any projected CRS).

    Lines/transformers with electrical parameter columns are built from them; otherwise
    from their pandapower ``std_type``. Buses flagged ``slack`` (else those of kind "source")
    get an external grid at ``slack_vm_pu`` (default 1.0 pu). Geodata is stored in WGS84.
    """
    buses, lines, trafos = frames.buses, frames.lines, frames.transformers
    _require(buses, ("bus_id", "vn_kv"), "grid_buses")
    _require(lines, ("from_bus", "to_bus", "std_type"), "grid_lines")
    _require(trafos, ("hv_bus", "lv_bus", "std_type"), "grid_transformers")
    net = pp.create_empty_network(name=name)
    bus_wgs = buses.to_crs(WGS84).geometry if buses.crs is not None else buses.geometry
    ids = buses.bus_id.astype(np.int64).to_numpy()
    if len(set(ids)) != len(ids):
        raise DataError(tr("grid layer 'grid_buses' has duplicate bus_id values"))
    pp.create_buses(
        net,
        len(buses),
        vn_kv=buses.vn_kv.astype(float).to_numpy(),
        index=ids,
        name=_column(buses, "name", "").fillna("").astype(str).to_numpy(),
        in_service=_column(buses, "in_service", True).fillna(True).astype(bool).to_numpy(),
    )
    net.bus["geo"] = pd.Series([_geojson(g) for g in bus_wgs], index=ids, dtype=object)
    known = set(ids)

    _create_lines(net, lines, known)
    _create_transformers(net, trafos, known)
    _create_slacks(net, buses)
    for frame, table in ((frames.loads, "load"), (frames.generators, "sgen")):
        if frame is not None and len(frame):
            _create_injections(net, frame, table, known)
    return net


def _create_lines(net: pp.pandapowerNet, lines: gpd.GeoDataFrame, known: set[int]) -> None:
    if len(lines) == 0:
        return
    line_wgs = lines.to_crs(WGS84).geometry if lines.crs is not None else lines.geometry
    ids = _column(lines, "line_id", np.nan)
    ids = ids.astype(np.int64).to_numpy() if ids.notna().all() else None
    from_bus = lines.from_bus.astype(np.int64).to_numpy()
    to_bus = lines.to_bus.astype(np.int64).to_numpy()
    if not (set(from_bus) | set(to_bus)) <= known:
        raise DataError(tr("a grid line connects a bus that is not in grid_buses"))
    length_km = _column(lines, "length_km", np.nan).astype(float).to_numpy()
    missing = ~np.isfinite(length_km)
    if missing.any():
        length_km[missing] = lines.geometry.length.to_numpy()[missing] / 1000.0
    std_types = lines.std_type.fillna("").astype(str).to_numpy()
    parameters = {k: _column(lines, k, np.nan).astype(float).to_numpy() for k in LINE_PARAMETERS}
    by_parameters = np.all([np.isfinite(v) for v in parameters.values()], axis=0)
    library = pp.available_std_types(net, "line")
    unknown = ~by_parameters & ~np.isin(std_types, library.index)
    if unknown.any():
        raise DataError(
            tr(
                "grid line type {std_type!r} is not a pandapower standard type and the line has no "
                "r_ohm_per_km/x_ohm_per_km/c_nf_per_km/max_i_ka columns"
            ).format(std_type=std_types[unknown][0])
        )
    for name, parameter in parameters.items():
        if (~by_parameters).any():
            parameter[~by_parameters] = library.loc[std_types[~by_parameters], name].to_numpy()
    index = pp.create_lines_from_parameters(
        net,
        from_bus,
        to_bus,
        length_km=length_km,
        **parameters,
        name=_column(lines, "name", "").fillna("").astype(str).to_numpy(),
        index=ids,
        parallel=_column(lines, "parallel", 1).fillna(1).astype(int).to_numpy(),
        df=_column(lines, "df", 1.0).fillna(1.0).astype(float).to_numpy(),
        in_service=_column(lines, "in_service", True).fillna(True).astype(bool).to_numpy(),
    )
    net.line.loc[index, "std_type"] = [t or None for t in std_types]
    net.line.loc[index, "geo"] = [_geojson(g) for g in line_wgs]
    open_at = _column(lines, "open_switch_bus", -1).fillna(-1).astype(np.int64).to_numpy()
    for line_index, bus in zip(index, open_at, strict=True):
        if bus >= 0:
            pp.create_switch(net, int(bus), int(line_index), et="l", closed=False)


TAP_COLUMNS = ("tap_neutral", "tap_min", "tap_max", "tap_step_percent")


def _create_transformers(net: pp.pandapowerNet, trafos: pd.DataFrame, known: set[int]) -> None:
    """Create all transformers at once: rows with electrical parameter columns use them,
    the others take them from their pandapower standard type."""
    if len(trafos) == 0:
        return
    hv_bus = trafos.hv_bus.astype(np.int64).to_numpy()
    lv_bus = trafos.lv_bus.astype(np.int64).to_numpy()
    if not (set(hv_bus) | set(lv_bus)) <= known:
        raise DataError(tr("a grid transformer connects a bus that is not in grid_buses"))
    std_types = trafos.std_type.fillna("").astype(str).to_numpy()
    names = ("sn_mva", *TRAFO_PARAMETERS)
    values = {k: _column(trafos, k, np.nan).astype(float).to_numpy().copy() for k in names}
    by_parameters = np.all([np.isfinite(v) for v in values.values()], axis=0)
    library = pp.available_std_types(net, "trafo")
    unknown = ~by_parameters & ~np.isin(std_types, library.index)
    if unknown.any():
        raise DataError(
            tr(
                "grid transformer type {std_type!r} is not a pandapower standard type and the "
                "transformer has no electrical parameter columns"
            ).format(std_type=std_types[unknown][0])
        )
    taps = {k: _column(trafos, k, np.nan).astype(float).to_numpy().copy() for k in TAP_COLUMNS}
    tap_side = _column(trafos, "tap_side", "hv").fillna("hv").astype(str).to_numpy().copy()
    from_library = ~by_parameters
    if from_library.any():
        rows = library.loc[std_types[from_library]]
        for name in (*names, *TAP_COLUMNS):
            target = values if name in values else taps
            target[name][from_library] = rows[name].astype(float).to_numpy()
        tap_side[from_library] = rows["tap_side"].fillna("hv").astype(str).to_numpy()
    tap_pos = _column(trafos, "tap_pos", np.nan).astype(float).to_numpy().copy()
    unset = ~np.isfinite(tap_pos)
    tap_pos[unset] = np.nan_to_num(taps["tap_neutral"][unset])
    has_tap = np.isfinite(taps["tap_step_percent"]) & (taps["tap_step_percent"] > 0)
    ids = _column(trafos, "trafo_id", np.nan)
    index = pp.create_transformers_from_parameters(
        net,
        hv_bus,
        lv_bus,
        **values,
        **{k: np.nan_to_num(v) for k, v in taps.items()},
        tap_pos=tap_pos,
        tap_side=tap_side,
        tap_changer_type=np.where(has_tap, "Ratio", None),
        name=_column(trafos, "name", "").fillna("").astype(str).to_numpy(),
        index=ids.astype(np.int64).to_numpy() if ids.notna().all() else None,
        in_service=_column(trafos, "in_service", True).fillna(True).astype(bool).to_numpy(),
        parallel=_column(trafos, "parallel", 1).fillna(1).astype(int).to_numpy(),
    )
    net.trafo.loc[index, "std_type"] = [t or None for t in std_types]


def _create_slacks(net: pp.pandapowerNet, buses: pd.DataFrame) -> None:
    slack = _column(buses, "slack", False).fillna(False).astype(bool)
    if not slack.any() and "kind" in buses.columns:
        slack = buses["kind"].astype(str) == "source"
    if not slack.any():
        raise DataError(
            tr(
                "grid_buses has no slack bus (set slack = true on the external-grid bus or give the"
                " source bus kind 'source')"
            )
        )
    vm = _column(buses, "slack_vm_pu", 1.0)
    for bus_id, vm_pu in zip(buses.bus_id[slack], vm[slack], strict=True):
        pp.create_ext_grid(net, int(bus_id), vm_pu=float(vm_pu) if _finite(vm_pu) else 1.0)


def _create_injections(
    net: pp.pandapowerNet, frame: pd.DataFrame, table: str, known: set[int]
) -> None:
    _require(frame, ("bus", "p_mw"), GRID_LAYER_IDS["loads" if table == "load" else "generators"])
    if not set(frame.bus.astype(int)) <= known:
        raise DataError(tr("a grid {table} is attached to a missing bus").format(table=table))
    create = pp.create_loads if table == "load" else pp.create_sgens
    id_column = "load_id" if table == "load" else "sgen_id"
    index = _column(frame, id_column, None)
    create(
        net,
        frame.bus.astype(int).to_numpy(),
        p_mw=frame.p_mw.astype(float).to_numpy(),
        q_mvar=_column(frame, "q_mvar", 0.0).fillna(0.0).astype(float).to_numpy(),
        scaling=_column(frame, "scaling", 1.0).fillna(1.0).astype(float).to_numpy(),
        name=_column(frame, "name", "").fillna("").astype(str).to_numpy(),
        type=_column(frame, "kind", "").fillna("").astype(str).to_numpy(),
        in_service=_column(frame, "in_service", True).fillna(True).astype(bool).to_numpy(),
        index=index.astype(int).to_numpy() if index.notna().all() else None,
    )
