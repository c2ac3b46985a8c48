"""``twin present [PROJECT] --story NAME (--pdf FILE | --png DIR | --video FILE)
[--size WxH] [--fps N]``.

Exports a story saved in the project (the sample's is "Conseil municipal"): a PDF deck, one
page per step (default A4 landscape at 300 dpi, 3508x2480 px); a PNG per step in DIR
(``step-01.png``..., default 1920x1080); or an MP4 video (H.264, default 1920x1080 at 30
fps, each step held 3 s, the camera easing 0.8 s between steps). Each page shows the step's
title and caption, its map (baseline, a scenario, or two as a swipe or side by side), legend,
scale bar, up to four KPI cards (value, delta against the baseline, unit; people figures
through the privacy gate), attribution, date and page number. Results stored in the project
are reused; missing ones are computed (not saved). A bad story name (the existing ones are
listed), size, fps or output path (one that cannot be written too: checked before any
drawing) is one line on stderr and exit status 2.
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from pathlib import Path

from twin.errors import DataError
from twin.i18n import tr

MAX_SIDE_PIXELS = 8192


def register(subparsers) -> None:
    """Add the ``present`` subcommand."""
    parser = subparsers.add_parser(
        "present", help=tr("export a story: PDF deck, a PNG per step or an MP4 video")
    )
    parser.add_argument("project", nargs="?", help=tr("a .twin project (default: the sample)"))
    parser.add_argument("--story", required=True, help=tr("name of a story saved in the project"))
    output = parser.add_mutually_exclusive_group(required=True)
    output.add_argument("--pdf", help=tr("PDF file to write, one page per step"))
    output.add_argument("--png", help=tr("folder to write step-01.png, step-02.png..."))
    output.add_argument("--video", help=tr("MP4 file to write"))
    parser.add_argument(
        "--size",
        help=tr(
            "page or frame size WxH in pixels (default: PDF 3508x2480 = A4 at 300 dpi; "
            "PNG and video 1920x1080)"
        ),
    )
    parser.add_argument("--fps", default="30", help=tr("video frames per second (default 30)"))
    parser.add_argument("--quiet", action="store_true", help=tr("no progress lines on stderr"))
    parser.set_defaults(func=run)


def parse_size(text: str) -> tuple[int, int]:
    """``"1920x1080"`` -> (1920, 1080); DataError when malformed or out of range."""
    parts = str(text).lower().replace(" ", "").split("x")
    try:
        width, height = (int(part) for part in parts)
    except ValueError:
        raise DataError(
            tr("--size must be WIDTHxHEIGHT in pixels, e.g. 1920x1080, not {text!r}").format(
                text=text
            )
        ) from None
    if not (16 <= width <= MAX_SIDE_PIXELS and 16 <= height <= MAX_SIDE_PIXELS):
        raise DataError(
            tr("--size {text}: each side must be 16 to {most} pixels").format(
                text=text, most=MAX_SIDE_PIXELS
            )
        )
    return width, height


def parse_fps(text: str) -> float:
    """``"30"`` -> 30.0; DataError unless a number from 1 to 120."""
    try:
        fps = float(text)
    except ValueError:
        fps = math.nan
    if not (math.isfinite(fps) and 1.0 <= fps <= 120.0):
        raise DataError(tr("--fps {text}: give 1 to 120 frames per second").format(text=text))
    return fps


def _progress(quiet: bool, started: float):
    if quiet:
        return None

    def show(done: int, total: int) -> None:
        print(
            tr("step {done} / {total} ({seconds:.1f} s)").format(
                done=done, total=total, seconds=time.perf_counter() - started
            ),
            file=sys.stderr,
            flush=True,
        )

    return show


def run(args: argparse.Namespace) -> int:
    """Check the inputs, then write the export; returns 0."""
    import twin

    started = time.perf_counter()
    size = parse_size(args.size) if args.size else None
    fps = parse_fps(args.fps)
    if args.pdf:
        out = Path(args.pdf)
        if out.suffix.lower() != ".pdf" or not out.parent.is_dir() or out.is_dir():
            raise DataError(
                tr("--pdf {path}: give a .pdf file in an existing folder").format(path=args.pdf)
            )
    elif args.video:
        out = Path(args.video)
        if out.suffix.lower() != ".mp4" or not out.parent.is_dir() or out.is_dir():
            raise DataError(
                tr("--video {path}: give a .mp4 file in an existing folder").format(path=args.video)
            )
        from twin.ui.export.story_video import check_video_size

        check_video_size(size or (1920, 1080))
    else:
        out = Path(args.png)
        if out.exists() and not out.is_dir():
            raise DataError(tr("--png {path}: this is a file, not a folder").format(path=args.png))
        if not out.exists() and not out.parent.is_dir():
            raise DataError(
                tr("--png {path}: folder {folder} does not exist").format(
                    path=args.png, folder=out.parent
                )
            )
    from twin.ui.export.story import check_output_file, check_output_folder

    if args.png:  # an output that cannot be written fails now, not after the drawing
        check_output_folder(out)
    else:
        check_output_file(out, out.suffix.lower())
    if args.project is not None and not Path(args.project).exists():
        raise DataError(tr("{path}: no such project file").format(path=args.project))
    project = twin.open_project(args.project)
    from twin.ui.export.story_scene import story_steps

    steps = story_steps(project, args.story)  # a bad name fails before any drawing
    progress = _progress(args.quiet, started)
    from twin.layout import Page
    from twin.ui.export import story as exports

    if args.pdf:
        page = exports.PRINT_PAGE if size is None else Page(size[0], size[1], 300.0)
        exports.export_story_pdf(project, args.story, out, page, progress)
        what = tr("{n} pages").format(n=len(steps))
    elif args.video:
        from twin.ui.export.story_video import export_story_video, video_frame_count

        export_story_video(project, args.story, out, size or (1920, 1080), fps, progress=progress)
        what = tr("{n} frames at {fps:g} fps").format(n=video_frame_count(len(steps), fps), fps=fps)
    else:
        page = exports.SCREEN_PAGE if size is None else Page(size[0], size[1], 96.0)
        exports.export_story_png(project, args.story, out, page, progress)
        what = tr("{n} images").format(n=len(steps))
    print(
        tr("wrote {path} ({what}) in {seconds:.1f} s").format(
            path=out, what=what, seconds=time.perf_counter() - started
        )
    )
    return 0
