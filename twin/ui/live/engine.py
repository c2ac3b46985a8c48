"""The live radio engine's host, Qt-free: runs in a child process (default) or a thread.

Much of the coverage model's numpy work holds Python's global interpreter lock (its numba
kernel releases it), which would make the UI thread stutter if the engine ran in a thread
of the UI process; in a child process the UI thread never waits for it. The child gets
copies of the layers the radio engine reads (mobile_cells, terrain, buildings,
population_grid, communes), builds its :class:`RadioWhatIf` once, then answers requests
``(seq, kind, args)`` on a pipe with ``(seq, ok, result)``.
"""

from __future__ import annotations

import os
import threading
import time
from typing import TYPE_CHECKING, Any

from twin.layers.raster import RasterLayer
from twin.layers.vector import VectorLayer
from twin.project import Project
from twin.sim.whatif.result import WhatIfOptions

if TYPE_CHECKING:  # the engine's modules load with it (after the app's first frame)
    from twin.sim.whatif.radio import RadioWhatIf

RADIO_LAYER_IDS = ("mobile_cells", "terrain", "buildings", "population_grid", "communes")


def project_payload(project) -> dict[str, Any]:
    """The picklable parts of ``project`` the radio engine reads (copies of frames/arrays)."""
    layers = []
    for layer in project.layers:
        if layer.id not in RADIO_LAYER_IDS:
            continue
        if isinstance(layer, VectorLayer):
            layers.append(("vector", layer.id, layer.name, layer.frame))
        elif isinstance(layer, RasterLayer):
            layers.append(
                (
                    "raster",
                    layer.id,
                    layer.name,
                    layer.array,
                    tuple(layer.transform)[:6],
                    layer.nodata,
                    layer.unit,
                )
            )
    return {"crs": project.crs.to_wkt(), "layers": layers}


def project_from_payload(payload: dict[str, Any]) -> Project:
    """A project holding the layers of :func:`project_payload`."""
    project = Project(crs=payload["crs"])
    for item in reversed(payload["layers"]):
        if item[0] == "vector":
            _kind, layer_id, name, frame = item
            layer = VectorLayer(name, frame, layer_id=layer_id)
        else:
            _kind, layer_id, name, array, transform, nodata, unit = item
            layer = RasterLayer(
                name,
                array,
                transform,
                payload["crs"],
                nodata=nodata,
                unit=unit,
                layer_id=layer_id,
            )
        project.add_layer(layer, index=0)
    return project


class EngineHost:
    """Owns one :class:`RadioWhatIf` and answers the live requests."""

    def __init__(self, project, options: WhatIfOptions) -> None:
        self.project = project
        self.options = options
        self.engine: RadioWhatIf | None = None
        self.level_style = None
        self._crs_wkt: str | None = None

    def ensure_engine(self) -> RadioWhatIf:
        """Build the engine (the cold baseline) on first use."""
        if self.engine is None:
            from twin.sim.whatif.radio import RadioWhatIf

            self.engine = RadioWhatIf(self.project, self.options)
            layers = self.engine.layers("baseline")
            self.level_style = layers[-1].style if layers else None
        return self.engine

    def crs_wkt(self) -> str:
        """The engine grid's CRS as WKT (made once: pyproj takes a fraction of a ms)."""
        if self._crs_wkt is None:
            from pyproj import CRS

            self._crs_wkt = CRS.from_user_input(self.ensure_engine().grid.crs).to_wkt()
        return self._crs_wkt

    def handle(self, kind: str, args: tuple) -> Any:
        """``("apply", (interventions,))`` -> dict of figures, level raster (0-3), capex
        (EUR), engine milliseconds, grid transform and CRS WKT, level style, and where it
        ran (process id, thread name);
        ``("layers", (interventions, name))`` -> the 4G+5G level layer parts of scenario
        ``name`` as tuples (name, array, transform, crs WKT, style, provenance, unit)."""

        engine = self.ensure_engine()
        if kind in ("apply", "preview"):
            (interventions,) = args
            started, cpu_started = time.perf_counter(), time.thread_time()
            for model in engine.models.values():
                model.set_preview(kind == "preview")
            figures = engine.apply(list(interventions))
            level = engine.levels()["4G+5G"]
            return {
                "figures": figures,
                "level": level,
                "capex_eur": engine.capex_eur,
                "engine_ms": 1000.0 * (time.perf_counter() - started),
                "engine_cpu_ms": 1000.0 * (time.thread_time() - cpu_started),
                "transform": tuple(engine.grid.transform)[:6],
                "crs": self.crs_wkt(),
                "level_style": self.level_style,
                "pid": os.getpid(),
                "thread": threading.current_thread().name,
            }
        if kind == "layers":
            interventions, name = args
            for model in engine.models.values():
                model.set_preview(False)
            engine.apply(list(interventions))
            return [
                (
                    layer.name,
                    layer.array.copy(),
                    tuple(layer.transform)[:6],
                    layer.crs.to_wkt(),
                    layer.style,
                    layer.provenance,
                    layer.unit,
                )
                for layer in engine.layers(name)
                if "4G+5G" in layer.name
            ]
        raise ValueError(f"unknown request {kind!r}")


def _limit_compiled_threads() -> None:
    """Leave one core to the UI: the engine's compiled kernels use at most (cores - 1)
    threads (``TWIN_RADIO_THREADS`` overrides), so a drag never starves the UI thread."""
    import os

    try:
        import numba
    except ImportError:
        return
    wanted = os.environ.get("TWIN_RADIO_THREADS")
    count = int(wanted) if wanted else max(1, (os.cpu_count() or 2) - 1)
    numba.set_num_threads(max(1, min(count, numba.config.NUMBA_NUM_THREADS)))


def serve(connection, payload: dict[str, Any], options: WhatIfOptions) -> None:
    """Child process main loop: build the project, then answer requests until ``None``."""
    _limit_compiled_threads()
    host = EngineHost(project_from_payload(payload), options)
    while True:
        try:
            message = connection.recv()
        except EOFError:
            return
        if message is None:
            return
        seq, kind, args = message
        try:
            result = (seq, True, host.handle(kind, args))
        except Exception as error:  # sent back to the UI as a message, never lost
            result = (seq, False, f"{type(error).__name__}: {error}")
        try:
            connection.send(result)
        except (BrokenPipeError, EOFError, OSError):
            return
