"""Coverage of a whole project: sites from ``mobile_cells``, the ``terrain`` DEM, people from
``buildings`` (or ``population_grid``) and zones from ``communes`` (layer ids of SCHEMAS.md).
Shared by ``twin coverage`` and the UI."""

from __future__ import annotations

import math
from dataclasses import dataclass

from affine import Affine

from twin.errors import DataError
from twin.feedback import Feedback
from twin.i18n import tr
from twin.layers.radio_sites import Site
from twin.sim.radio.coverage import CoverageParameters, Grid
from twin.sim.radio.model import CoverageModel, CoverageResult
from twin.sim.radio.population import PeopleCounter, PeopleSummary, PopulationPoints
from twin.sim.radio.terrain import Terrain

DEFAULT_PIXEL_M = 50.0


def find_layer(project, *names: str):
    """The first layer whose id or name is one of ``names``, else None."""
    for name in names:
        for layer in project.layers:
            if layer.id == name or layer.name == name:
                return layer
    return None


def project_sites(project, operator: str | None = None) -> list[Site]:
    """Sites of the project's ``mobile_cells`` layer (optionally one operator's)."""
    from twin.layers.mobile import read_sites

    layer = find_layer(project, "mobile_cells")
    if layer is None or layer.kind != "vector":
        raise DataError(tr("the project has no mobile_cells layer (one point per cell)"))
    sites = read_sites(layer)
    if operator:
        sites = [s for s in sites if s.operator == operator]
        if not sites:
            raise DataError(tr("no mobile site of operator {operator!r}").format(operator=operator))
    return sites


def project_grid(project, sites: list[Site], pixel_m: float | None, terrain_layer) -> Grid:
    """The terrain's grid when there is a DEM (and no other pixel size asked), else the
    project extent at ``pixel_m`` (default 50 m)."""
    if terrain_layer is not None and (
        pixel_m is None or math.isclose(pixel_m, terrain_layer.pixel_size[0])
    ):
        return Grid(terrain_layer.transform, terrain_layer.shape, project.crs)
    pixel = pixel_m or DEFAULT_PIXEL_M
    xmin, ymin, xmax, ymax = project.extent
    if not all(math.isfinite(v) for v in (xmin, ymin, xmax, ymax)) or xmax <= xmin:
        xs = [s.x for s in sites]
        ys = [s.y for s in sites]
        xmin, xmax, ymin, ymax = min(xs) - 1000, max(xs) + 1000, min(ys) - 1000, max(ys) + 1000
    xmin = math.floor(xmin / pixel) * pixel
    ymax = math.ceil(ymax / pixel) * pixel
    cols = max(1, math.ceil((xmax - xmin) / pixel))
    rows = max(1, math.ceil((ymax - ymin) / pixel))
    return Grid(Affine(pixel, 0, xmin, 0, -pixel, ymax), (rows, cols), project.crs)


def project_population(project) -> PopulationPoints | None:
    """People points from ``buildings`` or ``population_grid``, zoned by ``insee`` (or by
    the ``communes`` polygons when the layer has no insee column)."""
    layer = find_layer(project, "buildings") or find_layer(project, "population_grid")
    if layer is None or layer.kind != "vector" or "population" not in layer.frame.columns:
        return None
    frame = layer.frame
    if "insee" in frame.columns:
        return PopulationPoints.from_frame(frame, zone_column="insee")
    communes = find_layer(project, "communes")
    if communes is not None and "insee" in communes.frame.columns:
        return PopulationPoints.from_frame(frame, zones=communes.frame)
    return PopulationPoints.from_frame(frame, zone_column=None)


@dataclass
class ProjectCoverage:
    """A project's coverage: the model (for what-ifs), result rasters and people count."""

    model: CoverageModel
    result: CoverageResult
    people: PeopleSummary | None
    counter: PeopleCounter | None


def compute_project_coverage(
    project,
    params: CoverageParameters | None = None,
    sites: list[Site] | None = None,
    operator: str | None = None,
    pixel_m: float | None = None,
    feedback: Feedback | None = None,
) -> ProjectCoverage:
    """Cold coverage of the project's sites (or ``sites``) with its terrain and people."""
    params = params or CoverageParameters()
    if sites is None:
        sites = project_sites(project, operator)
    terrain_layer = find_layer(project, "terrain")
    if terrain_layer is not None and terrain_layer.kind != "raster":
        terrain_layer = None
    grid = project_grid(project, sites, pixel_m, terrain_layer)
    terrain = Terrain.from_layer(terrain_layer) if terrain_layer is not None else None
    model = CoverageModel(grid, sites, params, terrain)
    result = model.compute(feedback)
    points = project_population(project)
    counter = PeopleCounter(points, grid) if points is not None else None
    people = counter.count(result.level) if counter is not None else None
    return ProjectCoverage(model, result, people, counter)
