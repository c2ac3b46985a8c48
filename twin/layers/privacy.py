"""Statistical disclosure control: population never shows below a safe aggregation.

twin follows INSEE's rule for its 200 m population grid: a figure that describes fewer than
11 households is not disclosed (INSEE, "Données carroyées", secret statistique). The
inspector, exports of single features and KPIs per zone use these helpers.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

DISCLOSURE_THRESHOLD_HOUSEHOLDS = 11
"""Smallest number of households a disclosed figure may describe (INSEE's rule)."""

PERSONAL_COLUMNS = frozenset({"population", "households", "persons", "inhabitants"})
"""Columns whose per-feature values describe people; masked below the threshold."""

MASKED_TEXT = f"masked (< {DISCLOSURE_THRESHOLD_HOUSEHOLDS} households)"


def is_disclosable(record: Mapping[str, Any]) -> bool:
    """True when the feature describes at least the threshold of households.

    Uses ``households`` when present; otherwise ``population``/``persons`` compared with the
    same threshold in persons (a conservative reading: one person per household).
    """
    for key in ("households", "population", "persons", "inhabitants"):
        value = record.get(key)
        if value is None:
            continue
        try:
            number = float(value)
        except (TypeError, ValueError):
            continue
        if math.isnan(number):
            continue
        return number >= DISCLOSURE_THRESHOLD_HOUSEHOLDS
    return True


def masked_record(record: Mapping[str, Any]) -> dict[str, Any]:
    """A copy of ``record`` with its personal columns replaced by :data:`MASKED_TEXT`
    when the feature is below the disclosure threshold."""
    result = dict(record)
    if not is_disclosable(record):
        for key in record:
            if str(key).lower() in PERSONAL_COLUMNS:
                result[key] = MASKED_TEXT
    return result
