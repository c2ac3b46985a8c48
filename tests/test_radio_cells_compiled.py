"""The compiled RSRP kernel gives bitwise the rasters of the numpy path (3GPP TR 38.901
antenna pattern + power - path loss), so cold, incremental and live results agree."""

from __future__ import annotations

import numpy as np
import pytest
from affine import Affine

from twin.layers.radio_sites import Cell, Site
from twin.sim.radio import coverage
from twin.sim.radio.coverage import CoverageParameters, Grid, compute_site_cells


def _site(mechanical_tilt_deg: float, h_beamwidth_deg: float) -> Site:
    cells = tuple(
        Cell(
            f"c{azimuth:.0f}",
            azimuth_deg=azimuth,
            mechanical_tilt_deg=mechanical_tilt_deg,
            electrical_tilt_deg=3.0,
            h_beamwidth_deg=h_beamwidth_deg,
        )
        for azimuth in (10.0, 130.0, 250.0)
    )
    return Site("s1", 5_025.0, 4_975.0, 30.0, cells)


@pytest.mark.parametrize(("mechanical", "beamwidth"), [(0.0, 65.0), (2.5, 65.0), (0.0, 360.0)])
def test_compiled_rsrp_is_the_numpy_rsrp(monkeypatch, mechanical, beamwidth):
    grid = Grid(Affine(50.0, 0, 0.0, 0, -50.0, 10_000.0), (200, 200), "EPSG:2154")
    params = CoverageParameters(max_range_m=4_000.0)
    site = _site(mechanical, beamwidth)
    codes = {cell.cell_id: index for index, cell in enumerate(site.cells)}
    assert coverage._compiled_rsrp() is not None  # numba is installed here
    compiled = compute_site_cells(site, grid, params, codes)
    monkeypatch.setenv("TWIN_NO_NUMBA", "1")
    reference = compute_site_cells(site, grid, params, codes)
    assert len(compiled) == len(reference) == 3
    for fast, slow in zip(compiled, reference, strict=True):
        assert fast.rsrp_dbm.dtype == np.float32
        assert np.isfinite(fast.rsrp_dbm).sum() > 1000
        np.testing.assert_array_equal(fast.rsrp_dbm, slow.rsrp_dbm)
