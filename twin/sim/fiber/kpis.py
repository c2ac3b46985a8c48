"""Coverage KPIs: share of premises eligible to fiber ("raccordables") per zone."""

from __future__ import annotations

import numpy as np
import pandas as pd

ELIGIBLE_STATUSES = ("eligible", "connected")


def eligibility_by_zone(
    buildings: pd.DataFrame,
    passed: np.ndarray,
    zone_column: str = "commune",
    extra_zones: dict[str, np.ndarray] | None = None,
) -> pd.DataFrame:
    """Premises and % eligible per zone, baseline and with the plan.

    ``buildings``: rows with ``premises`` and ``fiber_status``; ``passed``: boolean mask of
    buildings the plan passes (they become eligible). ``zone_column`` names the zone of each
    building (commune name by default; insee code if no name). ``extra_zones`` adds named
    zones given as building masks (e.g. the target area). A final row "all" sums everything.
    Columns: zone, premises, eligible_baseline, eligible_plan (premises), share_baseline_pct,
    share_plan_pct (%).
    """
    premises = pd.to_numeric(buildings["premises"], errors="coerce").fillna(0).to_numpy(float)
    baseline = buildings["fiber_status"].astype(str).isin(ELIGIBLE_STATUSES).to_numpy()
    plan = baseline | np.asarray(passed, dtype=bool)
    column = zone_column if zone_column in buildings.columns else None
    if column is None:
        column = "insee" if "insee" in buildings.columns else None
    zones = (
        buildings[column].astype(str).to_numpy()
        if column is not None
        else np.full(len(buildings), "all")
    )
    frame = pd.DataFrame(
        {
            "zone": zones,
            "premises": premises,
            "eligible_baseline": premises * baseline,
            "eligible_plan": premises * plan,
        }
    )
    table = frame.groupby("zone", sort=True).sum().reset_index()
    rows = [table]
    for name, mask in (extra_zones or {}).items():
        part = frame[np.asarray(mask, dtype=bool)].drop(columns="zone").sum()
        rows.append(pd.DataFrame([{"zone": name, **part.to_dict()}]))
    total = frame.drop(columns="zone").sum()
    rows.append(pd.DataFrame([{"zone": "all", **total.to_dict()}]))
    table = pd.concat(rows, ignore_index=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        table["share_baseline_pct"] = 100.0 * table["eligible_baseline"] / table["premises"]
        table["share_plan_pct"] = 100.0 * table["eligible_plan"] / table["premises"]
    return table.fillna({"share_baseline_pct": 0.0, "share_plan_pct": 0.0})
