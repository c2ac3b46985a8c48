"""Story exports (issue 11): the sample's council story, its pages (PNG, PDF deck), its
video and the print line widths of map exports. The CLI is in test_cli_present.py."""

from __future__ import annotations

import unicodedata

import imageio_ffmpeg
import numpy as np
import pypdf
import pytest
from map_helpers import RED, X0, Y0, line_layer, project_of, rgb_array
from PySide6 import QtGui

import twin
from twin.layers.style import Style
from twin.layout import Layout, Legend, Page, build_layout, regions
from twin.ui.export.painter import layout_image, map_scene
from twin.ui.export.story import export_story_pdf, export_story_png, story_scenes
from twin.ui.export.story_maps import StepMap
from twin.ui.export.story_scene import ResultCache, step_sides, story_steps
from twin.ui.export.story_video import (
    camera_box,
    ease_in_out,
    export_story_video,
    video_frame_count,
)

STORY = "Conseil municipal"


@pytest.fixture(scope="module")
def sample():
    return twin.open_project(None)


def crop(array: np.ndarray, rect) -> np.ndarray:
    left, top, width, height = (round(v) for v in rect)
    return array[top : top + height, left : left + width]


def ink_share(array: np.ndarray) -> float:
    """Share of pixels darker than mid-grey (text, lines)."""
    return float((array.mean(axis=2) < 110).mean())


def colour_pixels(array: np.ndarray, hex_colour: str) -> int:
    colour = QtGui.QColor(hex_colour)
    wanted = np.array([colour.red(), colour.green(), colour.blue()])
    return int((np.abs(array.astype(int) - wanted).sum(axis=2) <= 6).sum())


def test_sample_story_has_six_french_steps_on_scenarios_of_the_sample(sample):
    steps = story_steps(sample, STORY)
    assert len(steps) == 6
    names = {scenario["name"] for scenario in sample.scenarios}
    for step in steps:
        assert step.scenario is None or step.scenario in names
        assert step.compare_with is None or step.compare_with in names
    assert {"baseline", "scenario", "swipe", "side_by_side"} <= {step.show for step in steps}
    assert "Les communes sans bonne 4G" in [step.title for step in steps]
    wanted = {
        "radio.4g_5g.persons.good_or_better",  # persons covered
        "fiber.premises_passed",
        "capex.total",
        "cost.radio_per_person",
        "energy.co2_avoided",
    }
    assert wanted <= {key for step in steps for key in step.kpis}


def test_every_layer_a_step_names_is_drawn_and_results_come_from_the_file(sample):
    stored = set(sample.results)
    results = ResultCache(sample)
    for step in story_steps(sample, STORY):
        for side in step_sides(sample, step, results):
            drawn = [layer.name.casefold() for layer in side.scene.layers]
            for name in step.visible_layers:
                assert any(
                    d == name.casefold() or d.endswith(name.casefold()) or name == layer_id
                    for d, layer_id in zip(
                        drawn, [layer.id for layer in side.scene.layers], strict=True
                    )
                ), (step.title, side.label, name)
    # every result came out of the project file: nothing was computed (a computed result
    # would be added to project.results under a new key)
    assert set(sample.results) == stored


def test_step_layers_are_copies_the_project_is_unchanged(sample):
    hidden = [layer.name for layer in sample.layers if not layer.visible]
    assert "Ducts and poles" in hidden
    step = story_steps(sample, STORY)[3].with_changes(visible_layers=("ducts", "roads"))
    (side,) = step_sides(sample, step, ResultCache(sample), line_factor=3.0)
    ducts = side.scene.layer("ducts")
    assert (
        ducts.visible and ducts.style.stroke_width == 3.0 * sample.layer("ducts").style.stroke_width
    )
    assert [layer.name for layer in sample.layers if not layer.visible] == hidden


def test_png_pages_hold_title_caption_legend_cards_and_page_number(qtbot, sample, tmp_path):
    paths = export_story_png(sample, STORY, tmp_path / "story", Page(1280, 720, 96))
    assert [path.name for path in paths] == [f"step-0{n}.png" for n in range(1, 7)]
    scene = story_scenes(sample, STORY, Page(1280, 720, 96))[2]  # the swipe step
    parts = regions(scene.layout)
    page = rgb_array(QtGui.QImage(str(paths[2])))
    assert page.shape == (720, 1280, 3)
    header = parts.header
    assert ink_share(crop(page, (header[0], header[1], header[2] * 0.4, header[3]))) > 0.03
    assert ink_share(crop(page, parts.caption)) > 0.01
    # the legend shows the coverage classes in their colours
    coverage = next(g for g in scene.layout.legend.groups if g.layer == "4G coverage level")
    legend = crop(page, parts.legend)
    for item in coverage.items:
        assert colour_pixels(legend, item.fill_color) > 20, item.label
    assert ink_share(crop(page, parts.kpis)) > 0.01
    number = crop(
        page,
        (
            parts.footer[0] + parts.footer[2] * 0.95,
            *parts.footer[1:2],
            parts.footer[2] * 0.05,
            parts.footer[3],
        ),
    )
    assert ink_share(number) > 0.005  # "3 / 6"
    # past the end of the title the header is white: the ink above is the text
    right = (header[0] + header[2] * 0.7, header[1], header[2] * 0.3, header[3])
    assert ink_share(crop(page, right)) == 0


def test_swipe_shows_the_baseline_left_of_the_divider_and_the_scenario_right(qtbot, sample):
    scene = story_scenes(sample, STORY, Page(960, 540, 96))[2]
    assert scene.step.show == "swipe" and scene.step.divider == pytest.approx(0.3)
    size = (400, 300)
    drawer = StepMap(scene, size, 9.0)
    try:
        swiped = rgb_array(drawer.render()[0])
        left = rgb_array(drawer.cameras[0].render(scene.box)[0])
        right = rgb_array(drawer.cameras[1].render(scene.box)[0])
    finally:
        drawer.close()
    cut = round(400 * 0.3)
    # away from the divider line and the side labels, each half is its side's map
    assert np.array_equal(swiped[60:, 10 : cut - 5], left[60:, 10 : cut - 5])
    assert np.array_equal(swiped[60:, cut + 5 :], right[60:, cut + 5 :])
    # and the new site changes the coverage on the right
    assert (
        np.abs(left[60:, cut + 5 :].astype(int) - right[60:, cut + 5 :]).sum(axis=2) > 30
    ).sum() > 200


def test_pdf_deck_one_page_per_step_captions_as_text_maps_not_blank(qtbot, sample, tmp_path):
    path = export_story_pdf(sample, STORY, tmp_path / "deck.pdf")
    reader = pypdf.PdfReader(str(path))
    steps = story_steps(sample, STORY)
    assert len(reader.pages) == len(steps)
    shown_with_method = 0
    for number, (page, step) in enumerate(zip(reader.pages, steps, strict=True), start=1):
        # NFKC: the PDF's font writes "fi" as its ligature
        text = " ".join(unicodedata.normalize("NFKC", page.extract_text()).split())
        assert " ".join(step.title.split()) in text
        assert " ".join(step.text.split()) in text
        assert f"{number} / {len(steps)}" in text
        if step.kpis:  # each figure shown says how it was computed (from its lineage)
            assert "How these figures are computed" in text and "Inputs: " in text
            shown_with_method += 1
        width_mm = float(page.mediabox.width) / 72 * 25.4
        assert width_mm == pytest.approx(297, abs=1)  # A4 landscape
        images = [
            image.get_object()
            for image in page["/Resources"]["/XObject"].values()
            if image.get_object()["/Subtype"] == "/Image"
        ]
        biggest = max(images, key=lambda image: image["/Width"] * image["/Height"])
        # the map at print resolution (300 dpi): its frame is ~2 270 px wide on A4 beside a
        # two-column legend, the "how computed" lines under the cards taking some height
        assert biggest["/Width"] > 2200
        decoded = QtGui.QImage.fromData(biggest.get_data())
        assert not decoded.isNull()
        array = rgb_array(decoded.scaled(400, 250))
        # not blank: many colours, and over 3 % of the map is not its commonest colour
        colours, counts = np.unique(array.reshape(-1, 3), axis=0, return_counts=True)
        assert len(colours) > 50
        assert counts.max() < 0.97 * array.shape[0] * array.shape[1]
    assert shown_with_method >= 2  # the council story shows figures on several steps


def test_video_has_the_expected_frames_size_and_camera_moves(qtbot, sample, tmp_path):
    fps, hold, move = 5.0, 1.0, 0.8
    path = export_story_video(
        sample, STORY, tmp_path / "story.mp4", (320, 180), fps, hold_s=hold, transition_s=move
    )
    expected = video_frame_count(6, fps, hold, move)
    assert expected == 6 * 5 + 5 * 4
    frames = imageio_ffmpeg.read_frames(str(path))
    meta = next(frames)
    assert tuple(meta["size"]) == (320, 180)
    assert meta["fps"] == pytest.approx(fps)
    images = [np.frombuffer(frame, np.uint8).reshape(180, 320, 3) for frame in frames]
    assert len(images) == expected
    # step 1 is held (5 identical frames), then 4 frames of camera move, all different
    first = [images[i].astype(int) for i in range(0, 10)]
    assert all(np.abs(first[i] - first[0]).mean() < 1.0 for i in range(1, 5))
    moves = [np.abs(first[i] - first[i - 1]).mean() for i in range(5, 10)]
    assert min(moves) > 0.5


def test_camera_eases_in_and_out_between_two_boxes():
    start, end = (0.0, 0.0, 1000.0, 500.0), (400.0, 200.0, 500.0, 250.0)
    assert camera_box(start, end, 0.0) == pytest.approx(start)
    assert camera_box(start, end, 1.0) == pytest.approx(end)
    middle = camera_box(start, end, 0.5)
    assert middle[2] - middle[0] == pytest.approx((1000.0 * 100.0) ** 0.5)  # geometric zoom
    assert ease_in_out(0.5) == pytest.approx(0.5)
    assert ease_in_out(0.05) < 0.05 / 4 and ease_in_out(0.95) > 1 - 0.05 / 4  # slow ends


def test_print_pages_widen_lines_so_they_keep_their_width_in_points(qtbot):
    layer = line_layer("Road", [(0, 50), (100, 50)], RED)
    layer.style = Style(fill_color=RED, stroke_color=RED, stroke_width=2.0)
    project = project_of(layer)

    def thickness(dpi: float) -> int:
        page = Page.from_mm(100, 60, dpi)
        layout = build_layout(project, "", "", extent=(X0, Y0, X0 + 100, Y0 + 100), page=page)
        layout = Layout(page=page, map=layout.map, legend=Legend(visible=False))
        array = crop(rgb_array(layout_image(layout, project)), regions(layout).map)
        column = array[:, array.shape[1] // 2]
        return int((np.abs(column.astype(int) - [0xD5, 0x5E, 0x00]).sum(axis=1) < 90).sum())

    assert map_scene(project, build_layout(project, page=Page(10, 10, 300))).layers[
        0
    ].style.stroke_width == pytest.approx(2.0 * 300 / 96)
    assert layer.style.stroke_width == 2.0  # the project's layer is not changed
    screen, paper = thickness(96), thickness(300)
    assert screen == pytest.approx(2, abs=1)
    assert paper / screen == pytest.approx(300 / 96, rel=0.35)
