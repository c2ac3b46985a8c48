"""The slower what-if engines (fiber, transit, energy) for the scenario editor, Qt-free.

Runs in a worker thread when an edit ends. Results come from the what-if runner's one
cache (:func:`twin.sim.whatif.runner.domain_result`: memory, then the results stored in the
project file, then the engine), so undo and redo, the compare window and ``twin simulate``
share them and a project opened with stored results computes nothing. The engines are the
what-if adapters of :mod:`twin.sim.whatif` (``<domain>.run(project, interventions, ...)``).
"""

from __future__ import annotations

import importlib.util
import json
from dataclasses import dataclass, field

from twin.errors import CancelledError, DataError
from twin.feedback import Feedback, ensure_feedback
from twin.i18n import tr
from twin.kpi import Figure
from twin.layers.base import Layer
from twin.scenario import Intervention, Scenario
from twin.sim.whatif.figures import paired_figures
from twin.sim.whatif.result import DomainResult, WhatIfOptions, relabel

SLOW_DOMAINS = ("fiber", "transit", "energy")


def content_key(interventions) -> str:
    """Stable text of a list of interventions."""
    return json.dumps([i.to_dict() for i in interventions], sort_keys=True, default=str)


@dataclass
class DomainFigures:
    """Figures (with baseline), result layers and capex (EUR) of one slow domain."""

    domain: str
    figures: list[Figure] = field(default_factory=list)
    layers: list[Layer] = field(default_factory=list)
    capex_eur: float = 0.0
    warnings: list[str] = field(default_factory=list)


def available_domains() -> list[str]:
    """The slow domains whose what-if adapter exists in this build.

    Looks the modules up without importing them: importing the energy adapter loads
    pandapower (1-2 s), which must happen in the worker, not on the UI thread.
    """
    return [
        domain
        for domain in SLOW_DOMAINS
        if importlib.util.find_spec(f"twin.sim.whatif.{domain}") is not None
    ]


def _scaled(parent: Feedback, start: float, end: float, prefix: str) -> Feedback:
    return Feedback(
        lambda percent, message: parent.set_progress(
            start + (end - start) * percent / 100.0, f"{prefix}{message}"
        )
    )


class SlowEngines:
    """The slow what-if engines of one project, through the runner's cache (thread: one
    job at a time; the runner serialises engine runs)."""

    def __init__(self, project, options: WhatIfOptions | None = None) -> None:
        self.project = project
        self.options = options or WhatIfOptions()
        self._unavailable: set[str] = set()  # domains the project lacks the layers of

    def cached(self, scenario: Scenario | None) -> list[DomainFigures] | None:
        """The results of ``scenario`` if every domain it needs is in memory or stored in
        the project, else None; never computes nor hashes a layer (UI thread)."""
        from twin.sim.whatif.runner import stored_result

        results = []
        for domain in self.domains_of(scenario):
            interventions = scenario.for_domain(domain)  # type: ignore[union-attr]
            if domain in self._unavailable:
                if interventions:
                    return None
                continue
            # on the UI thread: never hash a layer here (the worker does)
            base = stored_result(self.project, domain, [], self.options, hash_layers=False)
            run = (
                stored_result(self.project, domain, interventions, self.options, False)
                if interventions
                else base
            )
            if base is None or run is None:
                return None
            results.append(self._combine(domain, base, run, scenario.name, bool(interventions)))  # type: ignore[union-attr]
        return results

    def domains_of(self, scenario: Scenario | None) -> list[str]:
        """The slow domains simulated for ``scenario``: all with an adapter (as ``twin
        simulate``), so the KPI dock shows every domain's figures; none for the baseline."""
        return [] if scenario is None else available_domains()

    def run(
        self, scenario: Scenario | None, feedback: Feedback | None = None
    ) -> list[DomainFigures]:
        """Results of every slow domain ``scenario`` changes, baseline included (cached)."""
        feedback = ensure_feedback(feedback)
        domains = self.domains_of(scenario)
        results = []
        for index, domain in enumerate(domains):
            share = 100.0 / max(1, len(domains))
            start = index * share
            feedback.set_progress(start, f"{domain}: baseline")
            interventions = scenario.for_domain(domain)  # type: ignore[union-attr]
            try:
                base = self._run(
                    domain, [], _scaled(feedback, start, start + share / 2, f"{domain}: ")
                )
            except DataError:
                if interventions:
                    raise
                continue  # the project lacks this domain's layers: not simulated
            feedback.set_progress(start + share / 2, f"{domain}: {scenario.name}")  # type: ignore[union-attr]
            run = self._run(
                domain,
                interventions,
                _scaled(feedback, start + share / 2, start + share, f"{domain}: "),
            )
            results.append(self._combine(domain, base, run, scenario.name, bool(interventions)))  # type: ignore[union-attr]
        feedback.set_progress(100.0, tr("done"))
        return results

    def prepare(self, feedback: Feedback | None = None) -> None:
        """Build what the slow domains' scenarios reuse (road graph, transit walks, grid
        and its baseline power flows: :func:`twin.sim.whatif.runner.prepare_domain`), so
        that the first edit and a comparison of scenarios find them ready; stops between
        domains when ``feedback`` is cancelled. In the app, the engine processes that
        compute a comparison's energy and transit (:mod:`twin.sim.whatif.pool`) start and
        prepare theirs at the same time."""
        from twin.sim.whatif import pool
        from twin.sim.whatif.runner import prepare_domain

        feedback = ensure_feedback(feedback)
        if pool.start_if_enabled():  # the app's engine processes prepare theirs meanwhile
            pool.prepare(self.project, self.options)
        domains = [d for d in available_domains() if d not in self._unavailable]
        share = 100.0 / max(1, len(domains))
        for index, domain in enumerate(domains):
            start = index * share
            feedback.set_progress(start, tr("{domain}: preparing").format(domain=domain))
            scaled = _scaled(feedback, start, start + share, f"{domain}: ")  # (and cancel)
            try:
                prepare_domain(self.project, domain, self.options, scaled)
            except CancelledError:
                raise
            except Exception:  # the scenario's own run says what is wrong
                continue
        feedback.set_progress(100.0, tr("done"))

    def _run(
        self, domain: str, interventions: list[Intervention], feedback: Feedback | None = None
    ) -> DomainResult:
        from twin.sim.whatif.runner import domain_result

        if domain in self._unavailable:
            raise DataError(tr("{domain}: the project cannot be simulated").format(domain=domain))
        try:
            return domain_result(self.project, domain, interventions, self.options, feedback)
        except DataError:
            if not interventions:
                self._unavailable.add(domain)
            raise

    def _combine(self, domain: str, base, run, scenario_name: str, changed: bool) -> DomainFigures:
        """Figures paired with the baseline, and the citizen reports in places the scenario
        improves (as ``twin simulate``); layers only when the scenario changes the domain
        (otherwise they are the baseline's and would only clutter the map)."""
        from twin.sim.reports_scenario import scenario_report_figures

        figures = paired_figures(run, base)  # with the households the privacy gate needs
        figures += scenario_report_figures(self.project, run.layers, base.layers)
        layers = [relabel(layer, scenario_name, domain) for layer in run.layers] if changed else []
        return DomainFigures(domain, figures, layers, float(run.capex_eur), list(run.warnings))
