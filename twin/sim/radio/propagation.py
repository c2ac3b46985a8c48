"""Path-loss models for mobile coverage, vectorised over distances (numpy).

Every model returns the median basic transmission loss in dB for 2-D ground distances
``d2d_m`` (metres), carrier ``f_mhz`` (MHz), base-station antenna height ``h_bs_m`` and user
terminal height ``h_ut_m`` (metres above ground). Each model's validity range is in its
docstring; use outside it still returns numbers but emits a :class:`ValidityWarning`.

Models (``path_loss(model, ...)``):

- ``"free-space"``: ITU-R P.525 free-space loss over the 3-D distance.
- ``"okumura-hata"``: Hata (1980) fit of Okumura's curves, as restated in COST 231 final
  report §4.4.1 (and ITU-R P.529-3): environment ``urban-large``, ``urban``, ``suburban``,
  ``open``.
- ``"cost231-hata"``: COST 231 final report §4.4.1 extension of Hata to 1500-2000 MHz:
  environment ``metropolitan`` (Cm = 3 dB) or ``urban`` (Cm = 0 dB).
- ``"3gpp-uma"``, ``"3gpp-umi"``, ``"3gpp-rma"``: 3GPP TR 38.901 V17.0.0 §7.4.1,
  Table 7.4.1-1 (urban macro, urban micro street canyon, rural macro), ``los`` True/False
  (bool or boolean array); NLOS is max(LOS, NLOS') as the table prescribes.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable

import numpy as np

from twin.i18n import tr

SPEED_OF_LIGHT_M_S = 3.0e8  # TR 38.901 §7.4.1 note: c = 3.0e8 m/s


class ValidityWarning(UserWarning):
    """A propagation or diffraction model was used outside its published validity range."""


def _warn(model: str, what: str) -> None:
    warnings.warn(
        tr("{model}: {what}").format(model=model, what=what), ValidityWarning, stacklevel=4
    )


def _check_range(model: str, name: str, values, low: float, high: float, unit: str) -> None:
    values = np.asarray(values, dtype=float)
    if values.size == 0:
        return
    vmin, vmax = float(np.min(values)), float(np.max(values))
    if vmin < low - 1e-9 or vmax > high + 1e-9:
        _warn(
            model,
            tr(
                "{name} {vmin:g}-{vmax:g} {unit} outside the validity range {low:g}-{high:g} {unit}"
            ).format(name=name, vmin=vmin, vmax=vmax, unit=unit, low=low, high=high),
        )


def free_space(d2d_m, f_mhz: float, h_bs_m: float = 0.0, h_ut_m: float = 0.0) -> np.ndarray:
    """Free-space basic transmission loss (ITU-R P.525-4 eq. 4), dB.

    L = 32.45 + 20 log10(f_MHz) + 20 log10(d_km), over the 3-D distance
    d3D = sqrt(d2D^2 + (h_bs - h_ut)^2). Validity: far field; twin warns for d3D < 1 m.
    """
    d2d = np.asarray(d2d_m, dtype=float)
    d3d = np.hypot(d2d, h_bs_m - h_ut_m)
    _check_range("free-space", "3-D distance", d3d, 1.0, np.inf, "m")
    return 32.45 + 20.0 * np.log10(f_mhz) + 20.0 * np.log10(np.maximum(d3d, 1e-3) / 1000.0)


def _hata_mobile_correction_medium(f_mhz: float, h_ut_m: float) -> float:
    """a(hm) for small/medium cities (Hata 1980; COST 231 §4.4.1), dB."""
    return (1.1 * np.log10(f_mhz) - 0.7) * h_ut_m - (1.56 * np.log10(f_mhz) - 0.8)


def okumura_hata(
    d2d_m, f_mhz: float, h_bs_m: float, h_ut_m: float, environment: str = "urban"
) -> np.ndarray:
    """Okumura-Hata median path loss, dB (Hata, IEEE Trans. VT-29, 1980; COST 231 §4.4.1).

    L_urban = 69.55 + 26.16 log f - 13.82 log hb - a(hm) + (44.9 - 6.55 log hb) log d
    (f MHz, d km, hb and hm in m). ``urban``: a(hm) = (1.1 log f - 0.7) hm - (1.56 log f - 0.8);
    ``urban-large``: a(hm) = 3.2 (log 11.75 hm)^2 - 4.97 (f >= 300 MHz; 8.29 (log 1.54 hm)^2
    - 1.1 below); ``suburban``: L_urban - 2 (log(f/28))^2 - 5.4; ``open``: L_urban
    - 4.78 (log f)^2 + 18.33 log f - 40.94.
    Validity: f 150-1500 MHz, hb 30-200 m, hm 1-10 m, d 1-20 km.
    """
    model = "okumura-hata"
    d2d = np.asarray(d2d_m, dtype=float)
    _check_range(model, "frequency", f_mhz, 150, 1500, "MHz")
    _check_range(model, "base-station height", h_bs_m, 30, 200, "m")
    _check_range(model, "terminal height", h_ut_m, 1, 10, "m")
    _check_range(model, "distance", d2d, 1000, 20000, "m")
    log_f = np.log10(f_mhz)
    if environment == "urban-large":
        if f_mhz >= 300:
            a_hm = 3.2 * np.log10(11.75 * h_ut_m) ** 2 - 4.97
        else:
            a_hm = 8.29 * np.log10(1.54 * h_ut_m) ** 2 - 1.1
    elif environment in ("urban", "suburban", "open"):
        a_hm = _hata_mobile_correction_medium(f_mhz, h_ut_m)
    else:
        raise ValueError(
            tr(
                "okumura-hata environment {environment!r}: use urban-large, urban, suburban, open"
            ).format(environment=environment)
        )
    d_km = np.maximum(d2d, 1.0) / 1000.0
    loss = (
        69.55
        + 26.16 * log_f
        - 13.82 * np.log10(h_bs_m)
        - a_hm
        + (44.9 - 6.55 * np.log10(h_bs_m)) * np.log10(d_km)
    )
    if environment == "suburban":
        loss = loss - 2.0 * np.log10(f_mhz / 28.0) ** 2 - 5.4
    elif environment == "open":
        loss = loss - 4.78 * log_f**2 + 18.33 * log_f - 40.94
    return loss


def cost231_hata(
    d2d_m, f_mhz: float, h_bs_m: float, h_ut_m: float, environment: str = "urban"
) -> np.ndarray:
    """COST 231-Hata median path loss, dB (COST 231 final report, 1999, §4.4.1).

    L = 46.3 + 33.9 log f - 13.82 log hb - a(hm) + (44.9 - 6.55 log hb) log d + Cm, with the
    medium-city a(hm) = (1.1 log f - 0.7) hm - (1.56 log f - 0.8); Cm = 0 dB (``urban``:
    medium-sized cities and suburban centres) or 3 dB (``metropolitan`` centres).
    Validity: f 1500-2000 MHz, hb 30-200 m, hm 1-10 m, d 1-20 km.
    """
    model = "cost231-hata"
    cm = {"urban": 0.0, "metropolitan": 3.0}.get(environment)
    if cm is None:
        raise ValueError(
            tr("cost231-hata environment {environment!r}: use urban or metropolitan").format(
                environment=environment
            )
        )
    d2d = np.asarray(d2d_m, dtype=float)
    _check_range(model, "frequency", f_mhz, 1500, 2000, "MHz")
    _check_range(model, "base-station height", h_bs_m, 30, 200, "m")
    _check_range(model, "terminal height", h_ut_m, 1, 10, "m")
    _check_range(model, "distance", d2d, 1000, 20000, "m")
    a_hm = _hata_mobile_correction_medium(f_mhz, h_ut_m)
    d_km = np.maximum(d2d, 1.0) / 1000.0
    return (
        46.3
        + 33.9 * np.log10(f_mhz)
        - 13.82 * np.log10(h_bs_m)
        - a_hm
        + (44.9 - 6.55 * np.log10(h_bs_m)) * np.log10(d_km)
        + cm
    )


def _los_mask(los, shape) -> np.ndarray:
    return np.broadcast_to(np.asarray(los, dtype=bool), shape)


def uma(d2d_m, f_mhz: float, h_bs_m: float = 25.0, h_ut_m: float = 1.5, los=False) -> np.ndarray:
    """3GPP TR 38.901 Table 7.4.1-1 urban macro (UMa) path loss, dB.

    fc in GHz, distances in m. d'BP = 4 h'BS h'UT fc/c with h' = h - hE, hE = 1 m (note 1:
    hE = 1 m for hUT < 13 m). LOS: PL1 = 28.0 + 22 log10(d3D) + 20 log10(fc) for
    10 m <= d2D <= d'BP; PL2 = 28.0 + 40 log10(d3D) + 20 log10(fc)
    - 9 log10(d'BP^2 + (hBS - hUT)^2) for d'BP <= d2D <= 5 km.
    NLOS: max(PL_LOS, PL') with PL' = 13.54 + 39.08 log10(d3D) + 20 log10(fc) - 0.6 (hUT - 1.5).
    Validity: fc 0.5-100 GHz, d2D 10 m-5 km, hUT 1.5-22.5 m; hBS nominal 25 m (twin warns
    outside 10-50 m).
    """
    model = "3gpp-uma"
    d2d = np.asarray(d2d_m, dtype=float)
    fc = f_mhz / 1000.0
    _check_range(model, "frequency", fc, 0.5, 100, "GHz")
    _check_range(model, "distance", d2d, 10, 5000, "m")
    _check_range(model, "terminal height", h_ut_m, 1.5, 22.5, "m")
    _check_range(model, "base-station height", h_bs_m, 10, 50, "m")
    d3d = np.hypot(d2d, h_bs_m - h_ut_m)
    d_bp = 4.0 * (h_bs_m - 1.0) * (h_ut_m - 1.0) * fc * 1e9 / SPEED_OF_LIGHT_M_S
    pl1 = 28.0 + 22.0 * np.log10(d3d) + 20.0 * np.log10(fc)
    pl2 = (
        28.0
        + 40.0 * np.log10(d3d)
        + 20.0 * np.log10(fc)
        - 9.0 * np.log10(d_bp**2 + (h_bs_m - h_ut_m) ** 2)
    )
    pl_los = np.where(d2d <= d_bp, pl1, pl2)
    pl_nlos = 13.54 + 39.08 * np.log10(d3d) + 20.0 * np.log10(fc) - 0.6 * (h_ut_m - 1.5)
    return np.where(_los_mask(los, d2d.shape), pl_los, np.maximum(pl_los, pl_nlos))


def umi(d2d_m, f_mhz: float, h_bs_m: float = 10.0, h_ut_m: float = 1.5, los=False) -> np.ndarray:
    """3GPP TR 38.901 Table 7.4.1-1 urban micro street canyon (UMi) path loss, dB.

    d'BP = 4 h'BS h'UT fc/c, hE = 1 m. LOS: PL1 = 32.4 + 21 log10(d3D) + 20 log10(fc) for
    10 m <= d2D <= d'BP; PL2 = 32.4 + 40 log10(d3D) + 20 log10(fc)
    - 9.5 log10(d'BP^2 + (hBS - hUT)^2) for d'BP <= d2D <= 5 km.
    NLOS: max(PL_LOS, PL') with PL' = 35.3 log10(d3D) + 22.4 + 21.3 log10(fc) - 0.3 (hUT - 1.5).
    Validity: fc 0.5-100 GHz, d2D 10 m-5 km, hUT 1.5-22.5 m; hBS nominal 10 m (twin warns
    outside 3-20 m).
    """
    model = "3gpp-umi"
    d2d = np.asarray(d2d_m, dtype=float)
    fc = f_mhz / 1000.0
    _check_range(model, "frequency", fc, 0.5, 100, "GHz")
    _check_range(model, "distance", d2d, 10, 5000, "m")
    _check_range(model, "terminal height", h_ut_m, 1.5, 22.5, "m")
    _check_range(model, "base-station height", h_bs_m, 3, 20, "m")
    d3d = np.hypot(d2d, h_bs_m - h_ut_m)
    d_bp = 4.0 * (h_bs_m - 1.0) * (h_ut_m - 1.0) * fc * 1e9 / SPEED_OF_LIGHT_M_S
    pl1 = 32.4 + 21.0 * np.log10(d3d) + 20.0 * np.log10(fc)
    pl2 = (
        32.4
        + 40.0 * np.log10(d3d)
        + 20.0 * np.log10(fc)
        - 9.5 * np.log10(d_bp**2 + (h_bs_m - h_ut_m) ** 2)
    )
    pl_los = np.where(d2d <= d_bp, pl1, pl2)
    pl_nlos = 35.3 * np.log10(d3d) + 22.4 + 21.3 * np.log10(fc) - 0.3 * (h_ut_m - 1.5)
    return np.where(_los_mask(los, d2d.shape), pl_los, np.maximum(pl_los, pl_nlos))


def rma(
    d2d_m,
    f_mhz: float,
    h_bs_m: float = 35.0,
    h_ut_m: float = 1.5,
    los=False,
    street_width_m: float = 20.0,
    building_height_m: float = 5.0,
) -> np.ndarray:
    """3GPP TR 38.901 Table 7.4.1-1 rural macro (RMa) path loss, dB.

    fc in GHz, d in m, h = average building height, W = street width; d_BP = 2 pi hBS hUT fc/c
    (note 5). LOS: PL1 = 20 log10(40 pi d3D fc / 3) + min(0.03 h^1.72, 10) log10(d3D)
    - min(0.044 h^1.72, 14.77) + 0.002 log10(h) d3D for 10 m <= d2D <= d_BP;
    PL2 = PL1(d_BP) + 40 log10(d3D / d_BP) for d_BP <= d2D <= 10 km.
    NLOS (10 m <= d2D <= 5 km): max(PL_LOS, PL') with PL' = 161.04 - 7.1 log10(W)
    + 7.5 log10(h) - (24.37 - 3.7 (h/hBS)^2) log10(hBS) + (43.42 - 3.1 log10(hBS))
    (log10(d3D) - 3) + 20 log10(fc) - (3.2 (log10(11.75 hUT))^2 - 4.97).
    Validity: fc 0.5-30 GHz, hBS 10-150 m, hUT 1-10 m, h 5-50 m, W 5-50 m, d2D 10 m-10 km
    (LOS) or 5 km (NLOS).
    """
    model = "3gpp-rma"
    d2d = np.asarray(d2d_m, dtype=float)
    fc = f_mhz / 1000.0
    h, w = building_height_m, street_width_m
    los_mask = _los_mask(los, d2d.shape)
    _check_range(model, "frequency", fc, 0.5, 30, "GHz")
    _check_range(model, "base-station height", h_bs_m, 10, 150, "m")
    _check_range(model, "terminal height", h_ut_m, 1, 10, "m")
    _check_range(model, "building height", h, 5, 50, "m")
    _check_range(model, "street width", w, 5, 50, "m")
    _check_range(model, "LOS distance", d2d[los_mask], 10, 10000, "m")
    _check_range(model, "NLOS distance", d2d[~los_mask], 10, 5000, "m")
    d3d = np.hypot(d2d, h_bs_m - h_ut_m)
    d_bp = 2.0 * np.pi * h_bs_m * h_ut_m * fc * 1e9 / SPEED_OF_LIGHT_M_S

    def pl1(d):
        return (
            20.0 * np.log10(40.0 * np.pi * d * fc / 3.0)
            + min(0.03 * h**1.72, 10.0) * np.log10(d)
            - min(0.044 * h**1.72, 14.77)
            + 0.002 * np.log10(h) * d
        )

    pl_los = np.where(d2d <= d_bp, pl1(d3d), pl1(d_bp) + 40.0 * np.log10(d3d / d_bp))
    pl_nlos = (
        161.04
        - 7.1 * np.log10(w)
        + 7.5 * np.log10(h)
        - (24.37 - 3.7 * (h / h_bs_m) ** 2) * np.log10(h_bs_m)
        + (43.42 - 3.1 * np.log10(h_bs_m)) * (np.log10(d3d) - 3.0)
        + 20.0 * np.log10(fc)
        - (3.2 * np.log10(11.75 * h_ut_m) ** 2 - 4.97)
    )
    return np.where(los_mask, pl_los, np.maximum(pl_los, pl_nlos))


MODELS: dict[str, Callable[..., np.ndarray]] = {
    "free-space": free_space,
    "okumura-hata": okumura_hata,
    "cost231-hata": cost231_hata,
    "3gpp-uma": uma,
    "3gpp-umi": umi,
    "3gpp-rma": rma,
}

# Distance range (m) over which each model is specified; the coverage engine clamps pixel
# distances to the lower bound (the pixel holding the mast) and reports the upper one.
MODEL_DISTANCE_RANGE_M: dict[str, tuple[float, float]] = {
    "free-space": (1.0, np.inf),
    "okumura-hata": (1000.0, 20000.0),
    "cost231-hata": (1000.0, 20000.0),
    "3gpp-uma": (10.0, 5000.0),
    "3gpp-umi": (10.0, 5000.0),
    "3gpp-rma": (10.0, 5000.0),
}


def path_loss(
    model: str, d2d_m, f_mhz: float, h_bs_m: float, h_ut_m: float, **params
) -> np.ndarray:
    """Median path loss in dB of ``model`` for 2-D distances ``d2d_m`` (m, any shape).

    ``f_mhz`` carrier (MHz); ``h_bs_m``, ``h_ut_m`` antenna heights above ground (m).
    ``params``: ``environment`` (Hata models), ``los`` (3GPP models, bool or bool array
    broadcastable to ``d2d_m``), ``street_width_m`` and ``building_height_m`` (RMa).
    Emits :class:`ValidityWarning` outside the model's validity range (see each model).
    """
    try:
        function = MODELS[model]
    except KeyError:
        raise ValueError(
            tr("unknown propagation model {model!r}; expected one of {models}").format(
                model=model, models=sorted(MODELS)
            )
        ) from None
    return np.asarray(function(d2d_m, f_mhz, h_bs_m, h_ut_m, **params), dtype=float)
