"""Energy engine: distribution-grid power flow, EV/PV/heat-pump what-ifs, hosting capacity,
design-day profiles and KPIs, on pandapower (Newton-Raphson AC power flow; validated solver,
not reimplemented here). Qt-free. Documented defaults and their sources: defaults.json."""

from twin.sim.energy.defaults import EnergyDefaults, Limits, default_settings
from twin.sim.energy.grid import PreparedGrid, prepare_grid
from twin.sim.energy.grid_build import frames_to_net
from twin.sim.energy.grid_io import GridFrames, net_to_frames, read_pandapower_json
from twin.sim.energy.grid_store import grid_frames_from_project, read_grid_gpkg, write_grid_gpkg
from twin.sim.energy.hosting import HostingCapacity, hosting_capacity
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
from twin.sim.energy.powerflow import PowerFlowResult, design_cases, run_power_flow
from twin.sim.energy.profiles import DailyProfileResult, run_daily_profile
from twin.sim.energy.study import EnergyStudy, grid_kpis, run_study, study_summary

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
    "prepare_grid",
    "read_grid_gpkg",
    "read_pandapower_json",
    "run_daily_profile",
    "run_power_flow",
    "run_study",
    "study_summary",
    "write_grid_gpkg",
]
