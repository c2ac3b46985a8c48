"""IGN BD TOPO buildings and road sections -> twin's ``buildings`` and ``roads``.

Published schema (IGN, "BD TOPO Version 3 - Descriptif de contenu", Licence Ouverte /
Etalab 2.0): https://geoservices.ign.fr/documentation/donnees/vecteur/bdtopo
- class BATIMENT (GeoPackage table ``batiment``; Shapefile ``BATIMENT.shp``): identifier
  ``cleabs`` / ``ID``, ``nature`` / ``NATURE``, ``usage_1`` / ``USAGE1`` (Résidentiel,
  Commercial et services, Industriel, Agricole, Religieux, Sportif, Annexe, Indifférencié),
  ``nombre_de_logements`` / ``NB_LOGTS`` (dwellings), ``nombre_d_etages`` / ``NB_ETAGES``,
  ``hauteur`` / ``HAUTEUR`` (m, often empty);
- class TRONCON_DE_ROUTE (``troncon_de_route``; ``TRONCON_DE_ROUTE.shp``): ``cleabs`` /
  ``ID``, ``nature`` / ``NATURE`` (Type autoroutier, Route à 1 chaussée, Route à 2
  chaussées, Bretelle, Rond-point, Chemin, Sentier, Escalier, Piste cyclable, Route
  empierrée, Bac ou liaison maritime...), ``importance`` / ``IMPORTANCE`` (1-6),
  ``nom_collaboratif_gauche`` / ``NOM_1_G``, ``vitesse_moyenne_vl`` / ``VIT_MOY_VL`` (km/h).
"""

from __future__ import annotations

import warnings
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import shapely

from twin.errors import DataError
from twin.i18n import tr
from twin.layers.opendata.tables import plain
from twin.layers.provenance import Provenance
from twin.layers.style import Style
from twin.layers.vector import VectorLayer

DOC_URL = "https://geoservices.ign.fr/documentation/donnees/vecteur/bdtopo"
LICENCE = "Licence Ouverte / Etalab 2.0"
ATTRIBUTION = "IGN, BD TOPO"
BUILDING_TABLES = ("batiment",)
ROAD_TABLES = ("troncon_de_route",)
# twin name -> (GeoPackage name, Shapefile name)
BUILDING_FIELDS = {
    "source_id": ("cleabs", "ID"),
    "usage": ("usage_1", "USAGE1"),
    "dwellings": ("nombre_de_logements", "NB_LOGTS"),
    "floors": ("nombre_d_etages", "NB_ETAGES"),
    "height_m": ("hauteur", "HAUTEUR"),
}
ROAD_FIELDS = {
    "source_id": ("cleabs", "ID"),
    "nature": ("nature", "NATURE"),
    "importance": ("importance", "IMPORTANCE"),
    "name": ("nom_collaboratif_gauche", "NOM_1_G"),
    "speed": ("vitesse_moyenne_vl", "VIT_MOY_VL"),
}
REQUIRED_BUILDING = ("usage", "height_m")
REQUIRED_ROAD = ("nature", "importance")
USAGES = {
    "residentiel": "residential",
    "commercial et services": "commercial",
    "industriel": "industrial",
    "agricole": "agricultural",
    "religieux": "religious",
    "sportif": "sport",
    "annexe": "annex",
    "indifferencie": "undifferentiated",
    "": "undifferentiated",
}
HIGHWAY_BY_IMPORTANCE = {
    1: "trunk",
    2: "primary",
    3: "secondary",
    4: "tertiary",
    5: "residential",
    6: "service",
}
HIGHWAY_BY_NATURE = {
    "type autoroutier": "motorway",
    "bretelle": "motorway_link",
    "chemin": "track",
    "route empierree": "track",
    "sentier": "path",
    "escalier": "steps",
    "piste cyclable": "cycleway",
}
EXCLUDED_NATURES = ("bac ou liaison maritime", "bac auto", "bac pieton", "liaison maritime")
DEFAULT_SPEED_KMH = {
    "motorway": 130,
    "motorway_link": 70,
    "trunk": 110,
    "primary": 80,
    "secondary": 80,
    "tertiary": 50,
    "residential": 30,
    "service": 20,
    "track": 20,
    "path": 5,
    "steps": 5,
    "cycleway": 15,
}
FLOOR_HEIGHT_M = 3.0
DEFAULT_HEIGHT_M = {"residential": 6.0}
OTHER_DEFAULT_HEIGHT_M = 5.0


def bdtopo_tables(path: Path) -> dict[str, str]:
    """{"buildings": table, "roads": table} of the BD TOPO classes a file holds."""
    path = Path(path)
    found: dict[str, str] = {}
    try:
        with warnings.catch_warnings():  # sniffing only: the real read reports problems
            warnings.simplefilter("ignore")
            names = [str(n) for n, _ in pyogrio.list_layers(_gdal_path(path))]
    except Exception:
        return found
    for name in names:
        key = name.lower()
        if path.suffix.lower() in (".shp", ".zip"):
            key = path.stem.lower() if path.suffix.lower() == ".shp" else key
        if key in BUILDING_TABLES:
            found["buildings"] = name
        elif key in ROAD_TABLES:
            found["roads"] = name
    return found


def _gdal_path(path: Path) -> str:
    return f"/vsizip/{path}" if path.suffix.lower() == ".zip" else str(path)


def is_bdtopo(path: Path) -> bool:
    """True for a GeoPackage/Shapefile holding BATIMENT or TRONCON_DE_ROUTE."""
    path = Path(path)
    if path.suffix.lower() not in (".gpkg", ".shp", ".zip"):
        return False
    return bool(bdtopo_tables(path))


def _fields(frame: pd.DataFrame, mapping: dict, required, name: str) -> dict[str, pd.Series]:
    lower = {c.lower(): c for c in frame.columns}
    out = {}
    for key, (gpkg_name, shp_name) in mapping.items():
        for candidate in (gpkg_name, shp_name):
            if candidate.lower() in lower:
                out[key] = frame[lower[candidate.lower()]]
                break
    missing = [mapping[key][0] + "/" + mapping[key][1] for key in required if key not in out]
    if missing:
        raise DataError(
            tr("{name}: field(s) {missing} missing; not the published BD TOPO schema").format(
                name=name, missing=", ".join(missing)
            )
        )
    return out


def _numeric(values: pd.Series | None, count: int, name: str = "") -> np.ndarray:
    """Numbers of a BD TOPO field (NaN where empty); DataError naming the file, feature and
    field when a value is text that is not a number (a decimal comma is accepted)."""
    if values is None:
        return np.full(count, np.nan)
    if values.dtype == object:
        text = values.astype("string").str.strip().str.replace(",", ".", regex=False)
        numbers = pd.to_numeric(text.replace("", pd.NA), errors="coerce")
        bad = numbers.isna() & text.replace("", pd.NA).notna()
        if bad.any():
            row = int(np.flatnonzero(bad.to_numpy())[0])
            raise DataError(
                tr(
                    "{name}, feature {row}: {values_name} {values!r} is not a number; "
                    "not the published BD TOPO schema"
                ).format(name=name, row=row + 1, values_name=values.name, values=values.iloc[row])
            )
        return numbers.to_numpy(dtype=float, na_value=np.nan)
    return pd.to_numeric(values, errors="coerce").to_numpy(dtype=float)


def buildings_frame(frame: gpd.GeoDataFrame, name: str) -> tuple[gpd.GeoDataFrame, dict]:
    """twin building columns (building_id, source_id, usage, height_m, dwellings, households,
    population, premises, fiber_status) from a BATIMENT frame (project CRS) and a report."""
    fields = _fields(frame, BUILDING_FIELDS, REQUIRED_BUILDING, name)
    count = len(frame)
    usages = []
    for row, value in enumerate(fields["usage"].fillna("").astype(str)):
        usage = USAGES.get(plain(value))
        if usage is None:
            raise DataError(
                tr(
                    "{name}, feature {row}: usage {value!r} is not a BD TOPO usage "
                    "(Résidentiel, Commercial et services, Industriel, Agricole, ...)"
                ).format(name=name, row=row + 1, value=value)
            )
        usages.append(usage)
    usage = np.asarray(usages, dtype=object)
    height = _numeric(fields["height_m"], count, name)
    floors = _numeric(fields.get("floors"), count, name)
    dwellings = np.nan_to_num(_numeric(fields.get("dwellings"), count, name)).clip(min=0)
    no_height = np.isnan(height) | (height <= 0)
    from_floors = no_height & ~np.isnan(floors) & (floors > 0)
    height = np.where(from_floors, floors * FLOOR_HEIGHT_M, height)
    defaulted = np.isnan(height) | (height <= 0)
    defaults = np.array([DEFAULT_HEIGHT_M.get(u, OTHER_DEFAULT_HEIGHT_M) for u in usage])
    height = np.where(defaulted, defaults, height)
    residential = usage == "residential"
    business = np.isin(usage, ("commercial", "industrial")).astype(int)
    premises = np.where(residential, np.maximum(dwellings, 1), 0) + business
    source_id = (
        fields["source_id"].astype(str).to_numpy()
        if "source_id" in fields
        else np.arange(1, count + 1).astype(str)
    )
    out = gpd.GeoDataFrame(
        {
            "building_id": np.arange(1, count + 1),
            "source_id": source_id,
            "usage": usage,
            "height_m": np.round(height, 1),
            "dwellings": dwellings.astype(int),
            "households": np.where(residential, dwellings, 0.0),
            "population": 0.0,
            "premises": premises.astype(int),
            "fiber_status": "not-eligible",
        },
        geometry=shapely.force_2d(frame.geometry.values),  # BD TOPO is 3D
        crs=frame.crs,
    )
    report = {
        "buildings": count,
        "heights_from_floors": int(from_floors.sum()),
        "heights_assumed": int(defaulted.sum()),
        "residential": int(residential.sum()),
    }
    return out, report


def roads_frame(frame: gpd.GeoDataFrame, name: str) -> tuple[gpd.GeoDataFrame, dict]:
    """twin road columns (road_id, source_id, name, highway, maxspeed_kmh, length_m) from a
    TRONCON_DE_ROUTE frame (project CRS, lines) and a report."""
    fields = _fields(frame, ROAD_FIELDS, REQUIRED_ROAD, name)
    nature = fields["nature"].fillna("").astype(str).map(plain).to_numpy()
    importance = pd.to_numeric(fields["importance"], errors="coerce")
    bad = importance.notna() & ~importance.isin(list(HIGHWAY_BY_IMPORTANCE))
    if bad.any():
        row = int(np.flatnonzero(bad.to_numpy())[0])
        raise DataError(
            tr("{name}, feature {row}: importance {importance!r} is not 1 to 6").format(
                name=name, row=row + 1, importance=fields["importance"].iloc[row]
            )
        )
    keep = ~np.isin(nature, EXCLUDED_NATURES)
    highway = [
        HIGHWAY_BY_NATURE.get(n) or HIGHWAY_BY_IMPORTANCE.get(int(i) if i == i else 6, "service")
        for n, i in zip(nature, importance, strict=True)
    ]
    speed = _numeric(fields.get("speed"), len(frame), name)
    defaults = np.array([DEFAULT_SPEED_KMH.get(h, 30) for h in highway], dtype=float)
    assumed_speed = np.isnan(speed) | (speed <= 0)
    speed = np.where(assumed_speed, defaults, speed)
    names = fields["name"].fillna("").astype(str) if "name" in fields else ""
    out = gpd.GeoDataFrame(
        {
            "road_id": np.arange(1, len(frame) + 1),
            "source_id": fields["source_id"].astype(str).to_numpy()
            if "source_id" in fields
            else "",
            "name": names,
            "highway": highway,
            "maxspeed_kmh": speed.round().astype(int),
            "length_m": np.round(frame.geometry.length.to_numpy(), 1),
        },
        geometry=shapely.force_2d(frame.geometry.values),  # BD TOPO is 3D
        crs=frame.crs,
    )
    out = out[keep].reset_index(drop=True)
    report = {
        "roads": len(out),
        "ferries_left_out": int((~keep).sum()),
        "speeds_assumed": int(assumed_speed[keep].sum()),
    }
    return out, report


def building_provenance(name: str, report: dict, extra: str = "") -> Provenance:
    """Provenance of a buildings layer made from BD TOPO (with what was assumed)."""
    return Provenance(
        source=f"IGN BD TOPO BATIMENT: {name} ({DOC_URL})",
        licence=LICENCE,
        attribution=ATTRIBUTION,
        method=(
            "REAL footprints, usage (USAGE1), dwellings (NB_LOGTS) and heights (HAUTEUR) from "
            "BD TOPO. ASSUMED: height = floors x 3 m where HAUTEUR is empty "
            f"({report.get('heights_from_floors', 0)} buildings), else 6 m for a house and "
            f"5 m otherwise ({report.get('heights_assumed', 0)} buildings); premises = "
            "dwellings (at least 1) of a residential building plus 1 business premise for a "
            "commercial or industrial one; fiber_status 'not-eligible' unless Arcep says "
            "otherwise." + (" " + extra if extra else "")
        ),
        parameters={"dataset": "bdtopo", **report},
    )


def read_bdtopo(path: Path, crs="EPSG:2154") -> list[VectorLayer]:
    """The ``buildings`` and/or ``roads`` layers of a BD TOPO file (project CRS)."""
    from twin.layers.io import read_layer

    path = Path(path)
    tables = bdtopo_tables(path)
    if not tables:
        raise DataError(
            tr("{path_name}: no BATIMENT or TRONCON_DE_ROUTE class (BD TOPO)").format(
                path_name=path.name
            )
        )
    layers = []
    if "buildings" in tables:
        frame = read_layer(path, layer=tables["buildings"], crs=crs).frame
        buildings, report = buildings_frame(frame, f"{path.name}:{tables['buildings']}")
        layers.append(
            VectorLayer(
                "Buildings (BD TOPO)",
                buildings,
                Style(fill_color="#BBBBBB", stroke_color="#666666", stroke_width=0.5),
                building_provenance(path.name, report),
                layer_id="buildings",
            )
        )
    if "roads" in tables:
        frame = read_layer(path, layer=tables["roads"], crs=crs).frame
        roads, report = roads_frame(frame, f"{path.name}:{tables['roads']}")
        layers.append(
            VectorLayer(
                "Roads (BD TOPO)",
                roads,
                Style(stroke_color="#444444", stroke_width=1.0),
                road_provenance(path.name, report),
                layer_id="roads",
            )
        )
    return layers


def road_provenance(name: str, report: dict) -> Provenance:
    """Provenance of a roads layer made from BD TOPO."""
    return Provenance(
        source=f"IGN BD TOPO TRONCON_DE_ROUTE: {name} ({DOC_URL})",
        licence=LICENCE,
        attribution=ATTRIBUTION,
        method=(
            "REAL road sections from BD TOPO; highway class from NATURE (Type autoroutier -> "
            "motorway, Chemin -> track, Sentier -> path...) else IMPORTANCE 1-6 -> trunk, "
            "primary, secondary, tertiary, residential, service; ferries left out. ASSUMED: "
            "maxspeed_kmh = VIT_MOY_VL (a mean speed, not the legal limit), or a default per "
            f"class where empty ({report.get('speeds_assumed', 0)} sections)."
        ),
        parameters={"dataset": "bdtopo", **report},
    )
