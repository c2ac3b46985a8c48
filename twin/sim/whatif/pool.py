"""Engine processes that compute the heavy domains of a comparison beside the app.

Comparing two scenarios that are not current runs every engine for both; on a 2-core
machine the energy domain (pandapower, power flows of the design cases and day) and the
transit domain (GTFS timetable, walks, travel times) share nothing with each other or with
the radio engine, so they can run at the same time. The app cannot fork once Qt is loaded,
so :func:`start` starts one process per heavy domain (a *lane*) from a fork server (an
interpreter of its own, never a fork of the app) that imported the runner and the data
stack once; each lane imports its engine when it starts (the energy lane: pandapower),
keeps the project it opened and what its engine prepared, so a second comparison reuses
them.

A lane opens the project from its file. The parent computes each result's input key from
its own project (:func:`twin.sim.whatif.store.input_key`) and takes only results whose key
the lane computed identically; anything else (unsaved edits, a lane that failed, was
cancelled or is busy) is computed in the parent as before, so the figures never depend on
where they were computed. Lanes send stored-result records (JSON text and
GeoTIFF/GeoParquet bytes, as :class:`~twin.sim.whatif.parallel.DomainInChild`), which the
parent puts into ``project.results``; the runner then finds them like results read from the
``.twin``.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import threading
from pathlib import Path
from typing import Any

from twin.errors import CancelledError
from twin.feedback import Feedback

# twin.sim.whatif.store and .result are imported where used: the app imports this module
# before its window (to :func:`enable` the lanes) and must not load GeoPandas for it.

#: Domains computed in a lane of their own, in this order of preference.
LANE_DOMAINS = ("energy", "transit")
#: Modules the fork server imports once for every lane (the data stack, the runner, the
#: transit engine); each lane then imports its own domain's adapter as soon as it starts
#: (pandapower: ~2.5 s of CPU), so that the transit lane does not wait for it.
PRELOAD = ["twin.sim.whatif.runner", "twin.sim.whatif.transit"]
POLL_S = 0.1  # how often the parent checks for cancel while it waits (s)

_LANES: dict[str, _Lane] = {}
_LANES_LOCK = threading.Lock()
_ENABLED = False


def enable() -> None:
    """Let :func:`start_if_enabled` start the lanes (the app calls it; tests and the CLI
    do not, so they never start processes they do not ask for)."""
    global _ENABLED
    _ENABLED = True


def start_if_enabled() -> bool:
    """:func:`start` when :func:`enable` was called; True when lanes run."""
    return bool(_ENABLED and start())


def _context():
    methods = multiprocessing.get_all_start_methods()
    method = "forkserver" if "forkserver" in methods else "spawn"
    context = multiprocessing.get_context(method)
    if method == "forkserver":
        context.set_forkserver_preload(PRELOAD)
    return context


def start(domains: tuple[str, ...] = LANE_DOMAINS) -> bool:
    """Start one engine process per domain of ``domains`` (once per session; safe beside Qt
    and threads: the fork server is a new interpreter). Returns False where processes
    cannot be started (the comparison then runs in this process)."""
    with _LANES_LOCK:
        try:
            context = _context()
            for domain in domains:
                if domain not in _LANES:
                    _LANES[domain] = _Lane(context, domain)
        except (OSError, ValueError, RuntimeError):
            return False
    return True


def running() -> tuple[str, ...]:
    """The domains that have a lane."""
    return tuple(_LANES)


def stop() -> None:
    """Stop every lane (tests; the lanes are daemons and also end with the app)."""
    with _LANES_LOCK:
        for lane in _LANES.values():
            lane.stop()
        _LANES.clear()


def submit(
    project, scenarios, domains: tuple[str, ...] | None = None, options=None
) -> dict[str, PooledDomain]:
    """Send the missing results of ``scenarios`` (and the baseline) in each lane's domain to
    that lane and return domain -> :class:`PooledDomain`, to pass to
    :func:`twin.sim.whatif.runner.simulate` (``pooled``). Empty when no lane runs, the
    project has no file, or nothing is missing; a busy lane is skipped."""
    path = getattr(project, "path", None)
    if not _LANES or path is None or not Path(path).exists():
        return {}
    from twin.sim.whatif import store
    from twin.sim.whatif.result import WhatIfOptions
    from twin.sim.whatif.runner import known_result

    options = options or WhatIfOptions()
    out = {}
    for domain, lane in list(_LANES.items()):
        if domains is not None and domain not in domains:
            continue
        tasks: list[list] = []
        keys: list[str] = []
        for interventions in [[]] + [list(s.for_domain(domain)) for s in scenarios if s]:
            key = store.input_key(project, domain, interventions, options)
            if key not in keys and not known_result(project, domain, interventions, options):
                tasks.append(interventions)
                keys.append(key)
        if tasks and lane.acquire():
            try:
                lane.send(("compute", str(path), domain, tasks, options))
            except (OSError, ValueError):
                lane.release()
                lane.stop()
                continue
            out[domain] = PooledDomain(lane, domain, keys)
    return out


def prepare(project, options=None) -> list[str]:
    """Ask each idle lane to open ``project`` and prepare its domain now
    (:func:`twin.sim.whatif.runner.prepare_domain`: the transit walks, the grid), as the
    app prepares its own engines after opening a project, so that a comparison finds them
    ready. Returns the domains asked; does not wait (see :func:`wait`)."""
    from twin.sim.whatif.result import WhatIfOptions

    path = getattr(project, "path", None)
    if path is None or not Path(path).exists():
        return []
    asked = []
    for domain, lane in list(_LANES.items()):
        if lane.acquire():
            try:
                lane.send(("prepare", str(path), domain, [], options or WhatIfOptions()))
                asked.append(domain)
            except (OSError, ValueError):
                lane.stop()
            finally:
                lane.release()
    return asked


def wait(feedback: Feedback | None = None) -> None:
    """Wait until every lane has answered what it was asked before (benchmarks, tests)."""
    from twin.feedback import ensure_feedback

    feedback = ensure_feedback(feedback)
    for lane in list(_LANES.values()):
        if lane.acquire():
            try:
                lane.send(("ping", "", "", [], None))
            except (OSError, ValueError):
                lane.release()
                continue
            lane.receive(feedback, feedback)


class PooledDomain:
    """The results of one domain being computed in a lane; :meth:`collect` waits for them
    (same interface as :class:`~twin.sim.whatif.parallel.DomainInChild`)."""

    def __init__(self, lane: _Lane, domain: str, keys: list[str]) -> None:
        self.lane, self.domain, self.keys = lane, domain, keys
        self.error: str | None = None
        self._done: bool | None = None

    def collect(self, project, feedback: Feedback, progress: Feedback | None = None) -> bool:
        """Wait for the lane (checking ``feedback`` for cancel; its 0-100 % goes to
        ``progress``) and put the results whose key matches this project's into
        ``project.results``; False when it failed or a key differs (``error`` says why).
        A second call answers at once."""
        from twin.project_results import ResultRecord

        if self._done is not None:
            return self._done
        progress = progress if progress is not None else feedback
        try:
            kind, payload = self.lane.receive(feedback, progress)
        except CancelledError:
            self._done = False
            raise
        if kind != "ok":
            self.error = str(payload)
            self._done = False
            return False
        taken = 0
        for key, domain, meta, blobs in payload:
            if key in self.keys:  # the lane read the same inputs as this project holds
                project.results[key] = ResultRecord(key, domain, meta, blobs)
                taken += 1
        self._done = taken == len(self.keys)
        if not self._done:
            self.error = "the project file differs from the open project (unsaved changes)"
        return self._done

    def close(self) -> None:
        """Free the lane: nothing to do once collected; otherwise (the caller failed or
        stopped before this domain) its process is stopped, since nobody reads its answer
        (a new one starts on next use)."""
        if self._done is None:
            self._done = False
            self.lane.stop()
            self.lane.release()


def close(pooled: dict[str, PooledDomain]) -> None:
    """Close every entry of what :func:`submit` returned (call it in ``finally``)."""
    for entry in pooled.values():
        entry.close()


class _Lane:
    """One engine process serving requests one at a time over a pipe."""

    def __init__(self, context, domain: str) -> None:
        self.context, self.domain = context, domain
        self._busy = threading.Lock()
        self.process = None
        self.connection = None
        self._start()

    def _start(self) -> None:
        mine, theirs = self.context.Pipe(duplex=True)
        self.process = self.context.Process(
            target=_serve, args=(theirs, self.domain), daemon=True, name=f"twin-{self.domain}"
        )
        self.process.start()
        theirs.close()
        self.connection = mine

    def acquire(self) -> bool:
        """Reserve the lane for one request; False when it is busy."""
        if not self._busy.acquire(blocking=False):
            return False
        if self.process is None or not self.process.is_alive():
            try:
                self._start()
            except (OSError, ValueError, RuntimeError):
                self._busy.release()
                return False
        return True

    def release(self) -> None:
        """Free the lane for the next request."""
        with contextlib.suppress(RuntimeError):
            self._busy.release()

    def send(self, request: tuple) -> None:
        """Send one request (kind, path, domain, intervention lists, options); kinds:
        "compute" (answered with records), "prepare" (not answered), "ping" (answered)."""
        self.connection.send(request)

    def receive(self, feedback: Feedback, progress: Feedback) -> tuple[str, Any]:
        """The answer to the request sent: ("ok", records) or ("error", message); progress
        messages go to ``progress``. Cancel stops the process (it is restarted on next use)."""
        try:
            while True:
                feedback.check()
                if self.connection.poll(POLL_S):
                    message = self.connection.recv()
                    if message[0] == "progress":
                        progress.set_progress(message[1], message[2])
                        continue
                    return message
                if not self.process.is_alive():
                    return ("error", f"the engine process stopped ({self.process.exitcode})")
        except CancelledError:
            self.stop()
            raise
        except (EOFError, OSError) as error:
            self.stop()
            return ("error", f"the engine process stopped ({error})")
        finally:
            self.release()

    def stop(self) -> None:
        """End the process (a later :meth:`acquire` starts a new one)."""
        if self.process is not None and self.process.is_alive():
            self.process.terminate()
            self.process.join(timeout=5.0)
        if self.connection is not None:
            self.connection.close()
        self.process = self.connection = None


# ---- in the lane process ---------------------------------------------------------------

_OPEN: dict[str, Any] = {}  # path -> ((mtime_ns, size), project): the last project opened


def _project(path: str):
    """The project at ``path``, opened again only when the file changed."""
    import twin

    status = os.stat(path)
    stamp = (status.st_mtime_ns, status.st_size)
    found = _OPEN.get(path)
    if found is None or found[0] != stamp:
        _OPEN.clear()
        _OPEN[path] = (stamp, twin.open_project(path))
    return _OPEN[path][1]


def compute_records(path: str, domain: str, tasks: list[list], options, progress=None) -> list:
    """In a lane: the result records (key, domain, meta, blobs) of ``domain`` for each
    intervention list of ``tasks`` on the project at ``path``."""
    from twin.sim.whatif import store
    from twin.sim.whatif.runner import domain_result

    project = _project(path)
    records = []
    for index, interventions in enumerate(tasks):
        feedback = progress.feedback(index) if progress is not None else None
        result = domain_result(project, domain, interventions, options, feedback)
        key = store.input_key(project, domain, interventions, options)
        meta, blobs = store.encode(result, store.interventions_text(interventions), project)
        records.append((key, domain, meta, blobs))
    return records


def _serve(connection, domain: str) -> None:
    """The lane's loop: import ``domain``'s engine, then answer each request until the
    pipe closes."""
    import importlib

    from twin.sim.whatif.parallel import _ProgressSender, warm_numba

    with contextlib.suppress(Exception):  # a request then says what is wrong
        importlib.import_module(f"twin.sim.whatif.{domain}")
        warm_numba()

    while True:
        try:
            kind, path, domain, tasks, options = connection.recv()
        except (EOFError, OSError):
            return
        if kind == "prepare":
            with contextlib.suppress(Exception):  # a compute request says what is wrong
                from twin.sim.whatif.runner import prepare_domain

                prepare_domain(_project(path), domain, options)
            continue
        try:
            if kind == "ping":
                answer = ("ok", [])
            else:
                progress = _ProgressSender(connection, len(tasks))
                answer = ("ok", compute_records(path, domain, tasks, options, progress))
        except BaseException as error:  # reported; the parent computes it itself
            answer = ("error", f"{type(error).__name__}: {error}")
        try:
            connection.send(answer)
        except (EOFError, OSError):
            return
