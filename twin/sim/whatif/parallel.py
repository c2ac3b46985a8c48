"""One domain of a simulation computed in a forked process while this one runs the others.

``twin simulate`` on a 2-core machine: the energy engine (pandapower import, power flows
of the design cases and day) is the longest domain and shares nothing with the others, so
a child process forked after the project is open computes it while the parent computes
radio, fiber and transit. The child sends its results back as stored-result records
(JSON text and GeoTIFF/GeoParquet bytes, :mod:`twin.sim.whatif.store`), which the parent
puts into ``project.results``; the runner then finds them like results read from a file.
If the child fails, nothing is put there and the parent computes the domain itself (so
errors read the same). Forking is only done where it is safe: Linux, one Python thread and
no Qt loaded (the app never forks).
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import sys
import threading
from typing import Any

from twin.errors import CancelledError
from twin.feedback import Feedback
from twin.project_results import ResultRecord
from twin.sim.whatif import store
from twin.sim.whatif.result import WhatIfOptions

POLL_S = 0.2  # how often the parent checks for cancel while it waits (s)


def fork_is_safe() -> bool:
    """True where a forked child can run an engine: Linux, no other Python thread, no Qt."""
    return (
        sys.platform.startswith("linux")
        and hasattr(os, "fork")
        and threading.active_count() == 1
        and "PySide6" not in sys.modules
    )


def warm_numba() -> None:
    """Initialise numba's CPU target in this process (~0.3 s CPU), so that children forked
    afterwards inherit it instead of each doing it again: the transit engine's searches and
    pandapower's element selection are numba functions, and so is the radio engine this
    process runs. Nothing when numba is absent or its internals differ."""
    try:
        from numba.core.registry import cpu_target

        cpu_target.target_context.refresh()
    except Exception:  # an optional speed-up only: the children initialise it themselves
        return


PROGRESS_STEP = 5.0  # the child reports its progress every this many percent (or new step)


class _ProgressSender:
    """The child's progress, sent to the parent as ("progress", percent, message) messages:
    one when the step (message) changes or every :data:`PROGRESS_STEP` % within one, so
    the pipe holds a few kilobytes at most while the parent is busy elsewhere."""

    def __init__(self, sender, tasks: int) -> None:
        self.sender, self.tasks, self.task = sender, max(1, tasks), 0
        self._last: tuple[str, float] | None = None

    def feedback(self, task: int) -> Feedback:
        """The feedback of task number ``task`` (its 0-100 % is a share of the child's)."""
        self.task = task
        return Feedback(self._send)

    def _send(self, percent: float, message: str) -> None:
        overall = (self.task * 100.0 + percent) / self.tasks
        if self._last is not None:
            last_message, last_percent = self._last
            if message == last_message and overall - last_percent < PROGRESS_STEP:
                return
        self._last = (message, overall)
        self.sender.send(("progress", overall, message))


def _child(sender, compute, project, domain: str, tasks: list[list], options) -> None:
    """In the child: compute (sending progress), encode, send, and leave without running
    exit handlers."""
    status = 0
    try:
        records = []
        progress = _ProgressSender(sender, len(tasks))
        for index, interventions in enumerate(tasks):
            result = compute(project, domain, interventions, options, progress.feedback(index))
            key = store.input_key(project, domain, interventions, options)
            text = store.interventions_text(interventions)
            meta, blobs = store.encode(result, text, project)
            records.append((key, domain, meta, blobs))
        sender.send(("ok", records))
    except BaseException as error:  # reported to the parent, which computes it again
        status = 1
        with contextlib.suppress(Exception):
            sender.send(("error", f"{type(error).__name__}: {error}"))
    finally:
        sender.close()
        os._exit(status)


class DomainInChild:
    """A forked process computing ``domain`` for each intervention list of ``tasks`` with
    ``compute(project, domain, interventions, options, feedback)`` (the runner's
    ``domain_result``)."""

    def __init__(
        self, compute, project, domain: str, tasks: list[list], options: WhatIfOptions
    ) -> None:
        context = multiprocessing.get_context("fork")
        self.domain = domain
        self._receiver, sender = context.Pipe(duplex=False)
        self._process = context.Process(
            target=_child, args=(sender, compute, project, domain, tasks, options), daemon=True
        )
        self._process.start()
        sender.close()
        self.error: str | None = None

    def collect(self, project, feedback: Feedback, progress: Feedback | None = None) -> bool:
        """Wait for the child (checking ``feedback`` for cancel; the child's progress,
        0-100 %, goes to ``progress``, default ``feedback``) and put its results into
        ``project.results``; False when it failed (``error`` says why)."""
        progress = progress if progress is not None else feedback
        message: Any = None
        try:
            while message is None:
                if self._receiver.poll(POLL_S):
                    message = self._receiver.recv()
                    if message[0] == "progress":
                        progress.set_progress(message[1], message[2])
                        message = None
                elif not self._process.is_alive() and not self._receiver.poll(0):
                    message = ("error", f"the process stopped (exit {self._process.exitcode})")
                feedback.check()
        except CancelledError:
            self.close()
            raise
        except (EOFError, OSError) as error:
            message = ("error", f"the process stopped ({error})")
        finally:
            self._process.join(timeout=5.0)
        kind, payload = message
        if kind != "ok":
            self.error = str(payload)
            return False
        for key, domain, meta, blobs in payload:
            project.results[key] = ResultRecord(key, domain, meta, blobs)
        return True

    def close(self) -> None:
        """Stop the child if it still runs."""
        if self._process.is_alive():
            self._process.terminate()
            self._process.join(timeout=5.0)
        self._receiver.close()
