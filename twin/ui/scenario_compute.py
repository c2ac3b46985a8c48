"""The slower what-if engines (fiber, transit, energy) for the scenario editor, Qt-free.

Runs in a worker thread when an edit ends. Each domain result is cached by the content of
the interventions it depends on, so undo and redo give back exactly the same figures and
layers without recomputing. The engines are the what-if adapters of
:mod:`twin.sim.whatif` (``<domain>.run(project, interventions, feedback, options, name)``).
"""

from __future__ import annotations

import importlib
import importlib.util
import json
from dataclasses import dataclass, field
from typing import Any

from twin.errors import DataError
from twin.feedback import Feedback, ensure_feedback
from twin.kpi import Figure
from twin.layers.base import Layer
from twin.scenario import Intervention, Scenario
from twin.sim.whatif.result import RESULT_NAME, WhatIfOptions, relabel
from twin.sim.whatif.runner import paired_figures

SLOW_DOMAINS = ("fiber", "transit", "energy")
_UNAVAILABLE = object()  # cache marker: the project lacks this domain's layers


def content_key(interventions) -> str:
    """Stable text of a list of interventions (cache key)."""
    return json.dumps([i.to_dict() for i in interventions], sort_keys=True, default=str)


@dataclass
class DomainFigures:
    """Figures (with baseline), result layers and capex (EUR) of one slow domain."""

    domain: str
    figures: list[Figure] = field(default_factory=list)
    layers: list[Layer] = field(default_factory=list)
    capex_eur: float = 0.0
    warnings: list[str] = field(default_factory=list)


def _engine(domain: str):
    return importlib.import_module(f"twin.sim.whatif.{domain}")


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


class SlowEngines:
    """Cached runs of the slow what-if engines of one project (thread: one job at a time)."""

    def __init__(self, project, options: WhatIfOptions | None = None) -> None:
        self.project = project
        self.options = options or WhatIfOptions()
        self._cache: dict[tuple[str, str], Any] = {}

    def cached(self, scenario: Scenario | None) -> list[DomainFigures] | None:
        """The results of ``scenario`` if every domain it needs is cached, else None."""
        results = []
        for domain in self.domains_of(scenario):
            interventions = scenario.for_domain(domain)  # type: ignore[union-attr]
            base = self._cache.get((domain, content_key([])))
            if base is _UNAVAILABLE and not interventions:
                continue
            run = self._cache.get((domain, content_key(interventions)))
            if base is None or run is None or _UNAVAILABLE in (base, run):
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
            feedback.set_progress(index * share, f"{domain}: baseline")
            interventions = scenario.for_domain(domain)  # type: ignore[union-attr]
            try:
                base = self._run(domain, [])
            except DataError:
                if interventions:
                    raise
                continue  # the project lacks this domain's layers: not simulated
            feedback.set_progress(index * share + share / 2, f"{domain}: {scenario.name}")
            run = self._run(domain, scenario.for_domain(domain))  # type: ignore[union-attr]
            results.append(self._combine(domain, base, run, scenario.name, bool(interventions)))  # type: ignore[union-attr]
        feedback.set_progress(100.0, "done")
        return results

    def _run(self, domain: str, interventions: list[Intervention]):
        key = (domain, content_key(interventions))
        cached = self._cache.get(key)
        if cached is _UNAVAILABLE:
            raise DataError(f"{domain}: the project cannot be simulated")
        if cached is None:
            try:
                cached = _engine(domain).run(
                    self.project, list(interventions), None, self.options, RESULT_NAME
                )
            except DataError:
                if not interventions:
                    self._cache[key] = _UNAVAILABLE
                raise
            self._cache[key] = cached
        return cached

    @staticmethod
    def _combine(domain: str, base, run, scenario_name: str, changed: bool) -> DomainFigures:
        """Figures paired with the baseline; layers only when the scenario changes the
        domain (otherwise they are the baseline's and would only clutter the map)."""
        figures = paired_figures(run, base)  # with the households the privacy gate needs
        layers = [relabel(layer, scenario_name, domain) for layer in run.layers] if changed else []
        return DomainFigures(domain, figures, layers, float(run.capex_eur), list(run.warnings))
