"""The palettes a story shows stay distinct for colour-blind viewers (issue 11).

Every pair of classes of a palette is simulated as a deuteranope and a protanope sees it
(Machado, Oliveira & Fernandes 2009, severity 1.0, through the ``colorspacious`` package)
and their CIEDE2000 colour difference (Sharma, Wu & Dalal 2005) must stay above a floor:
20 for the coverage levels (the map every council story starts with), 10 for the other
level palettes (10 is a clearly visible difference; 2.3 is one just-noticeable step).
"""

from __future__ import annotations

import itertools
import math

import colorspacious
import numpy as np
import pytest

from twin.layers.colors import COVERAGE_LEVEL_COLORS
from twin.layers.difference import change_style, level_change_style
from twin.sim.radio.layers import level_style
from twin.ui.live.travel import BAND_COLORS

DEFICIENCIES = ("deuteranomaly", "protanomaly")  # severity 100 = deuteranopia, protanopia


def ciede2000(lab1, lab2) -> float:
    """CIEDE2000 colour difference of two CIELAB colours (Sharma, Wu & Dalal 2005)."""
    l1, a1, b1 = (float(v) for v in lab1)
    l2, a2, b2 = (float(v) for v in lab2)
    c_mean = (math.hypot(a1, b1) + math.hypot(a2, b2)) / 2
    g = 0.5 * (1 - math.sqrt(c_mean**7 / (c_mean**7 + 25**7)))
    a1p, a2p = (1 + g) * a1, (1 + g) * a2
    c1p, c2p = math.hypot(a1p, b1), math.hypot(a2p, b2)
    h1p = math.degrees(math.atan2(b1, a1p)) % 360 if c1p else 0.0
    h2p = math.degrees(math.atan2(b2, a2p)) % 360 if c2p else 0.0
    if c1p * c2p == 0:
        dhp = 0.0
    elif abs(h2p - h1p) <= 180:
        dhp = h2p - h1p
    else:
        dhp = h2p - h1p - 360 if h2p - h1p > 180 else h2p - h1p + 360
    d_l, d_c = l2 - l1, c2p - c1p
    d_h = 2 * math.sqrt(c1p * c2p) * math.sin(math.radians(dhp / 2))
    l_mean, cp_mean = (l1 + l2) / 2, (c1p + c2p) / 2
    if c1p * c2p == 0:
        h_mean = h1p + h2p
    elif abs(h1p - h2p) <= 180:
        h_mean = (h1p + h2p) / 2
    else:
        h_mean = (h1p + h2p + 360) / 2 if h1p + h2p < 360 else (h1p + h2p - 360) / 2
    t = (
        1
        - 0.17 * math.cos(math.radians(h_mean - 30))
        + 0.24 * math.cos(math.radians(2 * h_mean))
        + 0.32 * math.cos(math.radians(3 * h_mean + 6))
        - 0.20 * math.cos(math.radians(4 * h_mean - 63))
    )
    d_theta = 30 * math.exp(-(((h_mean - 275) / 25) ** 2))
    r_c = 2 * math.sqrt(cp_mean**7 / (cp_mean**7 + 25**7))
    s_l = 1 + 0.015 * (l_mean - 50) ** 2 / math.sqrt(20 + (l_mean - 50) ** 2)
    s_c, s_h = 1 + 0.045 * cp_mean, 1 + 0.015 * cp_mean * t
    r_t = -math.sin(math.radians(2 * d_theta)) * r_c
    return math.sqrt(
        (d_l / s_l) ** 2 + (d_c / s_c) ** 2 + (d_h / s_h) ** 2 + r_t * (d_c / s_c) * (d_h / s_h)
    )


@pytest.mark.parametrize(
    ("lab1", "lab2", "published"),
    [  # Sharma, Wu & Dalal (2005), Table 1, pairs 1, 7, 17 and 25
        ((50, 2.6772, -79.7751), (50, 0, -82.7485), 2.0425),
        ((50, 0, 0), (50, -1, 2), 2.3669),
        ((50, 2.5, 0), (73, 25, -18), 27.1492),
        ((60.2574, -34.0099, 36.2677), (60.4626, -34.1751, 39.4387), 1.2644),
    ],
)
def test_ciede2000_matches_the_published_test_data(lab1, lab2, published):
    assert ciede2000(lab1, lab2) == pytest.approx(published, abs=1e-4)


def _rgb(colors) -> np.ndarray:
    return np.array([[int(c.lstrip("#")[i : i + 2], 16) for i in (0, 2, 4)] for c in colors]) / 255


def smallest_difference(colors, deficiency: str | None) -> tuple[float, str, str]:
    """The closest pair of ``colors`` as seen with ``deficiency`` (None: normal vision)."""
    rgb = _rgb(colors)
    if deficiency is not None:
        space = {"name": "sRGB1+CVD", "cvd_type": deficiency, "severity": 100}
        rgb = np.clip(colorspacious.cspace_convert(rgb, space, "sRGB1"), 0, 1)
    lab = colorspacious.cspace_convert(rgb, "sRGB1", "CIELab")
    return min(
        (ciede2000(lab[i], lab[j]), colors[i], colors[j])
        for i, j in itertools.combinations(range(len(colors)), 2)
    )


def test_simulation_is_machado_2009():
    # Machado et al. (2009), deuteranopia matrix at severity 1.0, applied to linear RGB:
    # pure red (1, 0, 0) becomes (0.367322, 0.280085, -0.011820) before clipping
    simulated = colorspacious.cspace_convert(
        [1.0, 0.0, 0.0],
        {"name": "sRGB1+CVD", "cvd_type": "deuteranomaly", "severity": 100},
        "sRGB1-linear",
    )
    assert simulated == pytest.approx([0.367322, 0.280085, -0.011820], abs=1e-5)


PALETTES = {
    "coverage levels": (list(COVERAGE_LEVEL_COLORS), 20.0),
    "coverage level change": ([c.color for c in level_change_style().categories], 10.0),
    "gained / lost": ([c.color for c in change_style().categories], 10.0),
    "travel time bands": (list(BAND_COLORS), 10.0),
}


@pytest.mark.parametrize("deficiency", [None, *DEFICIENCIES])
@pytest.mark.parametrize("palette", sorted(PALETTES))
def test_palettes_stay_distinct_for_colour_blind_viewers(palette, deficiency):
    colors, floor = PALETTES[palette]
    difference, first, second = smallest_difference(colors, deficiency)
    assert difference >= floor, f"{palette}: {first} and {second} are ΔE00 {difference:.1f} apart"


def test_the_coverage_map_uses_the_checked_palette():
    # one palette for the app, the CLI and exports: the level style draws these colours
    style = level_style((-95.0, -85.0, -75.0))
    assert [c.color for c in style.categories] == list(COVERAGE_LEVEL_COLORS)
