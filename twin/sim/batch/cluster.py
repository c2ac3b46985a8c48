"""A Dask client for batch runs: a ``distributed.LocalCluster`` of K worker processes by
default, or an existing cluster reached at its scheduler address (``tcp://host:8786``)."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from twin.errors import DataError
from twin.i18n import tr

CONNECT_TIMEOUT_S = 10.0
_SCHEMES = ("tcp://", "tls://", "inproc://", "ws://", "wss://", "ucx://")


def check_scheduler_address(address: str) -> str:
    """``address`` if it names a Dask scheduler (``tcp://host:port`` or ``host:port``);
    raises :class:`DataError` otherwise."""
    text = address.strip()
    rest = text
    for scheme in _SCHEMES:
        if text.startswith(scheme):
            rest = text[len(scheme) :]
            break
    host, _, port = rest.rpartition(":")
    if not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise DataError(
            tr("--scheduler {address!r}: give the scheduler as tcp://HOST:PORT").format(
                address=address
            )
        )
    return text


@contextlib.contextmanager
def dask_client(
    scheduler: str | None = None,
    workers: int = 2,
    processes: bool = True,
    threads_per_worker: int = 1,
) -> Iterator:
    """A ``distributed.Client``: on the cluster at ``scheduler`` when given, else on a new
    LocalCluster of ``workers`` workers (processes, one thread each, no dashboard) that is
    closed on exit. An unreachable scheduler raises :class:`DataError` (one line)."""
    import logging

    from distributed import Client, LocalCluster

    # the nanny's "still alive, killing" lines at shutdown are not for the user
    logging.getLogger("distributed").setLevel(logging.ERROR)
    if scheduler is not None:
        address = check_scheduler_address(scheduler)
        try:
            client = Client(address, timeout=CONNECT_TIMEOUT_S)
        except (OSError, TimeoutError) as error:
            raise DataError(
                tr("cannot reach the Dask scheduler at {address} ({reason})").format(
                    address=address, reason=type(error).__name__
                )
            ) from None
        try:
            yield client
        finally:
            client.close()
        return
    if workers < 1:
        raise DataError(tr("--workers must be at least 1"))
    cluster = LocalCluster(
        n_workers=int(workers),
        threads_per_worker=threads_per_worker,
        processes=processes,
        dashboard_address=None,
    )
    client = Client(cluster)
    try:
        yield client
    finally:
        client.close()
        cluster.close()


def _import_modules(names: list[str]) -> int:
    import importlib

    for name in names:
        # an optional accelerator (numba) may be missing
        with contextlib.suppress(ImportError):
            importlib.import_module(name)
    return len(names)


def warm_up(client, modules: list[str]) -> None:
    """Import ``modules`` on every worker of ``client`` now (engines cost seconds to
    import), so that the first tasks do not pay for it and timings separate the two."""
    client.run(_import_modules, list(modules))
