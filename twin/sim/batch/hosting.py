"""Hosting capacity over many buses on a Dask cluster.

Each bus's search is independent (every trial starts from the design case's solution, see
:mod:`~twin.sim.energy.hosting_pool`), so the buses are cut into chunks that Dask workers
run; each worker builds each kind's solver once (cached per run) and the capacities do not
depend on the cut: identical to :func:`twin.sim.energy.hosting_capacity` in one process.
"""

from __future__ import annotations

import math
import threading
import uuid

from twin.feedback import Feedback, ensure_feedback
from twin.i18n import tr
from twin.sim.energy.hosting_search import InjectionSearch, KindModel, Task, search_chunk

CHUNKS_PER_WORKER = 4
# run token -> kind -> solver, per thread: a solver is not shared between threads (a
# LocalCluster of threads runs its workers in one process)
_LOCAL = threading.local()


def _chunk_on_worker(token: str, kinds: dict[str, KindModel], kind: str, tasks: list[Task]):
    """Dask task: the searches of ``tasks`` with this worker's solvers of run ``token``."""
    cache = getattr(_LOCAL, "searches", None)
    if cache is None or cache[0] != token:  # one run at a time: drop an older run's
        cache = (token, {name: InjectionSearch(model) for name, model in kinds.items()})
        _LOCAL.searches = cache
    searches = cache[1]
    return search_chunk(searches, kind, tasks)


def dask_searches(client, chunks_per_worker: int = CHUNKS_PER_WORKER):
    """A ``run`` for :func:`twin.sim.energy.hosting_capacity` that spreads the per-bus
    searches over the workers of ``client`` (a ``distributed.Client``)."""
    from distributed import as_completed

    def run(kinds: dict[str, KindModel], tasks: dict[str, list[Task]], workers, feedback):
        feedback = ensure_feedback(feedback)
        workers_now = max(1, len(client.scheduler_info().get("workers", {})))
        total = max(1, sum(len(t) for t in tasks.values()))
        size = max(1, math.ceil(total / (workers_now * chunks_per_worker)))
        token = uuid.uuid4().hex
        shared = client.scatter(kinds, broadcast=True)
        found = {name: [None] * len(kind_tasks) for name, kind_tasks in tasks.items()}
        pending = {}
        for name, kind_tasks in tasks.items():
            for start in range(0, len(kind_tasks), size):
                chunk = kind_tasks[start : start + size]
                future = client.submit(_chunk_on_worker, token, shared, name, chunk, pure=False)
                pending[future] = (name, start)
        done = 0
        try:
            for future in as_completed(list(pending)):
                name, start = pending[future]
                rows = future.result()
                found[name][start : start + len(rows)] = rows
                done += len(rows)
                feedback.set_progress(
                    100.0 * done / total, tr("hosting capacity ({kind})").format(kind=name)
                )
        except BaseException:
            client.cancel(list(pending))
            raise
        return found, workers_now

    return run


def batch_hosting_capacity(
    client, net, buses=None, settings=None, feedback: Feedback | None = None
):
    """Hosting capacity (MW) of ``buses`` of ``net`` with the searches on the Dask cluster
    of ``client``; the same :class:`~twin.sim.energy.hosting.HostingCapacity` as
    :func:`twin.sim.energy.hosting_capacity` (lightsim2grid backend)."""
    from twin.sim.energy.hosting import hosting_capacity

    return hosting_capacity(
        net, buses=buses, settings=settings, feedback=feedback, run=dask_searches(client)
    )
