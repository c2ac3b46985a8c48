"""Colour-blind safe palettes and colour maps, Qt-free.

Categories use the Okabe-Ito palette (Okabe & Ito 2008, "Color Universal Design");
continuous data uses perceptually uniform maps (viridis, cividis, magma from matplotlib,
CC0), sampled here at nine stops and interpolated linearly in sRGB.
"""

from __future__ import annotations

import numpy as np

from twin.i18n import tr

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


# One hue family per network theme, the same for the sample, the app, ``twin render`` and
# exports, chosen so that any two colours of two themes differ by at least 20 CIELAB units
# (tests/test_labels_colors.py): roads in greys (drawn thin, under everything), fiber in
# purples, the electricity grid in oranges, transit in blues (drawn wide, on top).
THEME_COLORS: dict[str, tuple[str, ...]] = {
    "roads": ("#6E6E6E", "#888888", "#A0A0A0", "#B8B8B8", "#CCCCCC"),
    "fiber": ("#7B3294", "#B07CC6", "#4D0F6E", "#C9B3D6"),
    "grid": ("#B35806", "#F1A340"),
    "transit": ("#0046A0", "#2B7BD6", "#1F9ED1", "#3A5FCD", "#08306B"),
}
NEW_TRANSIT_LINE_COLOR = "#D81B60"  # a scenario's new line: strong magenta, seen over blues


def srgb_to_lab(color: str) -> tuple[float, float, float]:
    """CIELAB (L*, a*, b*; D65 white) of an sRGB ``#RRGGBB`` colour."""
    rgb = np.array(hex_to_rgba(color)[:3], dtype=float) / 255.0
    linear = np.where(rgb <= 0.04045, rgb / 12.92, ((rgb + 0.055) / 1.055) ** 2.4)
    to_xyz = np.array(
        [
            [0.4124564, 0.3575761, 0.1804375],
            [0.2126729, 0.7151522, 0.0721750],
            [0.0193339, 0.1191920, 0.9503041],
        ]
    )
    xyz = to_xyz @ linear / np.array([0.95047, 1.0, 1.08883])
    delta = 6.0 / 29.0
    f = np.where(xyz > delta**3, np.cbrt(xyz), xyz / (3 * delta**2) + 4.0 / 29.0)
    return (float(116 * f[1] - 16), float(500 * (f[0] - f[1])), float(200 * (f[1] - f[2])))


def delta_e(first: str, second: str) -> float:
    """Colour difference ΔE*ab (CIE 1976: distance in CIELAB) of two ``#RRGGBB`` colours;
    about 2.3 is just noticeable, 20 or more reads as a different colour."""
    a, b = np.array(srgb_to_lab(first)), np.array(srgb_to_lab(second))
    return float(np.linalg.norm(a - b))


def hex_to_rgba(color: str, alpha: float = 1.0) -> tuple[int, int, int, int]:
    """Parse ``#RRGGBB`` or ``#RRGGBBAA`` into an (r, g, b, a) tuple of 0-255 ints."""
    text = color.lstrip("#")
    if len(text) not in (6, 8):
        raise ValueError(tr("not a colour: {color!r} (expected #RRGGBB)").format(color=color))
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
        raise ValueError(
            tr("unknown colour map {name!r}; choose one of {colormaps}").format(
                name=name, colormaps=sorted(COLORMAPS)
            )
        )
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
