"""Draw a transit line: click its stops in order, double-click or Enter to finish."""

from __future__ import annotations

from twin.i18n import N_, tr
from twin.scenario import AddTransitLine
from twin.ui.map.tools.scenario_tool import VertexTool


class TransitLineTool(VertexTool):
    """A new line through the clicked stops (the transit engine routes it along the roads)
    served every :attr:`headway_min` minutes; the headway can be changed afterwards in the
    scenario panel."""

    name = "transit_line"
    status_message = N_("Transit line: click the first stop (Esc: stop).")
    min_points = 2
    what = "stop"

    def __init__(self, controller, headway_min: float = 10.0, mode: str = "bus") -> None:
        super().__init__(controller)
        self.headway_min = headway_min
        self.mode = mode

    def finish(self, points: list[tuple[float, float]]) -> str:
        """Add an AddTransitLine intervention through ``points``."""
        names = {getattr(i, "name", "") for i in self.controller.current_interventions()}
        number = 1
        while f"Line {number}" in names:
            number += 1
        name = f"Line {number}"
        self.controller.add_intervention(
            AddTransitLine(name, self.mode, tuple(points), float(self.headway_min))
        )
        return tr(
            "Added {mode} line '{name}', {0} stops, every {headway_min:g} min. "
            "Click to draw another line."
        ).format(len(points), mode=self.mode, name=name, headway_min=self.headway_min)
