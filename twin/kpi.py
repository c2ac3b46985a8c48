"""Figures a council decides on: value, unit, baseline and delta, Qt-free.

Engines return domain results; this module turns them into :class:`Figure` rows that the
KPI dock, the compare table and ``twin simulate`` all show with the same numbers.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Figure:
    """One KPI: ``value`` in ``unit`` for the scenario, ``baseline`` for the baseline.

    ``domain`` groups figures (radio, fiber, transit, energy, cost); ``better`` says which
    direction is an improvement ("up", "down" or "" when neither).
    """

    key: str
    label: str
    value: float
    unit: str
    domain: str
    baseline: float | None = None
    better: str = "up"

    @property
    def delta(self) -> float | None:
        """Scenario minus baseline, in ``unit`` (None without a baseline)."""
        if self.baseline is None:
            return None
        return self.value - self.baseline

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict including the delta."""
        return {
            "key": self.key,
            "label": self.label,
            "value": self.value,
            "unit": self.unit,
            "domain": self.domain,
            "baseline": self.baseline,
            "delta": self.delta,
        }


def format_value(value: float | None, unit: str) -> str:
    """A figure with thin-space thousands and its unit, e.g. ``12 345 persons``, ``1.2 M€``."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    if unit == "EUR":
        if abs(value) >= 1e6:
            return f"{value / 1e6:,.2f} M€".replace(",", " ")
        if abs(value) >= 1e3:
            return f"{value / 1e3:,.1f} k€".replace(",", " ")
        return f"{value:,.0f} €".replace(",", " ")
    if abs(value) >= 100 or float(value).is_integer():
        text = f"{value:,.0f}".replace(",", " ")
    else:
        text = f"{value:,.2f}".replace(",", " ")
    return f"{text} {unit}".strip()


def format_delta(figure: Figure) -> str:
    """The delta with its sign and unit (``+1 200 persons``), or ``–`` without a baseline."""
    delta = figure.delta
    if delta is None:
        return "–"
    sign = "+" if delta > 0 else ("−" if delta < 0 else "±")
    return sign + format_value(abs(delta), figure.unit)


def cost_per_unit(cost_eur: float, gained: float) -> float:
    """EUR per person/premise gained; NaN when nothing is gained."""
    return cost_eur / gained if gained > 0 else math.nan
