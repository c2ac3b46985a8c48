"""The README's scenario example and docs/scenario-example.json are valid scenarios."""

from __future__ import annotations

import json
import re
from pathlib import Path

from twin.scenario import Scenario

ROOT = Path(__file__).resolve().parent.parent


def test_readme_scenario_example_parses():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```json\n(.*?)```", readme, flags=re.S)
    assert blocks, "the README shows a scenario file"
    scenario = Scenario.from_dict(json.loads(blocks[0]))
    assert [i.kind for i in scenario.interventions] == [
        "add_mobile_site",
        "add_transit_line",
        "add_ev_chargers",
    ]


def test_docs_scenario_example_parses():
    data = json.loads((ROOT / "docs" / "scenario-example.json").read_text(encoding="utf-8"))
    scenario = Scenario.from_dict(data)
    assert {i.domain for i in scenario.interventions} == {"radio", "fiber", "transit", "energy"}
