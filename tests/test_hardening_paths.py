"""Issue 10: every reader that takes a path refuses a named pipe, a device or a folder at
once with one line (reading a pipe waits for a writer forever; /dev/zero never ends)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hardening_helpers import assert_one_line_error, run_cli

from twin.errors import DataError


def _pipe(tmp_path: Path) -> Path:
    path = tmp_path / "input.json"
    os.mkfifo(path)
    return path


def _folder(tmp_path: Path) -> Path:
    path = tmp_path / "folder.json"
    path.mkdir()
    return path


PLACES = {
    "pipe": (_pipe, "is not a regular file"),
    "device": (lambda _tmp: Path("/dev/zero"), "is not a regular file"),
    "folder": (_folder, "is a folder"),
}


def _read_scenario(path):
    from twin.cli.simulate import read_scenario_file

    return read_scenario_file(str(path))


def _read_net(path):
    from twin.sim.energy import read_pandapower_json

    return read_pandapower_json(path)


def _read_fiber_costs(path):
    from twin.sim.fiber import load_costs

    return load_costs(path)


def _read_plan_costs(path):
    from twin.sim.optimise.plan import CostModel

    return CostModel.load(path)


def _read_open_data(path):
    from twin.layers.opendata import read_open_data

    return read_open_data(path)


READERS = {
    "scenario file": _read_scenario,
    "pandapower network": _read_net,
    "fiber unit costs": _read_fiber_costs,
    "plan cost model": _read_plan_costs,
}


@pytest.mark.parametrize("place", sorted(PLACES))
@pytest.mark.parametrize("reader", sorted(READERS))
def test_readers_refuse_pipes_devices_and_folders(tmp_path, reader, place):
    make, words = PLACES[place]
    path = make(tmp_path)
    with pytest.raises(DataError, match=words) as caught:
        READERS[reader](path)
    assert str(path) in str(caught.value)


@pytest.mark.parametrize("place", ["pipe", "device"])
def test_gtfs_and_open_data_refuse_pipes_and_devices(tmp_path, place):
    from twin.layers.transit import read_gtfs

    make, words = PLACES[place]
    path = make(tmp_path)
    with pytest.raises(DataError, match=words):
        read_gtfs(path)
    with pytest.raises(DataError, match=words):
        _read_open_data(path)


@pytest.mark.parametrize(
    "argv",
    [
        ["simulate", "--scenario-file", "{pipe}", "--out", "{out}"],
        ["energy", "--net", "{pipe}", "--out", "{out}"],
        ["transit", "--gtfs", "{pipe}", "--out", "{out}"],
        ["plan", "--budget", "1000000", "--targets", "{pipe}", "--out", "{out}"],
    ],
    ids=["simulate", "energy", "transit", "plan"],
)
def test_the_cli_refuses_a_pipe_in_one_line(tmp_path, capsys, argv):
    pipe = _pipe(tmp_path)
    argv = [a.format(pipe=pipe, out=tmp_path / "out") for a in argv]
    status, _, err = run_cli(capsys, *argv)
    assert_one_line_error(status, err, str(pipe), "is not a regular file")
