"""Difference layers between two scenarios' results, Qt-free.

- :func:`coverage_change`: coverage level of scenario B minus scenario A per pixel (levels
  0-3: none, limited, good, very good), so +2 means "two levels gained"; drawn in blues
  where gained and oranges where lost, unchanged pixels transparent.
- :func:`ptal_change`: PTAL band of each location in B against A (bands 0, 1a, 1b, 2, 3,
  4, 5, 6a, 6b in TfL's order), the number of bands gained (negative: lost) and a
  gained/lost/unchanged class.

Both return ordinary layers with provenance naming the two scenarios, so they can be shown
on the map and written with :func:`twin.layers.io.write_layer` (GeoTIFF, GeoPackage).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from twin.errors import DataError
from twin.i18n import tr
from twin.layers.base import Layer
from twin.layers.provenance import Provenance
from twin.layers.raster import RasterLayer
from twin.layers.style import Category, Style
from twin.layers.vector import VectorLayer

ENGINE = "engine:difference"
CHANGE_NODATA = -128  # int8 pixel where either scenario has no data
#: PTAL bands from worst to best (TfL, "Assessing transport connectivity in London", 2015).
PTAL_BAND_ORDER: tuple[str, ...] = ("0", "1a", "1b", "2", "3", "4", "5", "6a", "6b")
GAINED, LOST, UNCHANGED = "gained", "lost", "unchanged"

# Colour-blind safe: blues for gains, oranges for losses (Okabe-Ito hues, darker = more).
_LEVEL_CHANGE_COLORS = {
    -3: ("#7A2E00", "3 levels lost"),
    -2: ("#D55E00", "2 levels lost"),
    -1: ("#E69F00", "1 level lost"),
    1: ("#56B4E9", "1 level gained"),
    2: ("#0072B2", "2 levels gained"),
    3: ("#08306B", "3 levels gained"),
}
# unchanged locations are drawn faint (#RRGGBBAA) so that gains and losses stand out
CHANGE_COLORS = {GAINED: "#0072B2", LOST: "#D55E00", UNCHANGED: "#9E9E9E40"}


def base_name(layer_name: str) -> str:
    """A result layer's name without its ``"<scenario>: "`` prefix."""
    return layer_name.split(": ", 1)[1] if ": " in layer_name else layer_name


def level_change_style() -> Style:
    """Raster-classes style of a coverage level change (-3..+3 levels; 0 not drawn)."""
    categories = tuple(
        Category(value, color, label) for value, (color, label) in _LEVEL_CHANGE_COLORS.items()
    )
    return Style(kind="raster-classes", categories=categories, unit="levels")


def change_style(column: str = "change") -> Style:
    """Categorized style of a gained/lost/unchanged column."""
    categories = tuple(
        Category(value, CHANGE_COLORS[value], value) for value in (GAINED, LOST, UNCHANGED)
    )
    return Style(
        kind="categorized", column=column, categories=categories, stroke_width=0.0, point_size=6.0
    )


def _provenance(a: Layer, b: Layer, name_a: str, name_b: str, method: str) -> Provenance:
    return Provenance(
        source=ENGINE,
        licence=a.provenance.licence or b.provenance.licence,
        attribution=a.provenance.attribution or b.provenance.attribution,
        method=method,
        parameters={
            "scenario_a": name_a,
            "scenario_b": name_b,
            "layer_a": a.name,
            "layer_b": b.name,
        },
    )


def coverage_change(
    a: RasterLayer, b: RasterLayer, name_a: str = "A", name_b: str = "B", name: str | None = None
) -> RasterLayer:
    """Coverage level of ``b`` minus ``a`` per pixel (levels, int8 -3..+3; nodata -128 where
    either has no data). Both rasters must share the grid (same shape and transform)."""
    if a.shape != b.shape or not a.transform.almost_equals(b.transform, precision=1e-6):
        raise DataError(
            tr(
                "cannot compare '{a_name}' and '{b_name}': they are not on the same "
                "grid (run both scenarios with the same coverage pixel and extent)"
            ).format(a_name=a.name, b_name=b.name)
        )
    if a.crs is not None and b.crs is not None and not a.crs.equals(b.crs):
        raise DataError(
            tr("cannot compare '{a_name}' and '{b_name}': different CRS").format(
                a_name=a.name, b_name=b.name
            )
        )
    valid = a.valid_mask() & b.valid_mask()
    level_a = np.where(valid, np.asarray(a.array, dtype=float), 0.0)
    level_b = np.where(valid, np.asarray(b.array, dtype=float), 0.0)
    change = np.rint(level_b - level_a).astype(np.int8)
    change[~valid] = CHANGE_NODATA
    title = base_name(a.name)
    method = (
        f"Coverage level of '{name_b}' minus '{name_a}' per pixel ({title}); levels 0 none, "
        "1 limited, 2 good, 3 very good; positive = levels gained."
    )
    return RasterLayer(
        name or f"{name_b} vs {name_a}: {title} change",
        change,
        a.transform,
        a.crs,
        nodata=CHANGE_NODATA,
        style=level_change_style(),
        provenance=_provenance(a, b, name_a, name_b, method),
        unit="levels",
    )


def change_counts(layer: RasterLayer) -> dict[str, int]:
    """Pixels of a level change raster that gained, lost or kept their level (pixels)."""
    values = np.asarray(layer.array)[layer.valid_mask()]
    return {
        GAINED: int(np.count_nonzero(values > 0)),
        LOST: int(np.count_nonzero(values < 0)),
        UNCHANGED: int(np.count_nonzero(values == 0)),
    }


def _band_rank(bands: pd.Series) -> pd.Series:
    rank = {band: index for index, band in enumerate(PTAL_BAND_ORDER)}
    text = bands.astype("string").str.strip().str.lower()
    unknown = sorted(set(text.dropna()) - set(rank))
    if unknown:
        raise DataError(
            tr("unknown PTAL band(s): {unknown} (expected 0, 1a ... 6b)").format(
                unknown=", ".join(unknown[:5])
            )
        )
    return text.map(rank).astype("Int64")


def ptal_change(
    a: VectorLayer,
    b: VectorLayer,
    name_a: str = "A",
    name_b: str = "B",
    column: str = "ptal",
    key: str | None = None,
    name: str | None = None,
) -> VectorLayer:
    """PTAL band of each location in ``b`` against ``a``: columns ``ptal_a``, ``ptal_b``,
    ``bands_gained`` (PTAL bands, negative when lost) and ``change`` (gained/lost/
    unchanged). Locations are matched on ``key`` (default: ``building_id`` when both layers
    have it, else the row order); geometry from ``b``. Locations in only one layer are left
    out."""
    for layer in (a, b):
        if column not in layer.frame.columns:
            raise DataError(
                tr("layer '{layer_name}' has no '{column}' column of PTAL bands").format(
                    layer_name=layer.name, column=column
                )
            )
    if key is None and "building_id" in a.frame.columns and "building_id" in b.frame.columns:
        key = "building_id"
    frame_b = b.frame
    if key is not None:
        if key not in a.frame.columns or key not in frame_b.columns:
            raise DataError(
                tr("both PTAL layers need the '{key}' column to be matched").format(key=key)
            )
        bands_a = a.frame.drop_duplicates(key).set_index(key)[column]
        frame_b = frame_b[frame_b[key].isin(bands_a.index)]
        band_a = bands_a.reindex(frame_b[key]).reset_index(drop=True)
        frame_b = frame_b.reset_index(drop=True)
    else:
        if len(a.frame) != len(frame_b):
            raise DataError(
                tr(
                    "'{a_name}' and '{b_name}' have different numbers of locations and "
                    "no building_id to match them"
                ).format(a_name=a.name, b_name=b.name)
            )
        band_a = a.frame[column].reset_index(drop=True)
        frame_b = frame_b.reset_index(drop=True)
    band_b = frame_b[column].reset_index(drop=True)
    gained = (_band_rank(band_b) - _band_rank(band_a)).fillna(0).astype(int)
    change = np.where(gained > 0, GAINED, np.where(gained < 0, LOST, UNCHANGED))
    columns: dict[str, object] = {}
    if key is not None:
        columns[key] = frame_b[key].to_numpy()
    columns.update(
        ptal_a=band_a.astype(str).to_numpy(),
        ptal_b=band_b.astype(str).to_numpy(),
        bands_gained=gained.to_numpy(),
        change=change,
    )
    frame = frame_b[[frame_b.geometry.name]].copy()
    for column_name, values in columns.items():
        frame[column_name] = values
    frame = frame[[*columns, frame_b.geometry.name]]
    method = (
        f"PTAL band of '{name_b}' against '{name_a}' per location; bands_gained counts bands "
        "in TfL's order 0, 1a, 1b, 2, 3, 4, 5, 6a, 6b (negative = lost)."
    )
    return VectorLayer(
        name or f"{name_b} vs {name_a}: PTAL change",
        frame,
        style=change_style(),
        provenance=_provenance(a, b, name_a, name_b, method),
        crs=b.crs,
    )


def is_comparable(layer: Layer) -> bool:
    """True for layers a difference can be made of: a coverage level raster or a vector
    layer with a ``ptal`` column."""
    if isinstance(layer, RasterLayer):
        return base_name(layer.name).endswith("level")
    return isinstance(layer, VectorLayer) and "ptal" in layer.frame.columns


def matching_pairs(layers_a: list[Layer], layers_b: list[Layer]) -> list[tuple[Layer, Layer]]:
    """Pairs of comparable layers with the same name (without the scenario prefix), in the
    order of ``layers_a``."""
    by_name = {base_name(layer.name): layer for layer in layers_b if is_comparable(layer)}
    pairs = []
    for layer in layers_a:
        other = by_name.get(base_name(layer.name))
        same_kind = isinstance(other, RasterLayer) == isinstance(layer, RasterLayer)
        if other is not None and is_comparable(layer) and same_kind:
            pairs.append((layer, other))
    return pairs


def difference_layer(a: Layer, b: Layer, name_a: str = "A", name_b: str = "B") -> Layer:
    """The difference of two comparable layers: :func:`coverage_change` for rasters,
    :func:`ptal_change` for PTAL vector layers."""
    if isinstance(a, RasterLayer) and isinstance(b, RasterLayer):
        return coverage_change(a, b, name_a, name_b)
    if isinstance(a, VectorLayer) and isinstance(b, VectorLayer):
        return ptal_change(a, b, name_a, name_b)
    raise DataError(
        tr("cannot compare '{a_name}' ({a_kind}) with '{b_name}' ({b_kind})").format(
            a_name=a.name, a_kind=a.kind, b_name=b.name, b_kind=b.kind
        )
    )
