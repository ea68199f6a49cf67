"""Logins that hold (timing, back-off, lockout, rules), the audit chain, private files."""

from __future__ import annotations

import sqlite3
import stat
import statistics
import time
from pathlib import Path

import pytest

from rehab.errors import ValidationError
from rehab.store import NewUser, Role, SessionOutcome, Store
from rehab.store.audit import verify_chain
from rehab.store.users import LOCKOUT, MAX_FAILED_LOGINS
from tests.conftest import FakeWallClock
from tests.store.helpers import patient, therapist

RIGHT = "correct horse"


def _median_login_s(store: Store, username: str, n: int = 7) -> float:
    times = []
    for _ in range(n):
        t0 = time.perf_counter()
        store.users.authenticate(username, "not the password at all")
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def test_unknown_user_costs_as_much_as_a_known_one(fresh_store: Store) -> None:
    therapist(fresh_store)
    known = _median_login_s(fresh_store, "kim")
    unknown = _median_login_s(fresh_store, "nobody")
    # Before: 1.8 ms vs 38 ms (ratio 0.05). Both now pay one argon2id check (~40 ms).
    assert 0.5 < unknown / known < 2.0, (unknown, known)


def test_failed_login_with_unknown_name_stores_no_name(fresh_store: Store) -> None:
    fresh_store.users.authenticate("김영희-typed-here", "whatever it was")
    row = fresh_store.audit_log(limit=1)[0]
    assert row[3] == "login_failed" and "김영희" not in str(row)


def test_backoff_then_lockout_after_five_failures(fresh_store: Store,
                                                  wall_clock: FakeWallClock) -> None:
    user = therapist(fresh_store)
    for n in range(1, MAX_FAILED_LOGINS + 1):
        assert fresh_store.users.authenticate("kim", "wrong password") is None
        if n < MAX_FAILED_LOGINS:
            # during the back-off even the right password is refused, and not counted
            assert fresh_store.users.authenticate("kim", RIGHT) is None
            wall_clock.advance(seconds=2 ** (n - 1))
    assert fresh_store.audit_log(limit=1)[0][3] == "lockout"
    wall_clock.advance(minutes=14)
    assert fresh_store.users.authenticate("kim", RIGHT) is None  # still locked
    assert fresh_store.users.locked_until(user.id) is not None
    wall_clock.advance(seconds=(LOCKOUT.total_seconds() - 14 * 60))
    assert fresh_store.users.authenticate("kim", RIGHT) == user
    rows = fresh_store.db.execute("SELECT failed_logins, locked_until FROM users").fetchone()
    assert rows == (0, None)


def test_thirty_failures_then_the_right_password_is_refused(
        fresh_store: Store, wall_clock: FakeWallClock) -> None:
    therapist(fresh_store)
    for _ in range(30):
        fresh_store.users.authenticate("kim", "wrong password")
        wall_clock.advance(seconds=1)
    assert fresh_store.users.authenticate("kim", RIGHT) is None


def test_admin_unlocks(fresh_store: Store) -> None:
    user = therapist(fresh_store)
    for _ in range(MAX_FAILED_LOGINS):
        fresh_store.users.authenticate("kim", "wrong password")
    fresh_store.users.unlock(user.id)
    assert fresh_store.users.authenticate("kim", RIGHT) == user
    actions = [r[3] for r in fresh_store.audit_log(limit=3)]
    assert actions[:2] == ["login", "unlock"]


@pytest.mark.parametrize(("username", "password", "problem"), [
    ("lee", "short pw", "at least 10"),
    ("lee_kim_park", "lee_kim_park", "username"),
    ("lee", "password123", "common"),
    ("lee", "1q2w3e4r5t", "common"),
])
def test_password_rules_on_set(fresh_store: Store, username: str, password: str,
                               problem: str) -> None:
    with pytest.raises(ValidationError, match=problem) as info:
        fresh_store.users.add(NewUser(username, "Lee", Role.THERAPIST, password))
    assert info.value.field == "password"
    user = therapist(fresh_store, username)
    with pytest.raises(ValidationError, match=problem):
        fresh_store.users.set_password(user.id, password)


def test_audit_chain_holds_and_tampering_is_found(fresh_store: Store) -> None:
    for name in ("가", "나", "다"):
        patient(fresh_store, name)
    report = verify_chain(fresh_store.db)
    assert report.ok and report.rows == 3 and len(report.head) == 64
    db = fresh_store.db
    db.execute("DROP TRIGGER audit_log_no_update")
    db.execute("UPDATE audit_log SET detail = '{}' WHERE id = 2")
    report = verify_chain(db)
    assert report.first_broken_id == 2 and report.missing_triggers == ("audit_log_no_update",)


def test_deleting_audit_rows_is_found(fresh_store: Store) -> None:
    for name in ("가", "나", "다"):
        patient(fresh_store, name)
    db = fresh_store.db
    db.execute("DROP TRIGGER audit_log_no_delete")
    db.execute("DELETE FROM audit_log WHERE id = 2")
    report = fresh_store.check()
    assert not report.ok and report.audit is not None
    assert report.audit.first_broken_id == 3
    assert report.audit.missing_triggers == ("audit_log_no_delete",)


def test_audit_row_without_hash_is_refused(fresh_store: Store) -> None:
    with pytest.raises(sqlite3.IntegrityError, match="chain hash"):
        fresh_store.db.execute("INSERT INTO audit_log (at, action, entity, entity_id) "
                               "VALUES ('x', 'forged', 'user', '1')")


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_new_data_files_are_private(tmp_path: Path) -> None:
    data = tmp_path / "new" / "data"
    with Store.open(data).as_system() as store:
        p = patient(store)
        session = store.sessions.start(p.id)
        lock = next((data / "locks").iterdir())
        assert _mode(lock) == 0o600 and _mode(data / "locks") == 0o700
        store.backup(tmp_path / "copy.db")
        store.sessions.finish(session.id, SessionOutcome())
        assert _mode(data) == 0o700
        for name in ("rehab.db", "rehab.db-wal", "rehab.db-shm"):
            assert _mode(data / name) == 0o600, name
        assert _mode(tmp_path / "copy.db") == 0o600
        assert store.check().loose_modes == ()
        (data / "rehab.db").chmod(0o644)
        assert "should be 600" in store.check().loose_modes[0]
