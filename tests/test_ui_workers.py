"""Workers: progress and cancel of slow jobs in the status bar (no dialog), errors shown as
messages, never a crash."""

from __future__ import annotations

import threading
import time

from PySide6.QtCore import Qt, QThread
from PySide6.QtWidgets import QApplication, QDialog, QMainWindow, QMessageBox, QWidget

from twin import i18n
from twin.errors import DataError
from twin.ui.dialogs import show_error
from twin.ui.status_bar import JobProgress
from twin.ui.workers import run_job


def _message_boxes() -> list[QMessageBox]:
    return [
        w for w in QApplication.topLevelWidgets() if isinstance(w, QMessageBox) and w.isVisible()
    ]


def _visible_dialogs() -> list[QDialog]:
    return [w for w in QApplication.topLevelWidgets() if isinstance(w, QDialog) and w.isVisible()]


def _window_with_job_progress(qtbot) -> tuple[QMainWindow, JobProgress]:
    window = QMainWindow()
    progress = JobProgress()
    window.statusBar().addPermanentWidget(progress)
    qtbot.addWidget(window)
    window.resize(900, 300)  # a status bar with room for the message (else it elides)
    window.show()
    return window, progress


def test_slow_job_shows_progress_in_the_status_bar_and_its_cancel_button_stops_it(qtbot):
    window, progress = _window_with_job_progress(qtbot)
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
        slow_job, title="Counting", parent=window, on_result=results.append, dialog_delay_ms=0
    )
    qtbot.waitUntil(lambda: progress.isVisible() and progress.progress_bar.value() >= 5)
    assert _visible_dialogs() == []  # no progress dialog, modal or not
    assert progress.message_label.text() == "Counting: step 10 of 200"
    assert progress.progress_bar.value() == 5 and progress.cancel_button.isVisible()
    with qtbot.waitSignal(handle.cancelled, timeout=5000):
        qtbot.mouseClick(progress.cancel_button, Qt.MouseButton.LeftButton)
        assert progress.cancel_button.text() == "Cancelling…"
        release.set()
    assert len(steps_done) < 200
    assert results == []
    assert handle.done
    assert not progress.isVisible()  # nothing runs: the status bar is clear again


def test_two_jobs_at_once_show_the_newest_and_count_the_others(qtbot):
    window, progress = _window_with_job_progress(qtbot)
    release = threading.Event()

    def waiting_job(feedback):
        feedback.set_progress(20, "waiting")
        release.wait(5)
        return None

    first = run_job(waiting_job, title="Reading roads.gpkg", parent=window, dialog_delay_ms=0)
    qtbot.waitUntil(lambda: progress.message_label.text() == "Reading roads.gpkg: waiting")
    second = run_job(waiting_job, title="Simulating 'Plan'", parent=window, dialog_delay_ms=0)
    qtbot.waitUntil(lambda: progress.message_label.text() == "Simulating 'Plan': waiting")
    assert progress.more_label.isVisible() and progress.more_label.text() == "+1 more"
    assert "Reading roads.gpkg: 20 %" in progress.more_label.toolTip()
    assert _visible_dialogs() == []
    with qtbot.waitSignal(second.cancelled, timeout=5000):
        qtbot.mouseClick(progress.cancel_button, Qt.MouseButton.LeftButton)
        release.set()
    qtbot.waitUntil(lambda: first.done, timeout=5000)
    assert not first.cancel_requested  # Cancel stopped the newest only
    assert not progress.isVisible()


def test_a_quick_job_never_appears(qtbot):
    window, progress = _window_with_job_progress(qtbot)
    handle = run_job(lambda feedback: 1, title="Quick", parent=window)  # shown after 300 ms
    with qtbot.waitSignal(handle.finished, timeout=5000):
        pass
    qtbot.wait(400)
    assert not progress.isVisible() and _visible_dialogs() == []


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


def test_a_long_job_message_in_a_narrow_status_bar_is_elided_not_cut(qtbot):
    """At 1024 px in French the message was cut mid-word behind the cursor hint; now it
    shows "…" in the middle within its width, the whole text in its tooltip, and the
    French colon keeps its space."""
    window, progress = _window_with_job_progress(qtbot)
    window.resize(420, 200)
    release = threading.Event()

    def waiting_job(feedback):
        feedback.set_progress(40, "baselines of every domain, then the scenario")
        release.wait(5)

    i18n.set_language("fr")
    try:
        handle = run_job(
            waiting_job, title="Preparing fiber, transit and energy", parent=window,
            dialog_delay_ms=0,
        )  # fmt: skip
        qtbot.waitUntil(lambda: progress.isVisible() and progress.progress_bar.value() == 40)
        qtbot.waitUntil(lambda: "…" in progress.message_label.text())
        label = progress.message_label
        whole = "Preparing fiber, transit and energy : baselines of every domain, then the scenario"
        assert label.toolTip() == whole
        assert label.fontMetrics().horizontalAdvance(label.text()) <= label.width()
        assert label.text().startswith("Prepar") and label.text().endswith("scenario")
    finally:
        i18n.set_language("en")
        release.set()
    qtbot.waitUntil(lambda: handle.done, timeout=5000)
