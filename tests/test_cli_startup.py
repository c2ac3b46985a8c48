"""Starting fast: the CLI parses without importing engines, ``twin --startup-time`` reports
the first map frame, and a missing Qt system library is named in one line."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

import twin
from twin.cli import COMMANDS, build_parser, command_of, main
from twin.cli import environment as cli_app

REPOSITORY = Path(__file__).resolve().parent.parent
HEAVY = ("pandas", "geopandas", "scipy", "numba", "pandapower", "rasterio", "PySide6")


def _run(code: str, *args: str, env: dict | None = None, timeout: float = 300):
    environment = {**os.environ, "PYTHONPATH": str(REPOSITORY), **(env or {})}
    return subprocess.run(
        [sys.executable, "-c", code, *args],
        capture_output=True,
        text=True,
        env=environment,
        timeout=timeout,
        cwd=REPOSITORY,
    )


def test_help_lists_every_command_without_importing_any_engine():
    code = (
        "import sys; from twin.cli import main\n"
        "try:\n    main(['--help'])\nexcept SystemExit:\n    pass\n"
        "print('IMPORTED', sorted(m for m in sys.modules if m.split('.')[0] in "
        f"{HEAVY!r} or m.startswith('twin.cli.') and m != 'twin.cli.startup_clock'))"
    )
    result = _run(code)
    assert result.returncode == 0, result.stderr
    for name in COMMANDS:
        assert re.search(rf"^\s+{name}\s", result.stdout, re.MULTILINE), name
    assert result.stdout.strip().splitlines()[-1] == "IMPORTED []"


def test_each_command_module_registers_the_help_listed_for_it():
    for name, (_module, help_text) in COMMANDS.items():
        parser = build_parser(name)
        subparsers = next(a for a in parser._actions if a.dest == "command")
        helps = {action.dest: action.help for action in subparsers._choices_actions}
        assert helps[name] == help_text
        assert callable(subparsers.choices[name].get_default("func"))


def test_arguments_without_a_command_open_the_app():
    assert command_of([]) == "app"
    assert command_of(["--startup-time"]) == "app"
    assert command_of(["territory.twin"]) == "app"
    assert command_of(["info", "x.gpkg"]) == "info"
    assert command_of(["--version"]) is None


def test_startup_time_prints_the_first_map_frame_of_the_sample_and_exits():
    result = _run(
        "import sys; from twin.cli import main; sys.exit(main())",
        "--startup-time",
        env={"QT_QPA_PLATFORM": "offscreen"},
    )
    assert result.returncode == 0, result.stderr
    steps = re.findall(r"^\s*([\d.]+) s  \(cpu\s+([\d.]+) s\)  (.+)$", result.stdout, re.MULTILINE)
    names = [name for _wall, _cpu, name in steps]
    for expected in ("QApplication created", "main window built", "first map frame drawn"):
        assert expected in names
    walls = [float(wall) for wall, _cpu, _name in steps]
    assert walls == sorted(walls) and walls[0] > 0  # seconds since the process started
    # The map was drawn from the visible layers; the hidden ones and the engines came later.
    assert names.index("visible layers shown") < names.index("first map frame drawn")
    assert "hidden layers added" not in names[: names.index("visible layers shown")]
    headline = re.search(
        r"startup time \(process start to first map frame\): ([\d.]+) s", result.stdout
    )
    assert headline is not None
    assert float(headline.group(1)) == pytest.approx(walls[names.index("first map frame drawn")])


def test_startup_time_of_a_missing_project_is_one_line_and_status_2(capsys, tmp_path):
    assert main([str(tmp_path / "nowhere.twin"), "--startup-time"]) == 2
    error = capsys.readouterr().err.strip()
    assert error == f"twin --startup-time: {tmp_path / 'nowhere.twin'} does not exist"


def test_missing_xcb_cursor_library_is_named_with_the_package_to_install(monkeypatch, capsys):
    monkeypatch.setattr(sys, "platform", "linux")
    monkeypatch.setenv("QT_QPA_PLATFORM", "xcb")
    monkeypatch.setenv("DISPLAY", ":0")
    found = {"xcb-cursor": None}
    monkeypatch.setattr(cli_app.ctypes.util, "find_library", lambda name: found.get(name, "lib"))
    assert "apt-get install libxcb-cursor0" in cli_app.missing_qt_library()
    # twin stops before Qt aborts, with that one line and status 2
    assert main(["--startup-time"]) == 2
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1 and "libxcb-cursor0" in lines[0]
    # installed, or headless: nothing to say
    found["xcb-cursor"] = "libxcb-cursor.so.0"
    assert cli_app.missing_qt_library() is None
    found["xcb-cursor"] = None
    monkeypatch.setenv("QT_QPA_PLATFORM", "offscreen")
    assert cli_app.missing_qt_library() is None
    # no display at all (and no platform asked): one line saying how to run headless
    monkeypatch.delenv("QT_QPA_PLATFORM")
    monkeypatch.delenv("DISPLAY")
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    assert "QT_QPA_PLATFORM=offscreen" in cli_app.missing_qt_library()
    assert main(["--startup-time"]) == 2
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1 and "no display" in lines[0]
    assert twin.sample_project_path().exists()
