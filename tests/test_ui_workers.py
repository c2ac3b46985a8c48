"""Workers: progress and cancel of a slow job, errors shown as messages, never a crash."""

from __future__ import annotations

import threading
import time

from PySide6.QtCore import Qt, QThread
from PySide6.QtWidgets import QApplication, QMessageBox, QWidget

from twin.errors import DataError
from twin.ui.dialogs import show_error
from twin.ui.workers import run_job


def _message_boxes() -> list[QMessageBox]:
    return [
        w for w in QApplication.topLevelWidgets() if isinstance(w, QMessageBox) and w.isVisible()
    ]


def test_slow_job_reports_progress_and_cancel_stops_it(qtbot):
    parent = QWidget()
    qtbot.addWidget(parent)
    parent.show()
    steps_done = []
    results = []
    release = threading.Event()

    def slow_job(feedback):
        for step in range(1, 201):
            feedback.set_progress(step / 2, f"step {step} of 200")
            steps_done.append(step)
            if step == 10:
                release.wait(5)  # hold until the test has seen the progress
            time.sleep(0.005)
        return "finished"

    handle = run_job(
        slow_job, title="Counting", parent=parent, on_result=results.append, dialog_delay_ms=0
    )
    qtbot.waitUntil(
        lambda: (
            handle.progress_dialog is not None
            and handle.progress_dialog.isVisible()
            and handle.progress_dialog.progress_bar.value() >= 5
        )
    )
    dialog = handle.progress_dialog
    assert dialog.message_label.text() == "step 10 of 200"
    with qtbot.waitSignal(handle.cancelled, timeout=5000):
        qtbot.mouseClick(dialog.cancel_button, Qt.MouseButton.LeftButton)
        release.set()
    assert len(steps_done) < 200
    assert results == []
    assert handle.done and handle.progress_dialog is None


def test_result_is_delivered_on_the_ui_thread(qtbot):
    threads = []

    def on_result(value):
        threads.append((value, QThread.currentThread() is QApplication.instance().thread()))

    handle = run_job(
        lambda feedback: 6 * 7, title="Answer", on_result=on_result, show_progress=False
    )
    with qtbot.waitSignal(handle.finished, timeout=5000):
        pass
    assert threads == [(42, True)]


def test_data_error_ends_in_a_clear_message(qtbot):
    parent = QWidget()
    qtbot.addWidget(parent)
    parent.show()

    def bad_job(feedback):
        raise DataError("roads.csv has no lon/lat or x/y columns.")

    handle = run_job(bad_job, title="Reading roads.csv", parent=parent, show_progress=False)
    with qtbot.waitSignal(handle.failed, timeout=5000):
        pass
    boxes = _message_boxes()
    assert [box.text() for box in boxes] == ["roads.csv has no lon/lat or x/y columns."]
    assert boxes[0].detailedText() == ""  # no traceback for an error the user can fix
    boxes[0].close()


def test_unexpected_error_hides_the_traceback_behind_details(qtbot):
    parent = QWidget()
    qtbot.addWidget(parent)
    box = show_error(parent, ZeroDivisionError("division by zero"))
    qtbot.addWidget(box)
    assert box.text() == "Something unexpected went wrong (ZeroDivisionError): division by zero"
    assert "ZeroDivisionError" in box.detailedText()
    assert box.icon() == QMessageBox.Icon.Critical
