"""``rehab db`` and ``rehab demo`` as a user runs them; every command has help."""

from __future__ import annotations

from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from rehab.cli import cli
from rehab.store import SCHEMA_VERSION, Store
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
    code, out, err = _run("db", "check", "--data-dir", str(tmp_path / "nothing"))
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
    with Store.open(tmp_path) as writer:
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
    assert code == 0 and "Created the demo centre" in out and "김영희" in out
    code, out, _ = _run("demo", "--seed-only", "--data-dir", str(tmp_path))
    assert code == 0 and "Found the demo centre" in out
    with Store.open(tmp_path) as store:
        assert len(store.patients.search("")) == 1
        assert len(store.programs.for_patient(store.patients.search("")[0].id)) == 1
