"""Draw a fiber extension area: click the polygon's corners, double-click or Enter."""

from __future__ import annotations

from twin.i18n import N_, tr
from twin.scenario import ExtendFiber
from twin.ui.map.tools.scenario_tool import VertexTool


class FiberAreaTool(VertexTool):
    """The buildings inside the drawn polygon get FTTH (planned along ducts and roads by the
    fiber engine when the drawing ends)."""

    name = "fiber_area"
    status_message = N_("Fiber area: click the first corner of the area to connect (Esc: stop).")
    min_points = 3
    closed = True
    what = "corner"

    def finish(self, points: list[tuple[float, float]]) -> str:
        """Add an ExtendFiber intervention for the polygon."""
        names = {getattr(i, "name", "") for i in self.controller.current_interventions()}
        number = 1
        while f"Fiber area {number}" in names:
            number += 1
        name = f"Fiber area {number}"
        self.controller.add_intervention(ExtendFiber(name, tuple(points)))
        return tr("Added '{name}' ({0} corners). Click to draw another area.").format(
            len(points), name=name
        )
