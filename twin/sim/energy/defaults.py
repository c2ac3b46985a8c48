"""Documented defaults of the energy engine, read from ``defaults.json`` beside this file.

Each value in the JSON file has a ``_note_<key>`` saying its unit and its source (standard,
statistics or stated assumption). :class:`EnergyDefaults` is the typed, frozen view of it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path
from typing import Any

DEFAULTS_PATH = Path(__file__).with_name("defaults.json")
PROFILE_NAMES = ("residential", "ev", "heat_pump", "pv")


@dataclass(frozen=True)
class Limits:
    """Operating limits that define a violation.

    ``voltage_pu`` maps a voltage level ("mv": 1-30 kV, "lv": <= 1 kV) to its allowed
    (min, max) voltage in per unit; loadings are in percent of the element's rating.
    """

    voltage_pu: dict[str, tuple[float, float]] = field(
        default_factory=lambda: {"mv": (0.95, 1.05), "lv": (0.90, 1.10)}
    )
    max_line_loading_percent: float = 100.0
    max_trafo_loading_percent: float = 100.0

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict."""
        return {
            "voltage_pu": {k: list(v) for k, v in self.voltage_pu.items()},
            "max_line_loading_percent": self.max_line_loading_percent,
            "max_trafo_loading_percent": self.max_trafo_loading_percent,
        }


@dataclass(frozen=True)
class EnergyDefaults:
    """Typed view of ``defaults.json`` (units in the field names: kW, kWh, EUR, kg)."""

    household_admd_kw: float
    premise_admd_kw: float
    power_factor: float
    ev_charger_kw: float
    ev_power_factor: float
    heat_pump_kw_per_household: float
    pv_specific_yield_kwh_per_kwp_year: float
    pv_peak_output_fraction: float
    pv_area_kwp_per_m2_footprint: float
    min_load_fraction: float
    hv_mv_voltage_setpoint_pu: float
    limits: Limits
    co2_kg_per_kwh: float
    capex_eur: dict[str, float]
    profiles: dict[str, tuple[float, ...]]

    def with_changes(self, **changes: Any) -> EnergyDefaults:
        """A copy with some values replaced."""
        return replace(self, **changes)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict (for provenance and energy.json)."""
        data = {
            name: getattr(self, name)
            for name in self.__dataclass_fields__
            if name not in ("limits", "profiles")
        }
        data["limits"] = self.limits.to_dict()
        data["profiles"] = {k: list(v) for k, v in self.profiles.items()}
        return data


@lru_cache(maxsize=1)
def _raw_defaults() -> dict[str, Any]:
    return json.loads(DEFAULTS_PATH.read_text(encoding="utf-8"))


def default_settings() -> EnergyDefaults:
    """The documented defaults (see ``defaults.json`` for every source)."""
    raw = _raw_defaults()
    limits = Limits(
        voltage_pu={k: (float(v[0]), float(v[1])) for k, v in raw["voltage_limits_pu"].items()},
        max_line_loading_percent=float(raw["max_line_loading_percent"]),
        max_trafo_loading_percent=float(raw["max_trafo_loading_percent"]),
    )
    profiles = {name: tuple(float(x) for x in raw["profiles"][name]) for name in PROFILE_NAMES}
    scalar_names = [
        "household_admd_kw",
        "premise_admd_kw",
        "power_factor",
        "ev_charger_kw",
        "ev_power_factor",
        "heat_pump_kw_per_household",
        "pv_specific_yield_kwh_per_kwp_year",
        "pv_peak_output_fraction",
        "pv_area_kwp_per_m2_footprint",
        "min_load_fraction",
        "hv_mv_voltage_setpoint_pu",
        "co2_kg_per_kwh",
    ]
    return EnergyDefaults(
        **{name: float(raw[name]) for name in scalar_names},
        limits=limits,
        capex_eur={k: float(v) for k, v in raw["capex_eur"].items()},
        profiles=profiles,
    )


def voltage_level(vn_kv: float) -> str:
    """Voltage level name of a nominal voltage in kV: "lv" (<= 1), "mv" (<= 30) or "hv"."""
    if vn_kv <= 1.0:
        return "lv"
    if vn_kv <= 30.0:
        return "mv"
    return "hv"
