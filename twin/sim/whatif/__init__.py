"""What-if simulation (Qt-free): a scenario's interventions run through every engine against
the baseline, with KPI figures (value, baseline, delta, unit) and result layers.

Entry points: :func:`simulate` (all domains, cached), :class:`RadioWhatIf` (incremental
coverage for live site dragging) and each domain adapter's ``run(project, interventions)``.
"""

from typing import Any


def __getattr__(name: str) -> Any:
    """``simulate``, ``forget``, ``stored_result`` and ``SimulationResult`` from the runner,
    ``RadioWhatIf``, ``DOMAINS``, ``DomainResult`` and ``WhatIfOptions``, imported lazily
    (the radio engine loads scipy and rasterio; the results GeoPandas), so that the app can
    import :mod:`twin.sim.whatif.pool` before its window without them."""
    if name in ("DOMAINS", "DomainResult", "WhatIfOptions"):
        from twin.sim.whatif import result

        return getattr(result, name)
    if name in ("simulate", "forget", "stored_result", "SimulationResult"):
        from twin.sim.whatif import runner

        return getattr(runner, name)
    if name == "RadioWhatIf":
        from twin.sim.whatif.radio import RadioWhatIf

        return RadioWhatIf
    raise AttributeError(name)


__all__ = [
    "DOMAINS",
    "DomainResult",
    "RadioWhatIf",
    "SimulationResult",
    "WhatIfOptions",
    "forget",
    "simulate",
    "stored_result",
]
