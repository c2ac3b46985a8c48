"""No import circles in twin: two modules that import each other (even inside a function)
cannot be understood, tested or moved apart. grimp (import-linter's graph) finds every
import, networkx the strongly connected pieces of that graph."""

from __future__ import annotations

import subprocess
import sys

CODE = """
import grimp, networkx
graph = grimp.build_graph("twin", cache_dir=None)
edges = networkx.DiGraph()
for module in graph.modules:
    for imported in graph.find_modules_directly_imported_by(module):
        edges.add_edge(module, imported)
for piece in networkx.strongly_connected_components(edges):
    if len(piece) > 1:
        print(",".join(sorted(piece)))
"""


def import_circles() -> list[str]:
    """Each circle of twin's imports as its sorted module names joined by commas."""
    result = subprocess.run(
        [sys.executable, "-c", CODE], capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stderr
    return [line for line in result.stdout.splitlines() if line]


def test_no_import_circles():
    assert import_circles() == []


def test_project_and_network_modules_import_one_way():
    code = (
        "import grimp\n"
        "g = grimp.build_graph('twin', cache_dir=None)\n"
        "pairs = [('twin.project', 'twin.project_file'),\n"
        "         ('twin.sim.network', 'twin.sim.network_build')]\n"
        "for upper, lower in pairs:\n"
        "    assert g.direct_import_exists(importer=upper, imported=lower), (upper, lower)\n"
        "    assert g.find_shortest_chain(importer=lower, imported=upper) is None, lower\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
