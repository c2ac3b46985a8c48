"""Interventions: the changes a scenario makes to the baseline (:mod:`twin.scenario`).

Each is a plain frozen dataclass with a ``kind`` tag and the ``domain`` of the engine it
feeds (radio, fiber, transit, energy); each checks its numbers against their physical range
on construction (:mod:`twin.scenario_limits`). They are stored as JSON (``to_dict`` /
:func:`intervention_from_dict`) through the fixed registry :data:`INTERVENTION_TYPES`, so
reading one never runs code. Coordinates are in the project CRS (metres).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from typing import Any, ClassVar

from twin.errors import DataError
from twin.i18n import format_number, language, tr
from twin.scenario_limits import (
    BUS,
    CELL_LIMITS,
    COORDINATE,
    HEIGHT,
    MONEY,
    Limit,
    check_limits,
    check_points,
    check_service_times,
)
from twin.scenario_types import check_field_types


def points_of(item: Intervention) -> list[tuple[str, float, float]]:
    """(field, x, y) of every coordinate an intervention places."""
    points = []
    if hasattr(item, "x") and hasattr(item, "y"):
        points.append(("x, y", item.x, item.y))  # type: ignore[attr-defined]
    for name in ("polygon", "stops"):
        for x, y in getattr(item, name, ()) or ():
            points.append((name, x, y))
    return points


@dataclass(frozen=True)
class Intervention:
    """Base class: one change to the infrastructure. ``domain`` names the engine it feeds.

    ``limits`` declares the physical range of each numeric field once; every intervention
    is checked on construction (and so when read from JSON): a value out of range raises a
    one-line :class:`DataError` naming the field, its value and the allowed range."""

    kind: ClassVar[str] = "intervention"
    domain: ClassVar[str] = ""
    limits: ClassVar[dict[str, Limit]] = {}

    def __post_init__(self) -> None:
        self.validate()

    @property
    def where(self) -> str:
        """The intervention as error messages name it (kind and name or site id)."""
        label = getattr(self, "name", None) or getattr(self, "site_id", None)
        return f"{self.kind} {label!r}" if label else self.kind

    def validate(self) -> None:
        """Refuse values out of their physical range (DataError, one line)."""
        check_limits(self, self.where)

    def describe(self) -> str:
        """The intervention in words, as the scenario panel lists it."""
        raise NotImplementedError

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict with its ``type`` tag."""
        data = asdict(self)
        data["type"] = self.kind
        return data


@dataclass(frozen=True)
class CellSpec:
    """One sector of a new mobile site (units: degrees, MHz, dBm, dBi)."""

    azimuth_deg: float
    band_mhz: int = 3500
    technology: str = "5G"
    tx_power_dbm: float = 49.0
    bandwidth_mhz: float = 80.0
    mechanical_tilt_deg: float = 2.0
    electrical_tilt_deg: float = 4.0
    antenna_gain_dbi: float = 17.0

    limits: ClassVar[dict[str, Limit]] = {k: v for k, v in CELL_LIMITS.items() if k != "height_m"}

    def __post_init__(self) -> None:
        check_limits(self, "cell")
        if self.technology not in ("4G", "5G"):
            raise DataError(
                tr("cell: technology = {technology!r} is not allowed (4G or 5G)").format(
                    technology=self.technology
                )
            )


@dataclass(frozen=True)
class AddMobileSite(Intervention):
    """A new site at (x, y) with its cells; ``height_m`` above ground; ``connection_eur``:
    what connecting this site costs on top of the standard site (fibre backhaul and grid
    connection, EUR, e.g. from the rollout planner; 0: none), counted in its capex."""

    kind: ClassVar[str] = "add_mobile_site"
    domain: ClassVar[str] = "radio"
    site_id: str
    name: str
    x: float
    y: float
    height_m: float = 30.0
    model: str = "3gpp-uma"
    cells: tuple[CellSpec, ...] = ()
    connection_eur: float = 0.0

    limits: ClassVar[dict[str, Limit]] = {
        "x": COORDINATE,
        "y": COORDINATE,
        "height_m": HEIGHT,
        "connection_eur": MONEY,
    }

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict; ``connection_eur`` only when set (a site without one is written
        as before, so stored results keyed by its scenario still match)."""
        data = super().to_dict()
        if not data.get("connection_eur"):
            data.pop("connection_eur", None)
        return data

    def validate(self) -> None:
        super().validate()
        for cell in self.cells:
            if not isinstance(cell, CellSpec):
                raise DataError(
                    tr("{where}: each cell must be a cell object, not {cell!r}").format(
                        where=self.where, cell=cell
                    )
                )

    def describe(self) -> str:
        bands = sorted({c.band_mhz for c in self.cells})
        technologies = "/".join(sorted({c.technology for c in self.cells})) or tr("mobile")
        band_text = ", ".join(f"{b} MHz" for b in bands)
        return tr("Add {technologies} site '{name}', {cells} cells, {bands}, {height} m").format(
            technologies=technologies,
            name=self.name,
            cells=len(self.cells),
            bands=band_text,
            height=_g(self.height_m),
        )


@dataclass(frozen=True)
class MoveMobileSite(Intervention):
    """Move an existing or added site to (x, y)."""

    kind: ClassVar[str] = "move_mobile_site"
    domain: ClassVar[str] = "radio"
    site_id: str
    x: float
    y: float

    limits: ClassVar[dict[str, Limit]] = {"x": COORDINATE, "y": COORDINATE}

    def describe(self) -> str:
        return tr("Move site '{site}' to ({x} m, {y} m)").format(
            site=self.site_id,
            x=f"{self.x:,.0f}".replace(",", " "),
            y=f"{self.y:,.0f}".replace(",", " "),
        )


@dataclass(frozen=True)
class RemoveMobileSite(Intervention):
    """Switch off a site and all its cells."""

    kind: ClassVar[str] = "remove_mobile_site"
    domain: ClassVar[str] = "radio"
    site_id: str

    def describe(self) -> str:
        return tr("Remove site '{site}'").format(site=self.site_id)


@dataclass(frozen=True)
class EditMobileCell(Intervention):
    """Change parameters of one cell (e.g. tilt, power, band); ``changes`` maps column -> value."""

    kind: ClassVar[str] = "edit_mobile_cell"
    domain: ClassVar[str] = "radio"
    site_id: str
    cell_id: str
    changes: dict[str, Any] = field(default_factory=dict)

    def validate(self) -> None:
        super().validate()
        if not isinstance(self.changes, dict):
            raise DataError(
                tr("{where}: changes must be an object of field: value").format(where=self.where)
            )
        for name, value in self.changes.items():
            limit = CELL_LIMITS.get(name)
            if limit is not None:
                limit.check(f"{self.where}, cell {self.cell_id!r}", name, value)

    def describe(self) -> str:
        text = ", ".join(f"{k} = {v}" for k, v in sorted(self.changes.items()))
        return tr("Change cell '{cell}' of site '{site}': {changes}").format(
            cell=self.cell_id, site=self.site_id, changes=text
        )


@dataclass(frozen=True)
class ExtendFiber(Intervention):
    """Extend FTTH to the buildings inside a polygon (exterior ring, project metres)."""

    kind: ClassVar[str] = "extend_fiber"
    domain: ClassVar[str] = "fiber"
    name: str
    polygon: tuple[tuple[float, float], ...]

    def validate(self) -> None:
        super().validate()
        check_points(self.where, "polygon", self.polygon, "three")

    def describe(self) -> str:
        return tr("Extend fiber to area '{name}'").format(name=self.name)


@dataclass(frozen=True)
class AddTransitLine(Intervention):
    """A new line through ``stops`` (x, y in order), routed along roads."""

    kind: ClassVar[str] = "add_transit_line"
    domain: ClassVar[str] = "transit"
    name: str
    mode: str
    stops: tuple[tuple[float, float], ...]
    headway_min: float = 10.0
    service_start: str = "06:00:00"
    service_end: str = "21:00:00"

    limits: ClassVar[dict[str, Limit]] = {"headway_min": Limit(1.0, 1440.0, "min")}

    def validate(self) -> None:
        super().validate()
        check_points(self.where, "stops", self.stops, "two")
        check_service_times(self.where, self.service_start, self.service_end)

    def describe(self) -> str:
        return tr("Add {mode} line '{name}', {stops} stops, every {headway} min").format(
            mode=tr(self.mode), name=self.name, stops=len(self.stops), headway=_g(self.headway_min)
        )


@dataclass(frozen=True)
class AddTransitStop(Intervention):
    """A new stop at (x, y) served by existing routes ``route_ids``."""

    kind: ClassVar[str] = "add_transit_stop"
    domain: ClassVar[str] = "transit"
    name: str
    x: float
    y: float
    route_ids: tuple[str, ...] = ()

    limits: ClassVar[dict[str, Limit]] = {"x": COORDINATE, "y": COORDINATE}

    def describe(self) -> str:
        lines = ", ".join(self.route_ids) or tr("no line")
        return tr("Add stop '{name}' on {lines}").format(name=self.name, lines=lines)


@dataclass(frozen=True)
class AddEvChargers(Intervention):
    """``count`` chargers of ``power_kw`` each at (x, y), connected to the nearest bus."""

    kind: ClassVar[str] = "add_ev_chargers"
    domain: ClassVar[str] = "energy"
    name: str
    x: float
    y: float
    count: int
    power_kw: float

    limits: ClassVar[dict[str, Limit]] = {
        "x": COORDINATE,
        "y": COORDINATE,
        "count": Limit(1, 10_000, "chargers", integer=True),
        "power_kw": Limit(0.0, 1000.0, "kW", above_low=True),
    }

    def describe(self) -> str:
        return tr("Add {count} EV chargers × {power} kW at '{name}'").format(
            count=self.count, power=_g(self.power_kw), name=self.name
        )


@dataclass(frozen=True)
class AddPhotovoltaics(Intervention):
    """Rooftop PV of ``peak_kw`` (kWp) at (x, y), connected to the nearest bus."""

    kind: ClassVar[str] = "add_photovoltaics"
    domain: ClassVar[str] = "energy"
    name: str
    x: float
    y: float
    peak_kw: float

    limits: ClassVar[dict[str, Limit]] = {
        "x": COORDINATE,
        "y": COORDINATE,
        "peak_kw": Limit(0.0, 100_000.0, "kWp", above_low=True),
    }

    def describe(self) -> str:
        return tr("Add {peak} kWp rooftop PV at '{name}'").format(
            peak=_g(self.peak_kw), name=self.name
        )


@dataclass(frozen=True)
class AddHeatPumps(Intervention):
    """Heat pumps for ``households`` households at (x, y), connected to the nearest bus;
    ``kw_per_household`` (kW electric) defaults to the energy engine's documented value."""

    kind: ClassVar[str] = "add_heat_pumps"
    domain: ClassVar[str] = "energy"
    name: str
    x: float
    y: float
    households: int
    kw_per_household: float | None = None

    limits: ClassVar[dict[str, Limit]] = {
        "x": COORDINATE,
        "y": COORDINATE,
        "households": Limit(1, 100_000, "households", integer=True),
        "kw_per_household": Limit(0.0, 50.0, "kW", optional=True, above_low=True),
    }

    def describe(self) -> str:
        return tr("Add heat pumps for {households} households at '{name}'").format(
            households=self.households, name=self.name
        )


@dataclass(frozen=True)
class AddGridLine(Intervention):
    """A new power line of pandapower type ``std_type`` between two existing grid buses
    (``bus_id`` of grid_buses); ``length_km`` defaults to the straight distance."""

    kind: ClassVar[str] = "add_grid_line"
    domain: ClassVar[str] = "energy"
    name: str
    from_bus: int
    to_bus: int
    std_type: str
    length_km: float | None = None
    parallel: int = 1

    limits: ClassVar[dict[str, Limit]] = {
        "from_bus": BUS,
        "to_bus": BUS,
        "length_km": Limit(0.0, 1000.0, "km", optional=True, above_low=True),
        "parallel": Limit(1, 100, "circuits", integer=True),
    }

    def describe(self) -> str:
        return tr("Add line '{name}' ({type}) from bus {start} to {end}").format(
            name=self.name, type=self.std_type, start=self.from_bus, end=self.to_bus
        )


@dataclass(frozen=True)
class AddGridTransformer(Intervention):
    """A new transformer of pandapower type ``std_type`` between two existing grid buses."""

    kind: ClassVar[str] = "add_grid_transformer"
    domain: ClassVar[str] = "energy"
    name: str
    hv_bus: int
    lv_bus: int
    std_type: str

    limits: ClassVar[dict[str, Limit]] = {"hv_bus": BUS, "lv_bus": BUS}

    def describe(self) -> str:
        return tr("Add transformer '{name}' ({type}) at bus {bus}").format(
            name=self.name, type=self.std_type, bus=self.hv_bus
        )


INTERVENTION_TYPES: dict[str, type[Intervention]] = {
    cls.kind: cls
    for cls in (
        AddMobileSite,
        MoveMobileSite,
        RemoveMobileSite,
        EditMobileCell,
        ExtendFiber,
        AddTransitLine,
        AddTransitStop,
        AddEvChargers,
        AddPhotovoltaics,
        AddHeatPumps,
        AddGridLine,
        AddGridTransformer,
    )
}


def intervention_from_dict(data: dict[str, Any]) -> Intervention:
    """Rebuild an intervention from JSON; unknown types or fields raise :class:`DataError`."""
    if not isinstance(data, dict):
        raise DataError(tr("an intervention must be a JSON object"))
    kind = data.get("type")
    cls = INTERVENTION_TYPES.get(kind)  # type: ignore[arg-type]
    if cls is None:
        raise DataError(
            tr("unknown intervention type {kind!r}; known: {intervention_types}").format(
                kind=kind, intervention_types=", ".join(sorted(INTERVENTION_TYPES))
            )
        )
    names = {f.name for f in fields(cls)}
    unknown = set(data) - names - {"type"}
    if unknown:
        raise DataError(
            tr("intervention {kind!r} has unknown fields: {unknown}").format(
                kind=kind, unknown=", ".join(sorted(unknown))
            )
        )
    values = {k: v for k, v in data.items() if k in names}
    check_field_types(cls, values, f"intervention {kind!r}")  # wrong JSON types: one line
    try:
        if cls is AddMobileSite:
            values["cells"] = tuple(CellSpec(**c) for c in values.get("cells", ()))
        for key in ("polygon", "stops"):
            if key in values:
                values[key] = tuple(tuple(float(v) for v in point) for point in values[key])
        if "route_ids" in values:
            values["route_ids"] = tuple(str(v) for v in values["route_ids"])
        return cls(**values)
    except (TypeError, ValueError) as error:
        raise DataError(
            tr("intervention {kind!r}: {error}").format(kind=kind, error=error)
        ) from error


def _g(value: float) -> str:
    """A number as ``:g`` writes it ("10", "7.5"), with the French decimal comma in French
    ("7,5")."""
    text = f"{value:g}"
    if language() == "en" or "e" in text:
        return text
    return format_number(value, len(text.partition(".")[2]))
