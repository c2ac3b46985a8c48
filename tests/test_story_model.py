"""Stories: steps validate what they hold and survive a save and an open (issue 11)."""

from __future__ import annotations

import geopandas as gpd
import pytest
from shapely.geometry import Point

from twin.errors import ProjectError
from twin.layers.vector import VectorLayer
from twin.project import Project
from twin.story import StoryError, StoryStep


def _project() -> Project:
    frame = gpd.GeoDataFrame({"name": ["a"]}, geometry=[Point(350000, 6790000)], crs=2154)
    project = Project()
    project.add_layer(VectorLayer("points", frame))
    return project


def test_story_round_trips_through_the_project_file(tmp_path):
    project = _project()
    steps = [
        StoryStep("Les zones blanches", "Cinq communes sans bon signal.", (0, 0, 10, 10)),
        StoryStep(
            "Un nouveau site",
            show="swipe",
            scenario="Nouveau site",
            divider=0.3,
            kpis=("radio.4g.persons.good_or_better", "cost.capex_eur"),
            visible_layers=("points",),
        ),
    ]
    project.set_story("Conseil", steps)
    path = project.save(tmp_path / "p.twin")
    again = Project.open(path)
    assert list(again.stories) == ["Conseil"]
    assert again.stories["Conseil"] == steps


@pytest.mark.parametrize(
    "changes, words",
    [
        ({"show": "fade"}, "show is 'fade'"),
        ({"show": "swipe"}, "needs a scenario"),
        ({"divider": 1.5}, "between 0 and 1"),
        ({"kpis": ("a", "b", "c", "d", "e")}, "at most 4"),
        ({"extent": (10, 0, 0, 10)}, "is empty"),
    ],
)
def test_bad_steps_are_refused_with_what_is_wrong(changes, words):
    with pytest.raises(StoryError, match=words):
        StoryStep("t", **changes)


def test_a_damaged_story_in_a_file_is_one_project_error(tmp_path):
    project = _project()
    project.set_story("s", [StoryStep("t")])
    path = project.save(tmp_path / "p.twin")
    import json
    import sqlite3

    connection = sqlite3.connect(path)
    meta = json.loads(connection.execute("SELECT value FROM twin_meta").fetchone()[0])
    meta["stories"] = {"s": [{"title": "t", "show": "fade"}]}
    connection.execute("UPDATE twin_meta SET value = ?", (json.dumps(meta),))
    connection.commit()
    connection.close()
    with pytest.raises(ProjectError, match="show is 'fade'"):
        Project.open(path)
