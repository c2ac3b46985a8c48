"""Terrain: knife-edge diffraction (ITU-R P.526), Earth curvature and radial profiles.

- :func:`knife_edge_loss` is J(v) of ITU-R P.526-15 eq. (31).
- The diffraction parameter of an obstacle is v = h sqrt(2 (d1 + d2) / (lambda d1 d2))
  (ITU-R P.526-15 eq. (26)): h is the height of the obstacle top above the straight line
  between the path ends, d1 and d2 its distances to the ends.
- Earth curvature: heights along a path are raised by the bulge d1 d2 / (2 k a) with the
  effective Earth radius k a, k = 4/3 and a = 6371 km (8,495 km).
- Multiple edges: ``"deygout"`` (main edge plus at most one secondary edge each side:
  3 edges, summed J, no empirical correction) or ``"bullington"`` (ITU-R P.1812-6 / P.452-17
  Bullington construction, eqs. (14)-(21): one equivalent knife edge).

:class:`RadialProfiles` computes, for one site, the edge parameters of *every* receiver
point of a polar grid (rays x samples) at once with numpy: the DEM is sampled along all rays
together and each receiver's obstacle search is a masked reduction over a (rays, receivers,
obstacles) block (or a compiled numba loop over the same equations when numba is
installed). Raster pixels then take the value of their nearest polar sample.

Note for planners: J(v) counts obstacles that reach into the first Fresnel zone (v > -0.78)
even when the direct ray is clear, so at 700-900 MHz the flat ground next to a 1.5 m
terminal can add 0-2 dB on top of the empirical path-loss model; obstructed paths (v > 0)
dominate the terrain effect.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass, field

import numpy as np
from affine import Affine

from twin.i18n import tr

EARTH_RADIUS_M = 6_371_000.0
K_FACTOR = 4.0 / 3.0
EFFECTIVE_EARTH_RADIUS_M = K_FACTOR * EARTH_RADIUS_M  # 8,494.7 km
DIFFRACTION_METHODS = ("deygout", "bullington")
_CHUNK_ELEMENTS = 3_000_000  # rays x receivers x obstacles per block (float32: 12 MB)


def knife_edge_loss(v) -> np.ndarray:
    """Single knife-edge diffraction loss J(v) in dB (ITU-R P.526-15 eq. (31)).

    J(v) = 6.9 + 20 log10(sqrt((v - 0.1)^2 + 1) + v - 0.1) for v > -0.78, else 0 dB.
    """
    v = np.asarray(v, dtype=float)
    vm = np.maximum(v, -0.78) - 0.1
    loss = 6.9 + 20.0 * np.log10(np.sqrt(vm * vm + 1.0) + vm)
    return np.where(v > -0.78, loss, 0.0)


def earth_bulge_m(d1_m, d2_m, k_factor: float = K_FACTOR) -> np.ndarray:
    """Height (m) by which the Earth bulges above the chord at distances d1, d2 (m) from its
    ends, for an effective radius k x 6371 km: d1 d2 / (2 k a)."""
    return (
        np.asarray(d1_m, dtype=float)
        * np.asarray(d2_m, dtype=float)
        / (2.0 * k_factor * EARTH_RADIUS_M)
    )


def wavelength_m(f_mhz: float) -> float:
    """Wavelength in metres of a carrier in MHz (c = 299,792,458 m/s)."""
    return 299.792458 / f_mhz


class Terrain:
    """A DEM (metres above sea level) on an affine grid, sampled bilinearly.

    Nodata pixels are filled with the mean valid height (a planner's DEM should have none).
    """

    def __init__(self, array: np.ndarray, transform: Affine, nodata: float | None = None) -> None:
        heights = np.asarray(array, dtype=np.float32).copy()
        invalid = ~np.isfinite(heights)
        if nodata is not None and not math.isnan(nodata):
            invalid |= heights == nodata
        if invalid.any():
            heights[invalid] = float(heights[~invalid].mean()) if (~invalid).any() else 0.0
        self.heights = heights
        self.transform = Affine(*transform[:6])
        self._inverse = ~self.transform

    @classmethod
    def from_layer(cls, layer) -> Terrain:
        """Build from a :class:`twin.layers.RasterLayer` (metres above sea level)."""
        return cls(layer.array, layer.transform, layer.nodata)

    def elevation_at(self, xs, ys) -> np.ndarray:
        """Ground height (m) at CRS coordinates, bilinear; outside the DEM: nearest edge."""
        xs = np.asarray(xs, dtype=float)
        ys = np.asarray(ys, dtype=float)
        inv = self._inverse
        cols = inv.a * xs + inv.b * ys + inv.c
        rows = inv.d * xs + inv.e * ys + inv.f
        coords = np.stack([np.asarray(rows) - 0.5, np.asarray(cols) - 0.5])
        from scipy.ndimage import map_coordinates  # scipy.ndimage: ~0.3 s to import

        return map_coordinates(
            self.heights, coords.reshape(2, -1), order=1, mode="nearest"
        ).reshape(xs.shape)


def _compiled_kernel():
    """The numba kernel, or None when numba is missing or TWIN_NO_NUMBA is set."""
    if os.environ.get("TWIN_NO_NUMBA"):
        return None
    try:
        from twin.sim.radio._edges_compiled import compiled_edge_parameters
    except ImportError:
        return None
    return compiled_edge_parameters


def _pair_tables(d: np.ndarray):
    """Per (receiver j, obstacle i) tables: bulge, chord fraction d_i/d_j, v scale, mask."""
    dj = d[:, None]
    di = d[None, :]
    valid = di < dj - 1e-9
    d2 = np.where(valid, dj - di, 1.0)
    bulge = (di * d2 / (2.0 * EFFECTIVE_EARTH_RADIUS_M)).astype(np.float32)
    fraction = (di / dj).astype(np.float32)
    scale = np.where(valid, np.sqrt(2.0 * dj / (di * d2)), 0.0).astype(np.float32)
    inverse_d2 = np.where(valid, 1.0 / d2, 0.0).astype(np.float32)
    return bulge, fraction, scale, inverse_d2, valid


def _masked_max(values: np.ndarray, valid: np.ndarray, want_index: bool = False):
    values = np.where(valid[None], values, -np.inf)
    if want_index:
        index = np.argmax(values, axis=2)
        return np.take_along_axis(values, index[:, :, None], axis=2)[:, :, 0], index
    return values.max(axis=2), None


@dataclass
class RadialProfiles:
    """Edge parameters of every point of a polar grid around one site.

    ``distances_m`` (M,) sample distances (m); rays are ``n_rays`` azimuths clockwise from
    north. Arrays (rays, M), float32: ``main_g`` = v * sqrt(lambda) of the main edge
    (metre^0.5 units; v = g / sqrt(lambda)), ``tx_g``/``rx_g`` the Deygout secondary edges,
    ``bullington_g`` the Bullington equivalent edge; ``los`` True where the terrain leaves
    the direct ray clear (no obstacle above it, with Earth bulge).
    """

    x: float
    y: float
    tx_amsl_m: float
    distances_m: np.ndarray
    n_rays: int
    method: str
    main_g: np.ndarray
    second_g: np.ndarray
    third_g: np.ndarray
    los: np.ndarray
    # diffraction loss per carrier (MHz), kept: every cell on that band, every recompute of
    # the site and every tile the site reaches read the same table
    losses: dict[float, np.ndarray] = field(default_factory=dict, repr=False, compare=False)

    @property
    def step_m(self) -> float:
        """Sample spacing along a ray (m)."""
        return float(self.distances_m[0])

    def diffraction_loss(self, f_mhz: float) -> np.ndarray:
        """Terrain diffraction loss (dB, float32, shape (rays, M)) at carrier ``f_mhz``
        (computed once per carrier, then kept; do not modify the array)."""
        key = float(f_mhz)
        if key not in self.losses:
            self.losses[key] = self._diffraction_loss(key)
        return self.losses[key]

    def _diffraction_loss(self, f_mhz: float) -> np.ndarray:
        root = 1.0 / math.sqrt(wavelength_m(f_mhz))
        main = knife_edge_loss(self.main_g * root)
        if self.method == "bullington":
            # Case 1 (LOS by slopes) uses v_max of the main edge (P.1812 eq. 16-17); case 2
            # the equivalent edge (eqs. 18-21); second_g is NaN where case 1 applies.
            equivalent = knife_edge_loss(np.nan_to_num(self.second_g, nan=-10.0) * root)
            loss = np.where(np.isnan(self.second_g), main, equivalent)
        else:
            secondary = knife_edge_loss(self.second_g * root) + knife_edge_loss(self.third_g * root)
            loss = main + np.where(self.main_g * root > -0.78, secondary, 0.0)
        return loss.astype(np.float32)

    def polar_index(self, dx_m: np.ndarray, dy_m: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Nearest (ray, sample) of points at offsets (dx, dy) metres from the site."""
        azimuth = np.degrees(np.arctan2(dx_m, dy_m))
        return self.polar_index_of(azimuth, np.hypot(dx_m, dy_m))

    def polar_index_of(self, azimuth_deg: np.ndarray, distance_m: np.ndarray):
        """Nearest (ray, sample) of points at an azimuth (degrees from north, any turn) and
        a distance (m) from the site."""
        turns = np.asarray(azimuth_deg, dtype=np.float32) * np.float32(self.n_rays / 360.0)
        ray = np.rint(turns).astype(np.int32) % self.n_rays
        sample = np.rint(np.asarray(distance_m, dtype=np.float32) / np.float32(self.step_m))
        return ray, np.clip(sample.astype(np.int32) - 1, 0, self.distances_m.size - 1)


def edge_parameters(
    distances_m: np.ndarray,
    ground_m: np.ndarray,
    tx_amsl_m: float,
    rx_height_m: float,
    method: str = "deygout",
    compiled: bool | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Edge parameters for every receiver of every profile (vectorised, no Python loop per
    point). ``compiled``: use the numba kernel (None: when numba is installed and
    ``TWIN_NO_NUMBA`` is unset; False: the numpy path).

    ``distances_m`` (M,) increasing distances (> 0) from the transmitter of the profile
    samples; ``ground_m`` (R, M) ground heights (m above sea level) along R profiles;
    ``tx_amsl_m`` transmitter antenna height above sea level; each sample j is a receiver at
    ``ground_m[:, j] + rx_height_m`` whose obstacles are the samples i < j.
    Returns (main_g, second_g, third_g, los), arrays (R, M): g = v sqrt(lambda) in m^0.5.
    Deygout: main edge, Tx-side and Rx-side secondary edges. Bullington: main edge v_max
    (case 1) and the equivalent edge (case 2, NaN where case 1 applies), third_g unused.
    """
    if method not in DIFFRACTION_METHODS:
        raise ValueError(
            tr("unknown diffraction method {method!r}; use {methods}").format(
                method=method, methods=DIFFRACTION_METHODS
            )
        )
    d = np.asarray(distances_m, dtype=np.float64)
    z = np.asarray(ground_m, dtype=np.float32)
    if z.ndim == 1:
        z = z[None, :]
    kernel = _compiled_kernel() if compiled is not False else None
    if compiled and kernel is None:
        raise RuntimeError("numba is not installed: use compiled=False")
    if kernel is not None:
        main, second, third = kernel(
            d,
            z,
            tx_amsl_m,
            rx_height_m,
            method == "deygout",
            1.0 / (2.0 * EFFECTIVE_EARTH_RADIUS_M),
        )
        return main, second, third, ~(main > 0.0)
    n_rays, m = z.shape
    bulge, fraction, scale, inverse_d2, valid = _pair_tables(d)
    d32 = d.astype(np.float32)
    base = z - np.float32(tx_amsl_m)  # terrain relative to the transmitter antenna
    delta_rx = base + np.float32(rx_height_m)  # receiver antenna relative to the transmitter
    main = np.empty((n_rays, m), np.float32)
    second = np.empty((n_rays, m), np.float32)
    third = np.full((n_rays, m), -np.inf, np.float32)
    chunk = max(1, _CHUNK_ELEMENTS // (m * m))
    for start in range(0, n_rays, chunk):
        rows = slice(start, min(n_rays, start + chunk))
        b = base[rows]
        height = b[:, None, :] + bulge[None] - delta_rx[rows][:, :, None] * fraction[None]
        main_rows, main_index = _masked_max(height * scale[None], valid, want_index=True)
        main[rows] = main_rows
        if method == "deygout":
            # Tx side: obstacles between the transmitter and the top of edge m (no UE height).
            tx_height = b[:, None, :] + bulge[None] - b[:, :, None] * fraction[None]
            tx_side, _ = _masked_max(tx_height * scale[None], valid)
            second[rows] = np.take_along_axis(tx_side, main_index, axis=1)
            third[rows] = _rx_side(d32, b, delta_rx[rows], main_index, main_rows, inverse_d2, valid)
        else:
            slope_tx, _ = _masked_max((b[:, None, :] + bulge[None]) / d32[None, None, :], valid)
            rx_rise = b[:, None, :] + bulge[None] - delta_rx[rows][:, :, None]
            slope_rx, _ = _masked_max(rx_rise * inverse_d2[None], valid)
            second[rows] = _bullington_edge(d32, delta_rx[rows], slope_tx, slope_rx)
    los = ~(main > 0.0)
    return main, second, third, los


def _rx_side(d, base, delta_rx, main_index, main_g, inverse_d2, valid_pairs) -> np.ndarray:
    """Deygout Rx-side secondary edge: obstacles between the main edge and the receiver.

    Maximises g |g| (monotonic in g) to avoid a square root per (receiver, obstacle) pair.
    """
    curvature = np.float32(1.0 / (2.0 * EFFECTIVE_EARTH_RADIUS_M))
    edge_d = d[main_index]  # (R, Mj) distance of each receiver's main edge
    edge_h = np.take_along_axis(base, main_index, axis=1)
    span = d[None, :] - edge_d  # edge -> receiver distance
    has_edge = np.isfinite(main_g) & (span > 0.5)
    span = np.where(has_edge, span, np.float32(1.0))
    rise = (delta_rx - edge_h) / span
    d1 = d[None, None, :] - edge_d[:, :, None]
    valid = (d1 > 0.5) & valid_pairs[None] & has_edge[:, :, None]
    d2 = np.where(valid_pairs, d[:, None] - d[None, :], np.float32(0.0))
    height = base[:, None, :] - edge_h[:, :, None] + d1 * (d2[None] * curvature - rise[:, :, None])
    with np.errstate(divide="ignore", invalid="ignore"):
        squared = height * np.abs(height) * (span[:, :, None] * inverse_d2[None]) / d1
    best = np.where(valid, squared, -np.inf).max(axis=2)
    return (np.sign(best) * np.sqrt(np.abs(2.0 * best))).astype(np.float32)


def _bullington_edge(d, delta_rx, slope_tx, slope_rx) -> np.ndarray:
    """P.1812-6 eqs. (15), (19), (20): equivalent edge g = v_b sqrt(lambda) where the
    transmitter-side slope exceeds the direct slope (case 2), NaN elsewhere (case 1)."""
    dj = d[None, :]
    slope_direct = delta_rx / dj  # eq. (15), heights relative to the transmitter antenna
    case2 = (slope_tx >= slope_direct) & np.isfinite(slope_rx)
    total = np.where(case2, slope_tx + slope_rx, 1.0)
    d_bp = np.where(case2, (delta_rx + slope_rx * dj) / total, 0.5 * dj)  # eq. (19), h_ts = 0
    d_bp = np.clip(d_bp, 1e-3, dj - 1e-3)
    height = slope_tx * d_bp - delta_rx * d_bp / dj  # eq. (20) numerator with h_ts = 0
    g = height * np.sqrt(2.0 * dj / (d_bp * (dj - d_bp)))
    return np.where(case2, g, np.nan).astype(np.float32)


def radial_profiles(
    terrain: Terrain,
    x: float,
    y: float,
    antenna_height_m: float,
    rx_height_m: float,
    radius_m: float,
    step_m: float,
    ray_spacing_m: float | None = None,
    method: str = "deygout",
) -> RadialProfiles:
    """Sweep rays around (x, y) out to ``radius_m`` and compute the edge parameters of every
    polar sample (step ``step_m`` along rays; rays spaced ``ray_spacing_m`` at the far end,
    default ``step_m``). Heights in metres; the antenna is ``antenna_height_m`` above ground.
    """
    samples = max(1, math.ceil(radius_m / step_m))
    distances = step_m * np.arange(1, samples + 1, dtype=np.float64)
    spacing = ray_spacing_m or step_m
    n_rays = max(8, math.ceil(2.0 * math.pi * radius_m / spacing))
    azimuth = np.arange(n_rays) * (2.0 * math.pi / n_rays)
    xs = x + np.sin(azimuth)[:, None] * distances[None, :]
    ys = y + np.cos(azimuth)[:, None] * distances[None, :]
    ground = terrain.elevation_at(xs, ys)
    tx_amsl = float(terrain.elevation_at(np.array([x]), np.array([y]))[0]) + antenna_height_m
    main, second, third, los = edge_parameters(distances, ground, tx_amsl, rx_height_m, method)
    return RadialProfiles(x, y, tx_amsl, distances, n_rays, method, main, second, third, los)


def profile_diffraction_loss(
    distances_m,
    ground_m,
    tx_amsl_m: float,
    rx_amsl_m: float,
    f_mhz: float,
    method: str = "deygout",
) -> float:
    """Diffraction loss (dB) of one path: transmitter at distance 0 and ``tx_amsl_m`` m above
    sea level, receiver at the last sample at ``rx_amsl_m``; intermediate samples are the
    obstacles (``distances_m`` increasing, ``ground_m`` heights above sea level)."""
    d = np.asarray(distances_m, dtype=float)
    z = np.asarray(ground_m, dtype=float).copy()
    rx_height = rx_amsl_m - z[-1]
    main, second, third, los = edge_parameters(d, z[None, :], tx_amsl_m, rx_height, method)
    profiles = RadialProfiles(0.0, 0.0, tx_amsl_m, d, 1, method, main, second, third, los)
    return float(profiles.diffraction_loss(f_mhz)[0, -1])
