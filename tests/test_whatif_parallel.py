"""The energy and transit domains computed in forked processes (twin simulate on 2 cores)
give the same figures and layers as computed in the process itself. Run in a fresh interpreter:
the test process has Qt loaded, where the runner never forks."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

CODE = """
import json, sys
import twin
from twin.scenario import Scenario
from twin.feedback import Feedback
from twin.sim.whatif import WhatIfOptions, parallel, runner, simulate

assert parallel.fork_is_safe()
options = WhatIfOptions(energy_daily=False)
scenario = Scenario.from_dict(json.load(open("docs/scenario-example.json", encoding="utf-8")))
domains = ["fiber", "transit", "energy"]
first = twin.open_project(None)
first.results.clear()
steps = []
feedback = Feedback(lambda percent, message: steps.append((percent, message)))
forked = simulate(first, scenario, domains, feedback, options=options, processes=3)
forked_runs = dict(runner.ENGINE_RUNS)
runner.forget()
second = twin.open_project(None)
second.results.clear()
alone = simulate(second, scenario, domains, options=options, processes=1)
print(json.dumps({
    "forked_runs": forked_runs,
    "alone_runs": {k: v - forked_runs[k] for k, v in runner.ENGINE_RUNS.items()},
    "same_figures": forked.kpis() == alone.kpis(),
    "same_warnings": forked.warnings == alone.warnings,
    "layers": [[a.name == b.name, a.frame.equals(b.frame)]
               for a, b in zip(forked.layers, alone.layers, strict=True)
               if hasattr(a, "frame")],
    "stored": sorted(e.domain for e in first.results.values()),
    "steps": steps,
}))
"""


def test_energy_and_transit_in_other_processes_equal_them_computed_here():
    result = subprocess.run(
        [sys.executable, "-c", CODE], cwd=ROOT, capture_output=True, text=True, timeout=900
    )
    assert result.returncode == 0, result.stderr
    import json

    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report["forked_runs"]["energy"] == 0  # computed by a child
    assert report["forked_runs"]["transit"] == 0  # computed by another child
    assert report["forked_runs"]["fiber"] == 2  # baseline and scenario, here
    assert report["alone_runs"]["energy"] == 2
    assert report["alone_runs"]["transit"] == 2
    assert report["same_figures"] and report["same_warnings"]
    assert report["layers"] and all(name and frame for name, frame in report["layers"])
    # the child's results are the project's, saved with it like any other
    assert report["stored"] == ["energy", "energy", "fiber", "fiber", "transit", "transit"]
    # the children's own steps reach the caller's feedback; once a child is done, its
    # domain does not step back to where it started
    own = ("computed in a second process", "baseline", "scenario")
    for domain in ("transit", "energy"):
        prefix = f"{domain}: "
        steps = [(p, m[len(prefix) :]) for p, m in report["steps"] if m.startswith(prefix)]
        child = [p for p, m in steps if m not in own]
        assert child, steps
        after = [p for p, m in steps if m in ("baseline", "scenario")]
        assert after and min(after) >= max(child), steps
