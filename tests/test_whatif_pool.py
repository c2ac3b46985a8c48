"""The engine processes of a comparison (twin.sim.whatif.pool): energy and transit computed
there give the figures, warnings and layers of a fresh simulation computed here; a result
read from a file that differs from the open project is not taken; Cancel stops the process
and the next comparison starts a new one."""

from __future__ import annotations

import pytest
from whatif_helpers import BUS_STOPS, copy_sample_project

import twin
from twin.errors import CancelledError
from twin.feedback import Feedback
from twin.project_results import ResultRecord
from twin.scenario import AddEvChargers, AddTransitLine, Scenario
from twin.sim.whatif import WhatIfOptions, pool, runner, simulate

OPTIONS = WhatIfOptions(energy_daily=False)
DOMAINS = ("fiber", "transit", "energy")
A = Scenario(
    "A",
    (
        AddTransitLine("T1", "bus", BUS_STOPS, 8.0),
        AddEvChargers("hub", 349_200.0, 6_787_400.0, 20, 22.0),
    ),
)
B = Scenario("B", (AddTransitLine("T2", "bus", BUS_STOPS[:2], 10.0),))


@pytest.fixture
def copy(tmp_path):
    """A copy of the sample project (and its GTFS feed) in a temporary folder."""
    copied = copy_sample_project(tmp_path)
    runner.forget()
    yield copied
    pool.stop()
    runner.forget()


def test_lanes_give_the_figures_of_a_fresh_simulation(copy):
    assert pool.start()
    project = twin.open_project(copy)
    before = dict(runner.ENGINE_RUNS)
    pooled = pool.submit(project, [A, B], options=OPTIONS)
    assert sorted(pooled) == ["energy", "transit"]
    try:
        compared = [simulate(project, s, DOMAINS, options=OPTIONS, pooled=pooled) for s in (A, B)]
    finally:
        pool.close(pooled)
    runs = {d: runner.ENGINE_RUNS[d] - before[d] for d in DOMAINS}
    assert runs["energy"] == 0 and runs["transit"] == 0  # both computed in the lanes
    assert all(entry.error is None for entry in pooled.values())
    stored = sorted(record.domain for record in project.results.values())
    assert stored.count("transit") >= 3 and stored.count("energy") >= 2  # saved with it

    runner.forget()  # the reference: a fresh project, every engine in this process
    fresh = twin.open_project(copy)
    before = dict(runner.ENGINE_RUNS)
    alone = [simulate(fresh, s, DOMAINS, options=OPTIONS) for s in (A, B)]
    assert runner.ENGINE_RUNS["transit"] - before["transit"] >= 2  # really computed here
    for one, other in zip(compared, alone, strict=True):
        assert one.kpis() == other.kpis()
        assert one.warnings == other.warnings
        assert [layer.name for layer in one.layers] == [layer.name for layer in other.layers]
        for layer, reference in zip(one.layers, other.layers, strict=True):
            if hasattr(layer, "frame"):
                assert layer.frame.equals(reference.frame), layer.name


class _Lane:
    """A lane that answers with the records given."""

    def __init__(self, records) -> None:
        self.records = records

    def receive(self, feedback, progress):
        return ("ok", self.records)

    def stop(self) -> None:
        raise AssertionError("not expected")


def test_a_result_of_other_inputs_is_not_taken():
    project = type("Project", (), {})()
    project.results = {}
    entry = pool.PooledDomain(_Lane([("other-key", "energy", "{}", {})]), "energy", ["mine"])
    assert entry.collect(project, Feedback()) is False
    assert "differs" in entry.error
    assert project.results == {}  # the runner computes it in this process instead

    taken = pool.PooledDomain(_Lane([("mine", "energy", "{}", {})]), "energy", ["mine"])
    assert taken.collect(project, Feedback()) is True
    assert project.results["mine"] == ResultRecord("mine", "energy", "{}", {})


def test_cancel_stops_the_lane_and_the_next_use_starts_another(copy):
    assert pool.start(("energy",))
    project = twin.open_project(copy)
    pooled = pool.submit(project, [A], options=OPTIONS)
    lane = pooled["energy"].lane
    first = lane.process.pid
    feedback = Feedback()
    feedback.cancel()
    with pytest.raises(CancelledError):
        pooled["energy"].collect(project, feedback)
    assert lane.process is None  # stopped, not left computing for nobody
    pool.close(pooled)  # nothing more to do
    pool.wait()  # the lane answers again, from a new process
    assert lane.process is not None and lane.process.pid != first
    assert lane.process.is_alive()
