"""Readers for French public datasets, recognised from their published schemas.

=====================  ==========================================  ===========================
dataset                recognised by                               twin layers
=====================  ==========================================  ===========================
ANFR sites > 5 W       ``SUP_*.txt`` tables (file, folder or zip)  ``mobile_cells``
Arcep mobile coverage  vector file with operateur/techno/niveau    ``coverage_reference``
Arcep FTTH buildings   CSV with ``imb_id`` (Cartefibre, or Ma      ``fiber_premises``
                       connexion internet's base_imb + actuel)
INSEE Filosofi 200 m   CSV or vector file with ``Idcar_200m``      ``population_grid``
IGN BD TOPO            GeoPackage/Shapefile BATIMENT,              ``buildings``, ``roads``
                       TRONCON_DE_ROUTE
OpenStreetMap          ``.osm.pbf``, ``.pbf``, ``.osm``            ``buildings``, ``roads``
Enedis open data       exports named poste-source, poste-          grid display layers;
                       electrique, reseau-(souterrain-)hta/bt      ``grid_*`` via the builder
GTFS                   zip with stops.txt and stop_times.txt       ``transit_stops``/``routes``
=====================  ==========================================  ===========================

:func:`recognise` names the dataset a file holds (``twin info`` uses it); :func:`read_open_data`
reads it into layers in the project CRS. A file that claims a schema (by its name or key
columns) but breaks it raises :class:`twin.errors.DataError` with one line naming the file.
:mod:`twin.layers.opendata.builder` assembles a whole territory from a folder of them.
"""

from __future__ import annotations

import warnings
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from twin.i18n import N_, tr
from twin.layers.base import Layer
from twin.layers.opendata import anfr, arcep, arcep_mci, bdtopo, enedis, insee, osm

VECTOR_SUFFIXES = (".gpkg", ".shp", ".geojson", ".json", ".zip")


@dataclass(frozen=True)
class Dataset:
    """A public dataset twin reads: key, label, documentation URL, and its functions."""

    key: str
    label: str
    url: str
    recognise: Callable[[Path], bool]
    read: Callable[[Path, Any], list[Layer]]


def _vector_fields(path: Path) -> dict[str, list[str]]:
    """Layer name -> field names of a vector file (empty when GDAL cannot open it)."""
    import pyogrio

    source = f"/vsizip/{path}" if path.suffix.lower() == ".zip" else str(path)
    try:
        with warnings.catch_warnings():  # sniffing only: the real read reports problems
            warnings.simplefilter("ignore")
            layers = [str(name) for name, _ in pyogrio.list_layers(source)]
            return {
                name: [str(f) for f in pyogrio.read_info(source, layer=name)["fields"]]
                for name in layers
            }
    except Exception:
        return {}


def layer_with_fields(path: Path, fields: tuple[str, ...]) -> str | None:
    """The first layer of a vector file having every field of ``fields`` (any case)."""
    if path.suffix.lower() not in VECTOR_SUFFIXES or not path.is_file():
        return None
    if path.suffix.lower() == ".zip" and _is_gtfs(path):
        return None
    for name, names in _vector_fields(path).items():
        lower = {n.lower() for n in names}
        if all(f.lower() in lower for f in fields):
            return name
    return None


def _is_arcep_mobile(path: Path) -> bool:
    return layer_with_fields(path, arcep.MOBILE_COLUMNS) is not None


def _read_arcep_mobile(path: Path, crs) -> list[Layer]:
    from twin.layers.io import read_layer

    layer_name = layer_with_fields(path, arcep.MOBILE_COLUMNS)
    frame = read_layer(path, layer=layer_name, crs=crs).frame
    return [arcep.mobile_coverage_layer(frame, path.name)]


def _is_insee_vector(path: Path) -> bool:
    return layer_with_fields(path, ("Idcar_200m",)) is not None


def _read_insee(path: Path, crs) -> list[Layer]:
    if path.suffix.lower() in (".csv", ".txt"):
        return [insee.read_insee_grid(path, crs)]
    from twin.layers.io import read_layer

    frame = read_layer(path, layer=layer_with_fields(path, ("Idcar_200m",)), crs=crs).frame
    table = frame.drop(columns=frame.geometry.name)
    grid = insee.grid_from_frame(
        table.astype(str), path.name, None, geometry=frame.geometry.values, source_crs=frame.crs
    )
    return [insee.grid_layer(grid, path.name)]


def _read_osm(path: Path, crs) -> list[Layer]:
    from twin.layers.io import read_layer
    from twin.layers.style import Style
    from twin.layers.vector import VectorLayer

    polygons = read_layer(path, layer="multipolygons", crs=crs).frame
    lines = read_layer(path, layer="lines", crs=crs).frame
    buildings, report = osm.buildings_frame(polygons, path.name)
    roads, road_report = osm.roads_frame(lines, path.name)
    return [
        VectorLayer(
            "Buildings (OSM)",
            buildings,
            Style(fill_color="#BBBBBB", stroke_color="#666666", stroke_width=0.5),
            osm.provenance(path.name, "buildings", osm.BUILDING_METHOD, report),
            layer_id="buildings",
        ),
        VectorLayer(
            "Roads (OSM)",
            roads,
            Style(stroke_color="#444444", stroke_width=1.0),
            osm.provenance(path.name, "highways", osm.ROAD_METHOD, road_report),
            layer_id="roads",
        ),
    ]


def _eligibility_alone(path: Path) -> list[Layer]:
    from twin.errors import DataError

    raise DataError(
        tr(
            "{path_name} is the eligibility table of Arcep's Ma connexion internet; "
            "give twin the base_imb file beside it (base_imb_<DEP>.csv.gz), which "
            "reads both"
        ).format(path_name=path.name)
    )


def _is_gtfs(path: Path) -> bool:
    if path.suffix.lower() != ".zip" or not zipfile.is_zipfile(path):
        return False
    with zipfile.ZipFile(path) as archive:
        names = {Path(n).name for n in archive.namelist()}
    return {"stops.txt", "stop_times.txt"} <= names


def _read_gtfs(path: Path, crs) -> list[Layer]:
    from twin.layers.transit import read_gtfs

    network = read_gtfs(path, crs=crs or "EPSG:2154")
    return [network.stops, network.routes]


DATASETS: tuple[Dataset, ...] = (
    Dataset(
        "anfr",
        N_("ANFR installations radioélectriques > 5 W"),
        anfr.DOC_URL,
        anfr.is_anfr,
        lambda path, crs: [anfr.read_anfr_layer(path, crs or "EPSG:2154")],
    ),
    Dataset(
        "enedis",
        N_("Enedis open data (substations, lines)"),
        enedis.DOC_URL,
        enedis.is_enedis,
        lambda path, crs: enedis.read_enedis(path, crs or "EPSG:2154"),
    ),
    Dataset(
        "arcep_fiber",
        N_("Arcep FTTH by building (Cartefibre, or Ma connexion internet base_imb)"),
        arcep.FIBER_DOC_URL,
        arcep.is_arcep_fiber,
        lambda path, crs: [arcep.read_arcep_fiber(path, crs or "EPSG:2154")],
    ),
    Dataset(
        "arcep_mci_eligibility",
        N_("Arcep Ma connexion internet eligibility (read with its base_imb)"),
        arcep_mci.DOC_URL,
        arcep_mci.is_mci_eligibility,
        lambda path, crs: _eligibility_alone(path),
    ),
    Dataset(
        "insee_filosofi",
        N_("INSEE Filosofi 200 m grid"),
        insee.DOC_URL,
        lambda path: insee.is_insee_grid(path) or _is_insee_vector(path),
        lambda path, crs: _read_insee(path, crs or "EPSG:2154"),
    ),
    Dataset(
        "bdtopo",
        N_("IGN BD TOPO (BATIMENT, TRONCON_DE_ROUTE)"),
        bdtopo.DOC_URL,
        bdtopo.is_bdtopo,
        lambda path, crs: bdtopo.read_bdtopo(path, crs or "EPSG:2154"),
    ),
    Dataset(
        "arcep_mobile",
        N_("Arcep Mon réseau mobile coverage"),
        arcep.MOBILE_DOC_URL,
        _is_arcep_mobile,
        lambda path, crs: _read_arcep_mobile(path, crs or "EPSG:2154"),
    ),
    Dataset(
        "osm",
        N_("OpenStreetMap extract (buildings, highways)"),
        "https://www.openstreetmap.org/copyright",
        osm.is_osm,
        lambda path, crs: _read_osm(path, crs or "EPSG:2154"),
    ),
    Dataset(
        "gtfs",
        N_("GTFS feed"),
        "https://gtfs.org/schedule/reference/",
        _is_gtfs,
        _read_gtfs,
    ),
)


def recognise(path: str | Path) -> Dataset | None:
    """The public dataset the file (or folder, for ANFR) at ``path`` holds, or None (also
    for a pipe or a device: sniffing one would wait forever; readers then refuse it)."""
    path = Path(path)
    if not (path.is_dir() or path.is_file()):
        return None
    for dataset in DATASETS:
        if dataset.recognise(path):
            return dataset
    return None


def read_open_data(path: str | Path, crs: Any = "EPSG:2154") -> list[Layer]:
    """The layers of a recognised public dataset in ``crs`` (DataError if not one, or if
    it breaks its schema)."""
    from twin.errors import DataError
    from twin.layers.io_common import existing_file

    path = existing_file(path, folder_ok=True)  # a pipe or device would block
    dataset = recognise(path)
    if dataset is None:
        if path.suffix.lower() == ".7z":
            raise DataError(
                tr(
                    "{path_name} is a 7-Zip archive (as Arcep publishes its coverage "
                    "maps); extract it first (7z x {path_name}) and give twin the "
                    ".gpkg inside"
                ).format(path_name=path.name)
            )
        raise DataError(
            tr("{path_name}: not one of the French open datasets twin reads").format(
                path_name=path.name
            )
        )
    return dataset.read(path, crs)
