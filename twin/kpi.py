"""Figures a council decides on: value, unit, baseline and delta, Qt-free.

Engines return domain results; this module turns them into :class:`Figure` rows that the
KPI dock, the compare table and ``twin simulate`` all show with the same numbers. A figure
that counts people carries the number of households it rests on, so that the privacy gate
(:mod:`twin.layers.privacy`) masks it, its baseline or its delta below INSEE's threshold;
:meth:`Figure.to_dict` and :func:`format_published` publish through that gate.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from typing import Any

from twin import i18n
from twin.layers.privacy import Published, publish, publish_delta


@dataclass(frozen=True)
class Figure:
    """One KPI: ``value`` in ``unit`` for the scenario, ``baseline`` for the baseline.

    ``domain`` groups figures (radio, fiber, transit, energy, cost); ``better`` says which
    direction is an improvement ("up", "down" or "" when neither). For people figures,
    ``households`` and ``baseline_households`` are the households each side is computed
    from and ``moved_households`` the households that entered or left the group between the
    baseline and the scenario (None: unknown, the privacy gate then falls back on the value).
    """

    key: str
    label: str
    value: float
    unit: str
    domain: str
    baseline: float | None = None
    better: str = "up"
    households: float | None = None
    baseline_households: float | None = None
    moved_households: float | None = None
    lineage: dict[str, Any] | None = field(default=None, compare=False, repr=False)

    @property
    def delta(self) -> float | None:
        """Scenario minus baseline, in ``unit`` (None without a baseline). Raw: publish it
        through :meth:`published_delta`."""
        if self.baseline is None:
            return None
        return self.value - self.baseline

    def published_value(self) -> Published:
        """The scenario value as the privacy gate lets it out."""
        return publish(self.value, self.households, self.unit)

    def published_baseline(self) -> Published:
        """The baseline value as the privacy gate lets it out."""
        return publish(self.baseline, self.baseline_households, self.unit)

    def published_delta(self) -> Published:
        """The delta as the privacy gate lets it out (protected against differencing)."""
        return publish_delta(
            self.value,
            self.baseline,
            self.households,
            self.baseline_households,
            self.moved_households,
            self.unit,
        )

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict including the delta, each number through the privacy gate: a
        masked number is None and listed in ``masked`` (e.g. ``["delta"]``)."""
        gated = {
            "value": self.published_value(),
            "baseline": self.published_baseline(),
            "delta": self.published_delta(),
        }
        return {
            "key": self.key,
            "label": self.label,
            "value": gated["value"].value,
            "unit": self.unit,
            "domain": self.domain,
            "baseline": gated["baseline"].value,
            "delta": gated["delta"].value,
            "masked": [name for name, item in gated.items() if item.masked],
        }


def with_household_groups(figures: list[Figure], after, before) -> list[Figure]:
    """``figures`` with the households each side rests on and the households that moved,
    from two :class:`~twin.layers.privacy.HouseholdGroups` (scenario ``after``, baseline
    ``before``; None leaves the figures as they are)."""
    if after is None:
        return list(figures)
    return [
        replace(
            f,
            households=after.households_of(f.key),
            baseline_households=before.households_of(f.key) if before is not None else None,
            moved_households=after.moved(before, f.key),
        )
        if f.key in after.members
        else f
        for f in figures
    ]


def format_value(value: float | None, unit: str) -> str:
    """A figure with thin-space thousands and its unit as a person reads it (unit words
    agree with the number: :func:`twin.i18n.unit_text`), e.g. ``12 345 people``,
    ``1 violation``, ``1.2 M€``, ``123 € per person``; in French through
    :func:`twin.i18n.format_figure` (``12 345 habitants``, ``1,2 M€``)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    if i18n.language() != "en":
        return i18n.format_figure(value, unit)
    if unit == "EUR":
        if abs(value) >= 1e6:
            return f"{value / 1e6:,.2f} M€".replace(",", " ")
        if abs(value) >= 1e3:
            return f"{value / 1e3:,.1f} k€".replace(",", " ")
        return f"{value:,.0f} €".replace(",", " ")
    if unit in i18n.PER_UNIT:
        return f"{format_value(value, 'EUR')} {i18n.tr(i18n.PER_UNIT[unit])}"
    if i18n.whole_figure(value, unit):
        value = round(value)  # the words agree with the number shown ("1 person", not 0.6)
        text = f"{value:,.0f}".replace(",", " ")
    else:
        text = f"{value:,.2f}".replace(",", " ")
    return f"{text} {i18n.unit_text(unit, value)}".strip()


def format_signed(delta: float | None, unit: str) -> str:
    """A change with its sign and unit (``+1 200 persons``), ``–`` when unknown."""
    if delta is None or not math.isfinite(delta):
        return "–"
    sign = "+" if delta > 0 else ("−" if delta < 0 else "±")
    return sign + format_value(abs(delta), unit)


def format_published(published: Published, unit: str, signed: bool = False) -> str:
    """A gated number as the UI shows it: :data:`MASKED_LABEL` when masked, else the number
    with its unit (with its sign when ``signed``)."""
    if published.masked:
        return i18n.masked_label()
    return format_signed(published.value, unit) if signed else format_value(published.value, unit)


def format_delta(figure: Figure) -> str:
    """The published delta with its sign and unit (``+1 200 persons``), ``–`` without a
    baseline, ``< 11 households`` when the gate masks it."""
    if figure.baseline is None:
        return "–"
    return format_published(figure.published_delta(), figure.unit, signed=True)


def cost_per_unit(cost_eur: float, gained: float) -> float:
    """EUR per person/premise gained; NaN when nothing is gained."""
    return cost_eur / gained if gained > 0 else math.nan
