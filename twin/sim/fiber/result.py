"""The result of a fiber extension plan (:func:`twin.sim.fiber.plan_extension`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from twin.sim.fiber.costs import ROUTE_KINDS, BillOfMaterials, FiberCosts


@dataclass
class FiberPlan:
    """A planned FTTH extension.

    - ``route``: new route edges (lines): kind (duct/aerial/trench), length_m (m),
      cost_eur (EUR), year (phasing, 0 without a budget).
    - ``buildings``: one row per target building: building_id, premises, status ("passed",
      "too-far" = farther than the maximum drop from any road, "unreachable" = on a road
      piece not joined to the network), drop_m (building to road, m), pm_id, pbo_id, year.
    - ``pbos``: PBO points: pbo_id, pm_id, premises, units (boxes at that point), year.
    - ``new_pms``: new PM points: pm_id, premises, year. ``pm_load``: per existing PM:
      pm_id, capacity, baseline_load, added_load (premises).
    - ``bill``: quantities; ``capex``: EUR by item and total; ``phasing``: per year: year,
      capex_eur, premises_passed.
    - ``route_weight_eur``: the Steiner tree's total weight (route EUR, what the router
      minimised).
    - ``eligibility``: per zone, premises eligible baseline vs plan (see kpis.py).
    """

    route: gpd.GeoDataFrame
    buildings: pd.DataFrame
    pbos: gpd.GeoDataFrame
    new_pms: gpd.GeoDataFrame
    pm_load: pd.DataFrame
    bill: BillOfMaterials
    costs: FiberCosts
    capex: dict[str, float]
    phasing: list[dict[str, Any]]
    eligibility: pd.DataFrame
    route_weight_eur: float
    parameters: dict[str, Any]
    warnings: list[str] = field(default_factory=list)
    building_xy: np.ndarray | None = None  # centroid x, y (m) of each row of ``buildings``

    @property
    def premises_passed(self) -> int:
        """Premises the plan makes eligible (count)."""
        passed = self.buildings["status"] == "passed"
        return int(self.buildings.loc[passed, "premises"].sum())

    @property
    def passed_building_ids(self) -> list:
        """Ids of the buildings the plan passes."""
        return self.buildings.loc[self.buildings["status"] == "passed", "building_id"].tolist()

    @property
    def metres_by_kind(self) -> dict[str, float]:
        """Metres of new route by kind (m)."""
        return {k: float(self.bill.metres.get(k, 0.0)) for k in ROUTE_KINDS}

    @property
    def cost_per_premise(self) -> float:
        """Total capex divided by premises passed (EUR per premise; 0 when none)."""
        passed = self.premises_passed
        return self.capex["total"] / passed if passed else 0.0

    def kpis(self) -> dict[str, Any]:
        """JSON-ready figures: premises passed, metres by kind, capex by item (EUR), cost
        per premise, eligibility per zone baseline vs plan, phasing, warnings."""
        status_counts = self.buildings["status"].value_counts().to_dict()
        return {
            "premises_passed": self.premises_passed,
            "buildings_passed": len(self.passed_building_ids),
            "passed_building_ids": [_plain(b) for b in self.passed_building_ids],
            "buildings_by_status": {str(k): int(v) for k, v in status_counts.items()},
            "metres_by_kind": {k: round(v, 2) for k, v in self.metres_by_kind.items()},
            "route_m": round(sum(self.metres_by_kind.values()), 2),
            "new_pm_count": self.bill.pm_count,
            "pbo_count": self.bill.pbo_count,
            "connection_count": self.bill.connection_count,
            "capex_eur": {k: round(v, 2) for k, v in self.capex.items()},
            "cost_per_premise_eur": round(self.cost_per_premise, 2),
            "unit_costs_eur": self.costs.to_dict(),
            "pm_load": self.pm_load.to_dict(orient="records"),
            "eligibility_by_zone": [
                {k: _plain(v) for k, v in row.items()}
                for row in self.eligibility.to_dict(orient="records")
            ],
            "phasing": self.phasing,
            "parameters": self.parameters,
            "warnings": list(self.warnings),
        }


def _plain(value: Any) -> Any:
    """numpy scalars to Python (for JSON)."""
    return value.item() if hasattr(value, "item") else value
