"""New sites merged into a known baseline give exactly what the incremental coverage models
give (rasters bit-equal, same figures, warnings and provenance), without building them."""

from __future__ import annotations

import math

import numpy as np
import pytest
from whatif_helpers import BOX, FAST, SITE, sample_project

import twin.sim.whatif.radio as radio
import twin.sim.whatif.radio_added as radio_added
from twin.layers.raster import RasterLayer
from twin.layers.vector import VectorLayer
from twin.project import Project
from twin.scenario import AddMobileSite, CellSpec, MoveMobileSite, Scenario
from twin.sim.whatif import runner, simulate

SECOND = AddMobileSite(
    "new-4g",
    "Test 4G+5G",
    354_500.0,
    6_790_500.0,
    25.0,
    cells=(
        CellSpec(30.0, band_mhz=800, technology="4G", tx_power_dbm=46.0, bandwidth_mhz=10.0),
        CellSpec(150.0, band_mhz=800, technology="4G", tx_power_dbm=46.0, bandwidth_mhz=10.0),
        CellSpec(270.0),
    ),
)


def _copy(layer):
    common = {"style": layer.style, "provenance": layer.provenance, "layer_id": layer.id}
    if isinstance(layer, RasterLayer):
        return RasterLayer(
            layer.name, layer.array, layer.transform, layer.crs, layer.nodata, **common
        )
    return VectorLayer(layer.name, layer.frame, crs=layer.crs, **common)


def _radio_project() -> Project:
    """A project of its own (no prepared models) with the sample's radio layers."""
    sample = sample_project()
    project = Project(crs=sample.crs)
    for name in ("mobile_cells", "terrain", "buildings", "communes"):
        project.add_layer(_copy(sample.layer(name)), index=len(project.layers))
    return project


def _same_results(full, fast) -> None:
    assert [f.to_dict() for f in fast.figures] == [f.to_dict() for f in full.figures]
    assert fast.warnings == full.warnings
    assert fast.capex_eur == full.capex_eur
    assert fast.details == full.details
    assert [layer.name for layer in fast.layers] == [layer.name for layer in full.layers]
    for a, b in zip(full.layers, fast.layers, strict=True):
        assert a.array.dtype == b.array.dtype
        assert a.array.tobytes() == b.array.tobytes(), a.name
        assert a.transform == b.transform and a.unit == b.unit
        assert (a.nodata is None) == (b.nodata is None)
        assert a.style == b.style, a.name
        pa, pb = dict(a.provenance.parameters), dict(b.provenance.parameters)
        pa.pop("computed_at"), pb.pop("computed_at")
        assert pa == pb, a.name
        assert a.provenance.method == b.provenance.method


@pytest.mark.parametrize("sites", [(SITE,), (SITE, SECOND)], ids=["5G", "4G+5G"])
def test_added_sites_equal_the_incremental_models(sites):
    project = _radio_project()
    baseline = radio.run(project, [], None, FAST, "result")
    full = radio.run(project, list(sites), None, FAST, "Plan")
    fast = radio_added.added_sites_result(_radio_project(), list(sites), FAST, baseline, "Plan")
    assert fast is not None
    _same_results(full, fast)
    gained = fast.figures[[f.key for f in fast.figures].index("radio.5g.persons.good_or_better")]
    before = baseline.figures[[f.key for f in baseline.figures].index(gained.key)]
    assert gained.value > before.value  # the new 5G cells cover people
    assert math.isclose(fast.capex_eur, len(sites) * radio.radio_costs()["new_site_eur"])


def test_simulate_with_a_known_baseline_builds_no_models(monkeypatch):
    project = _radio_project()
    runner._RESULTS.clear()
    simulate(project, None, ["radio"], options=FAST)  # the baseline, in memory
    expected = radio.run(project, [SITE], None, FAST, "result")
    other = _radio_project()
    other_results = runner.stored_result(project, "radio", (), FAST)
    assert other_results is not None

    def no_models(*args, **kwargs):
        raise AssertionError("the coverage models were built")

    monkeypatch.setattr(radio, "RadioWhatIf", no_models)
    result = simulate(other, Scenario("Plan", (SITE,)), ["radio"], options=FAST)
    assert [f.value for f in result.scenario_results["radio"].figures] == [
        f.value for f in expected.figures
    ]
    level = [layer for layer in result.layers if layer.name == "Plan: 4G+5G coverage level"]
    assert len(level) == 1 and np.any(level[0].array > 0)
    runner._RESULTS.clear()


def test_moving_a_site_still_uses_the_models(monkeypatch):
    project = _radio_project()
    baseline = radio.run(project, [], None, FAST, "result")
    site_id = project.layer("mobile_cells").frame["site_id"].iloc[0]
    built = []
    original = radio.RadioWhatIf

    def counting(*args, **kwargs):
        built.append(1)
        return original(*args, **kwargs)

    monkeypatch.setattr(radio, "RadioWhatIf", counting)
    other = _radio_project()
    move = MoveMobileSite(site_id, BOX[0] + 5000.0, BOX[1] + 5000.0)
    radio.run(other, [move], None, FAST, "Plan", baseline=baseline)
    assert built == [1]
