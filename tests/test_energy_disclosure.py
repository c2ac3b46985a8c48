"""Energy outputs publish no load resting on fewer than 11 households (INSEE's rule).

A residential load is households x ADMD (2 kW) at one bus; :func:`published_net` pools the
small ones per MV/LV substation, else per MV feeder, else over the grid, and keeps the total.
"""

from __future__ import annotations

import json
import math

import pandapower as pp
import pyogrio
import pytest

from twin.cli import main
from twin.sim.energy.disclosure import load_households, published_net
from twin.sim.energy.examples import radial_mv_feeder

ADMD_KW = 2.0
MV_END, LV1, LV2 = 2, 3, 4  # radial_mv_feeder(sections=2, with_lv=True)


def _net(loads: dict[int, int]) -> pp.pandapowerNet:
    """The example feeder with one residential load of ``households`` at each bus."""
    net = radial_mv_feeder(sections=2, section_km=2.0, with_lv=True)
    for bus, households in loads.items():
        p_mw = households * ADMD_KW / 1000.0
        pp.create_load(
            net,
            bus,
            p_mw=p_mw,
            q_mvar=p_mw * 0.2,
            name=f"residential {households} at bus {bus}",
            type="residential",
        )
    return net


def _households(net: pp.pandapowerNet) -> dict[int, float]:
    return dict(zip(net.load.bus, load_households(net, ADMD_KW), strict=True))


def test_a_small_lv_load_is_pooled_into_the_large_load_of_its_substation():
    net = _net({LV1: 50, LV2: 3})
    published = published_net(net, ADMD_KW)
    assert _households(published) == {LV1: 53.0}
    assert published.load.p_mw.sum() == pytest.approx(net.load.p_mw.sum())
    assert published.load.q_mvar.sum() == pytest.approx(net.load.q_mvar.sum())
    assert not published.load.name.str.contains(r"\d+ at bus").any()
    assert len(net.load) == 2  # the studied network is not changed


def test_small_loads_of_one_substation_pooled_together_when_they_reach_eleven():
    published = published_net(_net({LV1: 6, LV2: 5, 1: 40}), ADMD_KW)
    households = _households(published)
    assert sorted(households.values()) == [11.0, 40.0]
    assert min(households.values()) >= 11


def test_a_substation_under_eleven_households_pools_into_its_mv_feeder():
    net = _net({LV1: 4, LV2: 3, 1: 40})
    published = published_net(net, ADMD_KW)
    assert _households(published) == {1: 47.0}
    assert published.load.name.tolist() == ["residential at bus 1 (pooled)"]


def test_a_grid_with_fewer_than_eleven_households_publishes_its_load_masked():
    published = published_net(_net({LV1: 4, LV2: 3}), ADMD_KW)
    assert len(published.load) == 1
    assert math.isnan(published.load.p_mw.iloc[0])


def test_twin_energy_pools_small_loads_unless_raw_is_asked(tmp_path):
    net = _net({LV1: 50, LV2: 3, MV_END: 20})
    path = tmp_path / "net.json"
    pp.to_json(net, str(path))
    written = {}
    for name, extra in (("gated", []), ("raw", ["--raw"])):
        out = tmp_path / name
        argv = ["energy", "--net", str(path), "--out", str(out), "--no-daily", *extra]
        assert main(argv) == 0
        grid = pp.from_json(str(out / "grid.json"))
        loads = pyogrio.read_dataframe(out / "energy.gpkg", layer="grid_loads")
        written[name] = (grid, loads, json.loads((out / "energy.json").read_text()))
    grid, loads, summary = written["gated"]
    assert sorted(load_households(grid, ADMD_KW)) == [20.0, 53.0]
    assert sorted((loads.p_mw * 1000 / ADMD_KW).round()) == [20.0, 53.0]
    assert summary["raw_loads"] is False
    grid, loads, summary = written["raw"]
    assert sorted(load_households(grid, ADMD_KW)) == [3.0, 20.0, 50.0]
    assert sorted((loads.p_mw * 1000 / ADMD_KW).round()) == [3.0, 20.0, 50.0]
    assert summary["raw_loads"] is True
