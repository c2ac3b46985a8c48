"""Importing pyqtgraph with only what the map canvas draws with, the rest on first use.

``import pyqtgraph`` runs its ``__init__``, which imports every item and widget of the
library (plots, legends, colour bars, ROIs, parameter trees, image views...): about a
hundred modules, 0.1-0.2 s of CPU before the first map frame for items the map does not
draw. :func:`import_canvas_pyqtgraph` runs the same ``__init__`` but leaves out the
``from .module import ...`` lines of modules the canvas does not use
(:data:`CANVAS_MODULES` are kept); the first time anything asks the package for a name it
does not hold yet (``pg.PlotWidget``, ``from pyqtgraph import ColorMap``), the left-out
lines run, in their order, and the package is then exactly what a plain import makes it.
Submodule imports (``import pyqtgraph.graphicsItems.PlotItem``) work as usual all along.
"""

from __future__ import annotations

import importlib.util
import re
import sys
import threading
import types

#: The modules of pyqtgraph's ``__init__`` imported at once (relative to the package): what
#: the map canvas and its layer views use (ViewBox, GraphicsView, ImageItem, ScatterPlotItem,
#: GraphicsObject, mkPen/mkBrush; PlotDataItem for the editing tools' sketch) and what
#: ``__init__``'s own code refers to (ViewBox in ``cleanup``).
CANVAS_MODULES = frozenset(
    {
        "functions",
        "graphicsItems.GraphicsItem",
        "graphicsItems.GraphicsObject",
        "graphicsItems.GraphicsWidget",
        "graphicsItems.ImageItem",
        "graphicsItems.PlotCurveItem",
        "graphicsItems.PlotDataItem",
        "graphicsItems.ScatterPlotItem",
        "graphicsItems.ViewBox",
        "graphicsItems.AxisItem",
        "GraphicsScene",
        "Point",
        "Qt",
        "SRTTransform",
        "widgets.GraphicsView",
    }
)

# ``from .X import ...`` at the start of a line of ``pyqtgraph/__init__.py``
_RELATIVE_IMPORT = re.compile(r"^from \.([\w.]+) import ")
_FIRST_DEFERRABLE = "from .colormap import"  # earlier lines (Qt, config) always run


def import_canvas_pyqtgraph() -> types.ModuleType:
    """Import pyqtgraph with :data:`CANVAS_MODULES` only (see the module docstring); returns
    the package. A plain import when pyqtgraph is already imported or its ``__init__`` is
    not laid out as expected."""
    if "pyqtgraph" in sys.modules:
        return sys.modules["pyqtgraph"]
    spec = importlib.util.find_spec("pyqtgraph")
    if spec is None or spec.origin is None or spec.loader is None:
        import pyqtgraph

        return pyqtgraph
    with open(spec.origin, encoding="utf-8") as source:
        lines = source.read().splitlines()
    start = next((i for i, line in enumerate(lines) if line.startswith(_FIRST_DEFERRABLE)), None)
    if start is None:
        import pyqtgraph

        return pyqtgraph
    deferred: list[str] = []
    for index in range(start, len(lines)):
        match = _RELATIVE_IMPORT.match(lines[index])
        if match is not None and match.group(1) not in CANVAS_MODULES:
            deferred.append(lines[index])
            lines[index] = ""  # (blank: line numbers in tracebacks stay right)
    package = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = package
    try:
        exec(compile("\n".join(lines), spec.origin, "exec"), package.__dict__)
    except BaseException:
        del sys.modules[spec.name]
        raise

    completing = threading.RLock()  # another thread asking meanwhile waits for the end

    def complete(name: str):
        """The rest of ``__init__``'s imports, once, then ``name`` from the whole package."""
        if name.startswith("__"):  # (probes such as __path__ or __wrapped__)
            raise AttributeError(name)
        with completing:
            if deferred:
                code = "\n".join(deferred)
                deferred.clear()  # (a name asked while they run is missing, as in __init__)
                exec(compile(code, spec.origin, "exec"), package.__dict__)
        if name in package.__dict__:
            return package.__dict__[name]
        raise AttributeError(f"module 'pyqtgraph' has no attribute {name!r}")

    package.__getattr__ = complete
    return package
