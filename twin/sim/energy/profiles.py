"""24-hour run of a planning design day with the documented hourly profiles.

Each hour h scales residential/commercial loads by ``profiles["residential"][h]`` (fraction
of ADMD), EV loads by ``profiles["ev"][h]``, heat pumps by ``profiles["heat_pump"][h]`` and
every PV generator by ``profiles["pv"][h]`` (fraction of kWp). Energies are sums of hourly
mean powers over 1 h (MWh). The worst hour is the one with the largest line or transformer
loading, and also reported: the hours of the lowest and highest bus voltage.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import pandapower as pp
import pandas as pd

from twin.feedback import Feedback, ensure_feedback
from twin.sim.energy.defaults import EnergyDefaults, default_settings
from twin.sim.energy.design_cases import scaled_net
from twin.sim.energy.powerflow import PowerFlowResult, ScaledNet

HOURS = 24


@dataclass
class DailyProfileResult:
    """Hourly table (hour, load_mw, pv_mw, losses_mw, max_line_loading_percent,
    max_trafo_loading_percent, min_bus_voltage_pu, max_bus_voltage_pu, violations), the
    per-hour results, and the day's energies (MWh) and worst hours."""

    hourly: pd.DataFrame
    results: list[PowerFlowResult] = field(repr=False, default_factory=list)

    @property
    def load_mwh(self) -> float:
        """Energy drawn by all loads over the day (MWh)."""
        return float(self.hourly.load_mw.sum())

    @property
    def pv_mwh(self) -> float:
        """Energy produced by PV over the day (MWh)."""
        return float(self.hourly.pv_mw.sum())

    @property
    def losses_mwh(self) -> float:
        """Line and transformer losses over the day (MWh)."""
        return float(self.hourly.losses_mw.sum())

    def worst_hour(self) -> int:
        """Hour (0-23) of the highest line or transformer loading."""
        loading = self.hourly[["max_line_loading_percent", "max_trafo_loading_percent"]]
        return int(loading.max(axis=1).fillna(-1.0).idxmax())

    def summary(self) -> dict[str, Any]:
        """JSON-ready summary of the day."""
        hourly = self.hourly
        return {
            "load_mwh": round(self.load_mwh, 4),
            "pv_mwh": round(self.pv_mwh, 4),
            "losses_mwh": round(self.losses_mwh, 4),
            "worst_hour": self.worst_hour(),
            "hour_of_min_voltage": int(hourly.min_bus_voltage_pu.fillna(9.0).idxmin()),
            "hour_of_max_voltage": int(hourly.max_bus_voltage_pu.fillna(-9.0).idxmax()),
            "hours_with_violations": [int(h) for h in hourly.index[hourly.violations > 0]],
            "hourly": [
                {k: (None if isinstance(v, float) and math.isnan(v) else v) for k, v in row.items()}
                for row in hourly.reset_index().round(5).to_dict(orient="records")
            ],
        }


def run_daily_profile(
    net: pp.pandapowerNet,
    settings: EnergyDefaults | None = None,
    feedback: Feedback | None = None,
    fast: bool = True,
    scaled: ScaledNet | None = None,
) -> DailyProfileResult:
    """Run 24 hourly power flows of the design day (the network itself is not changed);
    ``fast``: with the fast backend (same results; False: pandapower only); ``scaled``: a
    :func:`~twin.sim.energy.design_cases.scaled_net` of ``net`` to run on (reset first)."""
    settings = settings or default_settings()
    feedback = ensure_feedback(feedback)
    if scaled is None:
        scaled = scaled_net(net, settings.hv_mv_voltage_setpoint_pu, fast)
    scaled.reset()
    profiles = settings.profiles
    rows, results = [], []
    for hour in range(HOURS):
        scaled.set_factors(
            {name: profiles[name][hour] for name in ("residential", "ev", "heat_pump")},
            profiles["pv"][hour],
        )
        result = scaled.run(settings.limits)
        for violation in result.violations:
            violation["hour"] = hour
        results.append(result)
        rows.append(
            {
                "hour": hour,
                "load_mw": result.load_mw,
                "pv_mw": result.generation_mw,
                "losses_mw": result.losses_mw,
                "max_line_loading_percent": result.max_line_loading_percent,
                "max_trafo_loading_percent": result.max_trafo_loading_percent,
                "min_bus_voltage_pu": result.min_bus_voltage_pu,
                "max_bus_voltage_pu": result.max_bus_voltage_pu,
                "violations": len(result.violations),
            }
        )
        feedback.set_progress(100.0 * (hour + 1) / HOURS, "daily profile")
    return DailyProfileResult(pd.DataFrame(rows).set_index("hour"), results)
