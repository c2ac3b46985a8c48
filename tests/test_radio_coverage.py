"""Coverage engine: best server and SINR worked by hand, levels, incremental == cold, people."""

from __future__ import annotations

import math

import geopandas as gpd
import numpy as np
import pytest
from affine import Affine
from shapely.geometry import box

from twin.layers.mobile import read_sites, sites_to_layer
from twin.layers.radio_sites import Cell, three_sector_site
from twin.sim.radio import CoverageModel, CoverageParameters, Grid, Site, Terrain
from twin.sim.radio.coverage import coverage_level, noise_per_re_dbm
from twin.sim.radio.population import PeopleCounter, PopulationPoints


def _omni(cell_id: str) -> Cell:
    # 0 dBi, omnidirectional in both planes (huge vertical beamwidth, no tilt), free space
    return Cell(
        cell_id,
        band_mhz=1800,
        rs_power_dbm=15.0,
        antenna_gain_dbi=0.0,
        h_beamwidth_deg=360.0,
        v_beamwidth_deg=1e9,
        electrical_tilt_deg=0.0,
        model="free-space",
    )


def test_two_site_toy_grid_by_hand():
    # One row of four 100 m pixels, centres x = 50, 150, 250, 350 (y = 50). Site A at
    # x = -50, site B at x = 450, both 1.5 m high like the terminal (d3D = d2D), free space,
    # 15 dBm per RE, 0 dBi, same operator and band: co-channel.
    grid = Grid(Affine(100.0, 0, 0, 0, -100.0, 100.0), (1, 4))
    sites = [
        Site("A", -50.0, 50.0, 1.5, (_omni("A1"),), operator="op"),
        Site("B", 450.0, 50.0, 1.5, (_omni("B1"),), operator="op"),
    ]
    params = CoverageParameters(
        max_range_m=1000.0, load=0.5, noise_figure_db=7.0, thresholds_dbm=(-70.0, -65.0, -60.0)
    )
    result = CoverageModel(grid, sites, params).compute()
    # FSPL(d) = 32.45 + 20 log10(1800) + 20 log10(d/1000) = 77.5555 dB at 100 m,
    # +6.0206 at 200 m, +9.5424 at 300 m, +12.0412 at 400 m.
    fspl_100 = 32.45 + 20 * math.log10(1800) - 20.0
    assert fspl_100 == pytest.approx(77.5555, abs=1e-4)
    rsrp_100 = 15.0 - fspl_100  # -62.5555 dBm
    rsrp_200 = rsrp_100 - 20 * math.log10(2)  # -68.5761
    rsrp_300 = rsrp_100 - 20 * math.log10(3)  # -72.0979
    rsrp_400 = rsrp_100 - 20 * math.log10(4)  # -74.5967
    np.testing.assert_allclose(
        result.best_rsrp[0], [rsrp_100, rsrp_200, rsrp_200, rsrp_100], atol=1e-4
    )
    assert list(result.server_names()[0]) == ["A1", "A1", "B1", "B1"]
    # N = -174 + 10 log10(15000) + 7 = -125.2391 dBm per RE (15 kHz LTE)
    noise = noise_per_re_dbm(15.0, 7.0)
    assert noise == pytest.approx(-125.2391, abs=1e-4)

    def mw(dbm):
        return 10 ** (dbm / 10)

    # pixel 0: SINR = -62.5555 - 10 log10(0.5 * mW(-74.5967) + mW(-125.2391)) = 15.0511 dB
    # (= 12.0412 dB path difference + 3.0103 dB for load 0.5, minus 0.0004 dB of noise)
    sinr_0 = rsrp_100 - 10 * math.log10(0.5 * mw(rsrp_400) + mw(noise))
    sinr_1 = rsrp_200 - 10 * math.log10(0.5 * mw(rsrp_300) + mw(noise))  # 6.5317 dB
    assert sinr_0 == pytest.approx(15.0511, abs=1e-3)
    np.testing.assert_allclose(result.sinr[0], [sinr_0, sinr_1, sinr_1, sinr_0], atol=1e-4)
    # levels with thresholds -70/-65/-60: -62.56 -> good (2), -68.58 -> limited (1)
    assert list(result.level[0]) == [2, 1, 1, 2]


def test_other_channel_does_not_interfere_and_no_cell_means_no_coverage():
    grid = Grid(Affine(100.0, 0, 0, 0, -100.0, 100.0), (1, 4))
    other_band = _omni("B1").with_changes(band_mhz=800)
    sites = [
        Site("A", -50.0, 50.0, 1.5, (_omni("A1"),), operator="op"),
        Site("B", 450.0, 50.0, 1.5, (other_band,), operator="op"),
    ]
    result = CoverageModel(grid, sites, CoverageParameters(max_range_m=250.0)).compute()
    # pixel 0 only hears A (B is 400 m away, range 250 m): SINR = RSRP - N
    rsrp = 15.0 - (32.45 + 20 * math.log10(1800) - 20.0)
    assert result.sinr[0, 0] == pytest.approx(rsrp - noise_per_re_dbm(15.0, 7.0), abs=1e-3)
    # pixel 2 is 300 m from A (beyond the range) and 200 m from B: B serves on 800 MHz
    assert result.server_names()[0, 2] == "B1"
    assert np.isfinite(result.sinr[0]).all()
    levels = coverage_level(np.array([np.nan, -116.0, -115.0, -100.0, -95.0]))
    assert list(levels) == [0, 0, 1, 2, 3]


def _terrain(size=160, pixel=25.0):
    rng = np.random.default_rng(7)
    from scipy.ndimage import gaussian_filter

    heights = 40.0 + 400.0 * gaussian_filter(rng.standard_normal((size, size)), 12)
    return Terrain(heights.astype(np.float32), Affine(pixel, 0, 0, 0, -pixel, size * pixel))


def test_incremental_updates_equal_a_cold_computation():
    pixel, size = 25.0, 160
    grid = Grid(Affine(pixel, 0, 0, 0, -pixel, size * pixel), (size, size))
    terrain = _terrain(size, pixel)
    params = CoverageParameters(max_range_m=1500.0, profile_step_m=50.0)
    sites = [
        three_sector_site(f"S{i}", x, y, 25.0, band_mhz=b, operator="op")
        for i, (x, y, b) in enumerate(
            [(800, 900, 1800), (3000, 1000, 1800), (1800, 3000, 800), (3200, 3300, 1800)]
        )
    ]
    model = CoverageModel(grid, sites, params, terrain)
    model.compute()
    new_site = three_sector_site("N", 2000, 2000, 30.0, band_mhz=1800, operator="op")
    model.add_site(new_site)
    model.update_site(sites[0].moved(1100, 1300))
    model.update_site(sites[1].retilted(electrical_tilt_deg=8.0))
    model.remove_site("S2")
    incremental = model.result()

    final = [
        sites[0].moved(1100, 1300),
        sites[1].retilted(electrical_tilt_deg=8.0),
        sites[3],
        new_site,
    ]
    cold = CoverageModel(grid, final, params, terrain).compute()
    np.testing.assert_array_equal(np.isnan(incremental.best_rsrp), np.isnan(cold.best_rsrp))
    np.testing.assert_allclose(incremental.best_rsrp, cold.best_rsrp, atol=1e-6, equal_nan=True)
    np.testing.assert_allclose(incremental.sinr, cold.sinr, atol=1e-6, equal_nan=True)
    np.testing.assert_array_equal(incremental.server_names(), cold.server_names())
    np.testing.assert_array_equal(incremental.level, cold.level)
    # the change did something: S2's cells no longer serve anywhere
    assert not np.isin(incremental.server_names(), ["S2-1", "S2-2", "S2-3"]).any()
    assert incremental.parameters["sites"] == 4


def test_dragging_a_site_step_by_step_equals_a_cold_computation_with_ties():
    # A drag updates the same site many times: its cells are folded into the kept best of
    # the other cells. Site B has the same cells as A; dragged onto A's mast both give the
    # same RSRP everywhere, and a tie must go to the lower cell code (A's), as in a cold run.
    pixel, size = 25.0, 120
    grid = Grid(Affine(pixel, 0, 0, 0, -pixel, size * pixel), (size, size))
    terrain = _terrain(size, pixel)
    params = CoverageParameters(max_range_m=1200.0, profile_step_m=50.0)
    a = three_sector_site("A", 1000, 1000, 25.0, band_mhz=1800, operator="op")
    b = three_sector_site("B", 2200, 2000, 25.0, band_mhz=1800, operator="op")
    b = b.with_changes(cells=tuple(c.with_changes(cell_id=f"B-{k}") for k, c in enumerate(a.cells)))
    model = CoverageModel(grid, [a, b], params, terrain)
    model.compute()
    for x, y in [(2000, 1800), (1500, 1200), (1000, 1000)]:  # ends on A's mast
        model.update_site(b.moved(x, y))
    incremental = model.result()
    cold = CoverageModel(grid, [a, b.moved(1000, 1000)], params, terrain).compute()
    np.testing.assert_array_equal(incremental.best_rsrp, cold.best_rsrp)
    np.testing.assert_array_equal(incremental.best_server, cold.best_server)
    np.testing.assert_array_equal(incremental.sinr, cold.sinr)
    np.testing.assert_array_equal(incremental.level, cold.level)
    served = incremental.server_names()[incremental.best_server >= 0]
    assert served.size > 0 and all(name.startswith("A") for name in served)
    # now drag A (the lower codes) away and back onto B: A wins the ties again
    for x, y in [(1800, 2200), (1000, 1000)]:
        model.update_site(a.moved(x, y))
    again = model.result()
    np.testing.assert_array_equal(again.best_server, cold.best_server)
    np.testing.assert_array_equal(again.sinr, cold.sinr)


def test_people_per_level_sum_to_the_total_per_zone_and_baseline_difference():
    grid = Grid(Affine(100.0, 0, 0, 0, -100.0, 400.0), (4, 4))
    level = np.array([[0, 1, 2, 3]] * 4, dtype=np.uint8)
    rng = np.random.default_rng(3)
    n = 300
    x = rng.uniform(-50, 450, n)  # some buildings fall outside the grid (level 0)
    y = rng.uniform(0, 400, n)
    frame = gpd.GeoDataFrame(
        {
            "population": rng.uniform(0, 6, n),
            "premises": rng.integers(1, 4, n),
            "households": rng.integers(1, 3, n),
            "insee": np.where(x < 200, "35238", "35047"),
        },
        geometry=[box(a - 2, b - 2, a + 2, b + 2) for a, b in zip(x, y, strict=True)],
        crs="EPSG:2154",
    )
    counter = PeopleCounter(PopulationPoints.from_frame(frame), grid)
    summary = counter.count(level)
    assert summary.persons.sum() == pytest.approx(frame["population"].sum(), rel=1e-12)
    assert summary.premises.sum() == pytest.approx(frame["premises"].sum(), rel=1e-12)
    assert summary.outside_points == int(((x < 0) | (x >= 400)).sum())
    for index, name in enumerate(summary.zone_names):
        zone_total = frame.loc[frame["insee"] == name, "population"].sum()
        assert summary.zone_persons[index].sum() == pytest.approx(zone_total, rel=1e-12)
    # buildings in column 3 (x 300-400) are "very good"
    in_col3 = (x >= 300) & (x < 400)
    assert summary.persons[3] == pytest.approx(frame["population"][in_col3].sum(), rel=1e-12)
    better = np.full_like(level, 3)
    difference = counter.count(better).difference(summary)
    assert sum(difference["persons"].values()) == pytest.approx(0.0, abs=1e-9)
    assert difference["persons"]["very good"] > 0
    report = summary.to_dict()
    assert set(report["zones"]) == {"35238", "35047"}
    assert report["total_persons"] == pytest.approx(frame["population"].sum())


def test_mobile_cells_layer_round_trip():
    sites = [
        three_sector_site("S1", 351000.0, 6789000.0, 28.0, band_mhz=800, operator="Orange"),
        three_sector_site(
            "S2",
            352000.0,
            6789500.0,
            35.0,
            band_mhz=3500,
            operator="Free",
            technology="5G",
            model="3gpp-uma",
        ),
    ]
    layer = sites_to_layer(sites)
    assert len(layer.frame) == 6 and layer.geometry_kind == "point"
    assert read_sites(layer) == sites


def test_result_layers_carry_provenance_and_validity_warnings():
    # Okumura-Hata below 1 km and with a 20 m mast is outside its validity (1-20 km, 30-200 m)
    grid = Grid(Affine(50.0, 0, 0, 0, -50.0, 2000.0), (40, 40))
    cell = Cell("H1", band_mhz=800, model="okumura-hata", model_params={"environment": "urban"})
    site = Site("H", 1000.0, 1000.0, 20.0, (cell,), operator="op")
    result = CoverageModel(grid, [site], CoverageParameters(max_range_m=1500.0)).compute()
    assert any("okumura-hata" in w and "distance" in w for w in result.warnings)
    assert any("base-station height" in w for w in result.warnings)
    layers = result.to_layers()
    assert [layer.unit for layer in layers] == ["dBm", "cell", "dB", "level"]
    provenance = layers[0].provenance
    assert provenance.source == "engine:twin.sim.radio"
    assert provenance.parameters["models"] == ["okumura-hata"]
    assert provenance.parameters["warnings"] == result.warnings
    assert provenance.date == result.date[:10]
    assert layers[3].style.kind == "raster-classes" and len(layers[3].style.categories) == 4


def test_line_of_sight_per_pixel_behind_a_wall():
    pixel, size = 25.0, 120
    heights = np.full((size, size), 50.0, np.float32)
    heights[:, 80:82] = 120.0  # wall at x = 2000-2050 m
    terrain = Terrain(heights, Affine(pixel, 0, 0, 0, -pixel, size * pixel))
    grid = Grid(terrain.transform, (size, size))
    site = three_sector_site("W", 1000.0, 1500.0, 30.0)
    model = CoverageModel(grid, [site], CoverageParameters(max_range_m=1400.0), terrain)
    (r0, _r1, c0, c1), los = model.line_of_sight("W")
    columns = np.arange(c0, c1)
    row = 60 - r0  # the site's row (y = 1500 m)
    assert los[row, columns < 75].all()  # x < 1875 m: in front of the wall
    assert not los[row, columns > 84].any()  # x > 2100 m: hidden


def test_preview_drag_then_drop_equals_a_cold_computation():
    # While a site is dragged the model computes it with coarser terrain profiles (preview);
    # switching the preview off recomputes it exactly, also when the drop is where the last
    # preview was (the site did not change, so no update would otherwise redo it).
    pixel, size = 25.0, 120
    grid = Grid(Affine(pixel, 0, 0, 0, -pixel, size * pixel), (size, size))
    terrain = _terrain(size, pixel)
    params = CoverageParameters(max_range_m=1200.0, profile_step_m=50.0)
    a = three_sector_site("A", 1000, 1000, 25.0, band_mhz=1800, operator="op")
    b = three_sector_site("B", 2200, 2000, 25.0, band_mhz=1800, operator="op")
    model = CoverageModel(grid, [a, b], params, terrain)
    model.compute()
    model.set_preview(True)
    for x, y in [(2000, 1800), (1700, 1500), (1500, 1300)]:
        model.update_site(b.moved(x, y))
    preview = model.result()
    cold = CoverageModel(grid, [a, b.moved(1500, 1300)], params, terrain).compute()
    assert not np.array_equal(preview.best_rsrp, cold.best_rsrp, equal_nan=True)  # coarser
    windows = model.set_preview(False)  # the drop, on the last preview position
    assert windows
    exact = model.result()
    np.testing.assert_array_equal(exact.best_rsrp, cold.best_rsrp)
    np.testing.assert_array_equal(exact.best_server, cold.best_server)
    np.testing.assert_array_equal(exact.sinr, cold.sinr)
    np.testing.assert_array_equal(exact.level, cold.level)
    assert model.set_preview(False) == []  # nothing left to redo
