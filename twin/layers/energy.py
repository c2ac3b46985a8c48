"""Grid layers (buses, lines, transformers, loads, generators) and energy result layers.

Builds :class:`VectorLayer` objects from GeoDataFrames with the SCHEMAS.md grid columns,
checks those columns, and styles results: bus voltage (pu), line and transformer loading
(%) and hosting capacity (MW), each with fixed, meaningful class breaks so a baseline and a
scenario read with the same legend. Colour-blind safe (Okabe-Ito / viridis).
"""

from __future__ import annotations

import geopandas as gpd

from twin.errors import DataError
from twin.i18n import tr
from twin.layers.colors import OKABE_ITO, THEME_COLORS, sample_colormap
from twin.layers.provenance import Provenance
from twin.layers.style import Category, ClassBreak, Style, categorized_style
from twin.layers.vector import VectorLayer

GRID_COLUMNS = {
    "grid_buses": ("bus_id", "name", "vn_kv", "kind", "slack"),
    "grid_lines": (
        "line_id",
        "name",
        "from_bus",
        "to_bus",
        "vn_kv",
        "std_type",
        "length_km",
        "parallel",
    ),
    "grid_transformers": ("trafo_id", "name", "hv_bus", "lv_bus", "std_type", "sn_mva"),
    "grid_loads": ("bus", "p_mw"),
    "grid_generators": ("bus", "p_mw"),
}
GRID_NAMES = {
    "grid_buses": "Grid buses",
    "grid_lines": "Grid lines",
    "grid_transformers": "Grid transformers",
    "grid_loads": "Grid loads",
    "grid_generators": "Grid generators (PV)",
}
_ORANGE, _SKY, _GREEN, _YELLOW, _BLUE, _VERMILLION, _PURPLE, _GREY, _BLACK = OKABE_ITO

LOADING_CLASSES = (
    ClassBreak(0.0, 50.0, _GREEN, "< 50 %"),
    ClassBreak(50.0, 80.0, _SKY, "50 – 80 %"),
    ClassBreak(80.0, 100.0, _ORANGE, "80 – 100 %"),
    ClassBreak(100.0, 1e9, _VERMILLION, "> 100 % (overload)"),
)
VOLTAGE_CLASSES = (
    ClassBreak(0.0, 0.90, _BLACK, "< 0.90 pu"),
    ClassBreak(0.90, 0.95, _VERMILLION, "0.90 – 0.95 pu"),
    ClassBreak(0.95, 1.05, _GREEN, "0.95 – 1.05 pu"),
    ClassBreak(1.05, 1.10, _ORANGE, "1.05 – 1.10 pu"),
    ClassBreak(1.10, 1e9, _PURPLE, "> 1.10 pu"),
)


def check_grid_columns(layer_id: str, frame: gpd.GeoDataFrame) -> None:
    """Raise DataError when a grid frame lacks a SCHEMAS.md column."""
    missing = [c for c in GRID_COLUMNS.get(layer_id, ()) if c not in frame.columns]
    if missing:
        raise DataError(
            tr("grid layer {layer_id!r} lacks the column(s) {missing}").format(
                layer_id=layer_id, missing=", ".join(missing)
            )
        )


def grid_layer(layer_id: str, frame: gpd.GeoDataFrame, provenance: Provenance) -> VectorLayer:
    """A grid layer with its SCHEMAS.md id (grid_buses, grid_lines, ...) and a plain style:
    buses and lines categorised by voltage level, transformers as squares."""
    check_grid_columns(layer_id, frame)
    if layer_id == "grid_buses":
        style = categorized_style(frame["kind"], "kind", Style(point_size=6.0))
    elif layer_id == "grid_lines":  # the grid theme's oranges, highest voltage darkest
        voltages = sorted(frame["vn_kv"].dropna().unique(), reverse=True)
        grid = THEME_COLORS["grid"]
        style = Style(
            kind="categorized",
            column="vn_kv",
            stroke_width=2.0,
            categories=tuple(
                Category(float(kv), grid[min(i, len(grid) - 1)], f"{float(kv):g} kV")
                for i, kv in enumerate(voltages)
            ),
        )
    elif layer_id == "grid_transformers":
        style = Style(fill_color=_BLUE, point_symbol="s", point_size=9.0)
    elif layer_id == "grid_generators":
        style = Style(fill_color=_YELLOW, point_symbol="t", point_size=7.0)
    else:
        style = Style(fill_color=_GREY, point_size=5.0)
    return VectorLayer(
        GRID_NAMES.get(layer_id, layer_id),
        frame,
        style=style,
        provenance=provenance,
        layer_id=layer_id,
    )


def graduated_fixed(
    column: str, classes: tuple[ClassBreak, ...], unit: str, base: Style | None = None
) -> Style:
    """A graduated style with fixed class breaks (the same legend for every scenario)."""
    return (base or Style()).with_changes(
        kind="graduated", column=column, classes=classes, unit=unit
    )


def line_loading_layer(
    frame: gpd.GeoDataFrame, provenance: Provenance, name: str = "Line loading"
) -> VectorLayer:
    """Lines coloured by ``loading_percent`` (worst over the cases, %)."""
    style = graduated_fixed("loading_percent", LOADING_CLASSES, "%", Style(stroke_width=3.0))
    return VectorLayer(
        name, frame, style=style, provenance=provenance, layer_id="energy_line_loading"
    )


def trafo_loading_layer(
    frame: gpd.GeoDataFrame, provenance: Provenance, name: str = "Transformer loading"
) -> VectorLayer:
    """Transformers coloured by ``loading_percent`` (%)."""
    style = graduated_fixed(
        "loading_percent", LOADING_CLASSES, "%", Style(point_symbol="s", point_size=10.0)
    )
    return VectorLayer(
        name, frame, style=style, provenance=provenance, layer_id="energy_trafo_loading"
    )


def bus_voltage_layer(
    frame: gpd.GeoDataFrame,
    provenance: Provenance,
    column: str = "vm_min_pu",
    name: str = "Bus voltage (lowest)",
) -> VectorLayer:
    """Buses coloured by a voltage column (pu), e.g. the lowest over the cases."""
    style = graduated_fixed(column, VOLTAGE_CLASSES, "pu", Style(point_size=7.0))
    return VectorLayer(
        name, frame, style=style, provenance=provenance, layer_id=f"energy_bus_{column}"
    )


def hosting_capacity_layer(
    frame: gpd.GeoDataFrame, column: str, provenance: Provenance, name: str
) -> VectorLayer:
    """Buses coloured by hosting capacity (MW) with classes 0, 0-0.1, 0.1-0.5, 0.5-1,
    1-2, 2-5, > 5 MW (viridis: dark = little room, yellow = much)."""
    edges = (0.0, 0.1, 0.5, 1.0, 2.0, 5.0, 1e9)
    labels = ("< 0.1 MW", "0.1 – 0.5 MW", "0.5 – 1 MW", "1 – 2 MW", "2 – 5 MW", "> 5 MW")
    colors = sample_colormap("viridis", len(labels))
    classes = tuple(
        ClassBreak(lo, hi, color, label)
        for lo, hi, color, label in zip(edges[:-1], edges[1:], colors, labels, strict=True)
    )
    style = graduated_fixed(column, classes, "MW", Style(point_size=8.0))
    return VectorLayer(
        name, frame, style=style, provenance=provenance, layer_id=f"hosting_capacity_{column}"
    )
