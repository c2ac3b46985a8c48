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
