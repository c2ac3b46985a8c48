"""Live radio what-if off the UI thread: one engine, newest request wins.

The incremental :class:`~twin.sim.whatif.radio.RadioWhatIf` runs in a child process by
default (see :mod:`twin.ui.live.engine`: much of its numpy work holds the
interpreter lock, so in a thread it would make the UI stutter), or in one thread
(``in_process=True``, for small projects and tests). While a site is dragged (tag
``"drag"``) the engine computes in preview quality (coarser terrain profiles), and exactly
for any other request, so the figures after the drop are those of a cold computation.
The UI asks for an update on every mouse move; requests made while an update runs are
coalesced (only the newest one runs next), which throttles updates to the engine's speed
and never queues stale positions. Results come back on the UI thread through a queued Qt signal.
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import itertools
import multiprocessing
import queue
import threading
import time
from dataclasses import dataclass
from typing import Any

import numpy as np
from affine import Affine
from PySide6.QtCore import QObject, Signal

from twin.errors import TwinError
from twin.i18n import tr
from twin.kpi import Figure
from twin.layers.raster import RasterLayer
from twin.scenario import Intervention
from twin.sim.whatif.result import WhatIfOptions
from twin.ui.live.engine import EngineHost, project_from_payload, project_payload, serve


@dataclass
class RadioUpdate:
    """One live result: the request ``tag``, its interventions, the figures (persons,
    premises, with baseline), the 4G+5G coverage level raster (0-3), the grid transform
    and CRS, the radio capex (EUR), the engine time (ms), the request time (perf_counter
    s), where the engine ran (process id, thread name) and the CPU time of the engine's
    thread (ms; below the engine time when it waited for a core)."""

    tag: str
    interventions: tuple[Intervention, ...]
    figures: list[Figure]
    level: np.ndarray
    transform: Any
    crs: Any
    capex_eur: float
    engine_ms: float
    requested_at: float
    engine_pid: int = 0
    engine_thread: str = ""
    engine_cpu_ms: float = 0.0


class _ThreadTransport:
    """The engine in one Python thread of this process."""

    def __init__(self, project, options: WhatIfOptions) -> None:
        self._host = EngineHost(project, options)
        self._executor = concurrent.futures.ThreadPoolExecutor(1, thread_name_prefix="twin-radio")

    def run(self, kind: str, *args) -> concurrent.futures.Future:
        return self._executor.submit(self._host.handle, kind, args)

    def close(self) -> None:
        self._executor.shutdown(wait=True, cancel_futures=True)


class _ProcessTransport:
    """The engine in a child process. A sender thread starts the process (pickling the
    layers takes seconds on the sample: never on the UI thread) and writes the requests;
    a reader thread completes the futures."""

    def __init__(self, project, options: WhatIfOptions) -> None:
        context = multiprocessing.get_context("spawn")
        self._connection, self._child = context.Pipe()
        self._payload, self._options = project_payload(project), options
        self._process = context.Process(
            target=serve,
            args=(self._child, self._payload, options),
            daemon=True,
            name="twin-radio",
        )
        self._futures: dict[int, concurrent.futures.Future] = {}
        self._lock = threading.Lock()
        self._seq = itertools.count()
        self._outbox: queue.Queue = queue.Queue()
        self._sender = threading.Thread(target=self._send, name="twin-radio-sender", daemon=True)
        self._sender.start()

    def run(self, kind: str, *args) -> concurrent.futures.Future:
        future: concurrent.futures.Future = concurrent.futures.Future()
        with self._lock:
            seq = next(self._seq)
            self._futures[seq] = future
        self._outbox.put((seq, kind, args))
        return future

    def _send(self) -> None:
        try:
            self._process.start()
        except Exception:  # e.g. a script without the ``if __name__ == "__main__"`` guard
            self._child.close()
            self._serve_here()
            return
        self._child.close()
        threading.Thread(target=self._read, name="twin-radio-reader", daemon=True).start()
        while True:
            message = self._outbox.get()
            try:
                self._connection.send(message)
            except (BrokenPipeError, OSError) as error:
                self._fail_all(tr("the radio engine stopped: {error}").format(error=error))
                return
            if message is None:
                return

    def _serve_here(self) -> None:
        """No child process: run the engine in this (sender) thread instead."""
        host = EngineHost(project_from_payload(self._payload), self._options)
        while True:
            message = self._outbox.get()
            if message is None:
                return
            seq, kind, args = message
            with self._lock:
                future = self._futures.pop(seq, None)
            if future is None:
                continue
            try:
                future.set_result(host.handle(kind, args))
            except Exception as error:
                future.set_exception(error)

    def _read(self) -> None:
        while True:
            try:
                seq, ok, result = self._connection.recv()
            except (EOFError, OSError):
                break
            with self._lock:
                future = self._futures.pop(seq, None)
            if future is None:
                continue
            if ok:
                future.set_result(result)
            else:
                future.set_exception(TwinError(result))
        self._fail_all(tr("the radio engine stopped"))

    def _fail_all(self, message: str) -> None:
        with self._lock:
            pending, self._futures = list(self._futures.values()), {}
        for future in pending:
            if not future.done():
                future.set_exception(TwinError(message))

    def close(self) -> None:
        self._outbox.put(None)
        self._sender.join(timeout=10)
        if self._process.pid is None:
            return
        if self._process.is_alive():
            self._process.join(timeout=5)
        if self._process.is_alive():
            self._process.terminate()
            self._process.join(timeout=5)
        with contextlib.suppress(OSError):
            self._connection.close()


class _Signals(QObject):
    finished = Signal(object, object)  # (tag, interventions, requested_at), result dict
    failed = Signal(object)  # exception


class LiveRadio(QObject):
    """Coalescing front of the radio what-if engine.

    ``updated(RadioUpdate)`` on the UI thread after each computed request; ``failed(error)``
    when the engine raised (e.g. a project without mobile_cells).
    """

    updated = Signal(object)
    failed = Signal(object)

    def __init__(
        self, project, options: WhatIfOptions | None = None, parent=None, in_process: bool = False
    ) -> None:
        super().__init__(parent)
        self.options = options or WhatIfOptions()
        transport = _ThreadTransport if in_process else _ProcessTransport
        self._transport = transport(project, self.options)
        self._signals = _Signals()
        self._signals.finished.connect(self._on_finished)
        self._signals.failed.connect(self._on_failed)
        self._running = False
        self._pending: tuple[tuple[Intervention, ...], str, float] | None = None
        self.level_style = None
        self._closed = False

    def request(self, interventions: tuple[Intervention, ...], tag: str = "edit") -> None:
        """Compute the coverage of the baseline changed by ``interventions`` as soon as the
        engine is free; a newer request replaces one that has not started yet."""
        self._pending = (tuple(interventions), tag, time.perf_counter())
        if not self._running:
            self._start_next()

    @property
    def busy(self) -> bool:
        """True while an update runs or waits."""
        return self._running or self._pending is not None

    def level_layers(self, interventions, name: str) -> list[RasterLayer]:
        """The 4G+5G level layer of scenario ``name`` (blocks: call it from a worker)."""
        parts = self._transport.run("layers", tuple(interventions), name).result()
        return [
            RasterLayer(n, array, Affine(*t), crs, style=style, provenance=prov, unit=unit)
            for n, array, t, crs, style, prov, unit in parts
        ]

    def shutdown(self) -> None:
        """Stop the engine (pending requests are dropped)."""
        self._pending = None
        if not self._closed:
            self._closed = True
            self._transport.close()

    def _start_next(self) -> None:
        if self._pending is None or self._closed:
            return
        interventions, tag, requested_at = self._pending
        self._pending = None
        self._running = True
        # a drag frame is a preview (coarser terrain profiles); any other request is exact
        future = self._transport.run("preview" if tag == "drag" else "apply", interventions)
        key = (tag, interventions, requested_at)
        future.add_done_callback(lambda done: self._deliver(key, done))

    def _deliver(self, key, future: concurrent.futures.Future) -> None:
        """In the engine's thread: queue the result to the UI thread."""
        with contextlib.suppress(RuntimeError):  # the application is closing
            error = future.exception()
            if error is not None:
                self._signals.failed.emit(error)
            else:
                self._signals.finished.emit(key, future.result())

    def _on_finished(self, key, result: dict) -> None:
        self._running = False
        self._start_next()
        tag, interventions, requested_at = key
        self.level_style = result["level_style"]
        update = RadioUpdate(
            tag,
            interventions,
            result["figures"],
            result["level"],
            Affine(*result["transform"]),
            result["crs"],
            result["capex_eur"],
            result["engine_ms"],
            requested_at,
            result.get("pid", 0),
            result.get("thread", ""),
            result.get("engine_cpu_ms", 0.0),
        )
        self.updated.emit(update)

    def _on_failed(self, error: Exception) -> None:
        self._running = False
        self._start_next()
        self.failed.emit(error)
