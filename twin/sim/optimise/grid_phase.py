"""Grid reinforcements a rollout phase needs: the energy engine's power flow on the loads
built by the end of the phase, and a standard reinforcement for each new violation.

The loads of a phase are the supply of every new mobile site built so far (one constant
load of ``CostModel.site_load_kw`` kW at the bus nearest the site, written as a one-point
:class:`~twin.scenario.AddEvChargers` so that ``twin simulate`` reproduces it; EV chargers
draw full power in the peak design case, a site does all day) and the user's programme of
EV chargers, PV and heat pumps for the years so far. The grid is evaluated by the energy
what-if's engine (:func:`twin.sim.energy.study.evaluate`: the design cases, and the design
day when ``WhatIfOptions.energy_daily``), with every reinforcement of earlier phases.

Standard reinforcements (a planning rule of thumb, not a DSO's design; their capex is the
energy engine's, ``twin/sim/energy/defaults.json``), for each violation that the baseline
does not have:

- a line loaded above its limit: a parallel line between the same buses, of its own
  pandapower type (or the level's standard cable, :data:`STANDARD_LINE`), as many circuits
  as the overload needs (loading / limit, rounded up, minus one);
- a transformer loaded above its limit: transformers of the same type in parallel, as many
  as the overload needs;
- a bus out of its voltage band: a parallel circuit on every line of the path from the bus
  to its nearest transformer (halving that path's impedance roughly halves its voltage
  drop or rise).

The checker applies them and evaluates again, up to :data:`MAX_ROUNDS` rounds; what is
still violated is reported.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass, field
from typing import Any

from twin.scenario import AddEvChargers, AddGridLine, AddGridTransformer, Intervention
from twin.sim.whatif.result import WhatIfOptions

MAX_ROUNDS = 4
STANDARD_LINE = {"lv": "NAYY 4x150 SE", "mv": "NA2XS2Y 1x240 RM/25 12/20 kV"}
"""Cable types laid where a line has no pandapower type of its own (pandapower's standard
types: LV 4x150 mm² aluminium, MV 240 mm² aluminium XLPE, the common urban sizes)."""
STANDARD_TRANSFORMER = "0.63 MVA 20/0.4 kV"
"""MV/LV transformer added where the overloaded one has no pandapower type of its own."""


def site_supply(candidate_id: str, x: float, y: float, load_kw: float) -> AddEvChargers:
    """A site's grid supply as a one-point constant load (kW) at the site."""
    return AddEvChargers(f"{candidate_id} supply", float(x), float(y), 1, float(load_kw))


@dataclass
class GridPhase:
    """The reinforcements one phase adds, their capex (EUR), the new violations found
    before them and those left after (energy engine violation dicts)."""

    reinforcements: list[Intervention] = field(default_factory=list)
    capex_eur: float = 0.0
    violations_before: list[dict[str, Any]] = field(default_factory=list)
    violations_after: list[dict[str, Any]] = field(default_factory=list)


def _name(label: str, serial: int) -> str:
    return f"Reinforcement {label}-{serial + 1}" if label else f"Reinforcement {serial + 1}"


def _key(violation: dict[str, Any]) -> tuple:
    return (violation["element"], violation["id"], violation["quantity"])


class GridChecker:
    """Evaluates a project's grid with interventions and proposes reinforcements."""

    def __init__(self, project, options: WhatIfOptions | None = None) -> None:
        from twin.sim.whatif.energy import _context

        self.project = project
        self.options = options or WhatIfOptions()
        context = _context(project, self.options, None)
        self.grid = context["grid"]
        self.settings = context["settings"]
        self.baseline_keys = {_key(v) for v in context["baseline"].violations}
        self.evaluations = 0

    def evaluate(self, interventions: list[Intervention]):
        """(network with the interventions, its state, the applied changes)."""
        from twin.sim.energy import apply_interventions, energy_interventions
        from twin.sim.energy.study import evaluate

        items = energy_interventions(list(interventions))
        net, changes = apply_interventions(
            self.grid.net, items, self.grid.frames.buses, self.grid.buildings, self.settings
        )
        self.evaluations += 1
        return net, evaluate(net, self.settings, self.options.energy_daily), changes

    def new_violations(self, state) -> list[dict[str, Any]]:
        """Violations of ``state`` the baseline does not have."""
        return [v for v in state.violations if _key(v) not in self.baseline_keys]

    def reinforce(
        self, loads: list[Intervention], earlier: list[Intervention], label: str = ""
    ) -> GridPhase:
        """The reinforcements that clear the new violations of ``loads`` on the grid with
        the ``earlier`` phases' reinforcements (see module); ``label`` (e.g. the phase's
        year) starts their names."""
        added: list[Intervention] = []
        result = GridPhase()
        for round_number in range(MAX_ROUNDS + 1):
            net, state, changes = self.evaluate([*loads, *earlier, *added])
            found = self.new_violations(state)
            if round_number == 0:
                result.violations_before = found
            if not found or round_number == MAX_ROUNDS:
                result.violations_after = found
                break
            proposed = self._propose(net, found, len(added), label)
            if not proposed:
                result.violations_after = found
                break
            added.extend(proposed)
        result.reinforcements = added
        if added:  # one change per intervention, in order: the reinforcements come last
            result.capex_eur = round(sum(c.capex_eur for c in changes[-len(added) :]), 2)
        return result

    def _propose(
        self, net, violations: list[dict[str, Any]], serial: int, label: str
    ) -> list[Intervention]:
        """Standard reinforcements for ``violations`` of ``net`` (see module)."""
        proposed: list[Intervention] = []
        lines_done: set[int] = set()
        # overloads first: their circuits also lower the voltage drop of the buses beyond
        for violation in sorted(violations, key=lambda v: v["element"] == "bus"):
            element, index = violation["element"], int(violation["id"])
            overload = (violation["value"] or 0.0) / max(violation["limit"] or 100.0, 1e-9)
            extra = max(1, math.ceil(overload - 1e-9) - 1)
            if element == "line" and index not in lines_done:
                lines_done.add(index)
                name = _name(label, serial + len(proposed))
                proposed.append(self._parallel_line(net, index, extra, name))
            elif element == "trafo":
                for _ in range(extra):
                    name = _name(label, serial + len(proposed))
                    proposed.append(self._parallel_trafo(net, index, name))
            elif element == "bus":
                for line in self._path_to_transformer(net, index):
                    if line not in lines_done:
                        lines_done.add(line)
                        proposed.append(self._parallel_line(net, line, 1, serial + len(proposed)))
        return proposed

    def _parallel_line(self, net, index: int, circuits: int, name: str) -> AddGridLine:
        from twin.sim.energy.defaults import voltage_level

        row = net.line.loc[index]
        std_type = row.get("std_type")
        known = net.std_types["line"]
        if not isinstance(std_type, str) or std_type not in known:
            level = voltage_level(float(net.bus.vn_kv[int(row.from_bus)]))
            std_type = STANDARD_LINE["lv" if level == "lv" else "mv"]
        return AddGridLine(
            f"{name}: line parallel to line {index}",
            int(row.from_bus),
            int(row.to_bus),
            std_type,
            max(float(row.length_km), 0.001),
            int(circuits),
        )

    def _parallel_trafo(self, net, index: int, name: str) -> AddGridTransformer:
        row = net.trafo.loc[index]
        std_type = row.get("std_type")
        if not isinstance(std_type, str) or std_type not in net.std_types["trafo"]:
            std_type = STANDARD_TRANSFORMER
        return AddGridTransformer(
            f"{name}: transformer parallel to transformer {index}",
            int(row.hv_bus),
            int(row.lv_bus),
            std_type,
        )

    @staticmethod
    def _path_to_transformer(net, bus: int) -> list[int]:
        """Lines on the shortest path (km) from ``bus`` to the nearest transformer's
        low-voltage bus or an external grid (empty when there is none)."""
        import networkx as nx

        graph = nx.MultiGraph()
        for index, row in net.line[net.line.in_service].iterrows():
            graph.add_edge(int(row.from_bus), int(row.to_bus), key=int(index), km=row.length_km)
        sources = {int(b) for b in net.trafo.lv_bus} | {int(b) for b in net.ext_grid.bus}
        sources &= set(graph.nodes)
        if bus not in graph or not sources or bus in sources:
            return []
        try:
            _length, path = nx.multi_source_dijkstra(graph, sources, target=bus, weight="km")
        except nx.NetworkXNoPath:
            return []
        lines = []
        for a, b in itertools.pairwise(path):
            edges = graph.get_edge_data(a, b)
            lines.append(min(edges, key=lambda k: edges[k]["km"]))
        return lines
