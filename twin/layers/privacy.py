"""Statistical disclosure control: the one gate every people figure passes before it leaves.

twin follows INSEE's rule for its 200 m population grid: a figure computed from fewer than
11 households is not disclosed (INSEE, "Données carroyées", secret statistique). Every
output path (CLI JSON, exports, the KPI dock, the compare table, the inspector, maps) asks
this module whether a value may be shown:

- :func:`publish` gates a value that rests on ``households`` households;
- :func:`publish_delta` gates a difference between a scenario and a baseline: both sides
  must be publishable *and* the group of households that moved between them must itself
  reach the threshold, so that subtracting two large published figures never reveals one
  small building (a differencing attack);
- :func:`protect_table` adds secondary suppression to a table of cells with published
  margins (coverage per commune x level), so that a masked cell cannot be recovered by
  subtraction from its row or column;
- :func:`people_columns` / :func:`without_people_columns` say which per-feature columns
  describe people (dropped from exports unless the user asks for raw data);
- :func:`masked_record` masks the people columns of one feature (the inspector).

A masked value is published as ``{"value": null, "masked": true}`` in JSON and as
:data:`MASKED_LABEL` ("< 11 households") in the UI.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

DISCLOSURE_THRESHOLD_HOUSEHOLDS = 11
"""Smallest number of households a disclosed figure may describe (INSEE's rule)."""

PERSONAL_COLUMNS = frozenset({"population", "households", "persons", "inhabitants"})
"""Columns whose per-feature values describe people; masked below the threshold and dropped
from exports of per-feature layers unless raw data is asked for."""

PEOPLE_UNITS = frozenset({"persons", "premises", "households"})
"""Units of figures that count people or their homes; the gate applies to them."""

MASKED_LABEL = f"< {DISCLOSURE_THRESHOLD_HOUSEHOLDS} households"
"""What the UI shows instead of a masked figure (French: :data:`MASKED_LABEL_FR`)."""

MASKED_LABEL_FR = f"< {DISCLOSURE_THRESHOLD_HOUSEHOLDS} ménages"

MASKED_TEXT = f"masked ({MASKED_LABEL})"
"""What the inspector shows instead of a masked attribute."""


@dataclass(frozen=True)
class Published:
    """The gate's verdict on one figure: ``value`` (None when masked or unknown) and
    ``masked`` (True when the figure rests on fewer households than the threshold)."""

    value: float | None
    masked: bool = False

    def __post_init__(self) -> None:
        if self.masked:  # a masked figure never carries its number
            object.__setattr__(self, "value", None)

    def to_json(self) -> float | dict[str, Any] | None:
        """The number, None when unknown, ``{"value": None, "masked": True}`` when masked."""
        if self.masked:
            return {"value": None, "masked": True}
        return self.value

    def text(self, formatter=None) -> str:
        """:data:`MASKED_LABEL` when masked, else ``formatter(value)`` (default ``str``)."""
        if self.masked:
            return MASKED_LABEL
        return (formatter or str)(self.value)


def is_people_unit(unit: str) -> bool:
    """True when a figure in ``unit`` counts people or homes (persons, households,
    premises)."""
    return str(unit).strip().lower() in PEOPLE_UNITS


def _finite(value: Any) -> float | None:
    if value is None:
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def rests_on_enough(
    value: float | None,
    households: float | None,
    threshold: int = DISCLOSURE_THRESHOLD_HOUSEHOLDS,
) -> bool:
    """True when a figure ``value`` computed from ``households`` households may be shown:
    at least ``threshold`` households, or an empty group (no household, value 0).
    ``households`` None means "not a people figure" (always shown)."""
    if households is None:
        return True
    households = float(households)
    if math.isnan(households):
        return False
    if households >= threshold:
        return True
    return households == 0 and (value is None or float(value) == 0.0)


def publish(
    value: float | None,
    households: float | None = None,
    unit: str = "",
    threshold: int = DISCLOSURE_THRESHOLD_HOUSEHOLDS,
) -> Published:
    """Gate one figure. ``households`` is the number of households it is computed from.

    When an engine supplies no household count for a people figure (``unit`` persons,
    premises or households) the value itself stands in for it: a count of fewer than
    ``threshold`` persons or homes always rests on fewer than ``threshold`` households.
    (This fallback is weaker than a real count, which engines should supply.)
    """
    number = _finite(value)
    if number is None:
        return Published(None, False)
    if households is None and is_people_unit(unit):
        households = abs(number)
    return Published(number, not rests_on_enough(number, households, threshold))


def publish_delta(
    value: float | None,
    baseline: float | None,
    households: float | None = None,
    baseline_households: float | None = None,
    moved_households: float | None = None,
    unit: str = "",
    threshold: int = DISCLOSURE_THRESHOLD_HOUSEHOLDS,
) -> Published:
    """Gate ``value - baseline``. Masked when either side is masked, or when the households
    that moved into or out of the group between the two states (``moved_households``) are
    fewer than ``threshold`` (and not zero with no change). Without a moved count, the
    difference of a people figure stands in for it (see :func:`publish`)."""
    after = publish(value, households, unit, threshold)
    before = publish(baseline, baseline_households, unit, threshold)
    if _unknown(after) or _unknown(before):
        return Published(None, False)
    if after.masked or before.masked:
        return Published(None, True)
    delta = _finite(float(value) - float(baseline))  # type: ignore[arg-type]
    if delta is None:
        return Published(None, False)
    if moved_households is None and is_people_unit(unit):
        moved_households = abs(delta)
    return Published(delta, not rests_on_enough(delta, moved_households, threshold))


def _unknown(item: Published) -> bool:
    return item.value is None and not item.masked


def protect_table(
    households: np.ndarray, threshold: int = DISCLOSURE_THRESHOLD_HOUSEHOLDS
) -> np.ndarray:
    """Cells of a table (rows x columns of household counts) that must be masked when its
    row and column totals are published: primary cells (1 to ``threshold`` - 1 households)
    plus secondary cells so that in every row and column the masked cells together rest on
    at least ``threshold`` households (or none is masked). Returns a boolean array."""
    table = np.asarray(households, dtype=float)
    mask = (table > 0) & (table < threshold)
    changed = True
    while changed:
        changed = False
        for axis in (0, 1):
            lines = mask if axis == 1 else mask.T
            values = table if axis == 1 else table.T
            for index in range(lines.shape[0]):
                line, counts = lines[index], values[index]
                if not line.any() or counts[line].sum() >= threshold:
                    continue
                candidates = np.flatnonzero(~line & (counts > 0))
                if len(candidates) == 0:
                    continue
                pick = candidates[np.argmin(counts[candidates])]
                line[pick] = True  # lines is a view of mask (or of its transpose)
                changed = True
    return mask


def people_columns(columns: Iterable[Any]) -> list[Any]:
    """The columns among ``columns`` that describe people (see :data:`PERSONAL_COLUMNS`)."""
    return [c for c in columns if str(c).lower() in PERSONAL_COLUMNS]


def without_people_columns(frame):
    """A copy of a (Geo)DataFrame without its people columns (what exports write unless
    the user explicitly exports raw data)."""
    drop = people_columns(frame.columns)
    return frame.drop(columns=drop) if drop else frame


def disclosable_rows(frame) -> np.ndarray:
    """Boolean per row of a (Geo)DataFrame: True when the feature's people figures may be
    shown (vectorised :func:`is_disclosable`: a row's ``households``, else its first other
    people figure; features with no number are shown)."""
    import pandas as pd

    lowered = {str(c).lower(): c for c in frame.columns}
    values = np.full(len(frame), np.nan)
    for key in ("households", "population", "persons", "inhabitants"):
        if key in lowered:
            column = pd.to_numeric(frame[lowered[key]], errors="coerce").to_numpy(dtype=float)
            values = np.where(np.isnan(values), column, values)
    return np.isnan(values) | (values >= DISCLOSURE_THRESHOLD_HOUSEHOLDS)


def is_disclosable(record: Mapping[str, Any]) -> bool:
    """True when the feature describes at least the threshold of households.

    Uses ``households`` when present; otherwise ``population``/``persons`` compared with the
    same threshold in persons (fewer than 11 persons are always fewer than 11 households).
    """
    for key in ("households", "population", "persons", "inhabitants"):
        number = _finite(record.get(key))
        if number is None:
            continue
        return number >= DISCLOSURE_THRESHOLD_HOUSEHOLDS
    return True


MASKED_FLAG = "masked"
"""Column an engine sets True on a feature whose results it masked (null) because they rest
on fewer households than the threshold (e.g. an LV line serving three households)."""


def masked_record(record: Mapping[str, Any]) -> dict[str, Any]:
    """A copy of ``record`` with its personal columns replaced by :data:`MASKED_TEXT`
    when the feature is below the disclosure threshold, and, on a feature an engine flagged
    ``masked``, its NaN (numeric results left empty) replaced by :data:`MASKED_TEXT` too."""
    result = dict(record)
    if not is_disclosable(record):
        for key in record:
            if str(key).lower() in PERSONAL_COLUMNS:
                result[key] = MASKED_TEXT
    if record.get(MASKED_FLAG) is True or record.get(MASKED_FLAG) is np.True_:
        for key, value in record.items():
            if isinstance(value, float) and math.isnan(value):
                result[key] = MASKED_TEXT
    return result


@dataclass
class HouseholdGroups:
    """Which households each people figure of an engine result is computed from.

    ``households`` holds the households of each population point (building or grid cell)
    and ``members`` maps a figure key to a boolean array over the same points (True: the
    point counts in that figure). Two results on the same points then give each figure's
    household count and the households that moved between them (:meth:`moved`)."""

    households: np.ndarray
    members: dict[str, np.ndarray]

    def households_of(self, key: str) -> float | None:
        """Households the figure ``key`` rests on (None when the key is not known)."""
        members = self.members.get(key)
        if members is None:
            return None
        return float(self.households[members].sum())

    def moved(self, other: HouseholdGroups | None, key: str) -> float | None:
        """Households in the group of ``key`` in exactly one of ``self`` and ``other``
        (None when either does not know the key or the points differ)."""
        if other is None or len(other.households) != len(self.households):
            return None
        mine, theirs = self.members.get(key), other.members.get(key)
        if mine is None or theirs is None:
            return None
        return float(self.households[mine ^ theirs].sum())
