"""How a layer is drawn: single colour, categories, graduated classes or a raster colour map.

A :class:`Style` is plain data (JSON round trip through :meth:`Style.to_dict`); views turn
it into pens and brushes. Colour defaults are colour-blind safe (see :mod:`colors`).
"""

from __future__ import annotations

import contextlib
import math
from dataclasses import asdict, dataclass, replace
from typing import TYPE_CHECKING, Any

import numpy as np

from twin.i18n import tr
from twin.layers.colors import NEW_TRANSIT_LINE_COLOR, category_colors, sample_colormap

if TYPE_CHECKING:
    import pandas as pd

STYLE_KINDS = ("single", "categorized", "graduated", "raster", "raster-classes")
CLASSIFICATION_METHODS = ("quantile", "equal-interval")


@dataclass(frozen=True)
class Category:
    """One value of a categorised style (or one value of a classified raster)."""

    value: Any
    color: str
    label: str = ""


@dataclass(frozen=True)
class ClassBreak:
    """One class of a graduated style: values in [lower, upper] get ``color``."""

    lower: float
    upper: float
    color: str
    label: str = ""


@dataclass(frozen=True)
class LegendEntry:
    """One row of the legend: a swatch (fill, stroke, shape) and its label."""

    label: str
    fill_color: str | None
    stroke_color: str | None
    shape: str  # "polygon", "line", "point" or "ramp"
    ramp: tuple[str, ...] = ()


@dataclass(frozen=True)
class LabelStyle:
    """How a layer's features are labelled on the map (text from one column).

    ``field``: the column whose value is the label text (None: no labels); ``size``: text
    height in screen pixels; ``color``/``halo_color``: text and halo colours (``#RRGGBB``);
    ``halo_width``: halo around the glyphs in pixels (0: none); ``priority_field``: a
    numeric column, larger values placed first (e.g. population) when labels compete for
    room; ``min_metres_per_pixel``/``max_metres_per_pixel``: the scale range (map metres
    per screen pixel) in which the labels are drawn, 0 meaning no limit (e.g. stops:
    ``max_metres_per_pixel=8`` shows them only when zoomed in); ``bold``: heavier text.
    """

    field: str | None = None
    size: float = 12.0
    color: str = "#1E1E1E"
    halo_color: str = "#FFFFFF"
    halo_width: float = 2.0
    priority_field: str | None = None
    min_metres_per_pixel: float = 0.0
    max_metres_per_pixel: float = 0.0
    bold: bool = False

    @property
    def enabled(self) -> bool:
        """True when the layer is labelled (a field is chosen)."""
        return bool(self.field)

    def in_scale_range(self, metres_per_pixel: float) -> bool:
        """True when labels are drawn at ``metres_per_pixel`` (map metres per screen pixel)."""
        if self.min_metres_per_pixel > 0 and metres_per_pixel < self.min_metres_per_pixel:
            return False
        return not (0 < self.max_metres_per_pixel < metres_per_pixel)

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> LabelStyle:
        """Build from a dict read from a project file (unknown keys ignored)."""
        if not data:
            return cls()
        return cls(**{k: v for k, v in data.items() if k in cls.__dataclass_fields__})


@dataclass(frozen=True)
class Style:
    """Drawing rules of one layer.

    Units: ``stroke_width`` and ``point_size`` in screen pixels; opacities 0-1. ``kind``:
    ``single`` (one colour), ``categorized`` (a colour per value of ``column``),
    ``graduated`` (classes of a numeric ``column``), ``raster`` (``colormap`` stretched over
    ``value_min``..``value_max``) or ``raster-classes`` (a colour per raster value).
    """

    kind: str = "single"
    fill_color: str = "#56B4E9"
    fill_opacity: float = 1.0
    stroke_color: str = "#3A3A3A"
    stroke_width: float = 1.0
    point_size: float = 7.0
    point_symbol: str = "o"
    column: str | None = None
    categories: tuple[Category, ...] = ()
    classes: tuple[ClassBreak, ...] = ()
    method: str = "quantile"
    colormap: str = "viridis"
    value_min: float | None = None
    value_max: float | None = None
    unit: str = ""
    labels: LabelStyle = LabelStyle()

    def __post_init__(self) -> None:
        if self.kind not in STYLE_KINDS:
            raise ValueError(
                tr("unknown style kind {kind!r}; expected one of {style_kinds}").format(
                    kind=self.kind, style_kinds=STYLE_KINDS
                )
            )

    def with_changes(self, **changes: Any) -> Style:
        """Return a copy with some fields replaced."""
        return replace(self, **changes)

    # --- serialisation -------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict (categories and classes as lists of dicts)."""
        data = asdict(self)
        data["categories"] = [asdict(c) for c in self.categories]
        data["classes"] = [asdict(c) for c in self.classes]
        for category in data["categories"]:
            category["value"] = _json_scalar(category["value"])
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Style:
        """Build from a dict read from a project file; unknown keys are ignored."""
        known = {k: v for k, v in data.items() if k in cls.__dataclass_fields__}
        known["categories"] = tuple(Category(**c) for c in data.get("categories", ()))
        known["classes"] = tuple(
            ClassBreak(float(c["lower"]), float(c["upper"]), c["color"], c.get("label", ""))
            for c in data.get("classes", ())
        )
        known["labels"] = LabelStyle.from_dict(data.get("labels"))
        return cls(**known)

    # --- classification ------------------------------------------------------------
    def class_index(self, values: pd.Series | np.ndarray) -> np.ndarray:
        """Index of the category/class of each value (-1 where none applies), as int array."""
        if self.kind in ("categorized", "raster-classes"):
            numeric = _numeric_category_index(values, self.categories)
            if numeric is not None:
                return numeric
            lookup = {_json_scalar(c.value): i for i, c in enumerate(self.categories)}
            return np.fromiter(
                (lookup.get(_json_scalar(v), -1) for v in np.asarray(values, dtype=object)),
                dtype=np.int64,
                count=len(values),
            )
        if self.kind == "graduated":
            import pandas as pd  # here: drawing a map from a file needs no pandas

            numbers = pd.to_numeric(pd.Series(np.asarray(values)), errors="coerce").to_numpy()
            result = np.full(len(numbers), -1, dtype=np.int64)
            for i, klass in enumerate(self.classes):
                inside = (numbers >= klass.lower) & (numbers <= klass.upper) & (result < 0)
                result[inside] = i
            return result
        return np.zeros(len(values), dtype=np.int64)

    def class_colors(self) -> list[str]:
        """Fill colour of each class index returned by :meth:`class_index`."""
        if self.kind in ("categorized", "raster-classes"):
            return [c.color for c in self.categories]
        if self.kind == "graduated":
            return [c.color for c in self.classes]
        return [self.fill_color]

    def legend_entries(self, shape: str) -> list[LegendEntry]:
        """Legend rows for a layer of geometry ``shape`` (polygon/line/point/raster)."""
        stroke = self.stroke_color if self.stroke_width > 0 else None
        if self.kind == "single":
            return [LegendEntry("", self.fill_color, stroke, shape)]
        if self.kind in ("categorized", "raster-classes"):
            return [
                LegendEntry(c.label or str(c.value), c.color, stroke, shape)
                for c in self.categories
            ]
        if self.kind == "graduated":
            return [LegendEntry(c.label, c.color, stroke, shape) for c in self.classes]
        low = "" if self.value_min is None else _format_number(self.value_min)
        high = "" if self.value_max is None else _format_number(self.value_max)
        unit = f" {self.unit}" if self.unit else ""
        return [
            LegendEntry(
                f"{low} – {high}{unit}",
                None,
                None,
                "ramp",
                tuple(sample_colormap(self.colormap, 5)),
            )
        ]


def categorized_style(
    values: pd.Series | np.ndarray, column: str, base: Style | None = None, max_categories: int = 12
) -> Style:
    """A categorised style with one colour-blind safe colour per distinct value of ``column``.

    Values beyond ``max_categories`` (the most frequent are kept) fall back to the base fill.
    """
    import pandas as pd  # here: drawing a map from a file needs no pandas

    series = pd.Series(np.asarray(values, dtype=object)).dropna()
    return categorized_style_from_counts(series.value_counts(), column, base, max_categories)


def categorized_style_from_counts(
    counts: pd.Series, column: str, base: Style | None = None, max_categories: int = 12
) -> Style:
    """As :func:`categorized_style`, from the value counts of ``column`` (distinct value ->
    number of features, most frequent first): a big layer's column summarised in a worker
    (see :mod:`twin.layers.style_fields`)."""
    ordered = list(counts.index[:max_categories])
    with contextlib.suppress(TypeError):
        ordered = sorted(ordered)
    colors = category_colors(len(ordered))
    categories = tuple(
        Category(_json_scalar(v), c, str(v)) for v, c in zip(ordered, colors, strict=True)
    )
    return (base or Style()).with_changes(kind="categorized", column=column, categories=categories)


def class_breaks(values: np.ndarray, count: int, method: str) -> np.ndarray:
    """``count + 1`` class edges of ``values`` by ``quantile`` or ``equal-interval``."""
    if method not in CLASSIFICATION_METHODS:
        raise ValueError(
            tr("unknown method {method!r}; expected one of {classification_methods}").format(
                method=method, classification_methods=CLASSIFICATION_METHODS
            )
        )
    finite = np.asarray(values, dtype=float)
    finite = finite[np.isfinite(finite)]
    if finite.size == 0:
        raise ValueError(tr("no numeric values to classify"))
    if method == "quantile":
        edges = np.quantile(finite, np.linspace(0.0, 1.0, count + 1))
    else:
        edges = np.linspace(finite.min(), finite.max(), count + 1)
    return edges


def graduated_style(
    values: pd.Series | np.ndarray,
    column: str,
    count: int = 5,
    method: str = "quantile",
    colormap: str = "viridis",
    base: Style | None = None,
    unit: str = "",
) -> Style:
    """A graduated style: ``count`` classes of ``column`` by quantiles or equal intervals."""
    import pandas as pd  # here: drawing a map from a file needs no pandas

    numbers = pd.to_numeric(pd.Series(np.asarray(values)), errors="coerce").to_numpy(dtype=float)
    edges = np.unique(class_breaks(numbers, count, method))
    if edges.size == 1:
        edges = np.array([edges[0], edges[0]])
    colors = sample_colormap(colormap, edges.size - 1)
    suffix = f" {unit}" if unit else ""
    classes = tuple(
        ClassBreak(
            float(lo), float(hi), color, f"{_format_number(lo)} – {_format_number(hi)}{suffix}"
        )
        for lo, hi, color in zip(edges[:-1], edges[1:], colors, strict=True)
    )
    return (base or Style()).with_changes(
        kind="graduated",
        column=column,
        classes=classes,
        method=method,
        colormap=colormap,
        unit=unit,
    )


def raster_style(
    array: np.ndarray, colormap: str = "viridis", nodata: float | None = None, unit: str = ""
) -> Style:
    """A raster colour-map style stretched between the 2nd and 98th percentile of the data."""
    data = np.asarray(array, dtype=float)
    valid = np.isfinite(data)
    if nodata is not None and not math.isnan(nodata):
        valid &= data != nodata
    if valid.any():
        low, high = np.percentile(data[valid], [2, 98])
    else:
        low, high = 0.0, 1.0
    if high <= low:
        high = low + 1.0
    return Style(
        kind="raster",
        colormap=colormap,
        value_min=float(low),
        value_max=float(high),
        unit=unit,
        stroke_width=0.0,
    )


def _numeric_category_index(
    values: pd.Series | np.ndarray, categories: tuple[Category, ...]
) -> np.ndarray | None:
    """Vectorised :meth:`Style.class_index` for numeric values and numeric categories (e.g.
    raster class codes); None when either side is not numeric. Same shape as ``values``."""
    array = np.asarray(values)
    keys = [_json_scalar(c.value) for c in categories]
    if (
        array.dtype.kind not in "iuf"
        or not keys
        or not all(isinstance(k, int | float) and not isinstance(k, bool) for k in keys)
    ):
        return None
    key_array = np.asarray(keys, dtype=float)
    order = np.argsort(key_array, kind="stable")
    sorted_keys = key_array[order]
    flat = array.astype(float, copy=False)
    position = np.clip(np.searchsorted(sorted_keys, flat), 0, len(sorted_keys) - 1)
    found = sorted_keys[position] == flat  # NaN never matches
    return np.where(found, order[position], -1).astype(np.int64)


def _format_number(value: float) -> str:
    value = float(value)
    if value != 0 and (abs(value) >= 1e6 or abs(value) < 0.01):
        return f"{value:.3g}"
    if float(value).is_integer():
        return f"{int(value):,}".replace(",", " ")
    return f"{value:,.2f}".replace(",", " ")


def _json_scalar(value: Any) -> Any:
    """A plain JSON scalar for numpy/pandas values (so lookups and JSON agree)."""
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def new_transit_line_style() -> Style:
    """A scenario's new transit line: 5 px wide in a strong magenta that reads over the
    transit blues and at the full extent, labelled with its name."""
    return Style(
        fill_color=NEW_TRANSIT_LINE_COLOR,
        stroke_color=NEW_TRANSIT_LINE_COLOR,
        stroke_width=5.0,
        labels=LabelStyle(field="name", size=12.0, bold=True, color=NEW_TRANSIT_LINE_COLOR),
    )


def new_transit_stop_style() -> Style:
    """A scenario's new stops: 10 px white dots ringed in the new line's magenta."""
    return Style(
        fill_color="#FFFFFF",
        stroke_color=NEW_TRANSIT_LINE_COLOR,
        stroke_width=2.5,
        point_size=10.0,
    )
