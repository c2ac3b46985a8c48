"""Stories: ordered steps a presenter walks a council through (issue 11).

A step is what the map shows at one moment: a view box in project metres, the visible
layers, what is compared (the baseline, one scenario, or two scenarios as a swipe or side by
side with the divider's position), a caption and up to four KPI cards. ``project.stories``
maps a story's name to its list of steps; the ``.twin`` keeps them in ``twin_meta``.
Qt-free; the story panel, presentation mode and story exports live in ``twin.ui``/``twin.cli``.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field, replace
from typing import Any

from twin.i18n import tr

#: What a step shows: the baseline, one scenario, or two scenarios compared.
SHOW_MODES = ("baseline", "scenario", "swipe", "side_by_side")
#: At most this many KPI cards on a step (issue 11).
MAX_KPI_CARDS = 4


class StoryError(ValueError):
    """A story step that cannot be shown (bad mode, box, divider or too many cards)."""


@dataclass(frozen=True)
class StoryStep:
    """One step of a story.

    ``extent`` is (minx, miny, maxx, maxy) in project metres; ``visible_layers`` the names of
    the layers drawn (empty: leave the project's visibility as it is); ``show`` one of
    :data:`SHOW_MODES`; ``scenario`` the scenario shown (``"scenario"``) or the right-hand
    one (``"swipe"``/``"side_by_side"``), ``compare_with`` the left-hand one (``None`` = the
    baseline); ``divider`` the swipe divider's position, 0..1 of the map width; ``kpis`` the
    KPI keys shown as cards (e.g. ``"radio.4g.persons.good_or_better"``).
    """

    title: str
    text: str = ""
    extent: tuple[float, float, float, float] | None = None
    visible_layers: tuple[str, ...] = ()
    show: str = "baseline"
    scenario: str | None = None
    compare_with: str | None = None
    divider: float = 0.5
    kpis: tuple[str, ...] = field(default_factory=tuple)

    def __post_init__(self) -> None:
        if self.show not in SHOW_MODES:
            raise StoryError(
                tr("step {title!r}: show is {show!r}; it must be one of {modes}").format(
                    title=self.title, show=self.show, modes=", ".join(SHOW_MODES)
                )
            )
        if self.show != "baseline" and not self.scenario:
            raise StoryError(
                tr("step {title!r}: show {show!r} needs a scenario name").format(
                    title=self.title, show=self.show
                )
            )
        if not (isinstance(self.divider, (int, float)) and 0.0 <= self.divider <= 1.0):
            raise StoryError(
                tr("step {title!r}: divider is {divider!r}; it must be between 0 and 1").format(
                    title=self.title, divider=self.divider
                )
            )
        if len(self.kpis) > MAX_KPI_CARDS:
            raise StoryError(
                tr("step {title!r} has {n_kpis} KPI cards; at most {max_kpi_cards}").format(
                    title=self.title, n_kpis=len(self.kpis), max_kpi_cards=MAX_KPI_CARDS
                )
            )
        if self.extent is not None:
            box = self.extent
            if len(box) != 4 or not all(math.isfinite(v) for v in box):
                raise StoryError(
                    tr("step {title!r}: extent {box!r} is not four numbers").format(
                        title=self.title, box=box
                    )
                )
            if box[2] <= box[0] or box[3] <= box[1]:
                raise StoryError(
                    tr("step {title!r}: extent {box!r} is empty (max must exceed min)").format(
                        title=self.title, box=box
                    )
                )

    def with_changes(self, **changes: Any) -> StoryStep:
        """A copy of the step with ``changes`` applied (validated again)."""
        return replace(self, **changes)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict (as stored in the ``.twin``)."""
        data = asdict(self)
        data["extent"] = list(self.extent) if self.extent is not None else None
        data["visible_layers"] = list(self.visible_layers)
        data["kpis"] = list(self.kpis)
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> StoryStep:
        """Build from a project-file dict; :class:`StoryError` names what is wrong."""
        if not isinstance(data, dict):
            raise StoryError(
                tr("a story step must be an object, not {name}").format(name=type(data).__name__)
            )
        try:
            extent = data.get("extent")
            return cls(
                title=str(data["title"]),
                text=str(data.get("text", "")),
                extent=None if extent is None else tuple(float(v) for v in extent),  # type: ignore[arg-type]
                visible_layers=tuple(str(v) for v in data.get("visible_layers", ())),
                show=str(data.get("show", "baseline")),
                scenario=None if data.get("scenario") is None else str(data["scenario"]),
                compare_with=(
                    None if data.get("compare_with") is None else str(data["compare_with"])
                ),
                divider=float(data.get("divider", 0.5)),
                kpis=tuple(str(v) for v in data.get("kpis", ())),
            )
        except StoryError:
            raise
        except (KeyError, TypeError, ValueError) as error:
            raise StoryError(
                tr("a story step is damaged ({error!r})").format(error=error)
            ) from error


def shows_layer(
    visible_layers: tuple[str, ...], layer_id: str, layer_name: str, result: bool = False
) -> bool:
    """Whether a step whose ``visible_layers`` is given draws a layer: a project layer named
    there by its id or its name (any case: the sample's story says "communes",
    "town_halls"); a ``result`` layer by its name without the ``"<scenario>: "`` prefix, or
    by the end of it ("fiber route" draws "Langan fiber route"). The one rule of the story
    exports, the presentation and the main map (an empty tuple is not asked here)."""
    wanted = {name.casefold() for name in visible_layers}
    if layer_id.casefold() in wanted or layer_name.casefold() in wanted:
        return True
    if not result:
        return False
    short = (layer_name.split(": ", 1)[1] if ": " in layer_name else layer_name).casefold()
    return short in wanted or any(short.endswith(" " + name) for name in wanted)


def stories_to_json(stories: dict[str, list[StoryStep]]) -> dict[str, list[dict[str, Any]]]:
    """``project.stories`` as JSON-ready data."""
    return {name: [step.to_dict() for step in steps] for name, steps in stories.items()}


def stories_from_json(data: Any) -> dict[str, list[StoryStep]]:
    """Read ``twin_meta``'s stories (name -> list of step dicts); :class:`StoryError`."""
    if not isinstance(data, dict):
        raise StoryError(tr("stories must be an object mapping a story's name to its steps"))
    stories: dict[str, list[StoryStep]] = {}
    for name, steps in data.items():
        if not isinstance(steps, list):
            raise StoryError(tr("story {name!r} is not a list of steps").format(name=name))
        stories[str(name)] = [StoryStep.from_dict(step) for step in steps]
    return stories
