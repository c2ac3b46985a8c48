"""Grid I/O: a pandapower network <-> GeoDataFrames with the SCHEMAS.md grid columns.

pandapower 3.x keeps geodata as GeoJSON strings in ``net.bus.geo`` and ``net.line.geo``
(WGS84 longitude/latitude for its sample networks ``mv_oberrhein`` and ``lv_schutterwald``).
:func:`net_to_frames` turns a network into point/line frames in the project CRS (metres);
:func:`frames_to_net` builds a network back from such frames (read from a GeoPackage or a
``.twin`` project). An open line switch is kept as the line's ``open_switch_bus`` column (and
recreated on import); a line open at both ends, or a transformer with an open switch, is
exported as ``in_service = False`` (electrically equivalent); bus-bus switches are not kept.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandapower as pp
import pandas as pd
import shapely
from pyproj import CRS

from twin.errors import DataError
from twin.i18n import tr
from twin.layers.io_common import existing_file
from twin.sim.energy.defaults import voltage_level

WGS84 = "EPSG:4326"
GRID_LAYER_IDS = {
    "buses": "grid_buses",
    "lines": "grid_lines",
    "transformers": "grid_transformers",
    "loads": "grid_loads",
    "generators": "grid_generators",
}
LINE_PARAMETERS = ("r_ohm_per_km", "x_ohm_per_km", "c_nf_per_km", "max_i_ka")
TRAFO_PARAMETERS = (
    "vn_hv_kv",
    "vn_lv_kv",
    "vk_percent",
    "vkr_percent",
    "pfe_kw",
    "i0_percent",
    "shift_degree",
)


@dataclass
class GridFrames:
    """A grid as GeoDataFrames in one CRS (SCHEMAS.md columns plus electrical extras).

    buses (points): bus_id, name, vn_kv (kV), kind ("source" above 30 kV, "substation" for
    the MV busbar of an HV/MV substation, "mv", "lv"), slack, slack_vm_pu (pu), in_service;
    lines (lines): line_id, name, from_bus, to_bus, vn_kv, std_type, length_km (km), parallel,
    r_ohm_per_km, x_ohm_per_km, c_nf_per_km (nF/km), max_i_ka (kA), in_service;
    transformers (points): trafo_id, name, hv_bus, lv_bus, std_type, sn_mva (MVA), ...;
    loads / generators (points, optional): bus, p_mw, q_mvar, scaling, kind.
    """

    buses: gpd.GeoDataFrame
    lines: gpd.GeoDataFrame
    transformers: gpd.GeoDataFrame
    loads: gpd.GeoDataFrame | None = None
    generators: gpd.GeoDataFrame | None = None
    warnings: list[str] = field(default_factory=list)

    def items(self) -> list[tuple[str, gpd.GeoDataFrame]]:
        """(layer id, frame) pairs of the frames that are present."""
        pairs = [(GRID_LAYER_IDS[k], getattr(self, k)) for k in GRID_LAYER_IDS]
        return [(name, frame) for name, frame in pairs if frame is not None]


# --- reading pandapower -----------------------------------------------------------------
def read_pandapower_json(path: str | Path) -> pp.pandapowerNet:
    """Read a pandapower network saved with ``pandapower.to_json``."""
    path = existing_file(path)  # refuses a folder, pipe or device at once
    check_pandapower_modules(path)
    try:
        net = pp.from_json(str(path))
    except Exception as error:  # pandapower raises many types for a bad file
        raise DataError(
            tr("{name} is not a pandapower JSON network ({error})").format(
                name=path.name, error=error
            )
        ) from error
    if len(net.bus) == 0:
        raise DataError(tr("{name}: the network has no buses").format(name=path.name))
    return net


# Modules a pandapower JSON may name in "_module": pandapower imports the module before its
# own checks, so anything else (``{"_module": "this"}`` prints the Zen of Python) is refused
# before the file reaches pandapower.
ALLOWED_MODULES = frozenset(
    {
        "pandas",
        "pandas.core.frame",
        "pandas.core.series",
        "numpy",
        "networkx",
        "geopandas.geodataframe",
        "shapely",
    }
)
ALLOWED_MODULE_PREFIXES = ("pandapower.", "shapely.geometry.", "networkx.classes.")
REFUSED_CLASSES = frozenset({"function", "method", "exec", "eval"})
MAX_JSON_DEPTH = 64


def check_pandapower_modules(path: Path) -> None:
    """Refuse a pandapower JSON that names a module outside :data:`ALLOWED_MODULES` (or a
    function, which is code) anywhere, including in the JSON text pandapower decodes again
    (tables are stored as JSON strings); nesting deeper than ``MAX_JSON_DEPTH`` is refused."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except RecursionError:
        raise DataError(
            tr("{name}: the network JSON is nested too deeply").format(name=path.name)
        ) from None
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise DataError(
            tr("{name} is not a pandapower JSON network ({error})").format(
                name=path.name, error=error
            )
        ) from None
    stack: list[tuple[Any, int]] = [(data, 0)]
    while stack:
        value, depth = stack.pop()
        if depth > MAX_JSON_DEPTH:
            raise DataError(
                tr("{name}: the network JSON is nested too deeply").format(name=path.name)
            )
        if isinstance(value, dict):
            module, kind = value.get("_module"), value.get("_class")
            if module is not None and not _allowed_module(module):
                raise DataError(
                    tr(
                        "{name} names the Python module {module!r}, which a grid file may not "
                        "load; the file is refused"
                    ).format(name=path.name, module=str(module)[:60])
                )
            if kind in REFUSED_CLASSES:
                raise DataError(
                    tr("{name} holds a {kind!r} object (code); refused").format(
                        name=path.name, kind=kind
                    )
                )
            stack.extend((item, depth + 1) for item in value.values())
        elif isinstance(value, list):
            stack.extend((item, depth + 1) for item in value)
        elif isinstance(value, str) and value[:1] in ("{", "[") and '"_module"' in value:
            try:
                stack.append((json.loads(value), depth + 1))
            except RecursionError:
                raise DataError(
                    tr("{name}: the network JSON is nested too deeply").format(name=path.name)
                ) from None
            except json.JSONDecodeError:
                continue


def _allowed_module(module: Any) -> bool:
    if not isinstance(module, str):
        return False
    return module in ALLOWED_MODULES or module.startswith(ALLOWED_MODULE_PREFIXES)


def _geometries(series: pd.Series | None, count: int) -> np.ndarray:
    """Shapely geometries from pandapower ``geo`` values (GeoJSON str / dict / NaN)."""
    if series is None:
        return np.full(count, None, dtype=object)
    texts = []
    for value in series:
        if isinstance(value, dict):
            texts.append(json.dumps(value))
        elif isinstance(value, str) and value.strip():
            texts.append(value)
        else:
            texts.append(None)
    return shapely.from_geojson(np.array(texts, dtype=object), on_invalid="ignore")


def _guess_geodata_crs(points: np.ndarray, target_crs: CRS) -> CRS:
    """WGS84 when every coordinate is a plausible longitude/latitude, else the target CRS."""
    valid = [g for g in points if g is not None and not g.is_empty]
    if not valid:
        return CRS.from_user_input(WGS84)
    xy = shapely.get_coordinates(np.array(valid, dtype=object))
    if np.all(np.abs(xy[:, 0]) <= 180) and np.all(np.abs(xy[:, 1]) <= 90):
        return CRS.from_user_input(WGS84)
    return target_crs


def _open_switch_elements(
    net: pp.pandapowerNet, element_kind: str, at_least: int = 1
) -> dict[int, int]:
    """{element: bus of its first open switch} for elements ("l", "t") with open switches."""
    switches = net.switch
    if len(switches) == 0:
        return {}
    mask = (switches.et == element_kind) & ~switches.closed.astype(bool)
    opened = switches.loc[mask]
    counts = opened.element.value_counts()
    opened = opened[opened.element.isin(counts.index[counts >= at_least])]
    opened = opened.drop_duplicates("element")
    return dict(zip(opened.element.astype(int), opened.bus.astype(int), strict=True))


def net_to_frames(
    net: pp.pandapowerNet, crs: CRS | str = "EPSG:2154", geodata_crs: CRS | str | None = None
) -> GridFrames:
    """Turn a pandapower network into :class:`GridFrames` in ``crs`` (metres).

    ``geodata_crs`` is the CRS of ``net.bus.geo``/``net.line.geo``; None guesses WGS84 when
    the coordinates are longitudes/latitudes, else takes them as already in ``crs``.
    Lines without geodata are drawn straight between their buses.
    """
    crs = CRS.from_user_input(crs)
    warnings: list[str] = []
    bus_geo = _geometries(net.bus.get("geo"), len(net.bus))
    source_crs = (
        CRS.from_user_input(geodata_crs) if geodata_crs else _guess_geodata_crs(bus_geo, crs)
    )
    buses = gpd.GeoDataFrame(
        {
            "bus_id": net.bus.index.astype(np.int64),
            "name": net.bus["name"].fillna("").astype(str).to_numpy(),
            "vn_kv": net.bus.vn_kv.astype(float).to_numpy(),
        },
        geometry=gpd.GeoSeries(bus_geo, crs=source_crs).to_crs(crs).to_numpy(),
        crs=crs,
    )
    # "substation": the MV busbar of an HV/MV substation (LV side of a >30 kV transformer)
    hv_sides = net.bus.vn_kv.reindex(net.trafo.hv_bus).to_numpy() > 30.0
    trafo_buses = set(net.trafo.lv_bus[hv_sides])
    levels = buses.vn_kv.map(voltage_level)
    buses["kind"] = np.where(
        levels == "hv",
        "source",
        np.where(
            levels == "lv", "lv", np.where(buses.bus_id.isin(trafo_buses), "substation", "mv")
        ),
    )
    slack_vm = net.ext_grid[net.ext_grid.in_service.astype(bool)].groupby("bus").vm_pu.first()
    buses["slack"] = buses.bus_id.isin(slack_vm.index)
    buses["slack_vm_pu"] = buses.bus_id.map(slack_vm).astype(float)
    buses["in_service"] = net.bus.in_service.astype(bool).to_numpy()
    point_of_bus = dict(zip(buses.bus_id, buses.geometry, strict=True))

    open_lines = _open_switch_elements(net, "l")
    open_twice = _open_switch_elements(net, "l", at_least=2)
    line_geo = _geometries(net.line.get("geo"), len(net.line))
    line_geo = gpd.GeoSeries(line_geo, crs=source_crs).to_crs(crs).to_numpy()
    for i, (from_bus, to_bus) in enumerate(zip(net.line.from_bus, net.line.to_bus, strict=True)):
        if line_geo[i] is None or line_geo[i].is_empty:
            a, b = point_of_bus.get(int(from_bus)), point_of_bus.get(int(to_bus))
            if a is not None and b is not None and not a.is_empty and not b.is_empty:
                line_geo[i] = shapely.LineString([a, b])
    lines = gpd.GeoDataFrame(
        {
            "line_id": net.line.index.astype(np.int64),
            "name": net.line["name"].fillna("").astype(str).to_numpy(),
            "from_bus": net.line.from_bus.astype(np.int64).to_numpy(),
            "to_bus": net.line.to_bus.astype(np.int64).to_numpy(),
            "vn_kv": net.bus.vn_kv.reindex(net.line.from_bus).astype(float).to_numpy(),
            "std_type": net.line.std_type.fillna("").astype(str).to_numpy(),
            "length_km": net.line.length_km.astype(float).to_numpy(),
            "parallel": net.line.parallel.astype(np.int64).to_numpy(),
            **{name: net.line[name].astype(float).to_numpy() for name in LINE_PARAMETERS},
            "df": net.line.df.astype(float).to_numpy(),
            "in_service": (
                net.line.in_service.astype(bool) & ~net.line.index.isin(list(open_twice))
            ).to_numpy(),
            "open_switch_bus": net.line.index.map(open_lines).fillna(-1).astype(np.int64),
        },
        geometry=line_geo,
        crs=crs,
    )

    open_trafos = _open_switch_elements(net, "t")
    trafo_points = [
        point_of_bus.get(int(lv)) or point_of_bus.get(int(hv))
        for hv, lv in zip(net.trafo.hv_bus, net.trafo.lv_bus, strict=True)
    ]
    transformers = gpd.GeoDataFrame(
        {
            "trafo_id": net.trafo.index.astype(np.int64),
            "name": net.trafo["name"].fillna("").astype(str).to_numpy(),
            "hv_bus": net.trafo.hv_bus.astype(np.int64).to_numpy(),
            "lv_bus": net.trafo.lv_bus.astype(np.int64).to_numpy(),
            "std_type": net.trafo.std_type.fillna("").astype(str).to_numpy(),
            "sn_mva": net.trafo.sn_mva.astype(float).to_numpy(),
            **{name: net.trafo[name].astype(float).to_numpy() for name in TRAFO_PARAMETERS},
            "tap_side": net.trafo.tap_side.fillna("hv").astype(str).to_numpy(),
            "tap_neutral": net.trafo.tap_neutral.astype(float).fillna(0.0).to_numpy(),
            "tap_min": net.trafo.tap_min.astype(float).fillna(0.0).to_numpy(),
            "tap_max": net.trafo.tap_max.astype(float).fillna(0.0).to_numpy(),
            "tap_step_percent": net.trafo.tap_step_percent.astype(float).fillna(0.0).to_numpy(),
            "tap_pos": net.trafo.tap_pos.astype(float).fillna(0.0).to_numpy(),
            "parallel": net.trafo.parallel.astype(np.int64).to_numpy(),
            "in_service": (
                net.trafo.in_service.astype(bool) & ~net.trafo.index.isin(list(open_trafos))
            ).to_numpy(),
        },
        geometry=np.array(trafo_points, dtype=object),
        crs=crs,
    )
    if (
        ((net.switch.et == "b") & net.switch.closed.astype(bool)).any()
        if len(net.switch)
        else False
    ):
        warnings.append(tr("closed bus-bus switches are not exported (buses stay separate)"))
    for table in ("trafo3w", "gen", "impedance", "dcline", "storage", "shunt", "ward", "xward"):
        if table in net and len(net[table]):
            warnings.append(
                tr("{count} '{table}' elements are not exported").format(
                    count=len(net[table]), table=table
                )
            )
    loads = _injection_frame(net.load, "load_id", point_of_bus, crs)
    generators = _injection_frame(net.sgen, "sgen_id", point_of_bus, crs)
    return GridFrames(buses, lines, transformers, loads, generators, warnings)


def _injection_frame(
    table: pd.DataFrame, id_column: str, point_of_bus: dict[int, Any], crs: CRS
) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {
            id_column: table.index.astype(np.int64),
            "name": table["name"].fillna("").astype(str).to_numpy(),
            "bus": table.bus.astype(np.int64).to_numpy(),
            "p_mw": table.p_mw.astype(float).to_numpy(),
            "q_mvar": table.q_mvar.astype(float).to_numpy(),
            "scaling": table.scaling.astype(float).to_numpy(),
            "kind": table["type"].fillna("").astype(str).to_numpy(),
            "in_service": table.in_service.astype(bool).to_numpy(),
        },
        geometry=np.array([point_of_bus.get(int(b)) for b in table.bus], dtype=object),
        crs=crs,
    )
