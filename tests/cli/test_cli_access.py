"""Users, roles and the audit from the command line: first admin, users, patients list,
tampering found by ``rehab db check``, private files."""

from __future__ import annotations

import sqlite3
import stat
from pathlib import Path

import pytest
from click.testing import CliRunner

from rehab.cli import cli
from rehab.store import NewPatient, Sex, Side, Store

ADMIN_PW = "admin passphrase"


def _run(*args: str, password: str | None = None,
         new_password: str | None = None) -> tuple[int, str, str]:
    env = {"REHAB_PASSWORD": password or "", "REHAB_NEW_PASSWORD": new_password or ""}
    result = CliRunner().invoke(cli, list(args), env=env)
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def centre(tmp_path: Path) -> Path:
    """A data folder with admin boss, therapist kim, researcher res1 and one patient."""
    data = tmp_path / "data"
    code, out, err = _run("db", "init", "--data-dir", str(data), "--admin", "boss",
                          password=ADMIN_PW)
    assert code == 0 and "first admin boss" in out, err
    for name, role in (("kim", "therapist"), ("res1", "researcher")):
        code, out, err = _run("users", "add", "--data-dir", str(data), "--user", "boss",
                              "--role", role, name, password=ADMIN_PW,
                              new_password=f"{name} passphrase")
        assert code == 0, err
    with Store.open(data) as store:
        kim = store.as_system().users.by_username("kim")
        assert kim is not None
        store.as_user(kim.id).patients.add(NewPatient("김영희", 1948, Sex.FEMALE, Side.LEFT,
                                                      "뇌졸중"))
    return data


def test_first_admin_only_once(centre: Path) -> None:
    code, _, err = _run("db", "init", "--data-dir", str(centre), "--admin", "boss2",
                        password="another admin passphrase")
    assert code == 1 and "an admin exists already" in err


def test_patients_list_by_role(centre: Path) -> None:
    code, out, _ = _run("patients", "list", "--data-dir", str(centre), "--user", "kim",
                        password="kim passphrase")
    assert code == 0 and "김영희" in out and "1948" in out
    code, out, _ = _run("patients", "list", "--data-dir", str(centre), "--user", "res1",
                        password="res1 passphrase")
    assert code == 0 and "김영희" not in out and "1948" not in out and "뇌졸중" not in out
    assert out.split()[1].endswith("-79")


def test_no_login_without_the_password(centre: Path) -> None:
    code, out, err = _run("patients", "list", "--data-dir", str(centre), "--user", "kim",
                          password="not kim's password")
    assert code == 1 and out == "" and "cannot log 'kim' in" in err


def test_users_commands_are_for_admins(centre: Path) -> None:
    code, _, err = _run("users", "list", "--data-dir", str(centre), "--user", "kim",
                        password="kim passphrase")
    assert code == 1 and "'kim' (therapist)" in err and "users.list" in err
    code, out, _ = _run("users", "list", "--data-dir", str(centre), "--user", "boss",
                        password=ADMIN_PW)
    assert code == 0 and "res1" in out and "researcher" in out


def test_lockout_shown_and_lifted(centre: Path) -> None:
    for _ in range(5):
        _run("patients", "list", "--data-dir", str(centre), "--user", "kim", password="wrong")
    _code, out, _ = _run("users", "list", "--data-dir", str(centre), "--user", "boss",
                        password=ADMIN_PW)
    assert "locked until" in out
    assert _run("users", "unlock", "--data-dir", str(centre), "--user", "boss", "kim",
                password=ADMIN_PW)[0] == 0
    assert _run("patients", "list", "--data-dir", str(centre), "--user", "kim",
                password="kim passphrase")[0] == 0


def test_weak_password_refused(centre: Path) -> None:
    code, _, err = _run("users", "passwd", "--data-dir", str(centre), "--user", "boss", "kim",
                        password=ADMIN_PW, new_password="password123")
    assert code == 1 and "common password" in err


def test_check_fails_on_tampered_audit_log(centre: Path) -> None:
    code, out, _ = _run("db", "check", "--data-dir", str(centre))
    assert code == 0 and "chain intact" in out
    with sqlite3.connect(centre / "rehab.db") as conn:
        conn.execute("DROP TRIGGER audit_log_no_delete")
        conn.execute("DELETE FROM audit_log WHERE id = 2")
    conn.close()
    code, out, _err = _run("db", "check", "--data-dir", str(centre))
    assert code == 1
    assert "BROKEN at row 3" in out and "MISSING audit_log_no_delete" in out


def test_check_fails_when_the_whole_log_is_emptied(centre: Path) -> None:
    with sqlite3.connect(centre / "rehab.db") as conn:
        conn.execute("DROP TRIGGER audit_log_no_delete")
        conn.execute("DELETE FROM audit_log")
    conn.close()
    code, out, _ = _run("db", "check", "--data-dir", str(centre))
    assert code == 1 and "MISSING audit_log_no_delete" in out


def test_init_makes_private_files_and_check_warns_on_loose_ones(tmp_path: Path) -> None:
    data = tmp_path / "data"
    assert _run("db", "init", "--data-dir", str(data))[0] == 0
    assert stat.S_IMODE(data.stat().st_mode) == 0o700
    assert stat.S_IMODE((data / "rehab.db").stat().st_mode) == 0o600
    (data / "rehab.db").chmod(0o644)
    code, _, err = _run("db", "check", "--data-dir", str(data))
    assert code == 0 and "rehab.db is mode 644, should be 600" in err


def test_a_therapist_sets_and_shows_a_patients_reference_reps(centre: Path) -> None:
    from rehab.store import NewSet
    from tests.store.helpers import rep

    with Store.open(centre) as store:
        kim = store.as_system().users.by_username("kim")
        as_kim = store.as_user(kim.id)
        patient = as_kim.patients.search("")[0]
        session = as_kim.sessions.start(patient.id)
        first = as_kim.sessions.add_set(session.id, NewSet("squat", 0, 3, 90, 0.0))
        second = as_kim.sessions.add_set(session.id, NewSet("squat", 1, 3, 90, 20.0))
        ids = [as_kim.sessions.add_rep(set_id, rep(i)).id
               for set_id in (first, second) for i in range(3)]
    base = ("patients", "reference", "--data-dir", str(centre), "--user", "kim",
            patient.code, "squat")
    code, out, err = _run(*base, password="kim passphrase")
    assert code == 0 and "no reference reps" in out, err
    code, out, err = _run(*base, "--session", str(session.id), "--set", "2", "--reps", "1,3",
                          password="kim passphrase")
    assert code == 0 and "reference set to reps 1,3 of set 2" in out, err
    code, out, _ = _run(*base, password="kim passphrase")
    assert f"reps {ids[3]}, {ids[5]} (ids) of session {session.id}" in out
    for extra, words in ((("--session", str(session.id), "--set", "3", "--reps", "1"),
                          "has 2 set(s) of squat"),
                         (("--session", str(session.id), "--reps", "4"), "has no rep 4"),
                         (("--session", str(session.id), "--reps", "one"), "rep numbers like"),
                         (("--reps", "1",), "give both --session and --reps")):
        code, _, err = _run(*base, *extra, password="kim passphrase")
        assert code == 2 and words in err, err
    code, _, err = _run("patients", "reference", "--data-dir", str(centre), "--user", "res1",
                        patient.code, "squat", password="res1 passphrase")
    assert code == 1 and "res1" in err  # researchers may not read sessions
