"""Per-cell RSRP on a grid and their combination into best server, SINR and coverage level.

RSRP of a cell at a pixel (dBm) = P_RE (power per resource element, see :mod:`sites`)
+ antenna gain towards the pixel (dBi, :mod:`antenna`) - path loss (dB, :mod:`propagation`)
- terrain diffraction loss (dB, :mod:`terrain`) - ``extra_loss_db`` (e.g. indoor penetration).
The terminal antenna has 0 dBi. Each cell is computed only inside a window of radius
``max_range_m`` around its site.

SINR (per resource element, dB) of the best server b = RSRP_b / (load x sum of RSRP_i over
the other cells i on the same channel + N), all in mW; "same channel" = same operator, band
and technology; N = -174 dBm/Hz + 10 log10(subcarrier spacing in Hz) + noise figure
(e.g. 15 kHz, NF 7 dB: -125.2 dBm).

Coverage level (Arcep's four classes of "Mon réseau mobile": 0 no coverage, 1 limited,
2 good, 3 very good) from best RSRP thresholds, default -115 / -105 / -95 dBm. Arcep defines
its levels by the probability of a service working outdoors/indoors (press release
"Mon réseau mobile : quatre niveaux de couverture", 2 September 2024, and its decision of
4 June 2024) and publishes no RSRP threshold; -115/-105/-95 dBm is the usual outdoor LTE
planning convention (cell edge / outdoor reliable / indoor reliable). Configurable.
"""

from __future__ import annotations

import math
import os
import warnings
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from affine import Affine

from twin.errors import DataError
from twin.i18n import tr
from twin.layers.radio_sites import Cell, Site
from twin.sim.radio.antenna import SIDE_LOBE_LEVEL_DB, antenna_gain_dbi
from twin.sim.radio.propagation import ValidityWarning, path_loss
from twin.sim.radio.terrain import RadialProfiles, Terrain, radial_profiles

THERMAL_NOISE_DBM_HZ = -174.0
LEVEL_LABELS = ("no coverage", "limited", "good", "very good")
MIN_DISTANCE_M = 10.0  # pixel distances are clamped here (the mast's own pixel)


@dataclass(frozen=True)
class Grid:
    """A north-up raster grid: ``transform`` (pixel-corner affine) and ``shape`` (rows,
    cols) in the project CRS (metres)."""

    transform: Affine
    shape: tuple[int, int]
    crs: Any = "EPSG:2154"

    def __post_init__(self) -> None:
        transform = Affine(*self.transform[:6])
        if transform.b != 0 or transform.d != 0 or transform.a <= 0 or transform.e >= 0:
            raise DataError(tr("the coverage grid must be north-up (no rotation, rows go south)"))
        object.__setattr__(self, "transform", transform)
        object.__setattr__(self, "shape", (int(self.shape[0]), int(self.shape[1])))

    @property
    def pixel_m(self) -> float:
        """Pixel width (m)."""
        return float(self.transform.a)

    def column_x(self, c0: int, c1: int) -> np.ndarray:
        """x (m) of pixel centres of columns c0..c1-1."""
        return self.transform.c + (np.arange(c0, c1) + 0.5) * self.transform.a

    def row_y(self, r0: int, r1: int) -> np.ndarray:
        """y (m) of pixel centres of rows r0..r1-1."""
        return self.transform.f + (np.arange(r0, r1) + 0.5) * self.transform.e

    def window_around(
        self, x: float, y: float, radius_m: float
    ) -> tuple[int, int, int, int] | None:
        """(r0, r1, c0, c1) of the pixels within ``radius_m`` of (x, y), clipped; None if
        the disc misses the grid."""
        inverse = ~self.transform
        col = inverse.a * x + inverse.b * y + inverse.c
        row = inverse.d * x + inverse.e * y + inverse.f
        reach_c = radius_m / self.transform.a
        reach_r = radius_m / -self.transform.e
        c0 = max(0, math.floor(col - reach_c))
        c1 = min(self.shape[1], math.ceil(col + reach_c) + 1)
        r0 = max(0, math.floor(row - reach_r))
        r1 = min(self.shape[0], math.ceil(row + reach_r) + 1)
        if r0 >= r1 or c0 >= c1:
            return None
        return r0, r1, c0, c1


@dataclass(frozen=True)
class CoverageParameters:
    """Engine settings: heights in m, powers in dBm/dB, load as a fraction 0-1."""

    ue_height_m: float = 1.5
    max_range_m: float = 5000.0
    thresholds_dbm: tuple[float, float, float] = (-115.0, -105.0, -95.0)
    load: float = 0.5
    noise_figure_db: float = 7.0
    extra_loss_db: float = 0.0
    diffraction: str = "deygout"
    profile_step_m: float = 50.0
    ray_spacing_m: float | None = None  # default: the grid pixel size

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict."""
        return {k: (list(v) if isinstance(v, tuple) else v) for k, v in self.__dict__.items()}


@dataclass
class CellRaster:
    """RSRP (dBm, float32; -inf outside range) of one cell in its window (r0, r1, c0, c1)
    of the grid, with its linear value (mW) and the keys used to combine cells."""

    site_id: str
    cell_id: str
    code: int
    channel: tuple[str, int, str]
    noise_mw: float
    window: tuple[int, int, int, int]
    rsrp_dbm: np.ndarray
    rsrp_mw: np.ndarray
    warnings: list[str] = field(default_factory=list)


def noise_per_re_dbm(scs_khz: float, noise_figure_db: float) -> float:
    """Thermal noise per resource element (dBm): -174 + 10 log10(scs Hz) + NF."""
    return THERMAL_NOISE_DBM_HZ + 10.0 * math.log10(scs_khz * 1000.0) + noise_figure_db


def compute_site_cells(
    site: Site,
    grid: Grid,
    params: CoverageParameters,
    codes: dict[str, int],
    ground_m: np.ndarray | None = None,
    profiles: RadialProfiles | None = None,
) -> list[CellRaster]:
    """RSRP windows of every cell of ``site``. ``codes`` maps cell_id to its stable integer
    code; ``ground_m`` is the DEM sampled at every grid pixel (m, or None for flat ground)
    and ``profiles`` the site's radial terrain profiles (None: no terrain)."""
    window = grid.window_around(site.x, site.y, params.max_range_m)
    if window is None:
        return []
    r0, r1, c0, c1 = window
    dx = (grid.column_x(c0, c1) - site.x).astype(np.float32)[None, :]
    dy = (grid.row_y(r0, r1) - site.y).astype(np.float32)[:, None]
    d2d = np.hypot(dx, dy)
    inside = d2d <= params.max_range_m
    azimuth = np.degrees(np.arctan2(dx, dy))  # -180..180, the pattern wraps angles itself
    if profiles is not None and ground_m is not None:
        rx_amsl = ground_m[r0:r1, c0:c1] + np.float32(params.ue_height_m)
        depression = np.degrees(np.arctan2(np.float32(profiles.tx_amsl_m) - rx_amsl, d2d))
        ray, sample = profiles.polar_index_of(azimuth, d2d)
        terrain_los = profiles.los[ray, sample]
    else:
        depression = np.degrees(np.arctan2(np.float32(site.height_m - params.ue_height_m), d2d))
        ray = sample = terrain_los = None
    # pixels beyond the range are discarded: clamp them so they raise no range warning
    distance = np.clip(d2d, MIN_DISTANCE_M, params.max_range_m)
    results = []
    losses: dict[tuple, tuple[np.ndarray, list[str]]] = {}  # shared by cells on one band
    kernel = _compiled_rsrp()
    for cell in site.cells:
        key = (cell.model, cell.band_mhz, repr(sorted(cell.model_params.items())))
        if key not in losses:
            loss, messages = _cell_path_loss(cell, site, distance, params, terrain_los)
            if profiles is not None:
                loss = loss + profiles.diffraction_loss(cell.band_mhz)[ray, sample]
            losses[key] = (np.where(inside, loss + params.extra_loss_db, np.inf), messages)
        loss, messages = losses[key]
        if kernel is not None:
            # the same operations in one compiled pass (bitwise identical rasters)
            rsrp = kernel(
                azimuth, depression, loss, cell.power_per_re_dbm, cell, SIDE_LOBE_LEVEL_DB
            )
        else:
            gain = antenna_gain_dbi(
                azimuth,
                depression,
                cell.azimuth_deg,
                cell.antenna_gain_dbi,
                cell.h_beamwidth_deg,
                cell.v_beamwidth_deg,
                cell.front_to_back_db,
                cell.electrical_tilt_deg,
                cell.mechanical_tilt_deg,
            )
            rsrp = (cell.power_per_re_dbm + gain - loss).astype(np.float32)
        results.append(
            CellRaster(
                site.site_id,
                cell.cell_id,
                codes[cell.cell_id],
                (site.operator, round(cell.band_mhz), cell.technology),
                10.0 ** (noise_per_re_dbm(cell.scs_khz, params.noise_figure_db) / 10.0),
                window,
                rsrp,
                np.exp(rsrp * np.float32(math.log(10.0) / 10.0)),
                [f"cell {cell.cell_id}: {m}" for m in messages],
            )
        )
    return results


def _compiled_rsrp():
    """The numba kernel of one cell's RSRP, or None when numba is missing or
    TWIN_NO_NUMBA is set (see :mod:`twin.sim.radio._cells_compiled`)."""
    if os.environ.get("TWIN_NO_NUMBA"):
        return None
    try:
        from twin.sim.radio._cells_compiled import compiled_rsrp
    except ImportError:
        return None
    return compiled_rsrp


def profile_arguments(
    site: Site, params: CoverageParameters, pixel_m: float, coarsening: float = 1.0
) -> tuple:
    """What the radial profiles of ``site`` depend on, in the order of
    :func:`~twin.sim.radio.terrain.radial_profiles` after the terrain: site x, y (m), height
    (m), UE height (m), range (m), sample step (m), ray spacing (m), diffraction model. Also
    the key under which computed profiles are cached."""
    return (
        site.x,
        site.y,
        site.height_m,
        params.ue_height_m,
        params.max_range_m,
        params.profile_step_m * coarsening,
        (params.ray_spacing_m or pixel_m) * coarsening,
        params.diffraction,
    )


def site_profiles(
    terrain: Terrain,
    site: Site,
    params: CoverageParameters,
    pixel_m: float,
    coarsening: float = 1.0,
) -> RadialProfiles:
    """The radial terrain profiles of ``site`` as :class:`CoverageModel` computes them on a
    grid of ``pixel_m`` metres (rays spaced ``ray_spacing_m`` or the pixel, samples every
    ``profile_step_m``, both times ``coarsening``); they depend on the site, the terrain and
    the parameters only, not on the grid's extent."""
    return radial_profiles(terrain, *profile_arguments(site, params, pixel_m, coarsening))


def _cell_path_loss(cell: Cell, site: Site, distance, params, terrain_los):
    model_params = dict(cell.model_params)
    if model_params.get("los") == "terrain":
        model_params["los"] = terrain_los if terrain_los is not None else False
    if not cell.model.startswith("3gpp"):
        model_params.pop("los", None)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ValidityWarning)
        loss = path_loss(
            cell.model, distance, cell.band_mhz, site.height_m, params.ue_height_m, **model_params
        )
    messages = sorted({str(w.message) for w in caught if issubclass(w.category, ValidityWarning)})
    return loss, messages


def _intersection(a, b):
    r0, r1 = max(a[0], b[0]), min(a[1], b[1])
    c0, c1 = max(a[2], b[2]), min(a[3], b[3])
    if r0 >= r1 or c0 >= c1:
        return None
    return r0, r1, c0, c1


def _overlap_slices(cell: CellRaster, window: tuple[int, int, int, int]):
    """(source, target) slices of the part of ``cell`` inside ``window``, or None."""
    overlap = _intersection(cell.window, window)
    if overlap is None:
        return None
    r0, _, c0, _ = window
    wr0, _, wc0, _ = cell.window
    source = (
        slice(overlap[0] - wr0, overlap[1] - wr0),
        slice(overlap[2] - wc0, overlap[3] - wc0),
    )
    target = (slice(overlap[0] - r0, overlap[1] - r0), slice(overlap[2] - c0, overlap[3] - c0))
    return source, target


def merge_best_server(
    cells: list[CellRaster],
    window: tuple[int, int, int, int],
    best: np.ndarray,
    best_code: np.ndarray,
) -> list[tuple[CellRaster, tuple, tuple]]:
    """Fold ``cells`` into the best RSRP (dBm, -inf where no cell) and best-server code
    (-1 none) arrays of ``window`` (r0, r1, c0, c1), in place. A cell wins a pixel with a
    stronger RSRP, or an equal one and a lower code: the result is the lowest code among
    the strongest cells whatever the order of folding, so the best of all cells equals the
    best of some cells folded with the others (what a dragged site's update relies on).
    Returns (cell, source slices, target slices) of the cells that overlap the window."""
    parts = []
    for cell in cells:
        slices = _overlap_slices(cell, window)
        if slices is None:
            continue
        source, target = slices
        values = cell.rsrp_dbm[source]
        current = best[target]
        codes = best_code[target]
        better = (values > current) | ((values == current) & (cell.code < codes))
        np.copyto(current, values, where=better)
        np.copyto(codes, np.int32(cell.code), where=better)
        parts.append((cell, source, target))
    return parts


def combine_window(
    cells: list[CellRaster], window: tuple[int, int, int, int], load: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Best RSRP (dBm, NaN where no cell), best-server code (-1 none) and SINR (dB, NaN
    where no server) over ``window`` = (r0, r1, c0, c1). ``cells`` must be in code order:
    ties go to the lowest code. Deterministic per pixel, so any tiling gives the same
    values (incremental updates equal a cold computation)."""
    r0, r1, c0, c1 = window
    shape = (r1 - r0, c1 - c0)
    best = np.full(shape, -np.inf, np.float32)
    best_code = np.full(shape, -1, np.int32)
    parts = merge_best_server(cells, window, best, best_code)
    interference = np.zeros(shape, np.float64)
    noise = np.zeros(shape, np.float64)
    channel_ids: dict[tuple, int] = {}
    channel_of_code = {
        cell.code: channel_ids.setdefault(cell.channel, len(channel_ids)) for cell, _, _ in parts
    }
    best_channel = np.full(shape, -1, np.int32)
    for cell, _, target in parts:
        mine = best_code[target] == cell.code
        best_channel[target] = np.where(mine, channel_of_code[cell.code], best_channel[target])
        noise[target] = np.where(mine, cell.noise_mw, noise[target])
    for cell, source, target in parts:
        same = (best_channel[target] == channel_of_code[cell.code]) & (
            best_code[target] != cell.code
        )
        interference[target] += np.where(same, cell.rsrp_mw[source].astype(np.float64), 0.0)
    served = best_code >= 0
    with np.errstate(divide="ignore", invalid="ignore"):
        signal = np.power(10.0, best.astype(np.float64) / 10.0)
        sinr = 10.0 * np.log10(signal / (load * interference + noise))
    sinr = np.where(served, sinr, np.nan).astype(np.float32)
    best = np.where(served, best, np.nan).astype(np.float32)
    return best, best_code, sinr


def coverage_level(best_rsrp_dbm: np.ndarray, thresholds_dbm=(-115.0, -105.0, -95.0)) -> np.ndarray:
    """Arcep-style level per pixel (uint8): 0 no coverage (no server or below the first
    threshold), 1 limited, 2 good, 3 very good (at or above the last threshold, dBm)."""
    values = np.asarray(best_rsrp_dbm, dtype=np.float32)
    thresholds = np.asarray(sorted(thresholds_dbm), dtype=np.float32)
    level = np.zeros(values.shape, np.uint8)
    finite = np.isfinite(values)
    for threshold in thresholds:
        level += (finite & (values >= threshold)).astype(np.uint8)
    return level
