"""Path-loss models against values worked out from the standards' equations.

log10 values used below: log10(900) = 2.954243, log10(1800) = 3.255273, log10(30) = 1.477121,
log10(5) = 0.698970, log10(3.5) = 0.544068, log10(0.8) = -0.096910.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest

from twin.sim.radio.propagation import ValidityWarning, path_loss


def _quiet(model, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("error", ValidityWarning)
        return path_loss(model, *args, **kwargs)


def test_free_space_uses_3d_distance():
    # ITU-R P.525-4 eq. (4): L = 32.45 + 20 log10(f MHz) + 20 log10(d km).
    # d3D = sqrt(1000^2 + (30 - 1.5)^2) = 1000.406 m; 20 log10(1800) = 65.1055;
    # 20 log10(1.000406) = 0.0035 -> 32.45 + 65.1055 + 0.0035 = 97.5590 dB.
    loss = _quiet("free-space", np.array([1000.0]), 1800.0, 30.0, 1.5)
    assert loss[0] == pytest.approx(97.5590, abs=1e-3)


def test_okumura_hata_environments():
    # Hata (1980) / COST 231 §4.4.1, f = 900 MHz, hb = 30 m, hm = 1.5 m, d = 5 km.
    # a(hm) medium city = (1.1*2.954243 - 0.7)*1.5 - (1.56*2.954243 - 0.8) = 0.015882
    # L_urban = 69.55 + 26.16*2.954243 - 13.82*1.477121 - 0.015882
    #           + (44.9 - 6.55*1.477121)*0.698970 = 151.0244 dB
    d = np.array([5000.0])
    urban = _quiet("okumura-hata", d, 900.0, 30.0, 1.5, environment="urban")
    assert urban[0] == pytest.approx(151.0244, abs=1e-3)
    # large city, f >= 300 MHz: a(hm) = 3.2 (log10(11.75*1.5))^2 - 4.97 = -0.000919
    large = _quiet("okumura-hata", d, 900.0, 30.0, 1.5, environment="urban-large")
    assert large[0] == pytest.approx(151.0244 + 0.015882 + 0.000919, abs=1e-3)
    # suburban: L_urban - 2 (log10(900/28))^2 - 5.4 = 151.0244 - 4.5426 - 5.4 = 141.0818
    suburban = _quiet("okumura-hata", d, 900.0, 30.0, 1.5, environment="suburban")
    assert suburban[0] == pytest.approx(141.0818, abs=1e-3)
    # open: L_urban - 4.78*2.954243^2 + 18.33*2.954243 - 40.94 = 122.5180
    open_area = _quiet("okumura-hata", d, 900.0, 30.0, 1.5, environment="open")
    assert open_area[0] == pytest.approx(122.5180, abs=1e-3)


def test_cost231_hata_cm():
    # COST 231 §4.4.1, f = 1800 MHz, hb = 30 m, hm = 1.5 m, d = 5 km.
    # a(hm) = (1.1*3.255273 - 0.7)*1.5 - (1.56*3.255273 - 0.8) = 0.042975
    # L = 46.3 + 33.9*3.255273 - 13.82*1.477121 - 0.042975 + (44.9 - 6.55*1.477121)*0.698970
    #   = 160.8181 dB (Cm = 0, "urban"); metropolitan adds Cm = 3 dB.
    d = np.array([5000.0])
    urban = _quiet("cost231-hata", d, 1800.0, 30.0, 1.5, environment="urban")
    metro = _quiet("cost231-hata", d, 1800.0, 30.0, 1.5, environment="metropolitan")
    assert urban[0] == pytest.approx(160.8181, abs=1e-3)
    assert metro[0] - urban[0] == pytest.approx(3.0, abs=1e-9)


def test_3gpp_uma_los_breakpoint_and_nlos():
    # TR 38.901 Table 7.4.1-1, fc = 3.5 GHz, hBS = 25 m, hUT = 1.5 m.
    # d'BP = 4 (25-1)(1.5-1) 3.5e9 / 3e8 = 560 m.
    # d2D = 100 m: d3D = sqrt(100^2 + 23.5^2) = 102.724; PL1 = 28 + 22 log10(102.724)
    #   + 20*0.544068 = 28 + 44.2581 + 10.8814 = 83.1382 (LOS);
    #   PL'NLOS = 13.54 + 39.08 log10(102.724) + 10.8814 = 103.0375 -> NLOS = max = 103.0375.
    # d2D = 1000 m (> d'BP): d3D = 1000.276; PL2 = 28 + 40 log10(1000.276) + 10.8814
    #   - 9 log10(560^2 + 23.5^2) = 109.4119 (LOS); NLOS' = 141.6660.
    d = np.array([100.0, 1000.0])
    los = _quiet("3gpp-uma", d, 3500.0, 25.0, 1.5, los=True)
    nlos = _quiet("3gpp-uma", d, 3500.0, 25.0, 1.5, los=False)
    np.testing.assert_allclose(los, [83.1382, 109.4119], atol=1e-3)
    np.testing.assert_allclose(nlos, [103.0375, 141.6660], atol=1e-3)


def test_3gpp_umi_los_breakpoint_and_nlos():
    # Table 7.4.1-1 UMi street canyon, fc = 3.5 GHz, hBS = 10 m, hUT = 1.5 m.
    # d'BP = 4*9*0.5*3.5e9/3e8 = 210 m.
    # d2D = 100: d3D = 100.3606; PL1 = 32.4 + 21 log10(100.3606) + 10.8814 = 85.3142;
    #   PL' = 35.3 log10(100.3606) + 22.4 + 21.3*0.544068 = 104.6438.
    # d2D = 500 (> d'BP): PL2 = 32.4 + 40 log10(500.0722) + 10.8814
    #   - 9.5 log10(210^2 + 8.5^2) = 107.1138; PL' = 129.2645.
    d = np.array([100.0, 500.0])
    np.testing.assert_allclose(
        _quiet("3gpp-umi", d, 3500.0, 10.0, 1.5, los=True), [85.3142, 107.1138], atol=1e-3
    )
    np.testing.assert_allclose(
        _quiet("3gpp-umi", d, 3500.0, 10.0, 1.5, los=False), [104.6438, 129.2645], atol=1e-3
    )


def test_3gpp_rma_los_and_nlos():
    # Table 7.4.1-1 RMa, fc = 0.8 GHz, hBS = 35 m, hUT = 1.5 m, h = 5 m, W = 20 m.
    # d_BP = 2 pi 35 1.5 0.8e9 / 3e8 = 879.646 m; h^1.72 = 15.9305 -> 0.03 h^1.72 = 0.47791,
    # 0.044 h^1.72 = 0.70094.
    # d2D = 500: d3D = 501.121; PL1 = 20 log10(40 pi 501.121 0.8/3) + 0.47791 log10(501.121)
    #   - 0.70094 + 0.002 log10(5) 501.121 = 85.7924 (LOS).
    #   PL' = 161.04 - 7.1 log10(20) + 7.5 log10(5) - (24.37 - 3.7 (5/35)^2) log10(35)
    #   + (43.42 - 3.1 log10(35)) (log10(501.121) - 3) + 20 log10(0.8)
    #   - (3.2 (log10(17.625))^2 - 4.97) = 106.0031 -> NLOS = 106.0031.
    # d2D = 3000 (> d_BP): PL2 = PL1(879.646) + 40 log10(3000.187/879.646) = 112.6392.
    d = np.array([500.0, 3000.0])
    np.testing.assert_allclose(
        _quiet("3gpp-rma", d, 800.0, 35.0, 1.5, los=True), [85.7924, 112.6392], atol=1e-3
    )
    np.testing.assert_allclose(
        _quiet("3gpp-rma", d, 800.0, 35.0, 1.5, los=False), [106.0031, 136.0292], atol=1e-3
    )


def test_nlos_is_never_below_los_and_los_can_be_an_array():
    d = np.linspace(20.0, 4000.0, 50)
    for model in ("3gpp-uma", "3gpp-umi", "3gpp-rma"):
        h_bs = {"3gpp-uma": 25.0, "3gpp-umi": 10.0, "3gpp-rma": 35.0}[model]
        los = _quiet(model, d, 2100.0, h_bs, 1.5, los=True)
        nlos = _quiet(model, d, 2100.0, h_bs, 1.5, los=False)
        assert np.all(nlos >= los - 1e-12)
        mixed = _quiet(model, d, 2100.0, h_bs, 1.5, los=d < 1000.0)
        np.testing.assert_array_equal(mixed, np.where(d < 1000.0, los, nlos))


@pytest.mark.parametrize(
    ("model", "args", "kwargs", "needle"),
    [
        ("okumura-hata", (np.array([5000.0]), 2600.0, 30.0, 1.5), {}, "frequency"),
        ("okumura-hata", (np.array([500.0]), 900.0, 30.0, 1.5), {}, "distance"),
        ("cost231-hata", (np.array([5000.0]), 900.0, 30.0, 1.5), {}, "frequency"),
        ("3gpp-uma", (np.array([6000.0]), 3500.0, 25.0, 1.5), {}, "distance"),
        ("3gpp-umi", (np.array([100.0]), 3500.0, 10.0, 30.0), {}, "terminal height"),
        ("3gpp-rma", (np.array([100.0]), 800.0, 35.0, 1.5), {"street_width_m": 60.0}, "street"),
        ("3gpp-rma", (np.array([7000.0]), 800.0, 35.0, 1.5), {"los": False}, "NLOS distance"),
        ("free-space", (np.array([0.5]), 800.0, 1.5, 1.5), {}, "distance"),
    ],
)
def test_validity_warnings(model, args, kwargs, needle):
    with pytest.warns(ValidityWarning, match=needle):
        path_loss(model, *args, **kwargs)


def test_rma_los_up_to_10_km_is_valid_and_unknown_model_raises():
    _quiet("3gpp-rma", np.array([7000.0]), 800.0, 35.0, 1.5, los=True)
    with pytest.raises(ValueError, match="unknown propagation model"):
        path_loss("ray-tracing", np.array([1.0]), 800.0, 30.0, 1.5)
    assert math.isclose(float(ValidityWarning.__mro__.index(Warning) > 0), 1.0)


def test_every_model_a_cell_may_name_is_implemented():
    from twin.layers.radio_sites import MODEL_NAMES
    from twin.sim.radio.propagation import MODELS

    assert set(MODEL_NAMES) == set(MODELS)
