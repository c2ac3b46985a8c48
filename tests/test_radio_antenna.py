"""3GPP TR 38.901 Table 7.3-1 antenna pattern and cell power per resource element."""

from __future__ import annotations

import math

import numpy as np
import pytest

from twin.errors import DataError
from twin.layers.radio_sites import Cell, resource_blocks
from twin.sim.radio.antenna import antenna_gain_dbi


def _gain(azimuth, depression, **kwargs):
    args = {
        "boresight_azimuth_deg": 120.0,
        "gain_dbi": 17.0,
        "h_beamwidth_deg": 65.0,
        "v_beamwidth_deg": 10.0,
        "front_to_back_db": 30.0,
        "electrical_tilt_deg": 6.0,
    }
    args.update(kwargs)
    return float(antenna_gain_dbi(azimuth, depression, **args))


def test_boresight_gives_the_full_gain():
    # phi = 0, theta - 90 = tilt: A_H = A_V = 0 -> G = G_max = 17 dBi
    assert _gain(120.0, 6.0) == pytest.approx(17.0)


def test_half_beamwidth_is_minus_3_db():
    # A_H(phi3dB/2) = -12 (0.5)^2 = -3 dB; A_V(theta3dB/2) = -3 dB (Table 7.3-1)
    assert _gain(120.0 + 32.5, 6.0) == pytest.approx(17.0 - 3.0)
    assert _gain(120.0 - 32.5, 6.0) == pytest.approx(17.0 - 3.0)
    assert _gain(120.0, 6.0 + 5.0) == pytest.approx(17.0 - 3.0)
    # both at once: A = -min(-(-3 - 3), 30) = -6 dB
    assert _gain(120.0 + 32.5, 11.0) == pytest.approx(17.0 - 6.0)


def test_back_lobe_is_the_front_to_back_ratio():
    # phi = 180: A_H = -min(12 (180/65)^2 = 92.0, 30) = -30; A = -min(30 + 0, A_max)
    assert _gain(300.0, 6.0) == pytest.approx(17.0 - 30.0)
    assert _gain(300.0, 6.0, front_to_back_db=25.0) == pytest.approx(17.0 - 25.0)
    # far off in both planes the total is still capped at A_max
    assert _gain(300.0, 60.0) == pytest.approx(17.0 - 30.0)


def test_mechanical_tilt_follows_cos_phi_and_omni():
    # mechanical 4 deg: at boresight the beam points 4 deg down
    assert _gain(120.0, 4.0, electrical_tilt_deg=0.0, mechanical_tilt_deg=4.0) == pytest.approx(
        17.0
    )
    # at phi = 60 deg the effective tilt is 4 cos(60) = 2 deg: A_V(0) and A_H(60)
    expected = 17.0 - 12.0 * (60.0 / 65.0) ** 2
    assert _gain(180.0, 2.0, electrical_tilt_deg=0.0, mechanical_tilt_deg=4.0) == pytest.approx(
        expected
    )
    omni = antenna_gain_dbi(np.array([0.0, 90.0, 200.0]), 0.0, 0.0, 2.0, 360.0, 10.0, 30.0)
    np.testing.assert_allclose(omni, 2.0)


def test_power_per_resource_element():
    # 46 dBm over 20 MHz LTE: N_RB = 100 (TS 36.101 Table 5.6-1);
    # 46 - 10 log10(12 * 100) = 46 - 30.792 = 15.208 dBm per RE
    lte = Cell("c", band_mhz=1800, tx_power_dbm=46.0, bandwidth_mhz=20.0)
    assert lte.power_per_re_dbm == pytest.approx(46.0 - 10 * math.log10(1200))
    # NR 3500 MHz, 100 MHz, 30 kHz: N_RB = 273 (TS 38.101-1 Table 5.3.2-1)
    nr = Cell("n", band_mhz=3500, technology="5G", tx_power_dbm=53.0, bandwidth_mhz=100.0)
    assert resource_blocks("5G", 100.0, 30.0) == 273 and nr.scs_khz == 30.0
    assert nr.power_per_re_dbm == pytest.approx(53.0 - 10 * math.log10(12 * 273))
    assert Cell("r", rs_power_dbm=18.2).power_per_re_dbm == 18.2
    with pytest.raises(DataError, match="band"):
        Cell("x", band_mhz=1500)
