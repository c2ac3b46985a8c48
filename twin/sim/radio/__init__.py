"""Mobile radio coverage engine (Qt-free): propagation, terrain, antennas, coverage, people.

Entry points: :func:`propagation.path_loss`, :func:`terrain.knife_edge_loss`,
:class:`model.CoverageModel` (cold and incremental coverage), :class:`population.PeopleCounter`.
"""

from twin.layers.radio_sites import Cell, Site, three_sector_site
from twin.sim.radio.coverage import CoverageParameters, Grid, coverage_level
from twin.sim.radio.model import CoverageModel, CoverageResult
from twin.sim.radio.propagation import ValidityWarning, path_loss
from twin.sim.radio.terrain import Terrain, knife_edge_loss

__all__ = [
    "Cell",
    "CoverageModel",
    "CoverageParameters",
    "CoverageResult",
    "Grid",
    "Site",
    "Terrain",
    "ValidityWarning",
    "coverage_level",
    "knife_edge_loss",
    "path_loss",
    "three_sector_site",
]
