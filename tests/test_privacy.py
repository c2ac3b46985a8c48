"""Population is never disclosed below INSEE's threshold of 11 households."""

from twin.layers.privacy import MASKED_TEXT, is_disclosable, masked_record


def test_small_buildings_have_their_people_masked():
    house = {"building_id": 7, "households": 2, "population": 4.6, "premises": 2}
    assert not is_disclosable(house)
    assert masked_record(house) == {
        "building_id": 7,
        "households": MASKED_TEXT,
        "population": MASKED_TEXT,
        "premises": 2,
    }


def test_large_buildings_and_non_personal_features_are_shown():
    block = {"households": 11, "population": 23.1}
    assert masked_record(block) == block  # 11 households is exactly the threshold
    road = {"road_id": 1, "highway": "primary"}
    assert masked_record(road) == road
    grid_cell = {"population": 8.0}  # no household count: 8 persons < 11
    assert masked_record(grid_cell) == {"population": MASKED_TEXT}


# --- the one gate ------------------------------------------------------------------------
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from twin.kpi import Figure, format_delta, format_published  # noqa: E402
from twin.layers.privacy import (  # noqa: E402
    MASKED_LABEL,
    HouseholdGroups,
    people_columns,
    protect_table,
    publish,
    publish_delta,
)


def test_a_figure_from_ten_households_is_masked_and_from_eleven_shown():
    assert publish(23.0, households=10).masked
    assert publish(23.0, households=10).to_json() == {"value": None, "masked": True}
    shown = publish(23.0, households=11)
    assert not shown.masked and shown.to_json() == 23.0
    assert publish(0.0, households=0).to_json() == 0.0  # nobody: nothing to protect
    assert publish(4.0, households=0).masked  # persons without a household count
    assert publish(1234.0, unit="m").to_json() == 1234.0  # not a people figure
    # no household count for a people figure: the count itself stands in
    assert publish(7.0, unit="persons").masked
    assert format_published(publish(7.0, households=3), "persons") == MASKED_LABEL


def test_a_delta_whose_moved_group_has_five_households_is_masked_even_if_both_sides_are_large():
    delta = publish_delta(
        1012.0, 1000.0, households=500, baseline_households=495, moved_households=5
    )
    assert delta.masked and delta.to_json() == {"value": None, "masked": True}
    shown = publish_delta(
        1012.0, 1000.0, households=500, baseline_households=495, moved_households=11
    )
    assert shown.to_json() == 12.0
    # a side below the threshold masks the delta too
    assert publish_delta(20.0, 8.0, 30, 4, 26).masked
    # unchanged group: a zero delta is shown
    assert publish_delta(1000.0, 1000.0, 500, 500, 0).to_json() == 0.0


def test_figure_to_dict_and_ui_text_go_through_the_gate():
    figure = Figure(
        "radio.4g.persons.none",
        "4G persons: no coverage",
        8830.0,
        "persons",
        "radio",
        8833.0,
        "down",
        households=4000.0,
        baseline_households=4001.0,
        moved_households=1.0,
    )
    row = figure.to_dict()
    assert row["value"] == 8830.0 and row["baseline"] == 8833.0
    assert row["delta"] is None and row["masked"] == ["delta"]
    assert format_delta(figure) == MASKED_LABEL
    # a cost per person gained rests on the households that gained
    cost = Figure("cost.x", "Capex per person", 50_000.0, "EUR/person", "cost", households=3)
    assert cost.to_dict()["value"] is None and cost.to_dict()["masked"] == ["value"]


def test_household_groups_count_the_households_that_moved():
    households = np.array([2.0, 3.0, 40.0, 1.0])
    before = HouseholdGroups(households, {"k": np.array([True, True, True, False])})
    after = HouseholdGroups(households, {"k": np.array([True, False, True, True])})
    assert after.households_of("k") == 43.0
    assert after.moved(before, "k") == 4.0  # the 3-household point left, the 1 came in


def test_secondary_suppression_leaves_no_masked_cell_recoverable_from_totals():
    table = np.array(
        [
            [3.0, 200.0, 150.0],  # one small cell in this row: another must go with it
            [0.0, 120.0, 90.0],
            [40.0, 60.0, 0.0],
        ]
    )
    mask = protect_table(table)
    assert mask[0, 0]
    for line, counts in ((mask, table), (mask.T, table.T)):
        for cells, values in zip(line, counts, strict=True):
            assert not cells.any() or values[cells].sum() >= 11 or ((values[~cells] > 0).sum() == 0)


def test_people_columns_are_the_ones_exports_drop():
    columns = ["building_id", "Population", "households", "premises", "height_m"]
    assert people_columns(columns) == ["Population", "households"]


def test_level_groups_count_like_membership_groups():
    from twin.sim.radio.population import LEVEL_KEYS, LevelGroups

    rng = np.random.default_rng(7)
    households = rng.integers(0, 5, 500).astype(float)
    before_levels = rng.integers(0, 4, 500)
    after_levels = np.where(rng.random(500) < 0.1, rng.integers(0, 4, 500), before_levels)
    before = LevelGroups(households, {"radio.4g": before_levels})
    after = LevelGroups(households, {"radio.4g": after_levels})

    def members(levels):
        groups = {f"radio.4g.persons.{k}": levels == i for i, k in enumerate(LEVEL_KEYS)}
        groups["radio.4g.persons.good_or_better"] = levels >= 2
        return HouseholdGroups(households, groups)

    for key in members(after_levels).members:
        expected = members(after_levels)
        assert after.households_of(key) == pytest.approx(expected.households_of(key))
        assert after.moved(before, key) == pytest.approx(
            expected.moved(members(before_levels), key)
        )
    assert after.moved(before, "radio.4g.persons.none") > 0


def test_coverage_difference_masks_a_level_change_of_few_households():
    import geopandas as gpd
    from affine import Affine
    from shapely.geometry import box

    from twin.sim.radio.coverage import Grid
    from twin.sim.radio.population import PeopleCounter, PopulationPoints

    # 40 buildings of 2 households, one per 100 m pixel of a 4 x 10 grid, 5 persons each
    grid = Grid(Affine(100.0, 0, 0, 0, -100.0, 400.0), (4, 10))
    centres = [(50 + 100 * c, 50 + 100 * r) for r in range(4) for c in range(10)]
    frame = gpd.GeoDataFrame(
        {"population": [5.0] * 40, "premises": 2, "households": 2, "insee": "35238"},
        geometry=[box(x - 5, y - 5, x + 5, y + 5) for x, y in centres],
        crs="EPSG:2154",
    )
    counter = PeopleCounter(PopulationPoints.from_frame(frame), grid)
    before = np.zeros((4, 10), dtype=np.uint8)
    baseline = counter.count(before)
    two_buildings = before.copy()
    two_buildings[0, :2] = 2  # 4 households gain "good"
    small = counter.count(two_buildings).difference(baseline)
    assert small["persons"]["good"] == {"value": None, "masked": True}
    assert small["persons"]["no coverage"] == {"value": None, "masked": True}
    assert small["persons"]["limited"] == 0.0  # nobody moved there
    row = before.copy()
    row[0, :] = 2  # 20 households gain "good"
    large = counter.count(row).difference(baseline)
    assert large["persons"]["good"] == 50.0 and large["persons"]["no coverage"] == -50.0
    # and the level totals of coverage.json: "good" in the small case rests on 4 households
    report = counter.count(two_buildings).to_dict()
    assert report["persons"]["good"] == {"value": None, "masked": True}
    assert report["persons"]["no coverage"] == 190.0


def test_results_an_engine_masked_read_as_masked_not_as_missing():
    small_cable = {"line_id": 2, "loading_percent": float("nan"), "masked": True, "name": None}
    assert masked_record(small_cable)["loading_percent"] == MASKED_TEXT
    assert masked_record(small_cable)["name"] is None  # text left empty is not a result
    cable = {"line_id": 3, "loading_percent": float("nan"), "masked": False}
    assert masked_record(cable) == cable  # not computed: missing, not masked
