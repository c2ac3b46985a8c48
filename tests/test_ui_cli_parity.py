"""The numbers a council sees in the KPI dock are the numbers ``twin simulate`` writes.

The synthetic town carries mobile sites and people (no GTFS, fiber or grid), so the radio,
capex and cost figures are compared here; tests/test_cli_simulate.py checks the CLI against
``simulate()`` for every domain on the sample territory.
"""

from __future__ import annotations

import json
import math

import pytest
from ui_scenario_fixtures import make_bench
from ui_scenario_project import PIXEL_M, SIZE_M, X0, Y0

from twin.cli import main
from twin.ui.map.tools.add_site import AddSiteTool


def test_cli_kpis_equal_the_figures_of_the_scenario_built_on_the_map(qtbot, tmp_path):
    bench = make_bench(qtbot)
    try:
        bench.tool(AddSiteTool(bench.controller))
        bench.click(X0 + 3000.0, Y0 + 2000.0)
        bench.wait_idle()
        scenario = bench.controller.current_scenario()
        assert [i.kind for i in scenario.interventions] == ["add_mobile_site"]
        shown = {figure.key: figure for figure in bench.controller.figures()}
        domains = sorted(
            {key.split(".")[0] for key in shown} & {"radio", "fiber", "transit", "energy"}
        )
        path = bench.project.save(tmp_path / "town.twin")
    finally:
        bench.controller.shutdown()

    out = tmp_path / "out"
    arguments = ["simulate", str(path), "--scenario", scenario.name, "--out", str(out)]
    arguments += ["--radio-pixel-m", str(PIXEL_M), "--radio-range-m", "3000"]
    arguments += ["--radio-bbox", f"{X0},{Y0},{X0 + SIZE_M},{Y0 + SIZE_M}"]
    arguments += ["--domains", ",".join(domains)]  # the domains the dock showed
    assert main(arguments) == 0
    written = json.loads((out / "kpis.json").read_text(encoding="utf-8"))["figures"]
    compared = 0
    for row in written:
        figure = shown.get(row["key"])
        if figure is None or row["value"] is None:
            continue
        assert row["value"] == pytest.approx(figure.value, rel=1e-9, abs=1e-9), row["key"]
        if figure.baseline is not None and not math.isnan(figure.baseline):
            assert row["baseline"] == pytest.approx(figure.baseline, rel=1e-9, abs=1e-9)
        compared += 1
    # every domain's headline figures are among those compared
    keys = {row["key"] for row in written if row["key"] in shown}
    assert "radio.5g.persons.good_or_better" in keys
    assert {"capex.total", "cost.radio_per_person_5g"} <= keys
    assert compared >= 30  # every figure of the town (radio, capex, cost per person)
