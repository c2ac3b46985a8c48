"""Prepared engine inputs stored in the project file (twin.sim.whatif.prepared): the
transit destinations' road attachment is saved with the project, read back instead of
searched again, and built again exactly when a road changes (not when the grid does)."""

from __future__ import annotations

import numpy as np
import pytest
import shapely
from whatif_helpers import copy_sample_project

import twin
from twin.project_save import save_results
from twin.sim.network import RoadGraph
from twin.sim.whatif import prepared, runner
from twin.sim.whatif.result import CONTEXTS, road_graph
from twin.sim.whatif.transit_travel import NAME, prepare_destinations


@pytest.fixture
def copy(tmp_path):
    copied = copy_sample_project(tmp_path)
    runner.forget()
    yield copied
    runner.forget()


@pytest.fixture
def searches(monkeypatch):
    """The number of points attached by a nearest-road search, per call."""
    calls = []
    original = RoadGraph.attach

    def attach(self, points, max_distance=None):
        calls.append(len(points))
        return original(self, points, max_distance)

    monkeypatch.setattr(RoadGraph, "attach", attach)
    return calls


def _records(project) -> list[str]:
    return [k for k, v in project.results.items() if v.domain == prepared.PREFIX + NAME]


def _fresh(path):
    runner.forget()
    return twin.open_project(path)


def test_the_attachment_is_stored_read_back_and_rebuilt_when_a_road_changes(copy, searches):
    project = _fresh(copy)
    for key in _records(project):  # (the sample may ship one: start without)
        del project.results[key]
    computed = prepare_destinations(project, road_graph(project))
    assert len(searches) == 1 and searches[0] == len(computed)
    assert len(_records(project)) == 1
    save_results(project)

    # opened again: read from the file, no search, the same arrays
    reopened = _fresh(copy)
    read = prepare_destinations(reopened, road_graph(reopened))
    assert len(searches) == 1
    for name in ("edge", "offset_m", "connector_m", "point_xy", "projected_xy", "edge_length_m"):
        assert np.array_equal(getattr(read, name), getattr(computed, name), equal_nan=True), name

    # a grid change (energy's input) keeps it
    grid = reopened.layer("grid_buses")
    frame = grid.frame.copy()
    frame.loc[frame.index[0], "geometry"] = shapely.affinity.translate(frame.geometry.iloc[0], 10.0)
    grid.set_frame(frame)
    CONTEXTS.forget(reopened)  # (the runner does it when an input layer changes)
    prepare_destinations(reopened, road_graph(reopened))
    assert len(searches) == 1

    # a road moved 30 m: searched again, and the stale record replaced by the new one
    roads = reopened.layer("roads")
    frame = roads.frame.copy()
    frame.loc[frame.index[0], "geometry"] = shapely.affinity.translate(
        frame.geometry.iloc[0], 30.0, 30.0
    )
    roads.set_frame(frame)
    CONTEXTS.forget(reopened)  # (the runner does it when an input layer changes)
    assert CONTEXTS.store(reopened).get("road-graph") is None
    prepare_destinations(reopened, road_graph(reopened))
    assert len(searches) == 2
    assert len(_records(reopened)) == 1 and _records(reopened) != _records(project)


def test_a_damaged_record_is_rebuilt(copy, searches):
    project = _fresh(copy)
    computed = prepare_destinations(project, road_graph(project))  # (read from the file)
    (key,) = _records(project)
    searched = len(searches)
    record = project.results[key]
    project.results[key] = type(record)(key, record.domain, record.meta, {"edge": b"junk"})
    CONTEXTS.forget(project)
    again = prepare_destinations(project, road_graph(project))
    assert len(searches) == searched + 1  # searched again instead of failing
    assert np.array_equal(again.edge, computed.edge)
