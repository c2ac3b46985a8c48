"""numba for the map's drawing kernels (``views.linedraw``, ``views.scanfill``), loaded lazily.

Importing numba and loading the cached machine code of the kernels takes about a second on
an idle machine (2-3 s on a busy one), more than everything else the first map frame needs.
By default the kernels load on their first use, as before. The app instead calls
:func:`defer_loading` at start-up: until :func:`load` has finished (in a worker, after the
first frame) the views draw with the numpy filler and QPainter, which give the same pixels
(tests/test_map_canvas.py checks it), just slower on big layers.
"""

from __future__ import annotations

import threading

_lock = threading.RLock()
_loaded = threading.Event()
_deferred = False
_numba = None
_numba_imported = False


def numba_module():
    """The numba module, or None when it is missing or broken (imported once)."""
    global _numba, _numba_imported
    with _lock:
        if not _numba_imported:
            try:
                import numba
            except Exception:  # numba missing or broken: the numpy/QPainter fallbacks draw
                numba = None
            _numba, _numba_imported = numba, True
        return _numba


def defer_loading() -> None:
    """Draw with the fallbacks until :func:`load` is called explicitly (app start-up)."""
    global _deferred
    _deferred = True


def may_load_now() -> bool:
    """Whether a kernel may load numba on first use (False while loading is deferred)."""
    return not _deferred or _loaded.is_set()


_KERNELS: list = []  # (load, compiled) of each drawing module, registered at its import


def register_kernel(load_kernel, compiled) -> None:
    """A drawing module's ``load()`` (compile its kernels) and ``compiled()`` (the kernel
    or None); the modules call this when imported, so that this one imports none of them."""
    _KERNELS.append((load_kernel, compiled))


def load() -> bool:
    """Import numba and load (or compile, the first time) every registered drawing kernel;
    True when the compiled kernels are in use afterwards. Safe to call from a worker."""
    with _lock:
        for load_kernel, _compiled in _KERNELS:
            load_kernel()
        _loaded.set()
    return bool(_KERNELS) and all(compiled() is not None for _load, compiled in _KERNELS)


def ready() -> bool:
    """True once :func:`load` has finished (compiled kernels or, without numba, none)."""
    return _loaded.is_set()
