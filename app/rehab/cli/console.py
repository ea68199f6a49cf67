"""``rehab console``: the therapist console."""

from __future__ import annotations

from pathlib import Path

import click

from rehab.language import DEFAULT_LANGUAGE, Language


@click.command()
@click.option("--data-dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Data folder (default: $REHAB_DATA_DIR, else the console's saved setting, "
                   "else ./sessions).")
@click.option("--lang", "language", type=click.Choice([lang.value for lang in Language]),
              default=None, help="Language of the console (default: the saved setting, else "
                   f"{DEFAULT_LANGUAGE.value}).")
@click.option("--settings", "settings_path", type=click.Path(dir_okay=False, path_type=Path),
              default=None, help="Settings file (default: ~/.config/rehab/console.json).")
@click.option("--no-robot", is_flag=True,
              help="Camera-only sessions: do not connect to the robot node.")
@click.option("--user", "username", default=None,
              help="Log this user in at once (a demo on a trusted machine).")
def console(data_dir: Path | None, language: str | None, settings_path: Path | None,
            no_robot: bool, username: str | None) -> None:
    """Open the therapist console (patients, programs, live sessions, progress).

    Live sessions use the camera (or video) and the robot's DDS domain set in Settings;
    the robot node must be running on that domain unless --no-robot is given.
    """
    # Imported here: Qt, MediaPipe and DDS load only for this command.
    from rehab.ui.console.app import run_console
    from rehab.ui.console.session_factory import runner_session_factory

    raise SystemExit(run_console(
        data_dir=data_dir, language=Language(language) if language else None,
        settings_path=settings_path, username=username,
        session_factory=lambda folder: runner_session_factory(folder, robot=not no_robot)))
