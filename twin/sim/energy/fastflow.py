"""The fast power-flow backend: pandapower builds the model, lightsim2grid solves it.

:func:`injection_model` runs pandapower's Newton-Raphson once on a network and keeps what
it built (``net._ppc["internal"]``: admittance matrices, injections, bus types, solution)
as an :class:`~twin.sim.energy.injection.InjectionModel`; then any number of variants that
only change bus injections (added PV, EV load) are solved by lightsim2grid without going
through pandapower again. A network the fast path does not reproduce exactly (voltage-
dependent loads, controllable shunts and other FACTS devices, several slack buses at
different voltages, power-based transformer loading) raises :class:`UnsupportedNetworkError`
and callers fall back to pandapower; the model also checks itself against pandapower's own
results of that first run.
"""

from __future__ import annotations

import math
from functools import lru_cache

import numpy as np
import pandapower as pp
import scipy.sparse as sp
from pandapower.pypower.idx_brch import F_BUS, T_BUS
from pandapower.pypower.idx_bus import BASE_KV

from twin.sim.energy.injection import InjectionModel, LimitVectors, results_of
from twin.sim.energy.powerflow import PF_OPTIONS, LimitArrays

# pandapower's own Newton-Raphson (runpp would otherwise pick lightsim2grid by itself when
# it is installed): the reference the fast path is checked against.
PANDAPOWER_NR = {**PF_OPTIONS, "lightsim2grid": False}
SELF_CHECK_PU = 1e-6  # the model must reproduce pandapower's first run to this (pu and %)


class UnsupportedNetworkError(Exception):
    """The fast backend cannot reproduce pandapower's power flow on this network."""


@lru_cache(maxsize=1)
def lightsim2grid_available() -> bool:
    """True when lightsim2grid's Newton-Raphson solver can be imported."""
    try:
        from lightsim2grid.algorithm import NRSing_KLU  # noqa: F401
    except Exception:  # an absent or broken binary package: use pandapower
        return False
    return True


def limit_vectors(limits: LimitArrays) -> LimitVectors:
    """The plain-array form of :class:`~twin.sim.energy.powerflow.LimitArrays`."""
    return LimitVectors(
        limits.checked, limits.vm_min, limits.vm_max, limits.line_max, limits.trafo_max
    )


def _check_supported(net: pp.pandapowerNet) -> None:
    loads = net.load[net.load.in_service.astype(bool)]
    dependent = [c for c in loads.columns if c.startswith("const_") and c.endswith("_percent")]
    if len(loads) and dependent and np.any(loads[dependent].to_numpy(dtype=float) != 0):
        raise UnsupportedNetworkError("voltage-dependent loads")
    for table in ("svc", "tcsc", "ssc", "vsc", "dcline"):
        if table in net and len(net[table]):
            raise UnsupportedNetworkError(f"{table} elements")
    if "controllable" in net.shunt and net.shunt.controllable.fillna(False).astype(bool).any():
        raise UnsupportedNetworkError("controllable shunts")
    if net._options.get("trafo_loading", "current") != "current":
        raise UnsupportedNetworkError("power-based transformer loading")
    if net._options.get("distributed_slack", False):
        raise UnsupportedNetworkError("distributed slack")


def injection_model(net: pp.pandapowerNet, options: dict | None = None) -> InjectionModel:
    """Run pandapower's Newton-Raphson on ``net`` (in place) and return the model of it
    that :class:`~twin.sim.energy.injection.InjectionSolver` solves (with lightsim2grid)
    and :class:`~twin.sim.energy.injection.Sensitivity` linearises (without). ``options``:
    of that ``runpp`` (default :data:`PANDAPOWER_NR`). Raises ``pp.LoadflowNotConverged``
    or :class:`UnsupportedNetworkError`."""
    pp.runpp(net, **(PANDAPOWER_NR if options is None else options))
    _check_supported(net)
    internal = net._ppc["internal"]
    ybus = sp.csc_matrix(internal["Ybus"])
    for extra in ("Ybus_svc", "Ybus_tcsc", "Ybus_ssc", "Ybus_vsc", "Ybus_hvdc"):
        matrix = internal.get(extra)
        if matrix is not None and getattr(matrix, "nnz", 0):
            raise UnsupportedNetworkError(f"{extra} is not empty")
    voltage = np.asarray(internal["V"], dtype=complex)
    ref = np.asarray(internal["ref"], dtype=np.int64)
    size = ybus.shape[0]
    if len(ref) > 1 and np.max(np.abs(voltage[ref] - voltage[ref[0]])) > 1e-12:
        raise UnsupportedNetworkError("several slack buses at different voltages")
    # Slack buses held at the same voltage act as one: merge their columns (and rows) into
    # the first one, which leaves every other bus's equation unchanged.
    keep = np.setdiff1d(np.arange(size), ref[1:])
    position = np.full(size, -1, dtype=np.int64)
    position[keep] = np.arange(len(keep))
    position[ref[1:]] = position[ref[0]]
    merge = sp.csc_matrix((np.ones(size), (np.arange(size), position)), shape=(size, len(keep)))
    reduced = sp.csc_matrix(merge.T @ ybus @ merge)
    reduced.sum_duplicates()
    reduced.sort_indices()

    bus_lookup = np.asarray(net._pd2ppc_lookups["bus"])
    ppc_bus = bus_lookup[net.bus.index.to_numpy()]
    solved = (ppc_bus >= 0) & (ppc_bus < size)
    bus_position = np.where(solved, position[np.where(solved, ppc_bus, 0)], -1)

    base_kv = internal["bus"][:, BASE_KV].real
    branch_is = np.asarray(internal["branch_is"], dtype=bool)
    ppci_branch = np.cumsum(branch_is) - 1
    from_kv = base_kv[internal["branch"][:, F_BUS].real.astype(np.int64)]
    to_bus_kv = base_kv[internal["branch"][:, 1].real.astype(np.int64)]
    base_mva = float(internal["baseMVA"])
    yf = sp.csr_matrix(internal["Yf"]) @ merge
    yt = sp.csr_matrix(internal["Yt"]) @ merge

    def rows(element: str, count: int):
        lookup = net._pd2ppc_lookups["branch"].get(element)
        if lookup is None or count == 0:
            empty = sp.csr_matrix((count, len(keep)), dtype=complex)
            none = np.zeros(count, dtype=np.int64)
            return empty, empty, np.zeros(count), np.zeros(count), none.astype(bool), (none, none)
        start, stop = lookup
        ppc_rows = np.arange(start, stop)
        live = branch_is[ppc_rows]
        target = ppci_branch[ppc_rows[live]]
        pick = sp.csr_matrix(
            (np.ones(int(live.sum())), (np.flatnonzero(live), target)), shape=(count, yf.shape[0])
        )
        kv_from = np.zeros(count)
        kv_to = np.zeros(count)
        kv_from[live] = from_kv[target]
        kv_to[live] = to_bus_kv[target]
        ends = []
        for column in (F_BUS, T_BUS):
            end = np.zeros(count, dtype=np.int64)
            end[live] = position[internal["branch"][target, column].real.astype(np.int64)]
            ends.append(end)
        return sp.csr_matrix(pick @ yf), sp.csr_matrix(pick @ yt), kv_from, kv_to, live, ends

    line = net.line
    line_from, line_to, kv_from, kv_to, live, line_ends = rows("line", len(line))
    rating = (line.max_i_ka * line.df * line.parallel).to_numpy(dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        per_pu = base_mva / math.sqrt(3) / rating * 100.0
        line_scale_from = np.where(live, per_pu / kv_from, 0.0)
        line_scale_to = np.where(live, per_pu / kv_to, 0.0)
    trafo = net.trafo
    trafo_hv, trafo_lv, kv_hv, kv_lv, live, trafo_ends = rows("trafo", len(trafo))
    rating = (trafo.sn_mva * trafo.parallel * trafo.df).to_numpy(dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        per_pu = base_mva / rating * 100.0
        trafo_scale_hv = np.where(live, per_pu * trafo.vn_hv_kv.to_numpy(float) / kv_hv, 0.0)
        trafo_scale_lv = np.where(live, per_pu * trafo.vn_lv_kv.to_numpy(float) / kv_lv, 0.0)

    as_int = np.int32
    model = InjectionModel(
        ybus=reduced,
        sbus=np.asarray(merge.T @ internal["Sbus"], dtype=complex),
        v_base=voltage[keep].copy(),
        ref=position[ref[:1]].astype(as_int),
        pv=position[np.asarray(internal["pv"], dtype=np.int64)].astype(as_int),
        pq=position[np.asarray(internal["pq"], dtype=np.int64)].astype(as_int),
        base_mva=base_mva,
        bus_position=bus_position,
        line_from=line_from,
        line_to=line_to,
        line_scale_from=line_scale_from,
        line_scale_to=line_scale_to,
        trafo_hv=trafo_hv,
        trafo_lv=trafo_lv,
        trafo_scale_hv=trafo_scale_hv,
        trafo_scale_lv=trafo_scale_lv,
        line_ends=tuple(line_ends),
        trafo_ends=tuple(trafo_ends),
    )
    _self_check(net, model)
    return model


def _self_check(net: pp.pandapowerNet, model: InjectionModel) -> None:
    """The model's view of pandapower's solution must give pandapower's results."""
    ours = results_of(model, model.v_base)
    pairs = (
        (ours.vm_pu, net.res_bus.vm_pu.reindex(net.bus.index)),
        (ours.line_loading_percent, net.res_line.loading_percent.reindex(net.line.index)),
        (ours.trafo_loading_percent, net.res_trafo.loading_percent.reindex(net.trafo.index)),
    )
    for mine, theirs in pairs:
        theirs = np.nan_to_num(np.asarray(theirs, dtype=float), nan=0.0)
        mine = np.nan_to_num(mine, nan=0.0)
        if len(mine) and np.max(np.abs(mine - theirs)) > SELF_CHECK_PU:
            raise UnsupportedNetworkError("the model does not reproduce pandapower's results")


def bus_injection_positions(model: InjectionModel, net: pp.pandapowerNet, buses) -> np.ndarray:
    """Model positions of pandapower bus ids ``buses`` (-1 for buses not solved)."""
    rows = net.bus.index.get_indexer(list(buses))
    if np.any(rows < 0):
        raise KeyError("unknown bus id")
    return model.bus_position[rows]
