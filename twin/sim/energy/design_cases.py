"""The planning snapshots of a grid: "high-load" and "high-feed-in" (:func:`design_cases`),
on a :class:`~twin.sim.energy.powerflow.ScaledNet` solved by pandapower or, where it gives the
same results, by the fast backend (:func:`scaled_net`). Above both solvers, so that neither
imports the other."""

from __future__ import annotations

import pandapower as pp

from twin.sim.energy.defaults import EnergyDefaults, default_settings
from twin.sim.energy.fastprofile import FastScaledNet
from twin.sim.energy.powerflow import PowerFlowResult, ScaledNet


def scaled_net(net: pp.pandapowerNet, tap_setpoint_pu: float | None, fast: bool) -> ScaledNet:
    """A :class:`ScaledNet` of ``net``; ``fast``: solved by the fast backend where it
    reproduces pandapower (:class:`~twin.sim.energy.fastprofile.FastScaledNet`)."""
    if not fast:
        return ScaledNet(net, tap_setpoint_pu)
    return FastScaledNet(net, tap_setpoint_pu)


def design_cases(
    net: pp.pandapowerNet,
    settings: EnergyDefaults | None = None,
    fast: bool = True,
    scaled: ScaledNet | None = None,
) -> dict[str, PowerFlowResult]:
    """The two planning snapshots: "high-load" (loads at peak, PV off) and "high-feed-in"
    (loads at ``min_load_fraction``, PV at ``pv_peak_output_fraction`` of kWp). ``fast``:
    solved with the fast backend (same results; False: pandapower only); ``scaled``: a
    :func:`scaled_net` of ``net`` to run on (reset first; shared with the design day)."""
    settings = settings or default_settings()
    if scaled is None:
        scaled = scaled_net(net, settings.hv_mv_voltage_setpoint_pu, fast)
    scaled.reset()
    results = {}
    scaled.set_factors({}, 0.0)
    results["high-load"] = scaled.run(settings.limits)
    low = settings.min_load_fraction
    scaled.set_factors(
        {"residential": low, "ev": low, "heat_pump": low}, settings.pv_peak_output_fraction
    )
    results["high-feed-in"] = scaled.run(settings.limits)
    for case, result in results.items():
        for violation in result.violations:
            violation["case"] = case
    return results
