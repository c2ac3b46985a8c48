"""The rollout plan's cost model and return on investment (net present value, payback).

Cash flow of year ``y`` (EUR), from the first phase's year over ``horizon_years``:

    - capex spent in ``y`` (sites, fibre areas, grid reinforcements)
    - opex_eur_per_site_year x sites built before ``y``
    - opex_eur_per_fibre_km_year x km of new fibre route built before ``y``
    + revenue_eur_per_person_year x persons brought to good coverage before ``y``
    + fibre_take_up x fibre_revenue_eur_per_subscriber_year x premises passed before ``y``

discounted to the first year at ``discount_rate``. Every value, its unit and its source
are in ``defaults.json`` beside this module; a user's own file replaces them.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from twin.errors import DataError
from twin.i18n import tr
from twin.layers.io_common import existing_file

DEFAULTS_PATH = Path(__file__).with_name("defaults.json")


@dataclass(frozen=True)
class CostModel:
    """Opex (EUR per site per year, EUR per km of new fibre route per year), revenue (EUR
    per person gained per year; EUR per fibre subscriber per year times the take-up share
    of premises passed), the grid load of a site (kW), the discount rate (per year) and the
    horizon (years) of the ROI; see ``defaults.json`` for sources."""

    opex_eur_per_site_year: float = 12_000.0
    opex_eur_per_fibre_km_year: float = 600.0
    revenue_eur_per_person_year: float = 0.0
    fibre_take_up: float = 0.6
    fibre_revenue_eur_per_subscriber_year: float = 156.0
    site_load_kw: float = 4.0
    discount_rate: float = 0.04
    horizon_years: int = 15

    @classmethod
    def load(cls, path: str | Path | None = None) -> CostModel:
        """Read the cost model (the bundled defaults unless ``path``; missing keys keep
        the defaults)."""
        try:
            data = json.loads(existing_file(path or DEFAULTS_PATH).read_text(encoding="utf-8"))
            values = {k: data[k] for k in cls.__dataclass_fields__ if k in data}
            model = cls(**values)
            model.check()
        except (OSError, ValueError, TypeError, AttributeError) as error:
            raise DataError(
                tr("cannot read the plan's cost model {path}: {error}").format(
                    path=path, error=error
                )
            ) from None
        return model

    def check(self) -> None:
        """Refuse rates and amounts out of range (DataError, one line)."""
        if not 0 <= self.discount_rate < 1 or int(self.horizon_years) < 1:
            raise DataError(tr("the discount rate must be 0-1 and the horizon at least 1 year"))
        if not 0 <= self.fibre_take_up <= 1:
            raise DataError(tr("the fibre take-up must be a share within 0-1"))
        amounts = (
            self.opex_eur_per_site_year,
            self.opex_eur_per_fibre_km_year,
            self.revenue_eur_per_person_year,
            self.fibre_revenue_eur_per_subscriber_year,
            self.site_load_kw,
        )
        if any(not (value >= 0) for value in amounts):
            raise DataError(tr("costs, revenues and the site load must not be negative"))


@dataclass(frozen=True)
class PhaseCash:
    """What one phase spends and builds: its year, capex (EUR), sites built, persons
    gaining good coverage, premises passed by fibre and km of new fibre route."""

    year: int
    capex_eur: float
    sites: int = 0
    persons_gained: float = 0.0
    premises_passed: float = 0.0
    fibre_km: float = 0.0


def net_present_value(phases: list[PhaseCash], costs: CostModel) -> dict:
    """NPV (EUR) of a plan over ``costs.horizon_years`` from its first year (see module):
    what a phase builds runs (opex) and earns (revenue) from the year after it. Payback
    year: the first year after the first one where the cumulative discounted cash flow is
    not negative (None if never within the horizon)."""
    if not phases:
        return {"npv_eur": 0.0, "payback_year": None, "cash_flows": []}
    first = min(p.year for p in phases)
    flows = []
    cumulative = 0.0
    payback = None
    for year in range(first, first + int(costs.horizon_years)):
        built = [p for p in phases if p.year < year]
        capex = sum(p.capex_eur for p in phases if p.year == year)
        opex = sum(p.sites for p in built) * costs.opex_eur_per_site_year
        opex += sum(p.fibre_km for p in built) * costs.opex_eur_per_fibre_km_year
        revenue = sum(p.persons_gained for p in built) * costs.revenue_eur_per_person_year
        subscribers = costs.fibre_take_up * sum(p.premises_passed for p in built)
        revenue += subscribers * costs.fibre_revenue_eur_per_subscriber_year
        cash = revenue - capex - opex
        discounted = cash / (1.0 + costs.discount_rate) ** (year - first)
        cumulative += discounted
        if payback is None and cumulative >= 0 and year > first:
            payback = year
        flows.append(
            {
                "year": year,
                "capex_eur": round(capex, 2),
                "opex_eur": round(opex, 2),
                "revenue_eur": round(revenue, 2),
                "cash_eur": round(cash, 2),
                "discounted_eur": round(discounted, 2),
            }
        )
    return {
        "npv_eur": round(cumulative, 2),
        "payback_year": payback,
        "discount_rate": costs.discount_rate,
        "horizon_years": int(costs.horizon_years),
        "cash_flows": flows,
    }
