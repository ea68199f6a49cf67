"""``rehab db`` and ``rehab demo`` as a user runs them; every command has help."""

from __future__ import annotations

import os
import re
import shutil
import sqlite3
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from rehab.cli import cli
from rehab.store import SCHEMA_VERSION, Store
from rehab.store import connection as store_connection
from rehab.store.connection import connect


def _run(*args: str, env: dict[str, str] | None = None) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args), env=env)
    return result.exit_code, result.stdout, result.stderr


def _commands(group: click.Group, prefix: str = "") -> list[tuple[str, click.Command]]:
    found = []
    for name, command in group.commands.items():
        found.append((f"{prefix}{name}", command))
        if isinstance(command, click.Group):
            found += _commands(command, f"{prefix}{name} ")
    return found


@pytest.mark.parametrize(("name", "command"), _commands(cli))
def test_every_command_has_help(name: str, command: click.Command) -> None:
    assert command.help and len(command.help.strip()) > 10, name
    code, out, _ = _run(*name.split(), "--help")
    assert code == 0 and "Usage:" in out


def test_init_then_check_on_new_folder(tmp_path: Path) -> None:
    folder = tmp_path / "new" / "data"
    code, out, _ = _run("db", "init", "--data-dir", str(folder))
    assert code == 0 and "Created" in out and (folder / "rehab.db").exists()
    code, out, _ = _run("db", "check", "--data-dir", str(folder))
    assert code == 0
    assert "integrity:       ok" in out and out.rstrip().endswith("ok")


def test_data_dir_from_environment(tmp_path: Path) -> None:
    code, _, _ = _run("db", "init", env={"REHAB_DATA_DIR": str(tmp_path / "env")})
    assert code == 0 and (tmp_path / "env" / "rehab.db").exists()


def test_check_without_database_is_one_line_error(tmp_path: Path) -> None:
    code, out, err = _run("db", "check", "--data-dir", str(tmp_path))
    assert code == 1 and out == ""
    assert err.count("\n") == 1 and err.startswith("Error: no database at")
    assert "Traceback" not in err


def test_check_reports_outdated_schema_and_migrate_fixes_it(tmp_path: Path) -> None:
    path = tmp_path / "rehab.db"
    connect(path, migrate=False).close()  # version 0: an empty file
    code, out, err = _run("db", "check", "--data-dir", str(tmp_path))
    assert code == 1 and f"schema version:  0 (this app: {SCHEMA_VERSION})" in out
    assert "rehab db migrate" in err
    code, out, _ = _run("db", "migrate", "--data-dir", str(tmp_path))
    assert code == 0 and f"schema version {SCHEMA_VERSION}" in out
    assert _run("db", "check", "--data-dir", str(tmp_path))[0] == 0


def test_corrupt_database_is_one_line_error(tmp_path: Path) -> None:
    (tmp_path / "rehab.db").write_bytes(b"\x00garbage" * 512)
    code, _, err = _run("db", "init", "--data-dir", str(tmp_path))
    assert code == 1 and "not a usable SQLite database" in err and "Traceback" not in err


def test_backup_while_another_connection_writes(tmp_path: Path) -> None:
    assert _run("demo", "--seed-only", "--data-dir", str(tmp_path))[0] == 0
    with Store.open(tmp_path).as_system() as writer:
        writer.db.execute("BEGIN")
        writer.db.execute("UPDATE patients SET notes = 'uncommitted'")
        code, out, _ = _run("db", "backup", str(tmp_path / "copy.db"), "--data-dir",
                            str(tmp_path))
        writer.db.execute("ROLLBACK")
    assert code == 0 and "Backed up" in out
    copy = connect(tmp_path / "copy.db", migrate=False)
    assert copy.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert copy.execute("SELECT notes FROM patients").fetchone()[0] != "uncommitted"
    copy.close()
    code, _, err = _run("db", "backup", str(tmp_path / "copy.db"), "--data-dir", str(tmp_path))
    assert code == 1 and "exists already" in err


def test_demo_seeds_once(tmp_path: Path) -> None:
    code, out, _ = _run("demo", "--seed-only", "--data-dir", str(tmp_path))
    assert code == 0 and "Created the demo centre" in out
    assert "김영희" not in out and "1948" not in out  # the terminal shows the code only
    assert re.search(r"patient:   P-[A-Z0-9]{6}\n", out)
    code, out, _ = _run("demo", "--seed-only", "--data-dir", str(tmp_path))
    assert code == 0 and "Found the demo centre" in out
    with Store.open(tmp_path).as_system() as store:
        assert len(store.patients.search("")) == 1
        assert len(store.programs.for_patient(store.patients.search("")[0].id)) == 1


def test_demo_passes_the_pose_backend(tmp_path: Path, monkeypatch) -> None:
    import rehab.demo_run as demo_run

    seen = []

    def fake_run(options, echo):
        seen.append(options.pose)
        return demo_run.DemoRun(None, None, 0)

    monkeypatch.setattr(demo_run, "run_headless", fake_run)
    code, _, _ = _run("demo", "--headless", "--data-dir", str(tmp_path),
                      "--pose-backend", "torch", "--device", "cuda")
    assert code == 0 and (seen[0].backend, seen[0].device) == ("torch", "cuda")
    code, _, _ = _run("demo", "--headless", "--data-dir", str(tmp_path))
    assert code == 0 and (seen[1].backend, seen[1].device) == ("mediapipe", "cpu")


def _seeded(folder: Path) -> Path:
    """A real database written by the app (the demo centre), checkpointed into the file."""
    assert _run("demo", "--seed-only", "--data-dir", str(folder))[0] == 0
    path = folder / "rehab.db"
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    return path


def _damage_page(path: Path, table: str, *, at_end: int = 300) -> None:
    """Overwrite the last ``at_end`` bytes of ``table``'s root page: its cells, not the header."""
    with sqlite3.connect(path) as conn:
        (root,) = conn.execute("SELECT rootpage FROM sqlite_master WHERE name = ?",
                               (table,)).fetchone()
        (page_size,) = conn.execute("PRAGMA page_size").fetchone()
    conn.close()
    data = bytearray(path.read_bytes())
    end = root * page_size  # pages are numbered from 1
    data[end - at_end:end] = b"\xa5" * at_end
    path.write_bytes(bytes(data))


def _one_error_line(code: int, out: str, err: str) -> str:
    assert code == 1 and out == "", (code, out, err)
    assert err.count("\n") == 1 and err.startswith("Error: "), err
    assert "Traceback" not in err
    return err.strip()


@pytest.mark.parametrize("verbose", [[], ["-v"]])
def test_check_reports_damaged_pages_in_one_line(tmp_path: Path, verbose: list[str]) -> None:
    path = _seeded(tmp_path)
    _damage_page(path, "exercises")
    line = _one_error_line(*_run(*verbose, "db", "check", "--data-dir", str(tmp_path)))
    # How many problems the damaged bytes make depends on the page's content (the exercise
    # library's size), not on the check: any count, the first one named.
    prefix = rf"Error: {re.escape(str(path))} is corrupt: \d+ problems, first: On tree page "
    assert re.match(prefix, line), line
    assert "Extends off end of page" in line


def test_check_reports_damage_that_stops_the_check(tmp_path: Path) -> None:
    path = _seeded(tmp_path)
    _damage_page(path, "sqlite_autoindex_users_1")
    line = _one_error_line(*_run("-v", "db", "check", "--data-dir", str(tmp_path)))
    assert line.startswith(f"Error: {path} is corrupt: 1 problem, first: database disk image")


def test_check_reports_bad_header_in_one_line(tmp_path: Path) -> None:
    path = _seeded(tmp_path)
    with path.open("r+b") as file:
        file.write(b"NOT A DATABASE!\x00")
    line = _one_error_line(*_run("-v", "db", "check", "--data-dir", str(tmp_path)))
    assert line == f"Error: {path} is not a usable SQLite database: file is not a database"


def test_backup_refuses_damaged_source_unless_forced(tmp_path: Path) -> None:
    path = _seeded(tmp_path / "data")
    _damage_page(path, "exercises")
    target = tmp_path / "copy.db"
    line = _one_error_line(*_run("db", "backup", str(target), "--data-dir", str(path.parent)))
    # The number of problems depends on the page's content (see above).
    assert re.search(rf"{re.escape(str(path))} is corrupt: \d+ problems", line), line
    assert "--force" in line
    assert not target.exists()
    code, out, err = _run("db", "backup", "--force", str(target), "--data-dir",
                          str(path.parent))
    assert code == 0 and "damaged pages included" in out
    assert re.match(rf"Warning: {re.escape(str(path))} is corrupt: \d+ problems", err), err
    assert target.read_bytes()[:16] == b"SQLite format 3\x00"
    copy = connect(target, migrate=False)
    assert len(copy.execute("PRAGMA integrity_check").fetchall()) > 0
    assert copy.execute("PRAGMA integrity_check").fetchone()[0] != "ok"
    assert copy.execute("SELECT count(*) FROM patients").fetchone()[0] == 1
    copy.close()


def test_missing_data_folder_says_how_to_create_it(tmp_path: Path) -> None:
    folder = tmp_path / "nothing"
    for command in ("check", "migrate", "backup"):
        args = ["db", command, "--data-dir", str(folder)]
        line = _one_error_line(*_run(*args, *([str(tmp_path / "c.db")] * (command == "backup"))))
        assert line == (f"Error: data folder {folder} does not exist; create it with "
                        f"`rehab db init --data-dir {folder}`"), command
    assert not folder.exists()


@pytest.mark.parametrize("how", ["option", "environment"])
@pytest.mark.parametrize("command", ["init", "check"])
def test_data_folder_that_is_a_file(tmp_path: Path, how: str, command: str) -> None:
    afile = tmp_path / "afile"
    afile.write_text("not a folder")
    args = ["db", command] + (["--data-dir", str(afile)] if how == "option" else [])
    env = {"REHAB_DATA_DIR": str(afile)} if how == "environment" else None
    line = _one_error_line(*_run(*args, env=env))
    assert line == (f"Error: data folder {afile} is a file, not a folder; point --data-dir "
                    "or $REHAB_DATA_DIR at a folder")


@contextmanager
def _unwritable(folder: Path) -> Iterator[None]:
    """Make ``folder`` unwritable for this process, root included.

    Root ignores permission bits, so as root the folder is also made immutable
    (``chattr +i``), which stops root as a read-only mount would.
    """
    folder.chmod(0o500)
    immutable = os.geteuid() == 0
    if immutable:
        chattr = shutil.which("chattr")
        result = subprocess.run([chattr, "+i", str(folder)], capture_output=True,
                                text=True, check=False) if chattr else None
        if result is None or result.returncode != 0:
            folder.chmod(0o700)
            pytest.skip("running as root, where chmod does not stop writes, and chattr +i "
                        f"is not available here ({result.stderr.strip() if result else ''})")
    try:
        yield
    finally:
        if immutable:
            subprocess.run([shutil.which("chattr"), "-i", str(folder)], check=True)
        folder.chmod(0o700)


@pytest.mark.parametrize("existing", [False, True])
def test_read_only_data_folder(tmp_path: Path, existing: bool) -> None:
    folder = tmp_path / "data"
    if existing:
        _seeded(folder)
    else:
        folder.mkdir()
    command = "check" if existing else "init"
    with _unwritable(folder):
        line = _one_error_line(*_run("-v", "db", command, "--data-dir", str(folder)))
    assert line.startswith(f"Error: data folder {folder} is not writable (")
    assert "not a usable SQLite database" not in line


def test_read_only_data_folder_message_from_the_errors_sqlite_gives(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The path a non-root user on a chmod 0500 folder takes, whoever runs the tests."""
    error = sqlite3.OperationalError("unable to open database file")
    error.sqlite_errorcode = sqlite3.SQLITE_CANTOPEN

    def refuse(*args: object, **kwargs: object) -> None:
        raise error

    def no_write(*args: object, **kwargs: object) -> None:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(store_connection.sqlite3, "connect", refuse)
    monkeypatch.setattr(store_connection.tempfile, "TemporaryFile", no_write)
    line = _one_error_line(*_run("db", "init", "--data-dir", str(tmp_path)))
    assert line.startswith(f"Error: data folder {tmp_path} is not writable (Permission denied)")
