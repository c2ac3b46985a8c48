"""Live travel times on the map: isochrone bands from a point the user clicks or drags.

:class:`LiveTravel` prepares the project's travel model once (GTFS feed on the roads, a
200 m grid and the buildings; the current scenario's new lines and stops included) in a
Python worker thread, then answers each origin request there too; while one request runs,
only the newest of those that arrive meanwhile waits (the others are dropped), as the live
radio engine does. Results arrive on the UI thread through a queued signal; the UI thread
only swaps the band raster of one :class:`~twin.ui.live.layer.LiveLevelLayer` (put on top
of the project's layers at the first answer, shown with the fast class-raster view; taken
off by :meth:`LiveTravel.shutdown`) and the status line.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

from PySide6.QtCore import QObject, Signal

from twin.errors import TwinError
from twin.feedback import Feedback
from twin.i18n import format_figure, tr
from twin.layers.provenance import Provenance
from twin.layers.style import Category, Style
from twin.scenario import AddTransitLine, AddTransitStop
from twin.ui.live.layer import LiveLevelLayer

WINDOW = ("07:00", 120)  # first departure, minutes (engines are imported in the worker)
MODES = ("walk", "transit")
BAND_COLORS = ("#00204D", "#31446B", "#666970", "#958F78", "#CBBA69")  # near -> far
BAND_LABELS = ("≤ 10 min", "10-20 min", "20-30 min", "30-45 min", "45-60 min")


@dataclass
class TravelUpdate:
    """One answered request: bands (uint8 raster), reach summary, origin and timings (s)."""

    origin: tuple[float, float]
    bands: object
    reach: dict
    seconds: float
    requested_at: float


class _Signals(QObject):
    updated = Signal(object)
    failed = Signal(str)
    progress = Signal(float, str)


class LiveTravel(QObject):
    """Travel times from a moving origin for one project and scenario (see module).

    Signals: ``updated(TravelUpdate)``, ``failed(str)`` (one line), ``busy_changed(bool)``,
    ``progress(float, str)`` while the model is prepared.
    """

    updated = Signal(object)
    failed = Signal(str)
    busy_changed = Signal(bool)
    progress = Signal(float, str)

    def __init__(self, project, interventions=(), cell_m: float = 200.0, parent=None) -> None:
        super().__init__(parent)
        self.project = project
        self.cell_m = cell_m
        self.layer: LiveLevelLayer | None = None
        self._interventions = tuple(interventions)
        self._travel = None
        self._travel_key = None
        self._pending: tuple[float, float, float] | None = None
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._closing = False
        self._signals = _Signals()
        self._signals.updated.connect(self._on_updated)
        self._signals.failed.connect(self._on_failed)
        self._signals.progress.connect(self.progress)

    # --- requests (UI thread) -------------------------------------------------------------
    def set_interventions(self, interventions) -> None:
        """The scenario's interventions; its transit lines and stops join the timetable."""
        self._interventions = tuple(interventions)

    def request(self, x: float, y: float) -> None:
        """Compute the bands from (x, y) project metres (coalesced with later requests)."""
        with self._lock:
            self._pending = (float(x), float(y), time.perf_counter())
            start = self._thread is None
            if start:
                self._thread = threading.Thread(target=self._work, name="twin-travel", daemon=True)
        if start:
            self.busy_changed.emit(True)
            self._thread.start()

    @property
    def busy(self) -> bool:
        """True while a request is being computed or waits."""
        with self._lock:
            return self._thread is not None

    def shutdown(self) -> None:
        """Drop waiting requests (a running one finishes and is ignored) and take the bands
        off the map."""
        with self._lock:
            self._closing = True
            self._pending = None
        if self.layer is not None and self.layer in self.project.layers:
            self.project.remove_layer(self.layer)
        self.layer = None

    # --- worker thread --------------------------------------------------------------------
    def _transit_changes(self) -> tuple:
        return tuple(
            i for i in self._interventions if isinstance(i, AddTransitLine | AddTransitStop)
        )

    def _prepared(self):
        from twin.sim.transit.travel_project import ProjectTravel
        from twin.sim.transit.whatif import NewStop
        from twin.sim.whatif.transit import _new_line

        changes = self._transit_changes()
        if self._travel is None or self._travel_key != changes:
            lines = tuple(_new_line(i) for i in changes if isinstance(i, AddTransitLine))
            stops = tuple(
                NewStop(i.x, i.y, tuple(i.route_ids), stop_id=f"{i.name} (new stop)", name=i.name)
                for i in changes
                if isinstance(i, AddTransitStop)
            )
            feedback = Feedback(lambda percent, text: self._signals.progress.emit(percent, text))
            self._travel = ProjectTravel(
                self.project, cell_m=self.cell_m, lines=lines, new_stops=stops, feedback=feedback
            )
            self._travel_key = changes
        return self._travel

    def _work(self) -> None:
        while True:
            with self._lock:
                request, self._pending = self._pending, None
                if request is None or self._closing:
                    self._thread = None
                    break
            x, y, requested_at = request
            started = time.perf_counter()
            try:
                from twin.sim.transit.travel import Window

                travel = self._prepared()
                bands, reach = travel.bands_from_point((x, y), Window(*WINDOW), MODES)
            except TwinError as error:
                self._signals.failed.emit(str(error))
                continue
            except Exception as error:  # never a traceback for the user: one line
                self._signals.failed.emit(
                    tr("travel times unavailable: {error}").format(error=error)
                )
                continue
            update = TravelUpdate((x, y), bands, reach, time.perf_counter() - started, requested_at)
            self._signals.updated.emit(update)
        self._signals.progress.emit(100.0, "")

    # --- results (UI thread) --------------------------------------------------------------
    def _on_updated(self, update: TravelUpdate) -> None:
        if self._closing:
            return
        travel = self._travel
        if self.layer is None:
            self.layer = LiveLevelLayer(
                "Travel time from a point",
                update.bands,
                travel.grid.transform,
                crs=self.project.crs,
                nodata=0,
                style=band_style(),
                provenance=Provenance(
                    source="engine:transit",
                    method="Range RAPTOR over the GTFS timetable with walks on the road "
                    "graph; median door-to-door time over departures every minute 07:00-09:00",
                    parameters={"scenario": "travel time", "engine": "transit"},
                ),
            )
            self.layer.opacity = 0.65  # the streets and buildings stay readable beneath
            self.project.add_layer(self.layer, index=0)
        else:
            self.layer.set_array(update.bands)
        self.updated.emit(update)
        if not self.busy:
            self.busy_changed.emit(False)

    def _on_failed(self, message: str) -> None:
        self.failed.emit(message)
        if not self.busy:
            self.busy_changed.emit(False)


def band_style() -> Style:
    """Classes 1-5 of the isochrone bands, dark (near) to light (far); 0 transparent."""
    return Style(
        kind="raster-classes",
        categories=tuple(
            Category(i + 1, color, label)
            for i, (color, label) in enumerate(zip(BAND_COLORS, BAND_LABELS, strict=True))
        ),
        stroke_width=0.0,
    )


def reach_text(update: TravelUpdate) -> str:
    """One status line: people reached within 30 min, or why the figure is masked."""
    row = update.reach.get("30", {})
    persons = row.get("persons", {})
    x, y = update.origin
    if persons.get("masked"):
        figure = tr("< 11 households")
    elif persons.get("value") is not None:
        figure = format_figure(persons["value"], "persons")
    else:
        figure = tr("no one")
    return tr(
        "Travel time from ({x:.0f}, {y:.0f}): {figure} within 30 min by walk + "
        "transit (median 07:00-09:00), computed in {0:.2f} s"
    ).format(update.seconds, x=x, y=y, figure=figure)
