"""Seed files and deterministic mutations for the fuzz suite (tests/test_fuzz.py).

Each seed is a small valid file of one format twin reads; a :class:`Case` names a seed, a
mutation (truncation, byte flips, garbage header, huge header, deep nesting, wrong types)
and the command that reads it. Mutations are seeded, so every run feeds the same bytes.
"""

from __future__ import annotations

import json
import random
import shutil
import struct
import zipfile
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandapower as pp
import pandapower.networks as pn
import rasterio
import shapely
from affine import Affine
from ui_helpers import make_project

DATA = Path(__file__).parent / "data"
ROOT = Path(__file__).parent.parent
X0, Y0 = 351_000.0, 6_789_000.0

SEED_FILES = {
    "geojson": "seed.geojson",
    "gpkg": "seed.gpkg",
    "shp": "shp/seed.shp",
    "tiff": "seed.tif",
    "csv": "seed.csv",
    "pbf": "seed.osm.pbf",
    "gtfs": "seed_gtfs.zip",
    "twin": "seed.twin",
    "scenario": "seed_scenario.json",
    "net": "seed_net.json",
}


@dataclass(frozen=True)
class Case:
    """One malformed input: ``kind`` of seed, ``mutation`` name, its ``seed`` number, and
    whether the result must be an error (``must_fail``) rather than possibly harmless."""

    kind: str
    mutation: str
    seed: int = 0
    must_fail: bool = False

    @property
    def id(self) -> str:
        """Readable test id."""
        return f"{self.kind}-{self.mutation}-{self.seed}"


def make_seeds(folder: Path) -> dict[str, Path]:
    """Write one small valid file per format into ``folder``; returns kind -> path."""
    folder.mkdir(parents=True, exist_ok=True)
    points = gpd.GeoDataFrame(
        {"name": [f"b{i}" for i in range(6)], "households": [12, 15, 30, 11, 20, 40]},
        geometry=[shapely.box(X0 + 60 * i, Y0, X0 + 60 * i + 40, Y0 + 40) for i in range(6)],
        crs="EPSG:2154",
    )
    points.to_file(folder / SEED_FILES["geojson"], driver="GeoJSON")
    points.to_file(folder / SEED_FILES["gpkg"], driver="GPKG", layer="buildings")
    (folder / "shp").mkdir(exist_ok=True)
    points.to_file(folder / SEED_FILES["shp"])
    array = np.arange(400, dtype="float32").reshape(20, 20)
    with rasterio.open(
        folder / SEED_FILES["tiff"],
        "w",
        driver="GTiff",
        width=20,
        height=20,
        count=1,
        dtype="float32",
        crs="EPSG:2154",
        transform=Affine(50.0, 0.0, X0, 0.0, -50.0, Y0 + 1000),
    ) as dataset:
        dataset.write(array, 1)
    (folder / SEED_FILES["csv"]).write_text(
        "name,lon,lat,households\n"
        + "".join(
            f"p{i},{-1.68 + i * 0.001:.4f},{48.11 + i * 0.001:.4f},{12 + i}\n" for i in range(8)
        )
    )
    shutil.copy(DATA / "osm" / "karhula.osm.pbf", folder / SEED_FILES["pbf"])
    write_gtfs(folder / SEED_FILES["gtfs"], gtfs_tables())
    make_project().save(folder / SEED_FILES["twin"])
    shutil.copy(ROOT / "docs" / "scenario-example.json", folder / SEED_FILES["scenario"])
    pp.to_json(pn.example_simple(), str(folder / SEED_FILES["net"]))
    return {kind: folder / name for kind, name in SEED_FILES.items()}


def gtfs_tables() -> dict[str, str]:
    """The tables of a tiny valid GTFS feed (two stops, one trip) near Rennes."""
    return {
        "agency.txt": "agency_id,agency_name,agency_url,agency_timezone\n"
        "a,Test,https://example.org,Europe/Paris\n",
        "stops.txt": "stop_id,stop_name,stop_lat,stop_lon\n"
        "s1,One,48.11,-1.68\ns2,Two,48.12,-1.67\n",
        "routes.txt": "route_id,route_short_name,route_type\nr1,1,3\n",
        "trips.txt": "route_id,service_id,trip_id\nr1,wk,t1\n",
        "stop_times.txt": "trip_id,stop_id,stop_sequence,arrival_time,departure_time\n"
        "t1,s1,1,08:00:00,08:00:00\nt1,s2,2,08:05:00,08:05:00\n",
        "calendar.txt": "service_id,monday,tuesday,wednesday,thursday,friday,saturday,sunday,"
        "start_date,end_date\nwk,1,1,1,1,1,0,0,20260101,20261231\n",
    }


def write_gtfs(path: Path, tables: dict[str, str]) -> Path:
    """Zip ``tables`` (name -> CSV text) into ``path``."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in tables.items():
            archive.writestr(name, text)
    return path


# --- mutations ----------------------------------------------------------------------------
BINARY_MUTATIONS = ("truncate", "flip", "garbage_head", "zero_tail", "empty")
TRUNCATE_FRACTIONS = (0.02, 0.1, 0.3, 0.5, 0.7, 0.9, 0.98)


def mutate_bytes(data: bytes, mutation: str, seed: int) -> bytes:
    """``data`` damaged by ``mutation`` (deterministic for a given ``seed``)."""
    rng = random.Random(f"{mutation}-{seed}")
    if mutation == "empty":
        return b""
    if mutation == "truncate":
        return data[: int(len(data) * TRUNCATE_FRACTIONS[seed % len(TRUNCATE_FRACTIONS)])]
    if mutation == "flip":
        damaged = bytearray(data)
        for _ in range(1 + seed % 8):
            index = rng.randrange(len(damaged))
            damaged[index] ^= 1 << rng.randrange(8)
        return bytes(damaged)
    if mutation == "garbage_head":
        size = min(len(data), (16, 64, 512)[seed % 3])
        return bytes(rng.randrange(256) for _ in range(size)) + data[size:]
    if mutation == "zero_tail":
        cut = len(data) // 2 + rng.randrange(max(len(data) // 2, 1))
        return data[:cut] + bytes(len(data) - cut)
    raise ValueError(mutation)


def huge_tiff(path: Path) -> None:
    """A GeoTIFF header patched to claim 1 000 000 x 1 000 000 pixels."""
    data = bytearray(path.read_bytes())
    # little-endian classic TIFF: IFD at offset 4; tags 256 (width) and 257 (height)
    (ifd,) = struct.unpack("<I", data[4:8])
    (count,) = struct.unpack("<H", data[ifd : ifd + 2])
    for index in range(count):
        entry = ifd + 2 + 12 * index
        tag, kind = struct.unpack("<HH", data[entry : entry + 4])
        if tag in (256, 257):
            if kind == 3:  # SHORT: the biggest it can say
                data[entry + 8 : entry + 10] = struct.pack("<H", 65535)
            else:
                data[entry + 8 : entry + 12] = struct.pack("<I", 1_000_000)
    path.write_bytes(bytes(data))


def deep_json(depth: int, seed: int) -> str:
    """A JSON text nested ``depth`` levels (lists or objects)."""
    if seed % 2:
        return '{"a":' * depth + "1" + "}" * depth
    return "[" * depth + "]" * depth


WRONG_VALUES = (["x"], {"z": 1}, "text", None, True, -1e308, 1e400, "NaN", [[[]]], 2**70)


def wrong_typed_scenario(seed_text: str, seed: int) -> tuple[str, bool]:
    """The seed scenario with one field of one intervention replaced by a value of a wrong
    type; returns (JSON text, whether the replacement is certainly invalid)."""
    data = json.loads(seed_text)
    rng = random.Random(f"wrong-{seed}")
    intervention = rng.choice(data["interventions"])
    field = rng.choice(sorted(k for k in intervention if k != "type"))
    value = WRONG_VALUES[seed % len(WRONG_VALUES)]
    intervention[field] = value
    text = json.dumps(data)  # 1e400 is written as Infinity, which Python's json accepts
    original = json.loads(seed_text)
    kind = type(
        next(v for v in original["interventions"] if v["type"] == intervention["type"])[field]
    )
    if kind is float:
        kind = (int, float)  # a whole number is a number; its range is checked elsewhere
    certainly_invalid = not isinstance(value, kind) or isinstance(value, bool)
    if isinstance(value, str) and kind is str:
        certainly_invalid = False
    return text, certainly_invalid


def twin_meta_mutation(path: Path, mutation: str, seed: int) -> None:
    """Damage the ``twin_meta`` JSON of a project in place."""
    import sqlite3

    connection = sqlite3.connect(path)
    text = connection.execute("SELECT value FROM twin_meta").fetchone()[0]
    meta = json.loads(text)
    rng = random.Random(f"meta-{seed}")
    if mutation == "meta_deep":
        new_text = deep_json(50_000, seed)
    elif mutation == "meta_truncate":
        new_text = text[: int(len(text) * TRUNCATE_FRACTIONS[seed % len(TRUNCATE_FRACTIONS)])]
    elif mutation == "meta_wrong_type":
        layer = rng.choice(meta["layers"])
        key = rng.choice(["id", "kind", "style", "opacity", "visible", "name", "provenance"])
        layer[key] = WRONG_VALUES[seed % len(WRONG_VALUES)]
        new_text = json.dumps(meta)
    elif mutation == "meta_top_wrong_type":
        key = rng.choice(["crs", "layers", "views", "metadata", "scenarios", "version"])
        meta[key] = WRONG_VALUES[seed % len(WRONG_VALUES)]
        new_text = json.dumps(meta)
    elif mutation == "meta_scenario":
        site = {"type": "add_mobile_site", "site_id": "f1", "name": "Fuzz", "x": 351_100.0,
                "y": 6_789_050.0, "height_m": 30.0}  # fmt: skip
        cell = {"azimuth_deg": 0.0, "band_mhz": 800, "technology": "4G", "tx_power_dbm": 43.0}
        bad = [
            {**site, "x": 9_000_000.0},  # far outside the project extent
            {**site, "height_m": -5.0},
            {**site, "cells": [{**cell, "bandwidth_mhz": -10.0}]},
            {**site, "cells": [{**cell, "tx_power_dbm": 1e9}]},
            {**site, "x": float("nan")},
            {**site, "y": -6_789_050.0},
        ][seed % 6]
        meta["scenarios"] = [{"name": "Fuzzed", "interventions": [bad]}]
        new_text = json.dumps(meta)
    elif mutation == "meta_style":
        layer = rng.choice(meta["layers"])
        key = rng.choice(["fill_color", "stroke_color", "colormap", "point_size", "kind"])
        layer["style"][key] = rng.choice(["red", "#12", "#GGGGGG", -5, 1e300, "nope", None])
        new_text = json.dumps(meta)
    else:
        raise ValueError(mutation)
    connection.execute("UPDATE twin_meta SET value = ?", (new_text,))
    connection.commit()
    connection.close()


PLACES = ("pipe", "device", "folder")
"""Inputs that are no regular file: a named pipe (reading waits forever), a device
(/dev/zero never ends) and a folder."""


def out_of_range_tiff(path: Path, seed: int) -> None:
    """A small GeoTIFF whose bounds are out of range for its CRS."""
    crs, west, north, pixel = [
        ("EPSG:4326", 1e7, 48.0, 0.01),
        ("EPSG:4326", -1.7, 95.0, 0.5),
        ("EPSG:2154", 350_000.0, 5e8, 100.0),
    ][seed % 3]
    small_geotiff(path, crs, west, north, pixel)


def small_geotiff(path: Path, crs: str, west: float, north: float, pixel: float) -> None:
    """A 4 x 3 GeoTIFF of ones in ``crs`` whose top-left corner is (``west``, ``north``) and
    whose pixels are ``pixel`` CRS units wide."""
    with rasterio.open(
        path,
        "w",
        driver="GTiff",
        width=4,
        height=3,
        count=1,
        dtype="uint8",
        crs=crs,
        transform=Affine(pixel, 0.0, west, 0.0, -pixel, north),
    ) as dataset:
        dataset.write(np.ones((1, 3, 4), dtype="uint8"))


def twin_raster_mutation(path: Path, tiff: Path, mutation: str, seed: int) -> None:
    """Give the project at ``path`` a raster layer (the seed GeoTIFF) whose stored GeoTIFF
    is then hostile: ``raster_huge_header`` claims 1 000 000 x 1 000 000 pixels,
    ``raster_out_of_range`` has bounds out of range for its CRS."""
    import sqlite3
    import tempfile

    import twin
    from twin.layers.raster import RasterLayer

    with rasterio.open(tiff) as dataset:
        layer = RasterLayer("Elevation", dataset.read(1), dataset.transform, dataset.crs.to_wkt())
    project = twin.open_project(path)
    project.add_layer(layer)
    project.save(path)
    with tempfile.TemporaryDirectory() as folder:
        bad = Path(folder) / "bad.tif"
        if mutation == "raster_huge_header":
            shutil.copy(tiff, bad)
            huge_tiff(bad)
        elif mutation == "raster_out_of_range":
            out_of_range_tiff(bad, seed)
        else:
            raise ValueError(mutation)
        blob = bad.read_bytes()
    connection = sqlite3.connect(path)
    connection.execute("UPDATE twin_rasters SET geotiff = ? WHERE layer_id = ?", (blob, layer.id))
    connection.commit()
    connection.close()


def all_cases() -> list[Case]:
    """Every fuzz case: binary damage to each seed plus format-specific hostile inputs."""
    cases: list[Case] = []
    per_kind = {
        "geojson": 14,
        "gpkg": 14,
        "tiff": 14,
        "csv": 12,
        "pbf": 10,
        "gtfs": 12,
        "twin": 10,
        "net": 8,
        "scenario": 8,
    }
    for kind, count in per_kind.items():
        for seed in range(count):
            mutation = BINARY_MUTATIONS[seed % len(BINARY_MUTATIONS)]
            must_fail = mutation == "empty" or (kind == "pbf" and mutation == "truncate")
            cases.append(Case(kind, mutation, seed, must_fail))
    for part in ("shp", "shx", "dbf"):
        for seed in range(6):
            cases.append(Case("shp", f"{part}_{BINARY_MUTATIONS[seed % 5]}", seed))
    cases += [Case("shp", "missing_dbf", 0), Case("shp", "missing_shx", 0)]
    cases += [Case("tiff", "huge_header", 0, must_fail=True)]
    cases += [Case("gtfs", "member_bigger_than_declared", s, must_fail=True) for s in range(2)]
    cases += [Case("gtfs", "missing_table", s, must_fail=True) for s in range(6)]
    cases += [Case("gtfs", "bad_cell", s) for s in range(8)]
    cases += [Case("gtfs", "zip_slip", 0, must_fail=True)]
    cases += [Case("scenario", "deep", s, must_fail=True) for s in range(4)]
    cases += [Case("scenario", "wrong_type", s) for s in range(40)]
    cases += [Case("net", "deep", s, must_fail=True) for s in range(2)]
    cases += [Case("net", "module", s, must_fail=True) for s in range(3)]
    for mutation in ("meta_deep", "meta_truncate", "meta_wrong_type", "meta_top_wrong_type"):
        cases += [
            Case("twin", mutation, s, must_fail=mutation != "meta_wrong_type") for s in range(6)
        ]
    cases += [Case("twin", "meta_style", s) for s in range(6)]
    # found by longer runs: a flipped byte in the SQLite schema text (UnicodeDecodeError)
    cases += [Case("twin", "flip", s) for s in (1013, 1017)]
    # a pipe, a device or a folder where a file is expected: refused at once, never waited on
    for kind in ("geojson", "gpkg", "tiff", "csv", "pbf", "twin", "scenario", "net", "gtfs"):
        cases += [Case(kind, place, 0, must_fail=True) for place in PLACES]
    cases += [Case("tiff", "out_of_range", s, must_fail=True) for s in range(3)]
    # a stored scenario out of range or outside the extent: twin simulate --scenario refuses
    cases += [Case("twin", "meta_scenario", s, must_fail=True) for s in range(6)]
    # a GeoTIFF stored inside the .twin: a huge header or bounds out of range for its CRS
    cases += [Case("twin", "raster_huge_header", 0, must_fail=True)]
    cases += [Case("twin", "raster_out_of_range", s, must_fail=True) for s in range(3)]
    return cases
