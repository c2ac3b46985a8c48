"""Styles of the sample layers: colour-blind safe (Okabe-Ito, viridis/cividis), readable."""

from __future__ import annotations

import numpy as np

from twin.layers import Category, Style
from twin.layers.colors import THEME_COLORS
from twin.layers.style import LabelStyle, graduated_style, raster_style

ROADS, FIBER, GRID, TRANSIT = (THEME_COLORS[t] for t in ("roads", "fiber", "grid", "transit"))
# Labels on by default: communes (larger first) and lines at every scale, stop names only
# when zoomed in (8 m per pixel or closer, about 1:30 000 on a laptop screen).
COMMUNE_LABELS = LabelStyle(field="name", priority_field="population", size=13.0, bold=True)
LINE_LABELS = LabelStyle(field="route_short_name", size=11.0, bold=True, color=TRANSIT[4])
STOP_LABELS = LabelStyle(
    field="stop_name",
    size=10.0,
    color="#333333",
    max_metres_per_pixel=8.0,
    priority_field="departures_per_hour",
)


def _categories(column: str, pairs, base: Style) -> Style:
    return base.with_changes(
        kind="categorized",
        column=column,
        categories=tuple(Category(value, color, label) for value, color, label in pairs),
    )


def _transit_style(routes, line: Style) -> Style:
    """Transit in blues (the transit theme): the tram darkest, bus lines cycling through the
    lighter blues; each line is named by its label."""
    buses = sorted(
        routes.loc[routes["mode"] == "bus", "route_short_name"], key=lambda n: (len(n), n)
    )
    ramp = [TRANSIT[1 + i % 3] for i in range(len(buses))]
    pairs = [
        (name, TRANSIT[0], f"Tram {name}")
        for name in routes.loc[routes["mode"] == "tram", "route_short_name"]
    ]
    pairs += [(name, color, f"Bus {name}") for name, color in zip(buses, ramp, strict=True)]
    return _categories(
        "route_short_name", pairs, line.with_changes(stroke_width=2.5, labels=LINE_LABELS)
    )


def layer_styles(frames: dict, terrain: np.ndarray, nodata: float) -> dict[str, Style]:
    """Style of every sample layer, keyed by layer id."""
    line = Style(stroke_width=1.0, fill_opacity=1.0)
    point = Style(stroke_color="#1A1A1A", stroke_width=1.0, point_size=7.0)
    return {
        "mobile_cells": point.with_changes(fill_color="#CC79A7", point_symbol="t", point_size=10.0),
        "transit_stops": _categories(
            "modes",
            [
                ("bus", "#0072B2", "Bus stop"),
                ("tram", "#D55E00", "Tram stop"),
                ("bus;tram", "#000000", "Bus and tram stop"),
            ],
            point.with_changes(point_size=6.0, labels=STOP_LABELS),
        ),
        "fiber_nodes": _categories(
            "kind",
            [
                ("NRO", "#009E73", "NRO (optical node)"),
                ("PM", "#F0E442", "PM (shared access point)"),
            ],
            point.with_changes(point_symbol="s"),
        ),
        "town_halls": point.with_changes(
            fill_color="#FFFFFF", point_symbol="s", point_size=8.0, stroke_width=1.5
        ),
        "grid_transformers": point.with_changes(
            fill_color="#E69F00", point_symbol="d", point_size=6.0
        ),
        "grid_buses": _categories(
            "kind",
            [
                ("source", "#D55E00", "HV source (110 kV)"),
                ("substation", "#D55E00", "Source substation 20 kV"),
                ("mv", "#E69F00", "MV bus (20 kV)"),
                ("lv", "#F0E442", "LV bus (0.4 kV)"),
            ],
            point.with_changes(point_size=5.0),
        ),
        "transit_routes": _transit_style(frames["transit_routes"], line),
        "fiber_cables": _categories(
            "support",
            [
                ("duct", FIBER[0], "In duct"),
                ("aerial", FIBER[1], "Aerial (poles)"),
                ("trench", FIBER[2], "In trench"),
            ],
            line.with_changes(stroke_width=1.0),
        ),
        "grid_lines": _categories(
            "vn_kv",
            [(20, GRID[0], "MV 20 kV"), (0.4, GRID[1], "LV 0.4 kV")],
            line.with_changes(stroke_width=1.0),
        ),
        "ducts": _categories(
            "support",
            [("duct", FIBER[3], "Duct (civil engineering)"), ("aerial", FIBER[1], "Poles")],
            line,
        ),
        "roads": _categories(
            "highway",
            [
                ("primary", ROADS[0], "Primary"),
                ("secondary", ROADS[1], "Secondary"),
                ("tertiary", ROADS[2], "Tertiary"),
                ("residential", ROADS[3], "Residential"),
                ("service", ROADS[4], "Service"),
            ],
            line.with_changes(stroke_width=0.8),
        ),
        "buildings": Style(fill_color="#8F8579", stroke_color="#5A534A", stroke_width=0.5),
        "population_grid": graduated_style(
            frames["population_grid"]["population"],
            "population",
            count=5,
            method="quantile",
            colormap="viridis",
            base=Style(stroke_width=0.0, fill_opacity=0.7),
            unit="persons",
        ),
        "communes": Style(
            fill_color="#FFFFFF",
            fill_opacity=0.0,
            stroke_color="#000000",
            stroke_width=1.5,
            labels=COMMUNE_LABELS,
        ),
        "terrain": raster_style(terrain, colormap="terrain", nodata=nodata, unit="m"),
    }
