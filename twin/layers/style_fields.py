"""Style by field for layers whose attributes are not in memory (big, lazily read layers).

A lazy layer's map reads, with the geometry of each tile, only the columns its style
colours by (:func:`style_columns`) and classifies them there (:func:`classify_rows`, the
same rules as a layer in memory, privacy gate included). The style editor builds categories
and class breaks from a :class:`ColumnSummary`: a one-off read of that one column, in a
worker, reduced to the value counts (categories) and a sample (quantile breaks) that hold
little memory. Qt-free.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from twin.layers.privacy import PERSONAL_COLUMNS, disclosable_rows, people_columns
from twin.layers.style import Style

if TYPE_CHECKING:
    import pandas as pd

SAMPLE_LIMIT = 200_000  # values kept for class breaks (quantiles) of a big column
COUNTS_LIMIT = 1_000  # most frequent distinct values kept for categories

BY_FIELD_KINDS = ("categorized", "graduated")


def style_columns(style: Style, columns: list[str]) -> list[str]:
    """The attribute columns (of ``columns``) to read with the geometry to draw ``style``:
    none for a single colour; the styled column, plus the people columns when it counts
    people (the privacy gate needs the households of each feature)."""
    if style.kind not in BY_FIELD_KINDS or not style.column or style.column not in columns:
        return []
    needed = [style.column]
    if str(style.column).lower() in PERSONAL_COLUMNS:
        needed += [c for c in people_columns(columns) if c != style.column]
    return needed


def classify_rows(style: Style, values: pd.DataFrame, fallback: int) -> np.ndarray:
    """Class index of each row of ``values`` (the columns of :func:`style_columns`) for
    ``style``; unclassified values, single-colour styles and people figures of fewer than
    11 households (INSEE's rule) get ``fallback`` (the base fill colour)."""
    count = len(values)
    if style.kind not in BY_FIELD_KINDS or style.column not in values.columns:
        return np.full(count, fallback, dtype=np.int64)
    index = style.class_index(values[style.column].to_numpy())
    index[index < 0] = fallback
    if str(style.column).lower() in PERSONAL_COLUMNS:  # privacy gate: no class per small group
        shown = disclosable_rows(values[people_columns(values.columns)])
        index[~shown] = fallback
    return index


def classification_key(style: Style) -> tuple:
    """What decides each feature's class under ``style`` (not its colours): two styles with
    the same key sort features into the same classes."""
    if style.kind not in BY_FIELD_KINDS or not style.column:
        return ("single",)
    if style.kind == "categorized":
        return (style.kind, style.column, tuple(repr(c.value) for c in style.categories))
    return (style.kind, style.column, tuple((c.lower, c.upper) for c in style.classes))


@dataclass(frozen=True)
class ColumnSummary:
    """What the style editor needs of one column of a big layer.

    ``counts``: the most frequent distinct values (up to :data:`COUNTS_LIMIT`) with their
    number of features over the whole column, most frequent first; ``sample``: up to
    :data:`SAMPLE_LIMIT` values drawn evenly at random (the whole column when it is
    smaller), always holding its minimum and maximum so that class breaks cover every
    value; ``total``: features; ``numeric``: whether the column holds numbers.
    """

    column: str
    counts: pd.Series
    sample: np.ndarray
    total: int
    numeric: bool


def summarise_column(column: str, values: pd.Series, seed: int = 0) -> ColumnSummary:
    """The :class:`ColumnSummary` of ``values`` (a whole column, read in a worker)."""
    import pandas as pd

    counts = values.value_counts(dropna=True).iloc[:COUNTS_LIMIT]
    numeric = pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values)
    array = values.to_numpy()
    if len(array) > SAMPLE_LIMIT:
        rows = np.random.default_rng(seed).choice(len(array), SAMPLE_LIMIT, replace=False)
        sample = array[np.sort(rows)]
        if numeric:
            finite = pd.to_numeric(values, errors="coerce").to_numpy(dtype=float)
            finite = finite[np.isfinite(finite)]
            if finite.size:
                sample = np.concatenate([sample, [finite.min(), finite.max()]])
    else:
        sample = array
    return ColumnSummary(column, counts, sample, len(array), numeric)
