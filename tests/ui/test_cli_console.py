"""``rehab console``: the command opens the console on the data folder and settings."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from rehab.cli import cli
from rehab.errors import ValidationError
from rehab.paths import database_path
from rehab.ui.console.app import open_console
from rehab.ui.i18n import Language
from tests.ui.conftest import THERAPIST_PASSWORD


def test_help_names_the_options() -> None:
    result = CliRunner().invoke(cli, ["console", "--help"])
    assert result.exit_code == 0
    assert "--data-dir" in result.output and "--lang" in result.output


def test_refuses_an_unknown_language() -> None:
    result = CliRunner().invoke(cli, ["console", "--lang", "fr"])
    assert result.exit_code == 2


def test_open_console_on_its_data_folder_and_settings(qtbot, tmp_path: Path) -> None:
    settings = tmp_path / "console.json"
    settings.write_text(json.dumps({"language": "ko", "dds_domain_id": 5}), encoding="utf-8")
    with open_console(data_dir=tmp_path / "데이터", language=Language.EN,
                      settings_path=settings) as window:
        window.show()
        qtbot.waitExposed(window)
        model = window.model
        assert database_path(tmp_path / "데이터").exists()
        assert model.translator.language is Language.EN  # --lang wins over the setting
        assert model.settings.settings.dds_domain_id == 5
        assert window.windowTitle() == "Rehab robot therapy console"
        assert window.root.currentWidget() is window.login  # nobody logged in yet
        # the library is registered, so programs can name its exercises
        assert {e.id for e in model.store.as_system().exercises.list()} == set(model.library)
    assert not window.isVisible()


def test_open_console_logged_in_for_the_demo(qtbot, demo_store, tmp_path: Path) -> None:
    store, centre = demo_store
    with open_console(data_dir=store.data_dir, settings_path=tmp_path / "c.json",
                      username=centre.therapist.username, password=THERAPIST_PASSWORD) as window:
        assert window.model.login.user.id == centre.therapist.id
        assert window.root.currentIndex() == 1


def test_a_user_name_alone_only_fills_in_the_login_form(qtbot, demo_store,
                                                       tmp_path: Path) -> None:
    store, centre = demo_store
    with open_console(data_dir=store.data_dir, settings_path=tmp_path / "c.json",
                      username=centre.therapist.username) as window:
        assert window.model.login.user is None and window.root.currentWidget() is window.login
        assert window.login.username.text() == centre.therapist.username


def test_a_wrong_password_is_one_clear_line(qapp, demo_store, tmp_path: Path) -> None:
    store, _ = demo_store
    with pytest.raises(ValidationError, match="cannot log 'kim' in"), open_console(
            data_dir=store.data_dir, settings_path=tmp_path / "c.json",
            username="kim", password="not the password"):
        pass
