"""Shows the current scenario's result layers on the map: they go on top of the project's
layers and replace the previous results (the same layer object stays while its data changes,
e.g. the live coverage raster while a site is dragged)."""

from __future__ import annotations

from twin.layers.base import Layer


def is_result_layer(layer: Layer) -> bool:
    """True for a layer computed for a scenario (its provenance names the scenario)."""
    return "scenario" in layer.provenance.parameters


class ResultLayerPresenter:
    """Keeps a project's result layers equal to the list last given to :meth:`show`."""

    def __init__(self) -> None:
        self.project = None
        self.shown: list[Layer] = []

    def set_project(self, project) -> None:
        """Work on ``project``; result layers saved in it earlier are stale and removed."""
        self.project = project
        self.shown = []
        if project is not None:
            for layer in [layer for layer in project.layers if is_result_layer(layer)]:
                project.remove_layer(layer)

    def show(self, layers: list[Layer]) -> None:
        """Replace the shown result layers by ``layers`` (first on top)."""
        if self.project is None:
            return
        wanted = {id(layer) for layer in layers}
        for layer in self.shown:
            if id(layer) not in wanted and layer in self.project.layers:
                self.project.remove_layer(layer)
        present = {id(layer) for layer in self.project.layers}
        for index, layer in enumerate(layers):
            if id(layer) not in present:
                self.project.add_layer(layer, index=index)
            elif self.project.layers.index(layer) != index:
                self.project.move_layer(layer, index)
        self.shown = list(layers)
