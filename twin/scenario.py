"""Scenarios: a name and an ordered list of interventions on the baseline territory.

Interventions (:mod:`twin.interventions`, re-exported here for the many callers) are plain
frozen dataclasses with a ``kind`` tag; they are stored in the project file as JSON
(``to_dict``/``intervention_from_dict``) through a fixed registry of known kinds, so
reading a scenario never runs code. Applying a scenario never mutates the baseline: engines
receive the baseline layers plus the interventions that concern them. Coordinates are in
the project CRS (metres).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from twin.errors import DataError
from twin.i18n import tr
from twin.interventions import (
    INTERVENTION_TYPES,
    AddEvChargers,
    AddGridLine,
    AddGridTransformer,
    AddHeatPumps,
    AddMobileSite,
    AddPhotovoltaics,
    AddTransitLine,
    AddTransitStop,
    CellSpec,
    EditMobileCell,
    ExtendFiber,
    Intervention,
    MoveMobileSite,
    RemoveMobileSite,
    intervention_from_dict,
    points_of,
)

__all__ = [
    "INTERVENTION_TYPES",
    "AddEvChargers",
    "AddGridLine",
    "AddGridTransformer",
    "AddHeatPumps",
    "AddMobileSite",
    "AddPhotovoltaics",
    "AddTransitLine",
    "AddTransitStop",
    "CellSpec",
    "EditMobileCell",
    "ExtendFiber",
    "Intervention",
    "MoveMobileSite",
    "RemoveMobileSite",
    "Scenario",
    "find_scenario",
    "intervention_from_dict",
    "usable_scenarios",
]


@dataclass(frozen=True)
class Scenario:
    """A named, ordered list of interventions applied on top of the baseline."""

    name: str
    interventions: tuple[Intervention, ...] = ()
    description: str = ""

    def with_intervention(self, intervention: Intervention, index: int | None = None) -> Scenario:
        """A copy with ``intervention`` inserted at ``index`` (default: appended)."""
        items = list(self.interventions)
        items.insert(len(items) if index is None else index, intervention)
        return replace(self, interventions=tuple(items))

    def without(self, index: int) -> Scenario:
        """A copy without the intervention at ``index``."""
        items = list(self.interventions)
        del items[index]
        return replace(self, interventions=tuple(items))

    def check_extent(self, extent: tuple[float, float, float, float]) -> None:
        """DataError (one line) for the first intervention placing a point outside
        ``extent`` (xmin, ymin, xmax, ymax, project metres): naming the intervention, the
        field, its value and the allowed range."""
        xmin, ymin, xmax, ymax = (float(v) for v in extent)
        for item in self.interventions:
            for name, x, y in points_of(item):
                if not (xmin <= x <= xmax and ymin <= y <= ymax):
                    raise DataError(
                        tr(
                            "scenario {scenario!r}, {where}: {field} = ({x:.0f}, {y:.0f}) "
                            "m is outside the project extent (allowed: x {xmin:.0f} to "
                            "{xmax:.0f} m, y {ymin:.0f} to {ymax:.0f} m)"
                        ).format(
                            scenario=self.name,
                            where=item.where,
                            field=name,
                            x=x,
                            y=y,
                            xmin=xmin,
                            xmax=xmax,
                            ymin=ymin,
                            ymax=ymax,
                        )
                    )

    def for_domain(self, domain: str) -> list[Intervention]:
        """The interventions an engine of ``domain`` (radio, fiber, transit, energy) applies."""
        return [i for i in self.interventions if i.domain == domain]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict, as stored in ``project.scenarios``."""
        return {
            "name": self.name,
            "description": self.description,
            "interventions": [i.to_dict() for i in self.interventions],
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Scenario:
        """Rebuild from JSON (a project file or a ``--scenario-file``)."""
        if not isinstance(data, dict) or not isinstance(data.get("name"), str):
            raise DataError(tr("a scenario is a JSON object with a 'name'"))
        items = data.get("interventions", [])
        if not isinstance(items, list):
            raise DataError(
                tr("scenario {name!r}: 'interventions' must be a list").format(name=data["name"])
            )
        interventions = []
        for number, item in enumerate(items, start=1):
            try:
                interventions.append(intervention_from_dict(item))
            except DataError as error:  # say which scenario and which intervention
                raise DataError(
                    tr("scenario {name!r}, intervention {number}: {error}").format(
                        name=data["name"], number=number, error=error
                    )
                ) from None
        return cls(
            name=data["name"],
            interventions=tuple(interventions),
            description=str(data.get("description", "")),
        )


def usable_scenarios(
    scenarios: list[dict[str, Any]], extent: tuple[float, float, float, float] | None = None
) -> tuple[list[Scenario], list[tuple[dict[str, Any], str]]]:
    """Split a project's stored scenarios into those that can be used and those that
    cannot, each with its one-line reason (a value out of range naming the field, its value
    and the allowed range; a place outside ``extent``, project metres; a damaged record).
    The app opens a project with the second kind set aside (kept in the file, flagged to
    the user) instead of failing."""
    usable: list[Scenario] = []
    refused: list[tuple[dict[str, Any], str]] = []
    for data in scenarios:
        try:
            scenario = Scenario.from_dict(data)
            if extent is not None:
                scenario.check_extent(extent)
        except DataError as error:
            refused.append((data, str(error)))
        except RecursionError:
            refused.append((data, "a scenario is nested too deeply to be read"))
        else:
            usable.append(scenario)
    return usable, refused


def find_scenario(scenarios: list[dict[str, Any]], name: str) -> Scenario:
    """The scenario called ``name`` among a project's stored scenarios, or DataError."""
    for data in scenarios:
        if isinstance(data, dict) and data.get("name") == name:
            return Scenario.from_dict(data)
    known = ", ".join(str(d.get("name")) for d in scenarios if isinstance(d, dict)) or "none"
    raise DataError(
        tr("no scenario named {name!r} in this project (scenarios: {known})").format(
            name=name, known=known
        )
    )
