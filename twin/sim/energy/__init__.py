"""Energy engine: distribution-grid power flow, EV/PV/heat-pump what-ifs, hosting capacity,
design-day profiles and KPIs, on pandapower (Newton-Raphson AC power flow; validated solver,
not reimplemented here) with lightsim2grid for repeated power flows. Qt-free. Documented
defaults and their sources: defaults.json.

Names are imported on first use (PEP 562), so that importing one submodule (a worker
process of the hosting-capacity pool imports only numpy, scipy and lightsim2grid) does not
import pandapower.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

_HOMES = {
    "EnergyDefaults": "defaults",
    "Limits": "defaults",
    "default_settings": "defaults",
    "PreparedGrid": "grid",
    "prepare_grid": "grid",
    "frames_to_net": "grid_build",
    "GridFrames": "grid_io",
    "net_to_frames": "grid_io",
    "read_pandapower_json": "grid_io",
    "grid_frames_from_project": "grid_store",
    "read_grid_gpkg": "grid_store",
    "write_grid_gpkg": "grid_store",
    "HostingCapacity": "hosting",
    "hosting_capacity": "hosting",
    "plain_hosting_capacity": "hosting",
    "EVChargers": "interventions",
    "HeatPumps": "interventions",
    "NewLine": "interventions",
    "NewTransformer": "interventions",
    "RooftopPV": "interventions",
    "apply_interventions": "interventions",
    "energy_interventions": "interventions",
    "intervention_from_dict": "interventions",
    "attach_buildings": "loads",
    "nearest_bus": "loads",
    "PowerFlowResult": "powerflow",
    "design_cases": "powerflow",
    "run_power_flow": "powerflow",
    "DailyProfileResult": "profiles",
    "run_daily_profile": "profiles",
    "EnergyStudy": "study",
    "grid_kpis": "study",
    "run_study": "study",
    "study_summary": "study",
}

__all__ = [
    "DailyProfileResult",
    "EVChargers",
    "EnergyDefaults",
    "EnergyStudy",
    "GridFrames",
    "HeatPumps",
    "HostingCapacity",
    "Limits",
    "NewLine",
    "NewTransformer",
    "PowerFlowResult",
    "PreparedGrid",
    "RooftopPV",
    "apply_interventions",
    "attach_buildings",
    "default_settings",
    "design_cases",
    "energy_interventions",
    "frames_to_net",
    "grid_frames_from_project",
    "grid_kpis",
    "hosting_capacity",
    "intervention_from_dict",
    "nearest_bus",
    "net_to_frames",
    "plain_hosting_capacity",
    "prepare_grid",
    "read_grid_gpkg",
    "read_pandapower_json",
    "run_daily_profile",
    "run_power_flow",
    "run_study",
    "study_summary",
    "write_grid_gpkg",
]


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{home}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_HOMES))


if TYPE_CHECKING:
    from twin.sim.energy.defaults import EnergyDefaults, Limits, default_settings
    from twin.sim.energy.design_cases import design_cases
    from twin.sim.energy.grid import PreparedGrid, prepare_grid
    from twin.sim.energy.grid_build import frames_to_net
    from twin.sim.energy.grid_io import GridFrames, net_to_frames, read_pandapower_json
    from twin.sim.energy.grid_store import (
        grid_frames_from_project,
        read_grid_gpkg,
        write_grid_gpkg,
    )
    from twin.sim.energy.hosting import (
        HostingCapacity,
        hosting_capacity,
        plain_hosting_capacity,
    )
    from twin.sim.energy.interventions import (
        EVChargers,
        HeatPumps,
        NewLine,
        NewTransformer,
        RooftopPV,
        apply_interventions,
        energy_interventions,
        intervention_from_dict,
    )
    from twin.sim.energy.loads import attach_buildings, nearest_bus
    from twin.sim.energy.powerflow import PowerFlowResult, run_power_flow
    from twin.sim.energy.profiles import DailyProfileResult, run_daily_profile
    from twin.sim.energy.study import EnergyStudy, grid_kpis, run_study, study_summary
