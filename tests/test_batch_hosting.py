"""``twin batch hosting``: hosting-capacity searches spread over a Dask cluster give the
same capacities and reasons as ``twin.sim.energy.hosting_capacity`` in one process (which
tests/test_energy_hosting_fast.py checks against the plain pandapower bisection)."""

from __future__ import annotations

import json
from pathlib import Path

import pandapower as pp
import pytest

from twin.cli import main
from twin.sim.batch.cluster import dask_client
from twin.sim.batch.hosting import batch_hosting_capacity
from twin.sim.energy import hosting_capacity

OBERRHEIN_JSON = Path(__file__).parent / "data" / "energy" / "mv_oberrhein.json"


@pytest.fixture(scope="module")
def oberrhein():
    return pp.from_json(str(OBERRHEIN_JSON))


def _spread_buses(net, count):
    slack = set(net.ext_grid.bus)
    candidates = [int(b) for b in net.bus.index if net.bus.vn_kv[b] < 30 and b not in slack]
    return candidates[:: len(candidates) // count][:count]


def test_dask_searches_equal_one_process(oberrhein):
    buses = _spread_buses(oberrhein, 24)
    one = hosting_capacity(oberrhein, buses=buses, workers=1)
    with dask_client(None, 2, processes=False) as client:
        spread = batch_hosting_capacity(client, oberrhein, buses=buses)
    assert one.backend == spread.backend == "lightsim2grid"
    assert spread.workers == 2
    assert spread.frame.equals(one.frame), (spread.frame, one.frame)
    assert spread.power_flows == one.power_flows
    assert spread.frame["pv_mw"].min() > 1.0  # real capacities, not a degenerate 0


def test_batch_hosting_cli_equals_twin_energy(tmp_path, oberrhein, capsys):
    buses = ",".join(str(b) for b in _spread_buses(oberrhein, 12))
    common = ["--net", str(OBERRHEIN_JSON), "--hosting-buses", buses]
    energy, batch = tmp_path / "energy", tmp_path / "batch"
    assert main(["energy", *common, "--hosting-capacity", "--no-daily", "--out", str(energy)]) == 0
    assert main(["batch", "hosting", *common, "--threads", "--out", str(batch)]) == 0
    assert "hosting capacity of 12 buses" in capsys.readouterr().out
    expected = json.loads((energy / "energy.json").read_text())["hosting_capacity"]
    got = json.loads((batch / "hosting.json").read_text())
    assert got["buses"] == expected["buses"]
    assert got["power_flows"] == expected["power_flows"]
    assert len(got["buses"]) == 12


def test_unreachable_scheduler_is_one_line(tmp_path, capsys):
    unreachable = ["--scheduler", "tcp://127.0.0.1:9"]
    status = main(
        ["batch", "hosting", "--net", str(OBERRHEIN_JSON), *unreachable, "--out", str(tmp_path)]
    )
    err = capsys.readouterr().err
    assert status == 2
    assert "cannot reach the Dask scheduler" in err and len(err.strip().splitlines()) == 1
