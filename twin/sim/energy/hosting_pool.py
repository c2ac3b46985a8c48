"""Spread independent hosting-capacity searches over worker processes.

Each bus's search is independent of the others (every trial starts from the case's
solution), so the buses are cut into chunks that ``concurrent.futures.ProcessPoolExecutor``
runs on as many processes as cores; the answer does not depend on how they are cut. Workers
get the solver models once, in their initializer. They are forked when this process runs
a single thread (instant: nothing to import); beside other threads (the UI), where forking
is unsafe, they come from a fork server that imported the engine once ("forkserver": the
first pool of a session pays one interpreter start, later ones do not), or else are
spawned. If processes cannot be started (a sandbox, a frozen app), the job runs here.
"""

from __future__ import annotations

import concurrent.futures as futures
import multiprocessing
import os
import threading
from concurrent.futures.process import BrokenProcessPool

from twin.feedback import Feedback
from twin.sim.energy.hosting_search import (
    InjectionSearch,
    KindModel,
    Task,
    init_worker,
    search_chunk,
    worker_chunk,
)

# Below this much work (searches x buses of the model) one process is faster than starting
# interpreters (~1-2 s each on a loaded 2-core machine); MV Oberrhein's 354 searches x 185
# buses (~65,000) stay in one process, a 2,000-bus grid goes to the pool.
MIN_WORK_FOR_PROCESSES = 400_000
CHUNKS_PER_WORKER = 4


def available_cores() -> int:
    """Cores this process may run on."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


Found = dict[str, list[tuple[float, str, int]]]


def run_searches(
    kinds: dict[str, KindModel],
    tasks: dict[str, list[Task]],
    workers: int | None,
    feedback: Feedback,
) -> tuple[Found, int]:
    """Results (capacity MW, reason, power flows) per kind in task order, and the number of
    processes used. ``workers`` None picks the cores for a large job, 1 for a small one."""
    total = sum(len(t) for t in tasks.values())
    if workers is None:
        size = max(len(k.model.sbus) for k in kinds.values()) if kinds else 0
        workers = available_cores() if total * size >= MIN_WORK_FOR_PROCESSES else 1
    workers = max(1, min(int(workers), total))
    if workers > 1:
        try:
            return _in_pool(kinds, tasks, workers, feedback), workers
        except (BrokenProcessPool, OSError):
            pass  # processes cannot run here: do the job in this process
    return _in_process(kinds, tasks, feedback), 1


def _in_process(kinds: dict[str, KindModel], tasks: dict[str, list[Task]], feedback) -> Found:
    searches = {name: InjectionSearch(kind) for name, kind in kinds.items()}
    total = max(1, sum(len(t) for t in tasks.values()))
    found: Found = {}
    done = 0
    for name, kind_tasks in tasks.items():
        found[name] = []
        for task in kind_tasks:
            found[name].extend(search_chunk(searches, name, [task]))
            done += 1
            feedback.set_progress(100.0 * done / total, f"hosting capacity ({name})")
    return found


def start_method() -> str:
    """How worker processes start here: "fork" in a single-threaded process, else
    "forkserver" (or "spawn" where there is no fork)."""
    methods = multiprocessing.get_all_start_methods()
    if "fork" in methods and threading.active_count() == 1:
        return "fork"
    return "forkserver" if "forkserver" in methods else "spawn"


def _context():
    method = start_method()
    context = multiprocessing.get_context(method)
    if method == "forkserver":
        # the server imports the engine (pandapower included: workers re-import the main
        # module, which usually imports it) once for every later worker
        context.set_forkserver_preload(["twin.sim.energy.hosting"])
    return context


def _in_pool(kinds, tasks, workers: int, feedback: Feedback) -> Found:
    total = max(1, sum(len(t) for t in tasks.values()))
    size = max(1, -(-total // (workers * CHUNKS_PER_WORKER)))
    found: Found = {name: [None] * len(kind_tasks) for name, kind_tasks in tasks.items()}
    context = _context()
    executor = futures.ProcessPoolExecutor(
        max_workers=workers, mp_context=context, initializer=init_worker, initargs=(kinds,)
    )
    try:
        pending = {}
        for name, kind_tasks in tasks.items():
            for start in range(0, len(kind_tasks), size):
                chunk = kind_tasks[start : start + size]
                pending[executor.submit(worker_chunk, name, chunk)] = (name, start)
        done = 0
        feedback.set_progress(0.0, "hosting capacity: starting worker processes")
        for future in futures.as_completed(pending):
            name, start = pending[future]
            rows = future.result()
            found[name][start : start + len(rows)] = rows
            done += len(rows)
            feedback.set_progress(100.0 * done / total, f"hosting capacity ({name})")
    except BaseException:
        executor.shutdown(wait=False, cancel_futures=True)
        raise
    executor.shutdown(wait=True)
    return found
