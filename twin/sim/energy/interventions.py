"""What-if interventions on the grid (plain dataclasses) and how they change a network.

Locations are (x, y) in the project CRS (metres); areas are shapely polygons in the same
CRS. Powers are in kW (kWp for PV). :func:`apply_interventions` copies the network (the
baseline is never changed) and returns what each intervention added, with its capex.
"""

from __future__ import annotations

import copy
import math
from dataclasses import asdict, dataclass, field
from typing import Any

import geopandas as gpd
import numpy as np
import pandapower as pp
import shapely

from twin.errors import DataError
from twin.i18n import tr
from twin.sim.energy.defaults import EnergyDefaults, default_settings, voltage_level
from twin.sim.energy.loads import nearest_bus


@dataclass(frozen=True)
class EVChargers:
    """``count`` charging points of ``kw_per_charger`` kW at ``location`` (nearest bus);
    ``simultaneity`` (0-1) is the share charging at full power at the peak."""

    count: int
    location: tuple[float, float]
    kw_per_charger: float | None = None
    simultaneity: float = 1.0
    name: str = "EV chargers"


@dataclass(frozen=True)
class RooftopPV:
    """Rooftop PV of ``kwp`` kWp in total, at ``location`` (nearest bus) or spread over the
    buildings inside ``area`` (or listed in ``building_ids``) in proportion to their footprint.
    With an area and no ``kwp``, each footprint carries ``pv_area_kwp_per_m2_footprint``."""

    kwp: float | None = None
    location: tuple[float, float] | None = None
    area: Any = None
    building_ids: tuple[int, ...] = ()
    name: str = "rooftop PV"


@dataclass(frozen=True)
class HeatPumps:
    """Heat pumps of ``kw_per_household`` kW (electric) for ``households`` households at
    ``location``, or for every household of the buildings inside ``area``."""

    households: int | None = None
    location: tuple[float, float] | None = None
    area: Any = None
    kw_per_household: float | None = None
    name: str = "heat pumps"


@dataclass(frozen=True)
class NewLine:
    """A new line of pandapower type ``std_type`` between two existing buses; ``length_km``
    defaults to the straight distance between them."""

    from_bus: int
    to_bus: int
    std_type: str
    length_km: float | None = None
    parallel: int = 1
    name: str = "new line"


@dataclass(frozen=True)
class NewTransformer:
    """A new transformer of pandapower type ``std_type`` between two existing buses (e.g. a
    second transformer in parallel in a substation)."""

    hv_bus: int
    lv_bus: int
    std_type: str
    name: str = "new transformer"


Intervention = EVChargers | RooftopPV | HeatPumps | NewLine | NewTransformer
INTERVENTION_KINDS: dict[str, type] = {
    "ev_chargers": EVChargers,
    "rooftop_pv": RooftopPV,
    "heat_pumps": HeatPumps,
    "new_line": NewLine,
    "new_transformer": NewTransformer,
}


# twin.scenario's energy interventions (stored with a "type" tag): field renames to ours
SCENARIO_TYPES: dict[str, tuple[str, dict[str, str]]] = {
    "add_ev_chargers": ("ev_chargers", {"power_kw": "kw_per_charger"}),
    "add_photovoltaics": ("rooftop_pv", {"peak_kw": "kwp"}),
    "add_heat_pumps": ("heat_pumps", {}),
    "add_grid_line": ("new_line", {}),
    "add_grid_transformer": ("new_transformer", {}),
}


def _from_scenario_type(data: dict[str, Any]) -> dict[str, Any] | None:
    """A twin.scenario dict ({"type": "add_ev_chargers", "x": .., "y": ..}) in our form."""
    kind, renames = SCENARIO_TYPES.get(str(data.get("type", "")), (None, {}))
    if kind is None:
        return None
    converted = {renames.get(k, k): v for k, v in data.items() if k not in ("type", "x", "y")}
    if "x" in data and "y" in data:
        converted["location"] = (data["x"], data["y"])
    return {"kind": kind, **converted}


def intervention_from_dict(data: dict[str, Any]) -> Intervention | None:
    """An intervention from a scenario dict, either this module's form ({"kind":
    "ev_chargers", "location": [x, y], ...}, areas as WKT) or twin.scenario's ({"type":
    "add_ev_chargers", "x": .., "y": .., "power_kw": ..}); None if it belongs to another
    engine."""
    if "kind" not in data and "type" in data:
        converted = _from_scenario_type(data)
        if converted is None:
            return None
        data = converted
    kind = INTERVENTION_KINDS.get(str(data.get("kind", "")))
    if kind is None:
        return None
    fields = {k: v for k, v in data.items() if k in kind.__dataclass_fields__}
    if isinstance(fields.get("area"), str):
        fields["area"] = shapely.from_wkt(fields["area"])
    for key in ("location",):
        if fields.get(key) is not None:
            fields[key] = tuple(float(v) for v in fields[key])
    if "building_ids" in fields:
        fields["building_ids"] = tuple(int(v) for v in fields["building_ids"])
    try:
        intervention = kind(**fields)
    except TypeError as error:
        raise DataError(
            tr("scenario intervention {kind!r}: {error}").format(kind=data.get("kind"), error=error)
        ) from error
    check_ranges(intervention, str(data.get("kind")))
    return intervention


# Physical ranges of the numeric fields (None: not given, the documented default applies):
# (low, high, low included, unit)
RANGES: dict[str, tuple[float, float, bool, str]] = {
    "count": (0, 100_000, True, "charging points"),
    "kw_per_charger": (0, 5_000, False, "kW"),
    "simultaneity": (0, 1, True, ""),
    "kwp": (0, 1_000_000, False, "kWp"),
    "households": (0, 10_000_000, True, "households"),
    "kw_per_household": (0, 100, False, "kW"),
    "length_km": (0, 1_000, False, "km"),
    "parallel": (1, 100, True, "lines"),
}


def check_ranges(intervention: Intervention, kind: str) -> None:
    """DataError (one line naming the field, its value and the allowed range) when a
    numeric field of ``intervention`` is not a finite number in its physical range
    (negative PV once reported negative CO2 avoided)."""
    import math

    for field_name, (low, high, low_included, unit) in RANGES.items():
        value = getattr(intervention, field_name, None)
        if value is None:
            continue
        try:
            number = float(value)
        except (TypeError, ValueError):
            number = math.nan
        inside = math.isfinite(number) and number <= high
        inside = inside and (number >= low if low_included else number > low)
        if not inside:
            lower = f"{low:g}" if low_included else f"more than {low:g}"
            raise DataError(
                tr(
                    "scenario intervention {kind!r}: {field_name} = {value!r} is not allowed "
                    "(allowed: {lower} to {high:g}{unit})"
                ).format(
                    kind=kind,
                    field_name=field_name,
                    value=value,
                    lower=lower,
                    high=high,
                    unit=" " + unit if unit else "",
                )
            )


def energy_interventions(items: list[Any]) -> list[Intervention]:
    """Our interventions from a mixed list: our dataclasses, dicts (either form) or objects
    with ``to_dict()`` such as twin.scenario's; other engines' interventions are dropped."""
    found: list[Intervention] = []
    for item in items:
        if isinstance(item, tuple(INTERVENTION_KINDS.values())):
            found.append(item)
            continue
        data = item if isinstance(item, dict) else getattr(item, "to_dict", lambda: None)()
        converted = intervention_from_dict(data) if isinstance(data, dict) else None
        if converted is not None:
            found.append(converted)
    return found


def intervention_to_dict(intervention: Intervention) -> dict[str, Any]:
    """JSON-ready dict of an intervention (areas as WKT)."""
    kind = next(k for k, v in INTERVENTION_KINDS.items() if isinstance(intervention, v))
    data = asdict(intervention)
    if data.get("area") is not None:
        data["area"] = shapely.to_wkt(data["area"], rounding_precision=2)
    return {"kind": kind, **data}


@dataclass
class AppliedChange:
    """What one intervention did: elements added, power (kW, kWp) and capex (EUR).
    ``households_from_data`` is the number of households of the territory's buildings the
    power was computed from (heat pumps given by area; None when the count was given by the
    user or no household is involved): a people figure, gated before it is published."""

    name: str
    kind: str
    buses: list[int] = field(default_factory=list)
    p_kw: float = 0.0
    pv_kwp: float = 0.0
    capex_eur: float = 0.0
    households_from_data: float | None = None


def _point(location: tuple[float, float]) -> np.ndarray:
    return np.array([shapely.Point(float(location[0]), float(location[1]))], dtype=object)


def _buildings_in(
    buildings: gpd.GeoDataFrame | None, area: Any, building_ids: tuple[int, ...] = ()
) -> gpd.GeoDataFrame:
    if buildings is None:
        raise DataError(tr("an intervention given by area or buildings needs a buildings layer"))
    if building_ids:
        return buildings[buildings["building_id"].isin(building_ids)]
    hits = buildings.sindex.query(area, predicate="intersects")
    return buildings.iloc[hits]


def apply_interventions(
    net: pp.pandapowerNet,
    interventions: list[Intervention],
    buses: gpd.GeoDataFrame,
    buildings: gpd.GeoDataFrame | None = None,
    settings: EnergyDefaults | None = None,
) -> tuple[pp.pandapowerNet, list[AppliedChange]]:
    """A copy of ``net`` with the interventions added, and what each one added."""
    settings = settings or default_settings()
    scenario = copy.deepcopy(net)
    changes = []
    for intervention in interventions:
        if isinstance(intervention, EVChargers):
            changes.append(_add_ev(scenario, intervention, buses, settings))
        elif isinstance(intervention, RooftopPV):
            changes.append(_add_pv(scenario, intervention, buses, buildings, settings))
        elif isinstance(intervention, HeatPumps):
            changes.append(_add_heat_pumps(scenario, intervention, buses, buildings, settings))
        elif isinstance(intervention, NewLine):
            changes.append(_add_line(scenario, intervention, buses, settings))
        elif isinstance(intervention, NewTransformer):
            changes.append(_add_trafo(scenario, intervention, settings))
        else:
            raise DataError(
                tr("unknown energy intervention {intervention!r}").format(intervention=intervention)
            )
    return scenario, changes


def _add_ev(net, ev: EVChargers, buses, settings: EnergyDefaults) -> AppliedChange:
    kw = settings.ev_charger_kw if ev.kw_per_charger is None else float(ev.kw_per_charger)
    if ev.count < 0 or kw < 0:
        raise DataError(tr("{name}: charger count and power must be positive").format(name=ev.name))
    bus = int(nearest_bus(_point(ev.location), buses)[0][0])
    p_mw = ev.count * kw * ev.simultaneity / 1000.0
    q_mvar = p_mw * math.tan(math.acos(min(1.0, settings.ev_power_factor)))
    pp.create_load(net, bus, p_mw=p_mw, q_mvar=q_mvar, name=ev.name, type="ev")
    return AppliedChange(ev.name, "ev_chargers", [bus], p_kw=p_mw * 1000.0)


def _add_pv(net, pv: RooftopPV, buses, buildings, settings: EnergyDefaults) -> AppliedChange:
    if pv.location is not None:
        if pv.kwp is None:
            raise DataError(tr("{name}: give kwp for PV at a location").format(name=pv.name))
        bus_ids = nearest_bus(_point(pv.location), buses)[0]
        kwp_each = np.array([float(pv.kwp)])
    else:
        chosen = _buildings_in(buildings, pv.area, pv.building_ids)
        if len(chosen) == 0:
            raise DataError(tr("{name}: no building inside the area").format(name=pv.name))
        footprint = chosen.geometry.area.to_numpy()
        if pv.kwp is None:
            kwp_each = footprint * settings.pv_area_kwp_per_m2_footprint
        else:
            kwp_each = float(pv.kwp) * footprint / max(footprint.sum(), 1e-9)
        bus_ids = nearest_bus(chosen.geometry.representative_point().to_numpy(), buses)[0]
    per_bus: dict[int, float] = {}
    for bus, kwp in zip(bus_ids, kwp_each, strict=True):
        per_bus[int(bus)] = per_bus.get(int(bus), 0.0) + float(kwp)
    for bus, kwp in per_bus.items():
        pp.create_sgen(net, bus, p_mw=kwp / 1000.0, sn_mva=kwp / 1000.0, name=pv.name, type="PV")
    total = float(sum(per_bus.values()))
    return AppliedChange(pv.name, "rooftop_pv", list(per_bus), pv_kwp=total)


def _add_heat_pumps(net, hp: HeatPumps, buses, buildings, settings) -> AppliedChange:
    kw = (
        settings.heat_pump_kw_per_household
        if hp.kw_per_household is None
        else float(hp.kw_per_household)
    )
    tan_phi = math.tan(math.acos(settings.power_factor))
    if hp.location is not None:
        if hp.households is None:
            raise DataError(
                tr("{name}: give the number of households for a location").format(name=hp.name)
            )
        bus_ids = nearest_bus(_point(hp.location), buses)[0]
        counts = np.array([float(hp.households)])
        from_data = None
    else:
        chosen = _buildings_in(buildings, hp.area)
        counts = chosen["households"].astype(float).fillna(0.0).to_numpy()
        from_data = float(counts.sum()) if hp.households is None else None
        if hp.households is not None and counts.sum() > 0:
            counts = counts * float(hp.households) / counts.sum()
        bus_ids = nearest_bus(chosen.geometry.representative_point().to_numpy(), buses)[0]
    per_bus: dict[int, float] = {}
    for bus, count in zip(bus_ids, counts, strict=True):
        per_bus[int(bus)] = per_bus.get(int(bus), 0.0) + float(count)
    for bus, count in per_bus.items():
        p_mw = count * kw / 1000.0
        pp.create_load(  # households: for the privacy gate (twin.sim.energy.disclosure)
            net,
            bus,
            p_mw=p_mw,
            q_mvar=p_mw * tan_phi,
            name=hp.name,
            type="heat_pump",
            households=float(count),
        )
    return AppliedChange(
        hp.name,
        "heat_pumps",
        list(per_bus),
        p_kw=float(sum(per_bus.values())) * kw,
        households_from_data=from_data,
    )


def _add_line(net, line: NewLine, buses, settings: EnergyDefaults) -> AppliedChange:
    for bus in (line.from_bus, line.to_bus):
        if bus not in net.bus.index:
            raise DataError(
                tr("{name}: bus {bus} is not in the grid").format(name=line.name, bus=bus)
            )
    if line.std_type not in pp.available_std_types(net, "line").index:
        raise DataError(
            tr("{name}: unknown pandapower line type {std_type!r}").format(
                name=line.name, std_type=line.std_type
            )
        )
    points = buses.set_index("bus_id").geometry
    length_km = line.length_km
    if length_km is None:
        length_km = max(points[line.from_bus].distance(points[line.to_bus]) / 1000.0, 0.001)
    pp.create_line(
        net,
        line.from_bus,
        line.to_bus,
        length_km,
        line.std_type,
        name=line.name,
        parallel=line.parallel,
    )
    level = voltage_level(float(net.bus.vn_kv[line.from_bus]))
    overhead = net.std_types["line"][line.std_type].get("type") == "ol"
    key = (
        "line_lv_underground_per_km"
        if level == "lv"
        else ("line_mv_overhead_per_km" if overhead else "line_mv_underground_per_km")
    )
    capex = settings.capex_eur[key] * length_km * line.parallel
    return AppliedChange(line.name, "new_line", [line.from_bus, line.to_bus], capex_eur=capex)


def _add_trafo(net, trafo: NewTransformer, settings: EnergyDefaults) -> AppliedChange:
    for bus in (trafo.hv_bus, trafo.lv_bus):
        if bus not in net.bus.index:
            raise DataError(
                tr("{name}: bus {bus} is not in the grid").format(name=trafo.name, bus=bus)
            )
    if trafo.std_type not in pp.available_std_types(net, "trafo").index:
        raise DataError(
            tr("{name}: unknown pandapower transformer type {std_type!r}").format(
                name=trafo.name, std_type=trafo.std_type
            )
        )
    index = pp.create_transformer(net, trafo.hv_bus, trafo.lv_bus, trafo.std_type, name=trafo.name)
    sn_mva = float(net.trafo.sn_mva[index])
    if voltage_level(float(net.bus.vn_kv[trafo.hv_bus])) == "hv":
        capex = settings.capex_eur["trafo_hv_mv_per_mva"] * sn_mva
    else:
        capex = settings.capex_eur["trafo_mv_lv_per_unit"]
    return AppliedChange(
        trafo.name, "new_transformer", [trafo.hv_bus, trafo.lv_bus], capex_eur=capex
    )
