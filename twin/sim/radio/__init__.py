"""Mobile radio coverage engine (Qt-free): propagation, terrain, antennas, coverage, people.

Entry points: :func:`propagation.path_loss`, :func:`terrain.knife_edge_loss`,
:class:`model.CoverageModel` (cold and incremental coverage), :class:`population.PeopleCounter`.
"""

from typing import Any

# name -> submodule; imported on first use (PEP 562), so that importing one light submodule
# (propagation) does not load scipy and rasterio through coverage and terrain.
_EXPORTS = {
    "CoverageParameters": "coverage",
    "Grid": "coverage",
    "coverage_level": "coverage",
    "CoverageModel": "model",
    "CoverageResult": "model",
    "ValidityWarning": "propagation",
    "path_loss": "propagation",
    "Cell": "twin.layers.radio_sites",
    "Site": "twin.layers.radio_sites",
    "three_sector_site": "twin.layers.radio_sites",
    "Terrain": "terrain",
    "knife_edge_loss": "terrain",
}


def __getattr__(name: str) -> Any:
    """The engine's entry points, imported from their submodule on first use."""
    if name in _EXPORTS:
        import importlib

        module = _EXPORTS[name]
        if "." not in module:
            module = f"twin.sim.radio.{module}"
        return getattr(importlib.import_module(module), name)
    raise AttributeError(f"module 'twin.sim.radio' has no attribute {name!r}")


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
