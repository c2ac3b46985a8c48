"""Coverage levels are shown inside the territory only, in every map (issue 12)."""

from __future__ import annotations

import numpy as np

import twin
from twin.layers.territory import OUTSIDE_LEVEL, territory_outline
from twin.sim.whatif import simulate


def test_simulated_level_layers_are_clipped_to_the_communes():
    project = twin.open_project()
    result = simulate(project, None, domains=["radio"])
    levels = [layer for layer in result.layers if layer.name.endswith("4G+5G coverage level")]
    assert levels, [layer.name for layer in result.layers]
    level = levels[0]
    inverse = ~level.transform
    town_hall = project.layer("town_halls").frame.geometry.iloc[0]
    col, row = (int(v) for v in inverse @ (town_hall.x, town_hall.y))
    assert level.array[0, 0] == OUTSIDE_LEVEL  # the grid's corner lies beyond the communes
    assert level.array[row, col] in (0, 1, 2, 3)  # a town hall lies inside
    outline = territory_outline(project)
    assert outline is not None and len(outline) == 43
    # inside, the level is the engine's own: the counts of drawn pixels add up
    drawn = np.isin(level.array, (0, 1, 2, 3)).sum()
    assert 0 < drawn < level.array.size
