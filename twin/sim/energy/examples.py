"""Small hand-checkable networks for tests, examples and benchmarks (pandapower nets with
WGS84 geodata placed around Rennes, Lambert-93 origin ``ORIGIN_L93``)."""

from __future__ import annotations

import pandapower as pp
from pyproj import Transformer

ORIGIN_L93 = (351_000.0, 6_789_000.0)  # metres, Lambert-93: central Rennes
_TO_WGS84 = Transformer.from_crs("EPSG:2154", "EPSG:4326", always_xy=True)


def _lonlat(x: float, y: float) -> tuple[float, float]:
    lon, lat = _TO_WGS84.transform(x, y)
    return float(lon), float(lat)


def radial_mv_feeder(
    sections: int = 1,
    section_km: float = 15.0,
    r_ohm_per_km: float = 0.161,
    x_ohm_per_km: float = 0.117,
    max_i_ka: float = 0.362,
    load_mw: float = 0.0,
    load_mvar: float = 0.0,
    with_lv: bool = False,
) -> pp.pandapowerNet:
    """A 20 kV radial feeder: slack bus 0 (1.0 pu), then ``sections`` cable sections of
    ``section_km`` km eastwards (NA2XS2Y 1x185 RM/25 resistance and reactance, no shunt
    capacitance, so the voltage drop is exactly the series impedance's), a load of
    ``load_mw``/``load_mvar`` at the far end. With ``with_lv``, a 0.63 MVA 20/0.4 kV
    transformer at the far end feeds an LV bus and a 200 m NAYY 4x150 SE cable to a second
    LV bus (buses ``sections + 1`` and ``sections + 2``)."""
    net = pp.create_empty_network(name="radial MV feeder")
    x0, y0 = ORIGIN_L93
    buses = [
        pp.create_bus(net, 20.0, name=f"MV {i}", geodata=_lonlat(x0 + i * section_km * 1000, y0))
        for i in range(sections + 1)
    ]
    pp.create_ext_grid(net, buses[0], vm_pu=1.0)
    for i in range(sections):
        pp.create_line_from_parameters(
            net,
            buses[i],
            buses[i + 1],
            section_km,
            r_ohm_per_km,
            x_ohm_per_km,
            0.0,
            max_i_ka,
            name=f"section {i}",
            geodata=[
                _lonlat(x0 + i * section_km * 1000, y0),
                _lonlat(x0 + (i + 1) * section_km * 1000, y0),
            ],
        )
        net.line.at[i, "std_type"] = None
    if load_mw or load_mvar:
        pp.create_load(
            net, buses[-1], p_mw=load_mw, q_mvar=load_mvar, name="feeder load", type="residential"
        )
    if with_lv:
        x_end = x0 + sections * section_km * 1000
        lv1 = pp.create_bus(net, 0.4, name="LV 1", geodata=_lonlat(x_end, y0 + 10))
        lv2 = pp.create_bus(net, 0.4, name="LV 2", geodata=_lonlat(x_end, y0 + 210))
        pp.create_transformer(net, buses[-1], lv1, "0.63 MVA 20/0.4 kV", name="substation")
        pp.create_line(
            net,
            lv1,
            lv2,
            0.2,
            "NAYY 4x150 SE",
            name="LV feeder",
            geodata=[_lonlat(x_end, y0 + 10), _lonlat(x_end, y0 + 210)],
        )
    return net
