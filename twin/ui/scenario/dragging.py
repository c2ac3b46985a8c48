"""Sites of the current scenario and dragging one, mixed into
:class:`~twin.ui.scenario.controller.ScenarioController`: while a site is dragged the live
radio engine is asked (coalesced); the drop is one undoable edit."""

from __future__ import annotations

from dataclasses import replace

from twin.scenario import AddMobileSite, Intervention, MoveMobileSite


class SiteDragging:
    """Site positions and dragging of a
    :class:`~twin.ui.scenario.controller.ScenarioController`."""

    # --- sites and dragging ---------------------------------------------------------------
    def current_interventions(self) -> tuple[Intervention, ...]:
        """Interventions of the current scenario (empty for the baseline)."""
        scenario = self.current_scenario()
        return scenario.interventions if scenario is not None else ()

    def site_positions(self) -> dict[str, tuple[float, float]]:
        """site_id -> (x, y) metres of every site in the current scenario."""
        return self.sites.positions(self.current_interventions())

    def begin_drag(self, site_id: str) -> None:
        """Start moving ``site_id``: later :meth:`drag_to` calls update the results live."""
        self._drag = (site_id, self.current_interventions())

    def drag_to(self, x: float, y: float) -> None:
        """The dragged site is now at (x, y) metres: ask the live engine (coalesced)."""
        if self._drag is None or self.live is None:
            return
        site_id, interventions = self._drag
        self.live.request(self.sites.moved(interventions, site_id, x, y), "drag")
        self._set_busy(True)

    def end_drag(self, x: float, y: float) -> None:
        """Drop the dragged site at (x, y): one undoable edit, then the full recompute."""
        if self._drag is None:
            return
        site_id = self._drag[0]
        self._drag = None
        scenario = self.current_scenario()
        if scenario is not None:
            for index, item in enumerate(scenario.interventions):
                if isinstance(item, AddMobileSite | MoveMobileSite) and item.site_id == site_id:
                    self.modify_intervention(index, replace(item, x=float(x), y=float(y)))
                    return
        self.add_intervention(MoveMobileSite(site_id, float(x), float(y)))

    def cancel_drag(self) -> None:
        """Abandon the drag (Esc): the site goes back, the figures with it."""
        if self._drag is not None:
            self._drag = None
            self._recompute_radio()

    @property
    def dragging(self) -> bool:
        """True between :meth:`begin_drag` and the drop or cancel."""
        return self._drag is not None
