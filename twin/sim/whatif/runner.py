"""Run a scenario against the baseline in every engine and gather layers and KPI figures.

``simulate(project, scenario)`` is what the KPI dock, the compare table and
``twin simulate`` all call, so they show the same numbers. Each domain's result is found,
in order, (1) in memory, (2) in the project's stored results (``project.results``, saved
in the ``.twin``: :mod:`twin.sim.whatif.store`), (3) by running the engine; both caches are
keyed by the hash of what that domain reads (its input layers, options, interventions and
engine version), so a scenario that does not touch a domain reuses the baseline result and
editing one domain's layer recomputes that domain only. :func:`stored_result` looks a
result up without ever computing. Call :func:`forget` after changing a layer's data in
place (``set_frame``/``set_array`` are noticed by themselves).
"""

from __future__ import annotations

import importlib
import math
import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any

from twin.errors import DataError
from twin.feedback import Feedback, ensure_feedback
from twin.fingerprint import forget_fingerprint
from twin.i18n import tr
from twin.kpi import Figure
from twin.layers.base import Layer
from twin.layers.territory import clip_level_layers, territory_outline
from twin.scenario import Scenario
from twin.sim.whatif import store
from twin.sim.whatif.figures import (  # noqa: F401 (cost_figures: used by the KPI dock)
    CHANGE_COLORS,
    cost_figures,
    level_change_layer,
    paired_figures,
)
from twin.sim.whatif.lineage import with_lineage
from twin.sim.whatif.result import (
    CONTEXTS,
    DOMAINS,
    RESULT_NAME,
    DomainResult,
    WhatIfOptions,
    forget_prepared,
    relabel,
)

# Adapter modules, imported on first use (energy pulls pandapower, slow to import).
ADAPTERS = {d: f"twin.sim.whatif.{d}" for d in DOMAINS}


@dataclass
class SimulationResult:
    """A scenario against the baseline: ``figures`` (value, baseline and delta, with units),
    the scenario's result ``layers`` (provenance names scenario and engine), the
    ``baseline_layers``, ``warnings`` and each domain's raw :class:`DomainResult`."""

    scenario_name: str
    domains: tuple[str, ...]
    figures: list[Figure] = field(default_factory=list)
    layers: list[Layer] = field(default_factory=list)
    baseline_layers: list[Layer] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    scenario_results: dict[str, DomainResult] = field(default_factory=dict)
    baseline_results: dict[str, DomainResult] = field(default_factory=dict)

    def figure(self, key: str) -> Figure:
        """The figure with ``key``; KeyError if absent."""
        for figure in self.figures:
            if figure.key == key:
                return figure
        raise KeyError(key)

    def kpis(self) -> list[dict[str, Any]]:
        """Every figure as a JSON-ready dict (key, label, value, unit, baseline, delta,
        domain, better, lineage); NaN (e.g. a cost per nothing gained) becomes None."""
        rows = []
        for figure in self.figures:
            row = figure.to_dict()
            row["better"] = figure.better
            if figure.lineage is not None:
                row["lineage"] = figure.lineage  # "why this number"
            for name in ("value", "baseline", "delta"):
                value = row[name]
                if value is not None and not math.isfinite(float(value)):
                    row[name] = None
            rows.append(row)
        return rows


# Results by input key (store.input_key: a hash of what the domain reads), least recently
# used first, with the id of the project they were computed for; baselines are kept, at
# most MAX_CACHED scenario results besides them.
_RESULTS: OrderedDict[str, tuple[int, bool, DomainResult]] = OrderedDict()
MAX_CACHED = 24
#: Engine runs by domain in this process (tests and benchmarks read it).
ENGINE_RUNS: dict[str, int] = {d: 0 for d in DOMAINS}
# One engine run at a time: the prepared contexts (the radio models above all) are shared
# and changed by a run; the KPI dock's job and a compare job may ask at once. Lookups take
# the short lock only, so the UI thread never waits for an engine.
_ENGINE_LOCK = threading.RLock()
_LOCK = threading.RLock()


def forget(project=None) -> None:
    """Drop cached results, prepared inputs and layer fingerprints of ``project`` (all
    projects when None); results stored in the project itself are kept (their keys tell
    whether they still match)."""
    CONTEXTS.forget(project)
    with _LOCK:
        if project is None:
            _RESULTS.clear()
            return
        for layer in project.layers:
            forget_fingerprint(layer)
        for key in [k for k, v in _RESULTS.items() if v[0] == id(project)]:
            del _RESULTS[key]


def _in_memory(key: str) -> DomainResult | None:
    entry = _RESULTS.get(key)
    if entry is None:
        return None
    _RESULTS.move_to_end(key)
    return entry[2]


def _keep(project, key: str, baseline: bool, result: DomainResult) -> None:
    _RESULTS[key] = (id(project), baseline, result)
    scenario_keys = [k for k, v in _RESULTS.items() if not v[1]]
    for old in scenario_keys[: max(0, len(scenario_keys) - MAX_CACHED)]:
        del _RESULTS[old]


def stored_result(
    project,
    domain: str,
    interventions=(),
    options: WhatIfOptions | None = None,
    hash_layers: bool = True,
) -> DomainResult | None:
    """The result of ``domain`` for ``interventions`` (default: the baseline) from memory
    or the project's stored results, None when neither has it. Never computes. It hashes
    input layers not fingerprinted yet (instant on a project opened from a file) unless
    ``hash_layers`` is False: then such a layer gives None (for the UI thread)."""
    options = options or WhatIfOptions()
    with _LOCK:
        try:
            return _stored(project, domain, list(interventions), options, hash_layers)
        except store.NotHashedYetError:
            return None


def stored_summary(
    project,
    domain: str,
    interventions=(),
    options: WhatIfOptions | None = None,
    hash_layers: bool = True,
) -> DomainResult | None:
    """Like :func:`stored_result` but without the result layers when the result has to be
    decoded from the project file (figures and the households behind them only: what the
    KPI dock shows at start-up, without decoding coverage rasters on the UI thread)."""
    options = options or WhatIfOptions()
    with _LOCK:
        try:
            key = store.input_key(project, domain, list(interventions), options, hash_layers)
        except store.NotHashedYetError:
            return None
        found = _in_memory(key)
        return found if found is not None else store.lookup_summary(project, key)


def _stored(project, domain: str, interventions: list, options: WhatIfOptions, hash_layers=True):
    key = store.input_key(project, domain, interventions, options, hash_layers)
    found = _in_memory(key)
    if found is None:
        found = store.lookup(project, key)
        if found is not None:
            _keep(project, key, not interventions, found)
    elif key not in getattr(project, "results", {key: None}):
        # computed for another project with the same inputs: this one saves it too
        store.remember(project, key, interventions, found)
    return found


def domain_result(
    project, domain: str, interventions, options: WhatIfOptions, feedback: Feedback | None
) -> DomainResult:
    """The result of ``domain`` for ``interventions``: from memory, else from the project's
    stored results, else computed by the domain's adapter (and then kept in both)."""
    interventions = list(interventions)
    found = stored_result(project, domain, interventions, options)
    if found is not None:
        return found
    with _ENGINE_LOCK:
        found = stored_result(project, domain, interventions, options)  # done meanwhile?
        if found is not None:
            return found
        key = store.input_key(project, domain, interventions, options)
        _refresh_prepared(project, domain)
        adapter = importlib.import_module(ADAPTERS[domain])
        extra = {}
        if domain == "radio" and interventions:
            # new sites are merged into a known baseline instead of computing every site
            baseline = stored_result(project, domain, [], options)
            if baseline is not None:
                extra["baseline"] = baseline
        ENGINE_RUNS[domain] += 1
        result = adapter.run(project, interventions, feedback, options, RESULT_NAME, **extra)
        with _LOCK:
            _keep(project, key, not interventions, result)
            store.remember(project, key, interventions, result)
        return result


_domain_result = domain_result  # former private name


def prepare_domain(
    project, domain: str, options: WhatIfOptions | None = None, feedback: Feedback | None = None
) -> None:
    """Build what ``domain``'s scenarios reuse (road graph, transit walks from every stop,
    the grid, and its baseline power flows when the baseline's result is not stored; the
    adapter's ``prepare``), once per project and
    inputs, so that a first edit or a comparison of scenarios does not wait for it even when
    the baseline's results were read from the project file. Nothing is computed twice: a
    later :func:`domain_result` finds it prepared."""
    adapter = importlib.import_module(ADAPTERS[domain])
    prepare = getattr(adapter, "prepare", None)
    if prepare is None:
        return
    options = options or WhatIfOptions()
    extra = {}
    if domain == "energy":  # its baseline power flows serve the baseline's result only
        extra["baseline_stored"] = stored_result(project, domain, [], options) is not None
    with _ENGINE_LOCK:
        _refresh_prepared(project, domain)
        prepare(project, options, feedback, **extra)


def _refresh_prepared(project, domain: str) -> None:
    """Forget what ``domain`` prepared from layers that changed since (e.g. a road graph
    built before ``roads.set_frame``), so a new result is never computed from old inputs."""
    stamp = store.inputs_stamp(project, domain)
    data = CONTEXTS.store(project)
    if data.get(("stamp", domain)) not in (None, stamp):
        forget_prepared(project, domain)
    data[("stamp", domain)] = stamp


def _scaled(parent: Feedback, start: float, end: float, prefix: str = "") -> Feedback:
    """A feedback whose 0-100 % maps to ``start``-``end`` % of ``parent`` (and which stops
    when the parent is cancelled); messages get ``prefix`` (e.g. "radio: ")."""
    return Feedback(
        lambda percent, message: parent.set_progress(
            start + (end - start) * percent / 100.0, f"{prefix}{message}" if message else ""
        )
    )


def simulate(
    project,
    scenario: Scenario | None,
    domains: list[str] | tuple[str, ...] | None = None,
    feedback: Feedback | None = None,
    options: WhatIfOptions | None = None,
    processes: int = 1,
    pooled: dict | None = None,
) -> SimulationResult:
    """Run the baseline and ``scenario`` (None = the baseline alone) in each domain
    (default: all four) and return figures with baseline and delta, result layers and
    warnings. The project is not modified. ``processes`` > 1: where forking is safe
    (:func:`twin.sim.whatif.parallel.fork_is_safe`, never in the app), up to
    ``processes - 1`` of the heavy domains (:data:`HEAVY_DOMAINS`: energy, then transit)
    are computed in forked processes while this one computes the others. ``pooled``:
    domains already sent to the engine processes (:func:`twin.sim.whatif.pool.submit`,
    what the app's compare does); their results are collected when the domain's turn
    comes (computed here if a process failed)."""
    options = options or WhatIfOptions()
    feedback = ensure_feedback(feedback)
    scenario = scenario or Scenario("baseline")
    explicit = bool(domains)
    domains = tuple(domains) if domains else DOMAINS
    unknown = [d for d in domains if d not in DOMAINS]
    if unknown:
        raise DataError(
            tr("unknown domain(s) {domains}; known: {known}").format(
                domains=", ".join(unknown), known=", ".join(DOMAINS)
            )
        )
    scenario.check_extent(project.extent)  # a site far away would be costed without a word
    helpers = _fork_heavy_domains(project, scenario, domains, options, processes - 1)
    both = {**(pooled or {}), **helpers}
    try:
        return _simulate(project, scenario, domains, explicit, feedback, options, both)
    finally:
        for helper in helpers.values():
            helper.close()


#: The longest domains, in the order they go to a forked process when processes allow:
#: energy (pandapower import, power flows of the design cases and day), then transit (GTFS
#: timetable, walks from every stop, travel times); they share nothing with the others.
HEAVY_DOMAINS = ("energy", "transit")
HEAVY_DOMAIN = HEAVY_DOMAINS[0]  # former single heavy domain


def _fork_heavy_domains(project, scenario: Scenario, domains, options: WhatIfOptions, children):
    """Child processes (domain -> DomainInChild) computing the missing results of up to
    ``children`` heavy domains; none when forking is unsafe, or for a domain already known,
    and never all the work: one domain that needs computing stays in this process."""
    if children < 1:
        return {}
    from twin.sim.whatif import parallel

    if not parallel.fork_is_safe():
        return {}

    def missing(domain: str) -> list[list]:
        lists = [[], scenario.for_domain(domain)] if scenario.for_domain(domain) else [[]]
        return [i for i in lists if not _known(project, domain, i, options)]

    tasks = {d: missing(d) for d in domains}
    to_compute = [d for d in domains if tasks[d]]
    chosen = [d for d in HEAVY_DOMAINS if d in to_compute][:children]
    if len(chosen) == len(to_compute):
        chosen = chosen[:-1]  # nothing left for this process: it computes one itself
    if chosen:
        parallel.warm_numba()  # once here rather than once in each child
    return {d: parallel.DomainInChild(domain_result, project, d, tasks[d], options) for d in chosen}


def known_result(project, domain: str, interventions: list, options: WhatIfOptions) -> bool:
    """True when the result is in memory or among the project's stored results, without
    decoding it (decoding waits until the children are forked; a record that then fails to
    decode is computed here)."""
    key = store.input_key(project, domain, list(interventions), options)
    with _LOCK:
        return key in _RESULTS or key in (getattr(project, "results", None) or {})


_known = known_result  # former private name


def _simulate(project, scenario, domains, explicit, feedback, options, helpers):
    out = SimulationResult(scenario.name, domains)
    figures_by_key: dict[str, Figure] = {}
    for index, domain in enumerate(domains):
        start, middle, end = (100.0 * (index + k) / len(domains) for k in (0.0, 0.5, 1.0))
        helper = helpers.get(domain)
        if helper is not None:
            feedback.set_progress(start, f"{domain}: computed in a second process")
            progress = _scaled(feedback, start, end, f"{domain}: ")  # the child's steps
            if helper.collect(project, feedback, progress):
                start = middle = end  # its results are found at once now: no step back
            else:
                feedback.set_progress(start, f"{domain}: other process failed ({helper.error})")
        feedback.set_progress(start, f"{domain}: baseline")
        try:
            baseline = domain_result(
                project, domain, [], options, _scaled(feedback, start, middle, f"{domain}: ")
            )
        except DataError as error:
            if explicit or scenario.for_domain(domain):
                raise
            out.warnings.append(
                tr("{domain}: not simulated ({error})").format(domain=domain, error=error)
            )
            continue
        feedback.set_progress(middle, f"{domain}: scenario")
        result = domain_result(
            project,
            domain,
            scenario.for_domain(domain),
            options,
            _scaled(feedback, middle, end, f"{domain}: "),
        )
        out.baseline_results[domain] = baseline
        out.scenario_results[domain] = result
        for figure in paired_figures(result, baseline):
            figures_by_key[figure.key] = figure
            out.figures.append(figure)
        out.layers.extend(relabel(layer, scenario.name, domain) for layer in result.layers)
        out.baseline_layers.extend(relabel(layer, "baseline", domain) for layer in baseline.layers)
        out.warnings.extend(f"{domain}: {w}" for w in result.warnings)
    out.domains = tuple(d for d in domains if d in out.scenario_results)
    out.figures.extend(cost_figures(out.scenario_results, figures_by_key))
    from twin.sim.reports_scenario import scenario_report_figures  # citizen reports

    out.figures.extend(scenario_report_figures(project, out.layers, out.baseline_layers))
    out.figures = with_lineage(out.figures, project, scenario, out.scenario_results, options)
    if "radio" in domains:
        for technology in ("4G", "5G", "4G+5G"):
            change = level_change_layer(out.layers, out.baseline_layers, scenario.name, technology)
            if change is not None:
                out.layers.append(change)
    outline = territory_outline(project)  # maps show coverage inside the territory only
    masks: dict = {}  # one mask per grid for the scenario and the baseline
    out.layers = clip_level_layers(out.layers, outline, masks)
    out.baseline_layers = clip_level_layers(out.baseline_layers, outline, masks)
    feedback.set_progress(100.0, "simulation done")
    return out
