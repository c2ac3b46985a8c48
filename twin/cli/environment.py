"""What the app checks and prepares before Qt starts: a missing system library, the
cloud SDK rasterio would import, the data libraries loaded before PySide6's import hook.
Imported by the command line (``twin app``) and the UI (:mod:`twin.ui.app`); it imports
neither.
"""

from __future__ import annotations

import ctypes.util
import os
import sys

from twin.i18n import N_, tr

XCB_CURSOR_HINT = N_(
    "twin: Qt's xcb platform needs libxcb-cursor0, which is not installed; install it "
    "(Debian/Ubuntu: sudo apt-get install libxcb-cursor0) or run headless with "
    "QT_QPA_PLATFORM=offscreen."
)


NO_DISPLAY_HINT = N_(
    "twin: no display to open the window on (DISPLAY is not set); run it in a desktop "
    "session, or headless with QT_QPA_PLATFORM=offscreen, or draw a PNG with 'twin render'."
)


def missing_qt_library() -> str | None:
    """One line saying which system library Qt's window system plugin lacks, or None.

    Qt 6.5+ needs ``libxcb-cursor0`` for its xcb (X11) plugin and aborts the process with a
    long message when it is missing; check before creating the QApplication.
    """
    platform = os.environ.get("QT_QPA_PLATFORM", "")
    no_screen = not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))
    if sys.platform.startswith("linux") and not platform and no_screen:
        return tr(NO_DISPLAY_HINT)
    uses_xcb = platform.startswith("xcb") or (
        not platform and os.environ.get("DISPLAY") and not os.environ.get("WAYLAND_DISPLAY")
    )
    if sys.platform.startswith("linux") and uses_xcb and os.environ.get("DISPLAY"):
        if ctypes.util.find_library("xcb-cursor") is None:
            return tr(XCB_CURSOR_HINT)
    return None


def skip_cloud_sdk() -> None:
    """Keep rasterio from importing boto3 (AWS's SDK, 0.2-0.8 s) in the app: rasterio only
    uses it for s3:// paths, and the app never reads over the network. rasterio treats
    boto3 as not installed (its documented fallback, a session without AWS)."""
    if "boto3" not in sys.modules and "rasterio" not in sys.modules:
        sys.modules["boto3"] = None  # an import of boto3 now raises ImportError


def preload_data_stack() -> None:
    """Import the data libraries the first map needs (numpy, pandas, GeoPandas, Shapely,
    pyproj, pyogrio, rasterio) before Qt: once PySide6 is imported, every later import goes
    through its import hook, which made these imports ~30 % slower (0.3 s of CPU)."""
    skip_cloud_sdk()
    import geopandas  # noqa: F401
    import pyogrio  # noqa: F401
    import rasterio  # noqa: F401
