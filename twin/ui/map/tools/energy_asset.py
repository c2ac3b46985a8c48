"""Place EV chargers or rooftop PV on the grid: click where they go."""

from __future__ import annotations

from twin.i18n import tr
from twin.scenario import AddEvChargers, AddPhotovoltaics
from twin.ui.map.tools.base import MapEvent
from twin.ui.map.tools.scenario_tool import ScenarioTool

KINDS = ("ev", "pv")


class EnergyAssetTool(ScenarioTool):
    """Each click adds ``count`` EV chargers of ``power_kw`` kW (kind "ev") or ``peak_kw``
    kWp of rooftop PV (kind "pv"); the energy engine connects them to the nearest grid bus
    and runs the power flow when the edit ends."""

    name = "energy_asset"

    def __init__(
        self,
        controller,
        kind: str = "ev",
        count: int = 4,
        power_kw: float = 22.0,
        peak_kw: float = 100.0,
    ) -> None:
        super().__init__(controller)
        if kind not in KINDS:
            raise ValueError(f"kind must be one of {KINDS}")
        self.kind = kind
        self.count = count
        self.power_kw = power_kw
        self.peak_kw = peak_kw
        self.name = f"energy_{kind}"

    def first_message(self) -> str:
        """What to click for this kind of asset."""
        if self.kind == "ev":
            return tr(
                "EV chargers: click where {count} chargers of {power_kw:g} kW go; they "
                "connect to the nearest grid bus (Esc: stop)."
            ).format(count=self.count, power_kw=self.power_kw)
        return tr(
            "Rooftop PV: click the building that gets {peak_kw:g} kWp; it connects "
            "to the nearest grid bus (Esc: stop)."
        ).format(peak_kw=self.peak_kw)

    def press(self, event: MapEvent) -> bool:
        """A left click adds the asset at the cursor."""
        if event.button != "left":
            return False
        names = {getattr(i, "name", "") for i in self.controller.current_interventions()}
        stem = "EV hub" if self.kind == "ev" else "PV roof"
        number = 1
        while f"{stem} {number}" in names:
            number += 1
        name = f"{stem} {number}"
        x, y = float(event.x), float(event.y)
        if self.kind == "ev":
            item = AddEvChargers(name, x, y, int(self.count), float(self.power_kw))
        else:
            item = AddPhotovoltaics(name, x, y, float(self.peak_kw))
        self.controller.add_intervention(item)
        self.say(tr("Added '{name}'. Click to add more; Esc to stop.").format(name=name))
        return True

    def cancel(self) -> None:
        """Nothing is in progress between clicks."""
        if self.canvas is not None:
            self.say(self.first_message())
