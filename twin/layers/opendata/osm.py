"""OpenStreetMap buildings and roads -> twin's ``buildings`` and ``roads`` (when a territory
has no BD TOPO).

Read with GDAL's OSM driver (``.osm.pbf``, ``.pbf``, ``.osm``; layers ``multipolygons`` and
``lines``, tags not in a column are in ``other_tags`` as ``"key"=>"value"`` pairs); data
© OpenStreetMap contributors, ODbL (https://www.openstreetmap.org/copyright). Tags used
(https://wiki.openstreetmap.org/wiki/Key:building, Key:building:levels, Key:height,
Key:building:flats, Key:highway, Key:maxspeed). OSM rarely holds dwellings: a house counts
one, a block of flats its floor area over 65 m2 per dwelling; both flagged as assumed.
"""

from __future__ import annotations

import re
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from twin.layers.provenance import Provenance

LICENCE = "ODbL"
ATTRIBUTION = "© OpenStreetMap contributors"
SUFFIXES = (".osm.pbf", ".pbf", ".osm")
_TAG = re.compile(r'"([^"]+)"=>"((?:[^"\\]|\\.)*)"')
HOUSES = {"house", "detached", "semidetached_house", "terrace", "bungalow", "farm", "cabin"}
USAGE = {
    **dict.fromkeys(
        (
            "house",
            "detached",
            "semidetached_house",
            "terrace",
            "bungalow",
            "residential",
            "apartments",
            "dormitory",
            "cabin",
            "farm",
        ),
        "residential",
    ),
    **dict.fromkeys(
        ("commercial", "retail", "office", "shop", "supermarket", "hotel", "kiosk"),
        "commercial",
    ),
    **dict.fromkeys(("industrial", "warehouse", "factory", "manufacture"), "industrial"),
    **dict.fromkeys(("barn", "farm_auxiliary", "cowshed", "stable", "greenhouse"), "agricultural"),
    **dict.fromkeys(
        ("church", "chapel", "mosque", "synagogue", "temple", "cathedral"), "religious"
    ),
    **dict.fromkeys(("garage", "garages", "shed", "hut", "roof", "carport"), "annex"),
}
FLOOR_AREA_PER_DWELLING_M2 = 65.0
FLOOR_HEIGHT_M = 3.0
DEFAULT_HEIGHT_M = 6.0
ROAD_SPEED_KMH = {
    "motorway": 130,
    "trunk": 110,
    "primary": 80,
    "secondary": 80,
    "tertiary": 50,
    "unclassified": 50,
    "residential": 30,
    "living_street": 20,
    "service": 20,
    "track": 20,
}


def is_osm(path: Path) -> bool:
    """True for an OpenStreetMap extract (.osm.pbf, .pbf, .osm)."""
    return Path(path).is_file() and Path(path).name.lower().endswith(SUFFIXES)


def tags(text) -> dict[str, str]:
    """The ``other_tags`` hstore text of GDAL's OSM driver as a dict."""
    return dict(_TAG.findall(text)) if isinstance(text, str) else {}


def _number(value: str | None) -> float:
    match = re.match(r"^\s*(\d+(?:[.,]\d+)?)", value or "")
    return float(match.group(1).replace(",", ".")) if match else np.nan


def buildings_frame(frame: gpd.GeoDataFrame, name: str) -> tuple[gpd.GeoDataFrame, dict]:
    """twin building columns from OSM multipolygons with a ``building`` tag (project CRS)."""
    frame = frame[frame["building"].notna() & (frame["building"] != "no")].reset_index(drop=True)
    extra = [tags(t) for t in frame.get("other_tags", pd.Series([None] * len(frame)))]
    kind = frame["building"].astype(str).str.lower().to_numpy()
    usage = np.array([USAGE.get(k, "undifferentiated") for k in kind], dtype=object)
    height = np.array([_number(t.get("height")) for t in extra])
    levels = np.array([_number(t.get("building:levels")) for t in extra])
    flats = np.array([_number(t.get("building:flats")) for t in extra])
    from_levels = np.isnan(height) & ~np.isnan(levels)
    height = np.where(from_levels, levels * FLOOR_HEIGHT_M, height)
    assumed_height = np.isnan(height)
    height = np.where(assumed_height, DEFAULT_HEIGHT_M, height)
    floors = np.where(np.isnan(levels), np.maximum(1, np.round(height / FLOOR_HEIGHT_M)), levels)
    area = frame.geometry.area.to_numpy()
    residential = usage == "residential"
    estimated = np.where(
        np.isin(kind, list(HOUSES)),
        1.0,
        np.maximum(1.0, np.floor(area * floors / FLOOR_AREA_PER_DWELLING_M2)),
    )
    dwellings = np.where(residential, np.where(np.isnan(flats), estimated, flats), 0).astype(int)
    business = np.isin(usage, ("commercial", "industrial")).astype(int)
    out = gpd.GeoDataFrame(
        {
            "building_id": np.arange(1, len(frame) + 1),
            "source_id": frame["osm_way_id"].fillna(frame["osm_id"]).astype(str).to_numpy()
            if "osm_way_id" in frame
            else frame["osm_id"].astype(str).to_numpy(),
            "usage": usage,
            "height_m": np.round(height, 1),
            "dwellings": dwellings,
            "households": dwellings.astype(float),
            "population": 0.0,
            "premises": np.where(residential, np.maximum(dwellings, 1), 0) + business,
            "fiber_status": "not-eligible",
        },
        geometry=shapely.force_2d(frame.geometry.values),
        crs=frame.crs,
    )
    report = {
        "buildings": len(out),
        "heights_from_floors": int(from_levels.sum()),
        "heights_assumed": int(assumed_height.sum()),
        "dwellings_estimated": int((residential & np.isnan(flats)).sum()),
    }
    return out, report


def roads_frame(frame: gpd.GeoDataFrame, name: str) -> tuple[gpd.GeoDataFrame, dict]:
    """twin road columns from OSM lines with a ``highway`` tag (project CRS)."""
    frame = frame[frame["highway"].notna()].reset_index(drop=True)
    extra = [tags(t) for t in frame.get("other_tags", pd.Series([None] * len(frame)))]
    highway = frame["highway"].astype(str).to_numpy()
    speed = np.array([_number(t.get("maxspeed")) for t in extra])
    assumed = np.isnan(speed)
    defaults = np.array(
        [ROAD_SPEED_KMH.get(h, 5 if h in ("footway", "path", "steps") else 30) for h in highway],
        dtype=float,
    )
    speed = np.where(assumed, defaults, speed)
    out = gpd.GeoDataFrame(
        {
            "road_id": np.arange(1, len(frame) + 1),
            "source_id": frame["osm_id"].astype(str).to_numpy(),
            "name": frame["name"].fillna("").astype(str).to_numpy(),
            "highway": highway,
            "maxspeed_kmh": speed.round().astype(int),
            "length_m": np.round(frame.geometry.length.to_numpy(), 1),
        },
        geometry=shapely.force_2d(frame.geometry.values),
        crs=frame.crs,
    )
    return out, {"roads": len(out), "speeds_assumed": int(assumed.sum())}


def provenance(name: str, what: str, method: str, report: dict) -> Provenance:
    """Provenance of a layer made from an OpenStreetMap extract."""
    return Provenance(
        source=f"OpenStreetMap {what}: {name} (https://www.openstreetmap.org)",
        licence=LICENCE,
        attribution=ATTRIBUTION,
        method=method,
        parameters={"dataset": "osm", **report},
    )


BUILDING_METHOD = (
    "REAL footprints and building tags from OpenStreetMap. ASSUMED: height = height tag, else "
    f"building:levels x {FLOOR_HEIGHT_M:g} m, else {DEFAULT_HEIGHT_M:g} m; dwellings = "
    "building:flats, else 1 for a house, else floor area x levels / "
    f"{FLOOR_AREA_PER_DWELLING_M2:g} m2; 1 business premise per commercial/industrial building."
)
ROAD_METHOD = (
    "REAL highways from OpenStreetMap (highway tag as class). ASSUMED: maxspeed_kmh = the "
    "maxspeed tag, else a default per class."
)
