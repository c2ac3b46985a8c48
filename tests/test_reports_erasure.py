"""Erasing a reporter (GDPR art. 17) removes them from the project file, the autosave
recovery file and the undo history; subject access returns everything held; the log of
imports and erasures holds counts, never a pseudonym or contact data."""

from __future__ import annotations

import contextlib
import io
import json
from pathlib import Path

import pytest
from PySide6.QtGui import QUndoStack

from twin.cli import main
from twin.errors import DataError
from twin.layers.reports import LAYER_ID, reports_layer
from twin.layers.reports_gdpr import erase_subject, subject_access
from twin.layers.reports_io import import_reports
from twin.project import Project
from twin.recovery import read_recovery, recovery_path, write_recovery
from twin.recovery_erasure import erase_from_recovery
from twin.ui.reports.commands import RectifyReportCommand
from twin.ui.scenario.undo import forget_subject

DATA = Path(__file__).parent / "data" / "reports"
GEOREPORT = DATA / "georeport_v2.json"


def _saved_project(tmp_path: Path) -> tuple[Project, str]:
    project = Project()
    import_reports(project, GEOREPORT, passphrase="pass phrase")
    project.save(tmp_path / "city.twin")
    pseudonym = reports_layer(project).frame["pseudonym"][0]  # Marie: reports 638344, 638347
    return project, pseudonym


def test_erasure_removes_the_subject_from_file_autosave_and_undo_stack(tmp_path, qtbot):
    project, pseudonym = _saved_project(tmp_path)
    stack = QUndoStack()
    stack.push(RectifyReportCommand(project, "638344", {"status": "closed"}))
    stack.push(RectifyReportCommand(project, "638345", {"category": "other"}))
    write_recovery(project)
    autosave = recovery_path(project.path)
    assert pseudonym.encode() in project.path.read_bytes()
    assert pseudonym in autosave.read_text(encoding="utf-8")
    assert pseudonym in stack.command(0).held_text()

    erased = erase_subject(project, pseudonym)
    assert (erased.reports, erased.contact) == (2, True)
    assert forget_subject(stack, pseudonym) == 1
    assert erase_from_recovery(project.path, pseudonym) == 2
    project.save(project.path)

    assert pseudonym.encode() not in project.path.read_bytes()
    assert pseudonym not in autosave.read_text(encoding="utf-8")
    assert all(pseudonym not in stack.command(i).held_text() for i in range(stack.count()))
    assert "638344" not in stack.command(0).held_text()
    reopened = Project.open(project.path)
    assert list(reopened.layer(LAYER_ID).frame["report_id"]) == ["638345", "638346", "638348"]
    assert not any(key.endswith(pseudonym) for key in reopened.private)
    # the other reporter's edit still undoes; the emptied one is a no-op
    stack.undo()
    assert reopened.layer(LAYER_ID).frame["category"].tolist()[0] == "other"  # file as saved
    assert (
        reports_layer(project).frame.set_index("report_id").loc["638345", "category"] == "transit"
    )
    stack.undo()
    recovered = read_recovery(project.path)
    assert len(recovered.reports) == 3 and pseudonym not in json.dumps(recovered.reports)


def test_the_log_counts_imports_and_erasures_without_personal_data(tmp_path):
    project, pseudonym = _saved_project(tmp_path)
    erase_subject(project, pseudonym)
    log = project.metadata["reports_log"]
    assert [(e["action"], e["count"]) for e in log] == [("import", 5), ("erase", 2)]
    text = json.dumps(log)
    assert pseudonym not in text and "@" not in text and "Dupont" not in text
    with pytest.raises(DataError, match="nothing is held"):
        erase_subject(project, pseudonym)


def test_subject_access_lists_every_report_and_the_contact_data(tmp_path):
    project, pseudonym = _saved_project(tmp_path)
    held = subject_access(project, pseudonym, passphrase="pass phrase")
    assert [r["report_id"] for r in held["reports"]] == ["638344", "638347"]
    assert held["reports"][0]["lat"] == pytest.approx(48.1119, abs=1e-6)
    assert held["contact"]["data"]["phone"] == "+33 6 12 34 56 78; 02.99.12.34.56"
    assert subject_access(project, pseudonym)["contact"] == {"held": True}


def _run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        status = main(list(argv))
    return status, out.getvalue(), err.getvalue()


def test_cli_import_subject_and_erase(tmp_path):
    base = tmp_path / "base.twin"
    Project().save(base)
    out = tmp_path / "city.twin"
    status, text, _ = _run("reports", "import", str(GEOREPORT), str(base), "--out", str(out))
    assert status == 0 and "imported 5 reports (open311)" in text
    pseudonym = Project.open(out).layer(LAYER_ID).frame["pseudonym"][1]
    status, text, _ = _run("reports", "subject", pseudonym, str(out))
    assert status == 0 and json.loads(text)["reports"][0]["report_id"] == "638345"
    write_recovery(Project.open(out))
    status, text, _ = _run("reports", "erase", pseudonym, str(out), "--out", str(out))
    assert status == 0 and "erased 1 reports" in text
    assert pseudonym.encode() not in out.read_bytes()
    assert pseudonym not in recovery_path(out).read_text(encoding="utf-8")
    status, _, err = _run("reports", "subject", "not-a-pseudonym", str(out))
    assert status == 2 and err.count("\n") == 1 and "is not a pseudonym" in err


def test_cli_rectify_and_recovery_restores_reports(tmp_path):
    from twin.recovery_file import apply_recovery

    project, _ = _saved_project(tmp_path)
    path = project.path
    status, text, _ = _run(
        "reports",
        "rectify",
        "638348",
        str(path),
        "--set",
        "category=fiber",
        "--set",
        "description=Câble arraché, tél 06 00 00 00 01",
        "--out",
        str(path),
    )
    assert status == 0 and "rectified report 638348" in text
    row = Project.open(path).layer(LAYER_ID).frame.set_index("report_id").loc["638348"]
    assert row["category"] == "fiber" and row["description"] == "Câble arraché, tél [phone]"
    status, _, err = _run(
        "reports", "rectify", "638348", str(path), "--set", "colour=red", "--out", str(path)
    )
    assert status == 2 and "cannot be rectified" in err
    last = Project.open(path).metadata["reports_log"][-1]
    assert (last["action"], last["count"], last["fields"]) == (
        "rectify",
        1,
        ["category", "description"],
    )
    # an autosave holds the reports; applying it puts them back
    reopened = Project.open(path)
    write_recovery(reopened)
    reports_layer(reopened).set_frame(reports_layer(reopened).frame.iloc[:1])
    apply_recovery(reopened, read_recovery(path))
    assert len(reports_layer(reopened).frame) == 5
