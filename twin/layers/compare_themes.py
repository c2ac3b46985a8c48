"""Themes two scenarios can be compared on, Qt-free: coverage level per technology and PTAL
(:mod:`twin.layers.difference`), plus line and transformer loading (%) and fiber
eligibility per building, each differenced into better / worse / unchanged features.

- :func:`fiber_eligibility_layer`: a building point per building, ``eligible`` when the
  baseline says it is (``fiber_status`` connected or eligible) or the scenario's fiber plan
  passes it (its ``premises passed`` layer).
- :func:`value_change`: a numeric column of two vector layers matched on a key; the change
  and a class (``better``/``worse``/``unchanged``) by the theme's direction.
- :func:`comparable_pairs` / :func:`theme_difference`: every pair of same-theme layers of
  two scenarios that can be differenced, and their difference layer.
"""

from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import shapely

from twin.errors import DataError
from twin.i18n import tr
from twin.layers.base import Layer
from twin.layers.difference import (
    base_name,
    difference_layer,
    is_comparable,
    matching_pairs,
)
from twin.layers.provenance import Provenance
from twin.layers.raster import RasterLayer
from twin.layers.style import Category, Style
from twin.layers.vector import VectorLayer

BETTER, WORSE, SAME = "better", "worse", "unchanged"
# blue where the scenario is better, orange where worse, unchanged faint (as the level change)
VALUE_CHANGE_COLORS = {BETTER: "#0072B2", WORSE: "#D55E00", SAME: "#9E9E9E40"}
FIBER_ELIGIBILITY = "Fiber eligibility"
ELIGIBLE_STATUSES = ("connected", "eligible")
LEVELS = (0, 1, 2, 3)  # coverage levels: none, limited, good, very good


@dataclass(frozen=True)
class ValueTheme:
    """A numeric column compared feature by feature: matched on the first of ``keys`` both
    layers have; ``lower_is_better`` (loading) or not (eligibility); ``unit`` of the values;
    ``tolerance``: changes within it count as unchanged."""

    column: str
    keys: tuple[str, ...]
    lower_is_better: bool
    unit: str
    tolerance: float = 0.0
    better_label: str = "better"
    worse_label: str = "worse"


VALUE_THEMES: tuple[ValueTheme, ...] = (
    ValueTheme(
        "loading_percent",
        ("line_id", "trafo_id"),
        True,
        "%",
        tolerance=0.5,
        better_label="less loaded",
        worse_label="more loaded",
    ),
    ValueTheme(
        "eligible",
        ("building_id",),
        False,
        "",
        better_label="became eligible",
        worse_label="no longer eligible",
    ),
)


def value_theme_of(layer: Layer) -> ValueTheme | None:
    """The value theme of a vector layer (None when it has none of their columns)."""
    if not isinstance(layer, VectorLayer):
        return None
    for theme in VALUE_THEMES:
        columns = layer.frame.columns
        if theme.column in columns and any(k in columns for k in theme.keys):
            return theme
    return None


def fiber_eligibility_layer(
    buildings: VectorLayer, passed: VectorLayer | None, scenario: str
) -> VectorLayer:
    """Fiber eligibility of every building in scenario ``scenario``: a point per building
    (its centroid, metres) with ``building_id`` and ``eligible`` (1 or 0)."""
    frame = buildings.frame
    if "building_id" not in frame.columns or "fiber_status" not in frame.columns:
        raise DataError(
            tr("'{layer}' needs building_id and fiber_status columns").format(layer=buildings.name)
        )
    status = frame["fiber_status"].astype(str).str.lower()
    eligible = status.isin(ELIGIBLE_STATUSES).to_numpy()
    if passed is not None and "building_id" in passed.frame.columns:
        eligible |= frame["building_id"].isin(passed.frame["building_id"]).to_numpy()
    points = gpd.GeoDataFrame(
        {"building_id": frame["building_id"].to_numpy(), "eligible": eligible.astype(int)},
        geometry=shapely.centroid(np.asarray(frame.geometry.values, dtype=object)),
        crs=frame.crs,
    )
    style = Style(
        kind="categorized",
        column="eligible",
        point_size=4.0,
        stroke_width=0.0,
        categories=(
            Category(1, "#7B3294", tr("eligible to fiber")),
            Category(0, "#BDBDBD", tr("not eligible")),
        ),
    )
    provenance = Provenance(
        source="engine:fiber",
        method="Buildings connected or eligible in the baseline, plus those the scenario's "
        "fiber plan passes.",
        parameters={"scenario": scenario, "engine": "fiber"},
    )
    return VectorLayer(
        f"{scenario}: {FIBER_ELIGIBILITY}", points, style=style, provenance=provenance
    )


def value_change(
    a: VectorLayer, b: VectorLayer, theme: ValueTheme, name_a: str = "A", name_b: str = "B"
) -> VectorLayer:
    """``theme.column`` of ``b`` against ``a`` per feature matched on the theme's key:
    columns ``value_a``, ``value_b``, ``change_value`` (b - a, in ``theme.unit``) and
    ``change`` (better/worse/unchanged for the theme's direction); geometry from ``b``.
    Features in only one layer are left out."""
    key = next((k for k in theme.keys if k in a.frame.columns and k in b.frame.columns), None)
    if key is None:
        raise DataError(
            tr("'{a}' and '{b}' share no key ({keys})").format(
                a=a.name, b=b.name, keys=", ".join(theme.keys)
            )
        )
    values_a = a.frame.drop_duplicates(key).set_index(key)[theme.column].astype(float)
    frame_b = b.frame[b.frame[key].isin(values_a.index)].reset_index(drop=True)
    value_a = values_a.reindex(frame_b[key]).to_numpy(dtype=float)
    value_b = frame_b[theme.column].astype(float).to_numpy()
    delta = np.nan_to_num(value_b - value_a, nan=0.0)
    improved = -delta if theme.lower_is_better else delta
    change = np.where(
        improved > theme.tolerance, BETTER, np.where(improved < -theme.tolerance, WORSE, SAME)
    )
    frame = gpd.GeoDataFrame(
        {
            key: frame_b[key].to_numpy(),
            "value_a": value_a,
            "value_b": value_b,
            "change_value": delta,
            "change": change,
        },
        geometry=frame_b.geometry.values,
        crs=b.frame.crs,
    )
    title = base_name(a.name)
    style = Style(
        kind="categorized",
        column="change",
        stroke_width=2.5,
        point_size=6.0,
        categories=(
            Category(BETTER, VALUE_CHANGE_COLORS[BETTER], tr(theme.better_label)),
            Category(WORSE, VALUE_CHANGE_COLORS[WORSE], tr(theme.worse_label)),
            Category(SAME, VALUE_CHANGE_COLORS[SAME], tr(SAME)),
        ),
        unit=theme.unit,
    )
    provenance = Provenance(
        source="engine:difference",
        method=f"{theme.column} of '{name_b}' minus '{name_a}' per feature ({title}), matched "
        f"on {key}.",
        parameters={"scenario_a": name_a, "scenario_b": name_b, "layer_a": a.name},
    )
    return VectorLayer(
        f"{name_b} vs {name_a}: {title} change", frame, style=style, provenance=provenance
    )


def comparable_pairs(layers_a: list[Layer], layers_b: list[Layer]) -> list[tuple[Layer, Layer]]:
    """Same-theme layer pairs of two scenarios that can be differenced: coverage levels and
    PTAL (:func:`matching_pairs`), then loading and eligibility layers, in ``layers_a``'s
    order."""
    pairs = matching_pairs(layers_a, layers_b)
    taken = {base_name(a.name) for a, _ in pairs}
    by_name = {base_name(layer.name): layer for layer in layers_b}
    for layer in layers_a:
        name = base_name(layer.name)
        other = by_name.get(name)
        if name in taken or other is None or is_comparable(layer):
            continue
        theme = value_theme_of(layer)
        if theme is not None and value_theme_of(other) == theme:
            pairs.append((layer, other))
    return pairs


def theme_difference(a: Layer, b: Layer, name_a: str = "A", name_b: str = "B") -> Layer:
    """The difference layer of a pair from :func:`comparable_pairs` (B against A)."""
    theme = value_theme_of(a)
    if theme is not None and not is_comparable(a):
        return value_change(a, b, theme, name_a, name_b)  # type: ignore[arg-type]
    if isinstance(a, RasterLayer) and isinstance(b, RasterLayer):
        return difference_layer(levels_only(a), levels_only(b), name_a, name_b)
    return difference_layer(a, b, name_a, name_b)


def levels_only(layer: RasterLayer) -> RasterLayer:
    """``layer`` with every pixel that is not a coverage level (0 to 3; e.g. the 255 the
    live map puts outside the territory) set to no data, so it is not counted as a change."""
    array = np.asarray(layer.array, dtype=float)
    valid = layer.valid_mask() & np.isin(array, LEVELS)
    if valid.all():
        return layer
    return layer.with_array(np.where(valid, array, np.nan), nodata=np.nan)


def with_fiber_eligibility(
    layers: list[Layer], data_layers: list[Layer], scenario: str
) -> list[Layer]:
    """``layers`` (a scenario's results) plus its fiber eligibility layer, when the
    project's ``data_layers`` have buildings with a fiber status."""
    buildings = next(
        (
            layer
            for layer in data_layers
            if isinstance(layer, VectorLayer)
            and {"building_id", "fiber_status"} <= set(layer.frame.columns)
        ),
        None,
    )
    if buildings is None or any(base_name(x.name) == FIBER_ELIGIBILITY for x in layers):
        return layers
    passed = next(
        (
            x
            for x in layers
            if base_name(x.name) == "premises passed" and isinstance(x, VectorLayer)
        ),
        None,
    )
    return [*layers, fiber_eligibility_layer(buildings, passed, scenario)]
