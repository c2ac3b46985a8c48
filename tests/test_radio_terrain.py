"""Terrain diffraction: ITU-R P.526-15 J(v), Earth bulge, one- and two-edge profiles, radial
sweep over a DEM."""

from __future__ import annotations

import math

import numpy as np
import pytest
from affine import Affine

from twin.sim.radio.terrain import (
    EFFECTIVE_EARTH_RADIUS_M,
    Terrain,
    earth_bulge_m,
    edge_parameters,
    knife_edge_loss,
    profile_diffraction_loss,
    radial_profiles,
    wavelength_m,
)


def test_knife_edge_loss_matches_p526_eq31():
    # J(v) = 6.9 + 20 log10(sqrt((v - 0.1)^2 + 1) + v - 0.1) for v > -0.78, else 0.
    # v = -0.5: sqrt(0.36 + 1) + (-0.6) = 1.166190 - 0.6 = 0.566190 -> 6.9 - 4.9408 = 1.9592
    # v = 0:    sqrt(0.01 + 1) - 0.1 = 0.904988 -> 6.9 - 0.8671 = 6.0329 (the classic 6 dB)
    # v = 1:    sqrt(0.81 + 1) + 0.9 = 2.245362 -> 6.9 + 7.0257 = 13.9257
    # v = 2.4:  sqrt(5.29 + 1) + 2.3 = 4.807987 -> 6.9 + 13.6393 = 20.5393
    v = np.array([-1.0, -0.78, -0.5, 0.0, 1.0, 2.4])
    np.testing.assert_allclose(
        knife_edge_loss(v), [0.0, 0.0, 1.9592, 6.0329, 13.9257, 20.5393], atol=1e-4
    )


def test_effective_earth_radius_and_bulge():
    # k = 4/3, a = 6371 km -> 8494.67 km; bulge at 5 km / 5 km: 25e6 / (2 * 8.4947e6) = 1.4715 m
    assert pytest.approx(8_494_667, abs=1) == EFFECTIVE_EARTH_RADIUS_M
    assert float(earth_bulge_m(5000.0, 5000.0)) == pytest.approx(1.4715, abs=1e-4)


def _one_obstacle_profile():
    distances = np.arange(100.0, 10_001.0, 100.0)
    ground = np.zeros_like(distances)
    ground[distances == 4000.0] = 25.0
    return distances, ground


@pytest.mark.parametrize("method", ["deygout", "bullington"])
def test_one_obstacle_profile_equals_single_knife_edge(method):
    # Tx and Rx antennas 20 m above sea level, flat ground at 0 m, one 25 m edge at
    # d1 = 4 km, d2 = 6 km, f = 900 MHz (lambda = 299.792458/900 = 0.333103 m).
    # bulge = 4000*6000 / (2*8494667) = 1.412651 m -> h = 25 + 1.412651 - 20 = 6.412651 m
    # v = h sqrt(2 (d1 + d2) / (lambda d1 d2)) (P.526-15 eq. 26) = 6.412651 * 0.050017
    #   = 0.320744 -> J(v) = 6.9 + 20 log10(sqrt(0.220744^2 + 1) + 0.220744) = 8.8021 dB
    distances, ground = _one_obstacle_profile()
    loss = profile_diffraction_loss(distances, ground, 20.0, 20.0, 900.0, method)
    h = 25.0 + 4000.0 * 6000.0 / (2 * EFFECTIVE_EARTH_RADIUS_M) - 20.0
    v = h * math.sqrt(2 * 10_000.0 / (wavelength_m(900.0) * 4000.0 * 6000.0))
    assert float(knife_edge_loss(v)) == pytest.approx(8.8021, abs=1e-3)
    assert loss == pytest.approx(8.8021, abs=1e-3)


def test_deygout_adds_the_secondary_edge():
    # Two edges on a flat profile, Tx/Rx 20 m, f = 900 MHz: edge A 30 m at 3 km, edge B
    # 28 m at 7 km (path 10 km). Main edge = larger v over the whole path; then the
    # secondary edge on the other side is measured against the line main-edge-top -> end.
    distances = np.arange(100.0, 10_001.0, 100.0)
    ground = np.zeros_like(distances)
    ground[distances == 3000.0] = 30.0
    ground[distances == 7000.0] = 28.0
    lam = wavelength_m(900.0)
    a_e = EFFECTIVE_EARTH_RADIUS_M

    def v(h, d1, d2):
        return h * math.sqrt(2 * (d1 + d2) / (lam * d1 * d2))

    v_a = v(30 + 3000 * 7000 / (2 * a_e) - 20, 3000, 7000)  # 10.99 m above the ray
    v_b = v(28 + 7000 * 3000 / (2 * a_e) - 20, 7000, 3000)  # 9.24 m above the ray
    assert v_a > v_b  # A is the main edge
    # secondary B on the sub-path A-top (30 m at 3 km) -> Rx (20 m at 10 km):
    # chord at 7 km = 30 + (20 - 30) * 4/7 = 24.2857 m; bulge 4000*3000/(2 a_e)
    h_b = 28 + 4000 * 3000 / (2 * a_e) - (30 + (20 - 30) * 4000 / 7000)
    expected = float(knife_edge_loss(v_a) + knife_edge_loss(v(h_b, 4000, 3000)))
    loss = profile_diffraction_loss(distances, ground, 20.0, 20.0, 900.0, "deygout")
    assert loss == pytest.approx(expected, abs=1e-3)
    assert loss > float(knife_edge_loss(v_a)) + 1.0


def _flat_dem(height=50.0, size=200, pixel=25.0):
    return Terrain(
        np.full((size, size), height, np.float32), Affine(pixel, 0, 0, 0, -pixel, size * pixel)
    )


def test_radial_profiles_flat_ground_is_clear_at_1800_mhz():
    terrain = _flat_dem()
    profiles = radial_profiles(terrain, 2500.0, 2500.0, 30.0, 1.5, 2000.0, 50.0)
    assert profiles.los.all()
    assert float(profiles.diffraction_loss(1800.0).max()) == 0.0
    assert profiles.tx_amsl_m == pytest.approx(80.0)


def test_radial_profiles_see_a_ridge_and_match_the_profile_function():
    size, pixel = 200, 25.0
    heights = np.full((size, size), 50.0, np.float32)
    heights[:, 120:122] = 110.0  # a north-south wall 60 m high at x = 3000-3050 m
    terrain = Terrain(heights, Affine(pixel, 0, 0, 0, -pixel, size * pixel))
    profiles = radial_profiles(terrain, 2000.0, 2500.0, 30.0, 1.5, 2400.0, 50.0)
    loss = profiles.diffraction_loss(900.0)
    east_ray = profiles.n_rays // 4  # azimuth close to 90 degrees
    azimuth = 2 * math.pi * east_ray / profiles.n_rays
    distances = profiles.distances_m
    before = distances < 950.0
    behind = distances > 1100.0
    assert profiles.los[east_ray, before].all() and not profiles.los[east_ray, behind].any()
    assert loss[east_ray, before].max() == 0.0 and loss[east_ray, behind].min() > 15.0
    # the same ray computed as one profile gives the same loss at its end (2.4 km)
    ground = terrain.elevation_at(
        2000.0 + math.sin(azimuth) * distances, 2500.0 + math.cos(azimuth) * distances
    )
    single = profile_diffraction_loss(distances, ground, 80.0, float(ground[-1]) + 1.5, 900.0)
    assert single == pytest.approx(float(loss[east_ray, -1]), abs=1e-3)


@pytest.mark.parametrize("method", ["deygout", "bullington"])
def test_default_path_equals_the_numpy_reference_path(method):
    # the default (numba kernel when installed) and the numpy blocks implement the same
    # equations; they agree to float32 rounding on a rough random profile set
    rng = np.random.default_rng(11)
    distances = 50.0 * np.arange(1, 61)
    ground = 60.0 + np.cumsum(rng.normal(0, 6, (40, 60)), axis=1)
    default = edge_parameters(distances, ground, 100.0, 1.5, method)
    reference = edge_parameters(distances, ground, 100.0, 1.5, method, compiled=False)
    for got, expected in zip(default[:3], reference[:3], strict=True):
        np.testing.assert_array_equal(np.isfinite(got), np.isfinite(expected))
        finite = np.isfinite(got)
        np.testing.assert_allclose(got[finite], expected[finite], rtol=1e-4, atol=1e-3)
    np.testing.assert_array_equal(default[3], reference[3])
