"""The console by role: a researcher sees de-identified data only, an admin manages users,
and an idle console locks without disturbing a running session or its E-STOP."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from PyQt6.QtCore import Qt
from PyQt6.QtWidgets import (
    QAbstractButton,
    QComboBox,
    QGroupBox,
    QLabel,
    QLineEdit,
    QListWidget,
    QPlainTextEdit,
    QTableWidget,
    QWidget,
)

from rehab.store import NewUser, Role, SessionOutcome
from rehab.ui.console.main_window import QtConsole
from rehab.ui.models.console import ConsoleModel
from rehab.ui.models.settings import ConsoleSettings, SettingsModel
from tests.ui.conftest import THERAPIST_PASSWORD
from tests.ui.history import record_session
from tests.ui.test_models import FakeControl

RESEARCHER_PASSWORD = "a research passphrase"
ADMIN_PASSWORD = "an admin passphrase"


class FakeClock:
    def __init__(self) -> None:
        self.t_s = 1000.0

    def __call__(self) -> float:
        return self.t_s


def visible_texts(window: QWidget) -> list[str]:
    """Every text a person can see in the window: labels, fields, buttons, tables, lists."""
    texts = [window.windowTitle()]
    for w in window.findChildren(QWidget):
        if not w.isVisible():
            continue
        if isinstance(w, QLabel | QAbstractButton):
            texts.append(w.text())
        elif isinstance(w, QLineEdit):
            texts += [w.text(), w.placeholderText()]
        elif isinstance(w, QPlainTextEdit):
            texts.append(w.toPlainText())
        elif isinstance(w, QGroupBox):
            texts.append(w.title())
        elif isinstance(w, QComboBox):
            texts += [w.itemText(i) for i in range(w.count())]
        elif isinstance(w, QTableWidget):
            for r in range(w.rowCount()):
                texts += [w.item(r, c).text() for c in range(w.columnCount()) if w.item(r, c)]
            texts += [w.horizontalHeaderItem(c).text() for c in range(w.columnCount())
                      if w.horizontalHeaderItem(c)]
        elif isinstance(w, QListWidget):
            texts += [w.item(i).text() for i in range(w.count()) if not w.item(i).isHidden()]
    return texts


@pytest.fixture
def make_console(qtbot, demo_store, library, robot_config, tmp_path: Path):
    store, centre = demo_store
    system = store.as_system()
    researcher = system.users.add(NewUser("res1", "연구자 1", Role.RESEARCHER,
                                          RESEARCHER_PASSWORD))
    admin = system.users.add(NewUser("boss", "관리자", Role.ADMIN, ADMIN_PASSWORD))
    users = {"researcher": researcher, "admin": admin, "therapist": centre.therapist}

    def make(role: str, clock: FakeClock | None = None, control: FakeControl | None = None):
        settings = SettingsModel(tmp_path / "console.json", ConsoleSettings(
            data_dir=str(store.data_dir)))
        model = ConsoleModel(store.as_user(None), library, robot_config, settings,
                             session_factory=lambda _r: control or FakeControl(),
                             idle_clock=clock)
        window = QtConsole(model)
        qtbot.addWidget(window)
        window.show()
        qtbot.waitExposed(window)
        model.login.accept(users[role])
        return window
    return make, centre, users


def test_a_researcher_sees_no_name_birth_year_or_diagnosis(qtbot, make_console) -> None:
    make, centre, _ = make_console
    window = make("researcher")  # no PermissionDeniedError while the list loads
    patient = centre.patient
    view = window.views["patients"]
    assert window.pages.currentWidget() is view
    assert view.table.rowCount() == 1 and view.table.item(0, 0).text() == patient.code
    assert view.table.item(0, 1).text() == window.model.patients.pseudonymous[0].age_band
    assert not view.form_box.isVisible() and not view.new_button.isVisible()
    for page in ("program", "live", "after", "progress", "assessments"):
        window.show_page(page)
        assert window.pages.currentWidget() is view  # refused, clearly
        assert window.hint.isVisible() and "연구자" in window.hint.text()
    window.show_page("settings")
    window.show_page("patients")
    text = "\n".join(visible_texts(window))
    assert patient.code in text
    for secret in (patient.name, str(patient.birth_year), patient.diagnosis, "뇌졸중"):
        assert secret not in text, secret
    nav = [window.nav.item(i).text() for i in range(window.nav.count())
           if not window.nav.item(i).isHidden()]
    assert nav == ["환자", "연구용 내보내기", "설정"]  # and the research export (issue 13)
    assert window.model.patients.patients == [] and window.model.patient is None


def test_a_therapist_sees_names_but_no_users_page(qtbot, make_console) -> None:
    make, centre, _ = make_console
    window = make("therapist")
    view = window.views["patients"]
    assert view.table.item(0, 1).text() == centre.patient.name
    window.show_page("users")
    assert window.pages.currentWidget() is not window.views["users"]
    assert window.nav.item(list(window.views).index("users")).isHidden()


def test_an_admin_adds_a_user_with_the_password_rules(qtbot, make_console) -> None:
    make, _, _ = make_console
    window = make("admin")
    window.show_page("users")
    page = window.views["users"]
    assert window.pages.currentWidget() is page
    assert [page.table.item(r, 0).text() for r in range(page.table.rowCount())] == [
        "boss", "kim", "res1"]
    page.username.editor.setText("lee")
    page.display_name.editor.setText("이 치료사")
    page.role.editor.setCurrentIndex(page.role.editor.findData("therapist"))
    page.password.editor.setText("short")
    page.repeat.editor.setText("short")
    page.add_button.click()
    assert page.password.error == "10자 이상이어야 합니다"
    page.password.editor.setText("lee")
    page.password.editor.setText("a long passphrase")
    page.add_button.click()
    assert page.repeat.error == "두 비밀번호가 다릅니다"
    page.repeat.editor.setText("a long passphrase")
    page.add_button.click()
    assert page.status.text() == "lee 사용자를 추가했습니다."
    assert page.selected.user.username == "lee" and page.selected.user.role is Role.THERAPIST
    assert page.password.editor.text() == ""


def test_an_admin_deactivates_changes_a_role_and_unlocks(qtbot, make_console,
                                                         demo_store) -> None:
    make, _, users = make_console
    store, _ = demo_store
    future = (dt.datetime.now(dt.UTC) + dt.timedelta(minutes=10)).isoformat()
    store.db.execute("UPDATE users SET failed_logins = 5, locked_until = ? WHERE id = ?",
                     (future, users["researcher"].id))
    window = make("admin")
    window.show_page("users")
    page = window.views["users"]
    page.select_user("res1")
    assert page.selected.locked_until is not None and page.unlock_button.isEnabled()
    assert "잠김" in page.table.item(page.table.currentRow(), 3).text()
    page.unlock_button.click()
    assert page.selected.locked_until is None and not page.unlock_button.isEnabled()
    page.role_choice.setCurrentIndex(page.role_choice.findData("therapist"))
    page.role_button.click()
    assert page.selected.user.role is Role.THERAPIST
    page.active_button.click()
    assert not page.selected.user.active and page.active_button.text() == "다시 활성화"
    # the last admin cannot be demoted: the store refuses and the page says so
    page.select_user("boss")
    page.role_choice.setCurrentIndex(page.role_choice.findData("researcher"))
    page.role_button.click()
    assert "마지막 활성 관리자" in page.status.text()
    assert page.selected.user.role is Role.ADMIN


def test_the_console_locks_after_the_idle_time_and_asks_for_the_password(
        qtbot, make_console) -> None:
    make, _, _ = make_console
    clock = FakeClock()
    window = make("therapist", clock)
    body = window.root.currentWidget()
    clock.t_s += 14 * 60
    qtbot.mouseClick(window.views["patients"].search, Qt.MouseButton.LeftButton)  # input
    clock.t_s += 14 * 60
    window.check_idle()
    assert window.root.currentWidget() is body  # input restarted the idle time
    clock.t_s += 60
    window.check_idle()
    lock = window.lock_screen
    assert window.root.currentWidget() is lock
    assert "김 치료사" in lock.prompt.text() and not lock.estop_button.isVisible()
    lock.password.setText("wrong password")
    lock.unlock_button.click()
    qtbot.waitUntil(lambda: lock.message.text() != "", timeout=5000)
    assert window.root.currentWidget() is lock
    window.model.login.wall_clock = lambda: dt.datetime.now(dt.UTC) + dt.timedelta(seconds=2)
    lock.password.setText(THERAPIST_PASSWORD)
    lock.unlock_button.click()
    qtbot.waitUntil(lambda: window.root.currentWidget() is body, timeout=5000)
    assert window.model.login.user is not None  # the same user, still logged in


def test_the_idle_time_is_a_setting(qtbot, make_console) -> None:
    make, _, _ = make_console
    clock = FakeClock()
    window = make("therapist", clock)
    assert window.model.idle.timeout_s == 15 * 60
    window.show_page("settings")
    settings = window.views["settings"]
    settings.idle_lock_min.editor.setValue(5)
    settings.save_button.click()
    assert window.model.settings.settings.idle_lock_min == 5
    clock.t_s += 5 * 60
    window.check_idle()
    assert window.root.currentWidget() is window.lock_screen


@pytest.mark.parametrize("key", [Qt.Key.Key_F12, Qt.Key.Key_Pause])
def test_locking_keeps_the_session_and_its_estop(qtbot, make_console, key) -> None:
    make, centre, _ = make_console
    clock, control = FakeClock(), FakeControl()
    window = make("therapist", clock, control)
    window.model.patients.select(centre.patient.id)
    window.start_session()
    assert control.calls == ["start"]
    clock.t_s += 15 * 60
    window.check_idle()
    lock = window.lock_screen
    assert window.root.currentWidget() is lock
    assert control.calls == ["start"]  # locking did not pause, stop or touch it
    assert lock.estop_button.isVisible() and lock.session_note.isVisible()
    window.activateWindow()
    lock.password.setFocus()
    qtbot.waitUntil(lock.password.hasFocus, timeout=2000)
    qtbot.keyClick(lock.password, key)
    assert control.calls == ["start", "estop"] and window.model.live.estopped
    lock.estop_button.click()
    assert control.calls == ["start", "estop", "estop"]
    assert window.root.currentWidget() is lock  # the E-STOP does not unlock the screens


def test_the_patient_screen_link_acts_for_a_therapist_and_is_refused_a_researcher(
        qtbot, make_console, monkeypatch) -> None:
    make, centre, _ = make_console
    patient = centre.patient
    # the link's store access, whichever patient is at hand (a researcher selects none)
    monkeypatch.setattr(ConsoleModel, "patient", property(lambda _self: patient))
    for role, allowed in (("researcher", False), ("therapist", True)):
        window = make(role)
        system = window.model.store.as_system()
        sid = record_session(system, centre.program, [100], [90], finish=False)
        link, live = window.patient_link, window.model.live
        link._load_display()  # no PermissionDeniedError: the defaults, not to be changed
        assert link.high_contrast.isEnabled() is allowed
        link.high_contrast.setChecked(True)
        live.session_id = sid
        link._on_pain("before", 4)
        assert system.patients.display(patient.id).high_contrast is allowed
        assert (system.sessions.get(sid).pain_before == 4) is allowed
        denied = {e[5] for e in system.audit_log(limit=20) if e[3] == "denied"}
        if not allowed:
            assert {"patients.display", "patients.set_display",
                    "sessions.record_pain"} <= denied
        system.sessions.finish(sid, SessionOutcome())
