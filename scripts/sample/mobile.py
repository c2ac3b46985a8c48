"""Generated mobile network: macro sites with three sectors each (fictional operators).

Method (generated; no antenna data installs offline): sites on a jittered 1.3 km lattice
over the densest part of Rennes, one or two sites near the centre of every inner commune,
one near the centre of most outer communes; a few outer communes are deliberately left
without a site (coverage gaps, listed in the provenance). Each site carries three sectors
(azimuths 0/120/240 degrees plus a site rotation), 4G on 800/1800 MHz everywhere and on
2600 MHz plus 5G NR 3500 MHz on urban sites. Radio values are typical macro-cell figures:
4G 46 dBm (40 W) per carrier over 10 MHz (800) or 20 MHz (1800/2600); 5G 3500: 49 dBm
(80 W) over 80 MHz; antenna gain 17 dBi (800 MHz) to 18 dBi; beamwidths 65 deg horizontal,
10 deg vertical (7 deg at 3500 MHz); front-to-back 30 dB; heights 25-40 m; propagation
model 3GPP TR 38.901 UMa in Rennes and the inner ring, RMa elsewhere.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import shapely

from sample.common import CRS, rng
from sample.communes import RENNES_INSEE, Territory

OPERATORS = ("Opérateur A", "Opérateur B", "Opérateur C")
GAP_COMMUNES = ("35180", "35144", "35216", "35315", "35081")
URBAN_LATTICE_M = 1300.0
CARRIERS_URBAN = (
    # technology, band MHz, power dBm, bandwidth MHz, gain dBi, vertical beamwidth deg
    ("4G", 800, 46.0, 10.0, 17.0, 10.0),
    ("4G", 1800, 46.0, 20.0, 18.0, 10.0),
    ("4G", 2600, 46.0, 20.0, 18.0, 10.0),
    ("5G", 3500, 49.0, 80.0, 18.0, 7.0),
)
CARRIERS_RURAL = CARRIERS_URBAN[:2]


def _site_positions(territory: Territory, buildings: gpd.GeoDataFrame):
    """(x, y, insee, urban) of every site, deterministic."""
    generator = rng("mobile-sites")
    sites = []
    rennes = territory.communes.set_index("insee").geometry[RENNES_INSEE]
    minx, miny, maxx, maxy = rennes.bounds
    dense = buildings[buildings["insee"] == RENNES_INSEE]
    for row, y in enumerate(np.arange(miny + 600, maxy, URBAN_LATTICE_M * 0.87)):
        shift = (row % 2) * URBAN_LATTICE_M / 2
        for x in np.arange(minx + 600 + shift, maxx, URBAN_LATTICE_M):
            px, py = x + generator.uniform(-200, 200), y + generator.uniform(-200, 200)
            if (
                rennes.contains(shapely.Point(px, py))
                and len(dense.sindex.query(shapely.Point(px, py).buffer(500))) > 60
            ):
                sites.append((px, py, RENNES_INSEE, True))
    for commune in territory.communes.itertuples():
        if commune.insee == RENNES_INSEE or commune.insee in GAP_COMMUNES:
            continue
        ring = territory.ring(commune.insee)
        count = 2 if (ring == "inner" and commune.population > 9000) else 1
        hall = np.array(territory.centre(commune.insee))
        for k in range(count):
            angle = generator.uniform(0, 2 * np.pi)
            radius = generator.uniform(250, 700) + 900 * k
            point = hall + radius * np.array([np.cos(angle), np.sin(angle)])
            if not commune.geometry.contains(shapely.Point(point)):
                point = hall + 150 * np.array([np.cos(angle), np.sin(angle)])
            sites.append((float(point[0]), float(point[1]), commune.insee, ring == "inner"))
    return sites


def generate_mobile_cells(territory: Territory, buildings: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """One row per cell (sector x carrier), points at the site (see module docstring)."""
    generator = rng("mobile-cells")
    names = territory.communes.set_index("insee")["name"]
    rows, points = [], []
    per_commune: dict[str, int] = {}
    for number, (x, y, insee, urban) in enumerate(_site_positions(territory, buildings), 1):
        per_commune[insee] = per_commune.get(insee, 0) + 1
        site_id = f"S{number:03d}"
        site_name = f"{names[insee]} {per_commune[insee]}"
        operator = OPERATORS[(number - 1) % len(OPERATORS)]
        height = float(
            np.round(generator.uniform(25, 32) if urban else generator.uniform(30, 40), 1)
        )
        rotation = generator.uniform(-20, 20)
        carriers = CARRIERS_URBAN if urban else CARRIERS_RURAL
        model = "3gpp-uma" if urban else "3gpp-rma"
        for sector, azimuth in enumerate((0.0, 120.0, 240.0), 1):
            mechanical = float(
                np.round(generator.uniform(1, 4) if urban else generator.uniform(0, 2), 1)
            )
            for technology, band, power, bandwidth, gain, v_beam in carriers:
                electrical = float(
                    np.round(generator.uniform(4, 8) if urban else generator.uniform(2, 4), 0)
                )
                rows.append(
                    {
                        "site_id": site_id,
                        "site_name": site_name,
                        "operator": operator,
                        "height_m": height,
                        "cell_id": f"{site_id}-{technology}{band}-{sector}",
                        "technology": technology,
                        "band_mhz": band,
                        "azimuth_deg": float(np.round((azimuth + rotation) % 360, 1)),
                        "mechanical_tilt_deg": mechanical,
                        "electrical_tilt_deg": electrical,
                        "tx_power_dbm": power,
                        "bandwidth_mhz": bandwidth,
                        "antenna_gain_dbi": gain,
                        "h_beamwidth_deg": 65.0,
                        "v_beamwidth_deg": v_beam,
                        "front_to_back_db": 30.0,
                        "model": model,
                    }
                )
                points.append((round(x, 1), round(y, 1)))
    frame = gpd.GeoDataFrame(rows, geometry=shapely.points(points), crs=CRS)
    frame["band_mhz"] = frame["band_mhz"].astype(np.int64)
    return frame
