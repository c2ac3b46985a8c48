"""Add a mobile site: click on the map where the mast goes."""

from __future__ import annotations

from twin.i18n import N_, tr
from twin.scenario import AddMobileSite, CellSpec
from twin.ui.map.tools.base import MapEvent
from twin.ui.map.tools.scenario_tool import ScenarioTool

DEFAULT_AZIMUTHS_DEG = (0.0, 120.0, 240.0)  # three sectors, the usual macro site


class AddSiteTool(ScenarioTool):
    """Each left click adds a site with three cells (defaults: 5G 3500 MHz, 49 dBm,
    30 m above ground, 3GPP UMa); its cells are edited afterwards in the site editor."""

    name = "add_site"
    status_message = N_("Add site: click on the map where the new mast goes (Esc: stop).")

    def __init__(self, controller, height_m: float = 30.0, band_mhz: int = 3500) -> None:
        super().__init__(controller)
        self.height_m = height_m
        self.band_mhz = band_mhz
        self.technology = "5G" if band_mhz >= 3000 else "4G"
        self.on_added = None  # callback(site_id) so the window can open the site editor

    def press(self, event: MapEvent) -> bool:
        """A left click adds a site at the cursor."""
        if event.button != "left":
            return False
        interventions = self.controller.current_interventions()
        site_id = self.controller.sites.new_site_id(interventions)
        number = site_id.rsplit("-", 1)[-1]
        cells = tuple(
            CellSpec(azimuth, band_mhz=self.band_mhz, technology=self.technology)
            for azimuth in DEFAULT_AZIMUTHS_DEG
        )
        added = self.controller.add_intervention(
            AddMobileSite(
                site_id,
                f"New site {number}",
                float(event.x),
                float(event.y),
                self.height_m,
                "3gpp-uma",
                cells,
            )
        )
        if added is False:  # outside the project extent: the controller says why
            self.say(self.controller.refusal)
            return True
        self.say(
            tr("Added 'New site {number}'. Click to add another site; Esc to stop.").format(
                number=number
            )
        )
        if self.on_added is not None:
            self.on_added(site_id)
        return True

    def cancel(self) -> None:
        """Nothing is in progress between clicks; Esc returns to the first instruction."""
        if self.canvas is not None:
            self.say(self.first_message())
