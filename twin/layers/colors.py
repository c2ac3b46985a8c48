"""Colour-blind safe palettes and colour maps, Qt-free.

Categories use the Okabe-Ito palette (Okabe & Ito 2008, "Color Universal Design");
continuous data uses perceptually uniform maps (viridis, cividis, magma from matplotlib,
CC0), sampled here at nine stops and interpolated linearly in sRGB.
"""

from __future__ import annotations

import numpy as np

OKABE_ITO: tuple[str, ...] = (
    "#E69F00",  # orange
    "#56B4E9",  # sky blue
    "#009E73",  # bluish green
    "#F0E442",  # yellow
    "#0072B2",  # blue
    "#D55E00",  # vermillion
    "#CC79A7",  # reddish purple
    "#999999",  # grey
    "#000000",  # black
)

COLORMAPS: dict[str, tuple[str, ...]] = {
    "viridis": (
        "#440154",
        "#472D7B",
        "#3B528B",
        "#2C728E",
        "#21918C",
        "#28AE80",
        "#5EC962",
        "#ADDC30",
        "#FDE725",
    ),
    "cividis": (
        "#00224E",
        "#123570",
        "#3B496C",
        "#575D6D",
        "#707173",
        "#8A8779",
        "#A69D75",
        "#C4B56C",
        "#FEE838",
    ),
    "magma": (
        "#000004",
        "#1C1044",
        "#4F127B",
        "#812581",
        "#B5367A",
        "#E55064",
        "#FB8761",
        "#FEC287",
        "#FCFDBF",
    ),
    "greys": ("#FFFFFF", "#000000"),
    "blues": ("#F7FBFF", "#C6DBEF", "#6BAED6", "#2171B5", "#08306B"),
    "terrain": ("#2E6B3A", "#6E9A4E", "#B5C27A", "#D9C99A", "#B59A7A", "#F2F2F2"),
}


# One colour scheme per theme, used by the app, ``twin render`` and exports alike.
# Coverage levels 0-3 (no coverage, limited, good, very good): ColorBrewer RdBu ends, a
# diverging scheme safe for colour-blind readers; "no coverage" is a strong red so gaps show.
COVERAGE_LEVEL_COLORS: tuple[str, str, str, str] = ("#C0263A", "#F4A582", "#92C5DE", "#2166AC")


def hex_to_rgba(color: str, alpha: float = 1.0) -> tuple[int, int, int, int]:
    """Parse ``#RRGGBB`` or ``#RRGGBBAA`` into an (r, g, b, a) tuple of 0-255 ints."""
    text = color.lstrip("#")
    if len(text) not in (6, 8):
        raise ValueError(f"not a colour: {color!r} (expected #RRGGBB)")
    r, g, b = (int(text[i : i + 2], 16) for i in (0, 2, 4))
    a = int(text[6:8], 16) if len(text) == 8 else round(255 * alpha)
    return r, g, b, a


def rgba_to_hex(rgba: tuple[int, int, int] | tuple[int, int, int, int]) -> str:
    """Format an (r, g, b[, a]) tuple of 0-255 ints as ``#RRGGBB``."""
    r, g, b = (int(v) for v in rgba[:3])
    return f"#{r:02X}{g:02X}{b:02X}"


def colormap_lut(name: str, n: int = 256) -> np.ndarray:
    """An (n, 4) uint8 RGBA lookup table for the named colour map."""
    if name not in COLORMAPS:
        raise ValueError(f"unknown colour map {name!r}; choose one of {sorted(COLORMAPS)}")
    stops = np.array([hex_to_rgba(c)[:3] for c in COLORMAPS[name]], dtype=float)
    positions = np.linspace(0.0, 1.0, len(stops))
    samples = np.linspace(0.0, 1.0, n)
    lut = np.empty((n, 4), dtype=np.uint8)
    for channel in range(3):
        lut[:, channel] = np.round(np.interp(samples, positions, stops[:, channel]))
    lut[:, 3] = 255
    return lut


def sample_colormap(name: str, count: int) -> list[str]:
    """``count`` evenly spaced colours of a colour map, as hex strings."""
    if count <= 0:
        return []
    lut = colormap_lut(name, 256)
    index = np.linspace(0, 255, count).round().astype(int) if count > 1 else np.array([128])
    return [rgba_to_hex(tuple(lut[i])) for i in index]


def category_colors(count: int) -> list[str]:
    """``count`` distinct colour-blind safe colours (Okabe-Ito, then a viridis ramp)."""
    if count <= len(OKABE_ITO):
        return list(OKABE_ITO[:count])
    return sample_colormap("viridis", count)
