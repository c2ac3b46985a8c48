"""Radio what-if: incremental coverage of added/moved/removed sites, people per level."""

from __future__ import annotations

import numpy as np
import pytest
from whatif_helpers import FAST, SITE, sample_project

from twin.errors import DataError
from twin.scenario import EditMobileCell, MoveMobileSite, RemoveMobileSite
from twin.sim.radio.model import CoverageModel
from twin.sim.whatif import RadioWhatIf
from twin.sim.whatif.radio import TECHNOLOGIES, _split, new_site, radio_costs


@pytest.fixture(scope="module")
def radio():
    return RadioWhatIf(sample_project(), FAST)


def _values(figures):
    return {f.key: f.value for f in figures}


def test_no_intervention_gives_zero_delta(radio):
    figures = radio.apply([])
    assert figures and all(f.delta == 0 for f in figures)


def test_new_5g_site_raises_5g_coverage_only(radio):
    figures = {f.key: f for f in radio.apply([SITE])}
    # The site has three 3500 MHz 5G cells: 5G persons with good or very good coverage
    # rise, those without 5G coverage fall, and 4G is untouched (delta exactly 0).
    assert figures["radio.5g.persons.good_or_better"].delta > 1000
    assert figures["radio.5g.premises.good_or_better"].delta > 0
    assert figures["radio.5g.persons.none"].delta < 0
    assert all(f.delta == 0 for k, f in figures.items() if k.startswith("radio.4g."))
    # Persons only move between levels: the four levels still sum to the same total.
    levels = ("none", "limited", "good", "very_good")
    total = sum(figures[f"radio.5g.persons.{lv}"].value for lv in levels)
    assert total == pytest.approx(sum(figures[f"radio.5g.persons.{lv}"].baseline for lv in levels))
    assert radio.capex_eur == radio_costs()["new_site_eur"]
    radio.apply([])


def test_incremental_equals_cold_computation(radio):
    moved = MoveMobileSite(SITE.site_id, 353_000.0, 6_790_000.0)
    radio.apply([SITE])
    radio.apply([SITE, moved])  # incremental: only the dragged site is recomputed
    levels = {t: radio.models[t].level.copy() for t in TECHNOLOGIES}
    site = new_site(SITE).moved(moved.x, moved.y)
    for technology in TECHNOLOGIES:
        sites = [s for s in (_split(x, technology) for x in radio.baseline_sites.values()) if s]
        extra = _split(site, technology)
        cold = CoverageModel(
            radio.grid,
            sites + ([extra] if extra else []),
            radio.params,
            radio.models[technology].terrain,
        )
        cold.compute()
        np.testing.assert_array_equal(cold.level, levels[technology])
    back = radio.apply([])  # and back to the baseline exactly
    assert all(f.delta == 0 for f in back)


def test_removing_a_site_loses_coverage(radio):
    site_id = next(
        sid
        for sid, s in radio.baseline_sites.items()
        if 350_000 < s.x < 354_000 and 6_787_000 < s.y < 6_791_000
    )
    figures = {f.key: f for f in radio.apply([RemoveMobileSite(site_id)])}
    assert figures["radio.4g_5g.persons.good_or_better"].delta <= 0
    assert (
        figures["radio.4g_5g.persons.none"].delta + figures["radio.4g_5g.persons.limited"].delta
        >= 0
    )
    assert any(f.delta != 0 for f in figures.values())
    radio.apply([])


def test_bad_radio_interventions_raise_data_error(radio):
    with pytest.raises(DataError, match="no mobile site"):
        radio.apply([MoveMobileSite("nowhere", 0.0, 0.0)])
    with pytest.raises(DataError, match="already exists"):
        radio.apply([SITE, SITE])
    with pytest.raises(DataError, match="cannot change"):
        radio.apply([SITE, EditMobileCell(SITE.site_id, "new-5g-1", {"colour": 3})])
    radio.apply([])


def test_edit_cell_power_changes_coverage(radio):
    weaker = EditMobileCell(SITE.site_id, "new-5g-1", {"tx_power_dbm": 30.0})
    strong = _values(radio.apply([SITE]))
    weak = _values(radio.apply([SITE, weaker]))
    # 19 dB less power on one sector: fewer 5G persons with good or better coverage.
    assert weak["radio.5g.persons.good_or_better"] < strong["radio.5g.persons.good_or_better"]
    radio.apply([])


def test_drag_does_not_accumulate_terrain_profiles(radio):
    radio.apply([SITE])
    count = len(radio.models["5G"]._profiles)
    for step in range(5):
        radio.apply([SITE, MoveMobileSite(SITE.site_id, 352_000.0 + 100 * step, 6_789_000.0)])
    assert len(radio.models["5G"]._profiles) == count  # one position kept per site
    radio.apply([])


def test_live_engine_drag_preview_then_exact_drop_equals_cold(radio):
    from dataclasses import replace

    from twin.ui.live.engine import EngineHost

    host = EngineHost(None, FAST)
    host.engine = radio  # the module's engine (its cold baseline is already built)
    low = replace(SITE, height_m=3.0)  # a low mast, so the terrain (and its profiles) matter
    y = 6_789_800.0
    host.handle("apply", ([low],))
    previews = [
        host.handle("preview", ([low, MoveMobileSite(low.site_id, x, y)],))
        for x in (352_400.0, 352_700.0, 353_000.0)
    ]
    preview_rsrp = radio.models["5G"].best_rsrp.copy()
    drop = [low, MoveMobileSite(low.site_id, 353_000.0, y)]
    exact = host.handle("apply", (drop,))  # the drop: where the last preview was
    site = new_site(low).moved(353_000.0, y)
    cold_levels = {}
    for technology in TECHNOLOGIES:
        sites = [s for s in (_split(x, technology) for x in radio.baseline_sites.values()) if s]
        extra = _split(site, technology)
        terrain = radio.models[technology].terrain
        cold = CoverageModel(radio.grid, sites + ([extra] if extra else []), radio.params, terrain)
        cold.compute()
        cold_levels[technology] = cold.level
        np.testing.assert_array_equal(radio.models[technology].best_rsrp, cold.best_rsrp)
        np.testing.assert_array_equal(radio.models[technology].level, cold.level)
    np.testing.assert_array_equal(exact["level"], np.maximum(cold_levels["4G"], cold_levels["5G"]))
    assert previews[-1]["level"].shape == exact["level"].shape
    # the preview was coarser (other received powers behind the terrain), the drop exact
    assert np.nanmax(np.abs(preview_rsrp - radio.models["5G"].best_rsrp)) > 1.0
    radio.apply([])
