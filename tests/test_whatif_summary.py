"""A stored result's summary (figures and the households behind them, no layers) is what
the KPI dock shows at start-up: it must equal the fully decoded result's figures."""

from __future__ import annotations

import twin
from twin.sim.whatif import store
from twin.sim.whatif.figures import paired_figures
from twin.sim.whatif.result import WhatIfOptions
from twin.sim.whatif.runner import stored_summary


def test_summary_of_the_stored_radio_baseline_equals_the_full_result_without_layers():
    project = twin.open_project()  # the sample holds its baseline results
    options = WhatIfOptions()
    summary = stored_summary(project, "radio", (), options, hash_layers=False)
    assert summary is not None and summary.layers == []
    key = store.input_key(project, "radio", [], options)
    assert isinstance(project.results[key], store.ResultRecord)  # nothing decoded and kept
    full = store.lookup(project, key)
    assert len(full.layers) >= 3
    assert summary.figures == full.figures
    gated = paired_figures(summary, summary)
    assert gated == paired_figures(full, full)  # households for the privacy gate included
    assert any(f.households for f in gated)
