"""The privacy gate for energy outputs: no published load rests on fewer than 11 households.

A residential load derived from the territory (:func:`twin.sim.energy.loads.attach_buildings`)
is ``households x ADMD`` at one bus, so its power (MW) reveals how many households the bus
feeds. Outputs of the energy engine (the grid_loads layer of ``energy.gpkg`` or of
``layers.gpkg``, the studied network in ``grid.json``) publish the loads of
:func:`published_net`: every residential load resting on fewer than
:data:`~twin.layers.privacy.DISCLOSURE_THRESHOLD_HOUSEHOLDS` households is pooled with the
other loads of its MV/LV substation (the MV bus feeding its LV network), else of its MV
feeder, else of the whole grid, so that each published load rests on at least 11
households (INSEE's rule, see :mod:`twin.layers.privacy`). Heat-pump loads derived from
households (:class:`~twin.sim.energy.interventions.HeatPumps` records them in the load
table's ``households`` column) are pooled likewise, among heat-pump loads. The total power
is kept; the power flow results published beside it are those of the real (unpooled)
study, masked where an element serves fewer than 11 households
(:mod:`twin.sim.energy.served`). Raw loads are written only when the user asks for raw
data.
"""

from __future__ import annotations

import copy
import re
from collections import defaultdict

import numpy as np
import pandapower as pp
import pandas as pd

from twin.layers.privacy import DISCLOSURE_THRESHOLD_HOUSEHOLDS

RESIDENTIAL = "residential"
HEAT_PUMP = "heat_pump"
HOUSEHOLDS_COLUMN = "households"
"""Column of ``net.load`` holding the households a heat-pump load stands for (a people
figure: never published)."""
POOLED_NAMES = {RESIDENTIAL: "residential", HEAT_PUMP: "heat pumps"}
_COUNT_IN_NAME = re.compile(r"^(residential|commercial) \d+ at bus ")


def load_households(net: pp.pandapowerNet, household_admd_kw: float) -> pd.Series:
    """Households each load of ``net`` rests on, indexed like ``net.load``: residential
    loads ``p_mw`` / ADMD (kW per household), heat-pump loads their ``households`` column;
    other loads (commercial, EV, heat pumps of a network file without that column) are not
    computed from households and get NaN."""
    kinds = net.load["type"].astype(str)
    households = net.load.p_mw.astype(float) * 1000.0 / max(float(household_admd_kw), 1e-9)
    households = households.round().where(kinds.eq(RESIDENTIAL))
    if HOUSEHOLDS_COLUMN in net.load.columns:
        heat_pumps = pd.to_numeric(net.load[HOUSEHOLDS_COLUMN], errors="coerce").astype(float)
        households = households.where(~kinds.eq(HEAT_PUMP), heat_pumps)
    return households


def _pooling_levels(net: pp.pandapowerNet) -> tuple[dict[int, int], dict[int, int]]:
    """(bus -> its MV/LV substation, bus -> its MV feeder). The substation of an LV bus is
    the high-voltage bus of the transformer feeding its LV network (other buses are their
    own); the feeder is the connected part without transformers that substation lies on."""
    import networkx as nx
    import pandapower.topology as topology

    graph = topology.create_nxgraph(net, include_trafos=False, respect_switches=True)
    feeding = {int(lv): int(hv) for hv, lv in zip(net.trafo.hv_bus, net.trafo.lv_bus, strict=True)}
    low_voltage = set(int(b) for b in net.bus.index[net.bus.vn_kv.astype(float) <= 1.0])
    substation = {int(b): int(b) for b in net.bus.index}
    component_of: dict[int, int] = {}
    for component in nx.connected_components(graph):
        first = min(int(b) for b in component)
        sources = sorted(feeding[int(b)] for b in component if int(b) in feeding)
        for bus in component:
            component_of[int(bus)] = first
            if sources and int(bus) in low_voltage:
                substation[int(bus)] = sources[0]
    feeder = {bus: component_of.get(sub, sub) for bus, sub in substation.items()}
    return substation, feeder


def published_net(
    net: pp.pandapowerNet,
    household_admd_kw: float,
    threshold: int = DISCLOSURE_THRESHOLD_HOUSEHOLDS,
) -> pp.pandapowerNet:
    """A copy of ``net`` fit to publish: load names carry no household count, the
    ``households`` column is dropped, and every residential (or heat-pump) load on fewer
    than ``threshold`` households is pooled (p_mw and q_mvar added) into the largest load
    of its kind in its MV/LV substation that reaches the threshold, else into one pooled
    load of the substation when the pool reaches it, else likewise over its MV feeder,
    else over the whole grid. When all the loads of a kind rest on fewer than ``threshold``
    households in all, they become one pooled load with its power masked (NaN)."""
    out = copy.deepcopy(net)
    out.load["name"] = [
        _COUNT_IN_NAME.sub(r"\1 at bus ", str(n)) if isinstance(n, str) else n
        for n in out.load["name"]
    ]
    households = load_households(out, household_admd_kw)
    if HOUSEHOLDS_COLUMN in out.load.columns:
        out.load = out.load.drop(columns=[HOUSEHOLDS_COLUMN])
    active = out.load.in_service.astype(bool)
    small = (households > 0) & (households < threshold) & active
    if not small.any():
        return out
    levels = None
    drop: list[int] = []
    kinds = out.load["type"].astype(str)
    for kind in (RESIDENTIAL, HEAT_PUMP):
        if not (small & kinds.eq(kind)).any():
            continue
        levels = levels or _levels(out)
        of_kind = households.where(kinds.eq(kind) & active)
        drop += _pool(out, of_kind, kind, levels, threshold)
    out.load = out.load.drop(index=drop)
    return out


def _levels(net: pp.pandapowerNet) -> list[dict[int, int]]:
    substation, feeder = _pooling_levels(net)
    return [substation, feeder, defaultdict(int)]


def _pool(
    out: pp.pandapowerNet,
    households: pd.Series,
    kind: str,
    levels: list[dict[int, int]],
    threshold: int,
) -> list[int]:
    """Pool (in place) the loads of ``out.load`` whose ``households`` (NaN: other loads)
    are fewer than ``threshold``; returns the indices of the loads merged into others."""
    small = list(households.index[(households > 0) & (households < threshold)])
    big = set(households.index[households >= threshold])
    pending = small
    drop: list[int] = []
    pooled: set[int] = set()
    for level in levels:
        groups: dict[int, list[int]] = defaultdict(list)
        for index in pending:
            groups[level[int(out.load.at[index, "bus"])]].append(index)
        big_by_key: dict[int, list[int]] = defaultdict(list)
        for index in big:
            big_by_key[level[int(out.load.at[index, "bus"])]].append(index)
        pending = []
        for key, members in groups.items():
            candidates = big_by_key.get(key, [])
            if candidates:
                target = max(candidates, key=lambda i: float(out.load.at[i, "p_mw"]))
                sources = members
            elif households[members].sum() >= threshold:
                target, sources = members[0], members[1:]
                big.add(target)
            else:
                pending.extend(members)
                continue
            for index in sources:
                out.load.at[target, "p_mw"] += out.load.at[index, "p_mw"]
                out.load.at[target, "q_mvar"] += out.load.at[index, "q_mvar"]
                drop.append(index)
            pooled.add(target)
        if not pending:
            break
    if pending:  # all the loads of this kind rest on fewer households than the threshold
        target, sources = pending[0], pending[1:]
        drop.extend(sources)
        out.load.loc[target, ["p_mw", "q_mvar"]] = np.nan
        pooled.add(target)
    for target in pooled:
        bus = int(out.load.at[target, "bus"])
        out.load.at[target, "name"] = f"{POOLED_NAMES[kind]} at bus {bus} (pooled)"
    return drop
