"""Mobile sites as a scenario sees them: the baseline ``mobile_cells`` sites changed by the
scenario's radio interventions. Used by the map tools to find, move and edit sites."""

from __future__ import annotations

import math
import threading
from dataclasses import replace

from twin.errors import DataError
from twin.layers.radio_sites import Site
from twin.scenario import AddMobileSite, Intervention, MoveMobileSite
from twin.sim.whatif.radio import apply_site_interventions


class SiteBook:
    """Sites of the baseline (read once per project) and of any intervention list."""

    def __init__(self) -> None:
        self.project = None
        self._baseline: dict[str, Site] | None = None
        self._lock = threading.Lock()  # read once, by a worker or the first tool click

    def set_project(self, project) -> None:
        """Use the sites of ``project`` (read lazily)."""
        with self._lock:
            self.project = project
            self._baseline = None

    def baseline(self) -> dict[str, Site]:
        """site_id -> Site of the project's mobile_cells layer (empty without one).
        Thread-safe: the controller reads them in a worker when a project opens."""
        baseline = self._baseline
        if baseline is not None:
            return baseline
        with self._lock:
            if self._baseline is None:
                project, sites = self.project, {}
                if project is not None:
                    from twin.sim.radio.project_coverage import project_sites

                    try:
                        sites = {s.site_id: s for s in project_sites(project)}
                    except DataError:
                        sites = {}
                if project is self.project:
                    self._baseline = sites
            return self._baseline if self._baseline is not None else {}

    def sites(self, interventions) -> dict[str, Site]:
        """site_id -> Site after the radio ``interventions``; a bad list gives the baseline."""
        radio = [i for i in interventions if i.domain == "radio"]
        try:
            return apply_site_interventions(self.baseline(), radio)[0]
        except DataError:
            return dict(self.baseline())

    def positions(self, interventions) -> dict[str, tuple[float, float]]:
        """site_id -> (x, y) metres after ``interventions``."""
        return {sid: (s.x, s.y) for sid, s in self.sites(interventions).items()}

    def name_of(self, site_id: str, interventions) -> str:
        """The site's name (its id when unnamed)."""
        site = self.sites(interventions).get(site_id)
        return (site.name or site_id) if site is not None else site_id

    def site_at(self, interventions, x: float, y: float, tolerance_m: float) -> str | None:
        """Id of the site nearest (x, y) within ``tolerance_m`` metres, else None."""
        best, best_distance = None, tolerance_m
        for site_id, (sx, sy) in self.positions(interventions).items():
            distance = math.hypot(sx - x, sy - y)
            if distance <= best_distance:
                best, best_distance = site_id, distance
        return best

    def new_site_id(self, interventions) -> str:
        """A site id not used yet ("new-1", "new-2", ...)."""
        used = set(self.baseline()) | {
            i.site_id for i in interventions if isinstance(i, AddMobileSite)
        }
        number = 1
        while f"new-{number}" in used:
            number += 1
        return f"new-{number}"

    @staticmethod
    def moved(
        interventions: tuple[Intervention, ...], site_id: str, x: float, y: float
    ) -> tuple[Intervention, ...]:
        """``interventions`` with ``site_id`` at (x, y): its AddMobileSite or MoveMobileSite
        is changed when there is one, else a MoveMobileSite is appended."""
        items = list(interventions)
        for index, item in enumerate(items):
            if isinstance(item, AddMobileSite | MoveMobileSite) and item.site_id == site_id:
                items[index] = replace(item, x=float(x), y=float(y))
                return tuple(items)
        return (*items, MoveMobileSite(site_id, float(x), float(y)))
