"""Sector antenna pattern of 3GPP TR 38.901 V17.0.0 Table 7.3-1 (parabolic, in dB).

Vertical cut: A_V(theta) = -min(12 ((theta - 90) / theta_3dB)^2, SLA_V), theta the zenith
angle in degrees (90 = horizon), here measured from the tilted boresight.
Horizontal cut: A_H(phi) = -min(12 (phi / phi_3dB)^2, A_max), phi from the azimuth.
3-D: A(theta, phi) = -min(-(A_V + A_H), A_max); the element gain G_max (dBi) is added.
Table 7.3-1 values are theta_3dB = phi_3dB = 65 deg, SLA_V = A_max = 30 dB; twin makes the
beamwidths and A_max (front-to-back ratio) configurable per cell.

Tilt: electrical tilt lowers the beam at every azimuth; mechanical tilt tilts the whole
antenna, so its effect on the beam elevation varies as cos(phi) (full downtilt at boresight,
uptilt behind) -- the usual planning-tool approximation of the rotated pattern.
"""

from __future__ import annotations

import numpy as np

SIDE_LOBE_LEVEL_DB = 30.0  # SLA_V of Table 7.3-1


def wrap_degrees(angle) -> np.ndarray:
    """Angle difference wrapped to [-180, 180] degrees."""
    angle = np.asarray(angle, dtype=float)
    return angle - 360.0 * np.rint(angle / 360.0)


def horizontal_attenuation_db(
    phi_deg, h_beamwidth_deg: float = 65.0, max_attenuation_db: float = 30.0
) -> np.ndarray:
    """A_H (dB, <= 0) at azimuth offset ``phi_deg`` from boresight (Table 7.3-1).

    A beamwidth of 360 degrees or more means an omnidirectional antenna (A_H = 0).
    """
    if h_beamwidth_deg >= 360.0:
        return np.zeros_like(np.asarray(phi_deg, dtype=float))
    return _horizontal(wrap_degrees(phi_deg), h_beamwidth_deg, max_attenuation_db)


def _horizontal(phi, h_beamwidth_deg: float, max_attenuation_db: float) -> np.ndarray:
    if h_beamwidth_deg >= 360.0:
        return np.zeros_like(phi)
    ratio = phi * (1.0 / h_beamwidth_deg)
    return -np.minimum(12.0 * ratio * ratio, max_attenuation_db)


def vertical_attenuation_db(
    offset_deg, v_beamwidth_deg: float = 10.0, side_lobe_db: float = SIDE_LOBE_LEVEL_DB
) -> np.ndarray:
    """A_V (dB, <= 0) at ``offset_deg`` = theta - 90 - tilt from the tilted boresight."""
    offset = np.asarray(offset_deg, dtype=float)
    return -np.minimum(12.0 * (offset / v_beamwidth_deg) ** 2, side_lobe_db)


def antenna_gain_dbi(
    azimuth_to_point_deg,
    depression_deg,
    boresight_azimuth_deg: float,
    gain_dbi: float = 17.0,
    h_beamwidth_deg: float = 65.0,
    v_beamwidth_deg: float = 10.0,
    front_to_back_db: float = 30.0,
    electrical_tilt_deg: float = 0.0,
    mechanical_tilt_deg: float = 0.0,
) -> np.ndarray:
    """Antenna gain (dBi) towards points seen at ``azimuth_to_point_deg`` (clockwise from
    north) and ``depression_deg`` below the horizontal (degrees; theta = 90 + depression).

    Tilts are downward positive (degrees). Returns G_max + A(theta, phi) with A from
    3GPP TR 38.901 Table 7.3-1, A_max = ``front_to_back_db``.
    """
    phi = wrap_degrees(np.asarray(azimuth_to_point_deg, dtype=float) - boresight_azimuth_deg)
    tilt = electrical_tilt_deg
    if mechanical_tilt_deg:
        tilt = tilt + mechanical_tilt_deg * np.cos(np.radians(phi))
    a_h = _horizontal(phi, h_beamwidth_deg, front_to_back_db)
    a_v = vertical_attenuation_db(np.asarray(depression_deg, dtype=float) - tilt, v_beamwidth_deg)
    return gain_dbi - np.minimum(-(a_v + a_h), front_to_back_db)
