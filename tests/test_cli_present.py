"""``twin present``: a story as PNGs or a video from the command line; bad inputs are one
line on stderr and exit status 2."""

from __future__ import annotations

import imageio_ffmpeg
import pytest
from PySide6 import QtGui

from twin.cli import main

STORY = "Conseil municipal"


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--story", "Nope", "--pdf", "{tmp}/deck.pdf"], "no story 'Nope'"),
        (["--story", STORY, "--pdf", "{tmp}/missing/deck.pdf"], "existing folder"),
        (["--story", STORY, "--pdf", "{tmp}/deck.txt"], "give a .pdf file"),
        (["--story", STORY, "--pdf", "{tmp}"], "give a .pdf file"),
        (["--story", STORY, "--video", "{tmp}/missing/story.mp4"], "existing folder"),
        (["--story", STORY, "--png", "{tmp}/missing/pages"], "does not exist"),
        (["--story", STORY, "--png", "{tmp}/file.txt"], "not a folder"),
        (["--story", STORY, "--png", "{tmp}/p", "--size", "big"], "--size must be"),
        (["--story", STORY, "--png", "{tmp}/p", "--size", "0x100"], "16 to 8192"),
        (["--story", STORY, "--png", "{tmp}/p", "--size", "99999x100"], "16 to 8192"),
        (["--story", STORY, "--video", "{tmp}/v.mp4", "--size", "641x360"], "even"),
        (["--story", STORY, "--video", "{tmp}/v.mp4", "--fps", "0"], "--fps 0"),
        (["--story", STORY, "--video", "{tmp}/v.mp4", "--fps", "fast"], "--fps fast"),
        (["nowhere.twin", "--story", STORY, "--png", "{tmp}/p"], "no such project"),
    ],
)
def test_bad_input_is_one_line_and_status_2(arguments, message, tmp_path, capsys):
    (tmp_path / "file.txt").write_text("x")
    status = main(["present", *(a.replace("{tmp}", str(tmp_path)) for a in arguments)])
    err = capsys.readouterr().err
    assert status == 2
    assert len(err.strip().splitlines()) == 1 and err.startswith("twin present: ")
    assert message in err
    assert not (tmp_path / "p").exists() and not (tmp_path / "v.mp4").exists()


def test_bad_story_name_lists_the_stories_there_are(capsys, tmp_path):
    assert main(["present", "--story", "conseil", "--png", str(tmp_path / "p")]) == 2
    assert "(stories: 'Conseil municipal')" in capsys.readouterr().err


def test_png_per_step_at_the_size_asked(tmp_path, capsys):
    status = main(
        ["present", "--story", STORY, "--png", str(tmp_path / "pages"), "--size", "800x450"]
    )
    out = capsys.readouterr()
    assert status == 0, out.err
    files = sorted((tmp_path / "pages").glob("*.png"))
    assert [f.name for f in files] == [f"step-0{n}.png" for n in range(1, 7)]
    for file in files:
        image = QtGui.QImage(str(file))
        assert (image.width(), image.height()) == (800, 450)
    assert "6 images" in out.out
    assert "step 6 / 6" in out.err  # progress on stderr


def test_video_frames_at_the_fps_asked(tmp_path, capsys):
    path = tmp_path / "story.mp4"
    status = main(
        ["present", "--story", STORY, "--video", str(path), "--size", "160x90", "--fps", "2"]
    )
    assert status == 0, capsys.readouterr().err
    frames, _seconds = imageio_ffmpeg.count_frames_and_secs(str(path))
    # 6 steps held 3 s (6 frames each) and 5 moves of 0.8 s (2 frames each) at 2 fps
    assert frames == 6 * 6 + 5 * 2
    meta = next(imageio_ffmpeg.read_frames(str(path)))
    assert tuple(meta["size"]) == (160, 90)


@pytest.mark.parametrize(
    ("option", "target"),
    [("--pdf", "/proc/deck.pdf"), ("--video", "/proc/story.mp4"), ("--png", "/proc/pages")],
)
@pytest.mark.parametrize("lang", ["en", "fr"])
def test_an_output_that_cannot_be_written_is_one_line_in_the_language_asked(
    option, target, lang, capfd
):
    # /proc takes no new files, even for root: the check fails before any drawing, with
    # no Qt or ffmpeg line besides ours
    status = main(["--lang", lang, "present", "--story", STORY, option, target])
    err = capfd.readouterr().err
    assert status == 2
    assert err.strip().splitlines() == [
        {
            "en": f"twin present: could not write {target}",
            "fr": f"twin present : impossible d'écrire {target}",
        }[lang]
    ]


def test_the_write_check_leaves_no_folder_behind(tmp_path, capsys):
    pages = tmp_path / "pages"
    assert main(["present", "--story", "Nope", "--png", str(pages)]) == 2
    assert "no story 'Nope'" in capsys.readouterr().err
    assert not pages.exists()
