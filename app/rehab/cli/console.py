"""``rehab console``: the therapist console."""

from __future__ import annotations

from pathlib import Path

import click

from rehab.ui.i18n import Language


@click.command()
@click.option("--data-dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Data folder (default: $REHAB_DATA_DIR, else the console's saved setting, "
                   "else ./sessions).")
@click.option("--lang", "language", type=click.Choice([lang.value for lang in Language]),
              default=None, help="Language of the console (default: the saved setting, ko).")
@click.option("--settings", "settings_path", type=click.Path(dir_okay=False, path_type=Path),
              default=None, help="Settings file (default: ~/.config/rehab/console.json).")
def console(data_dir: Path | None, language: str | None, settings_path: Path | None) -> None:
    """Open the therapist console (patients, programs, live sessions, progress)."""
    from rehab.ui.console.app import run_console  # Qt is loaded only for this command

    raise SystemExit(run_console(data_dir=data_dir,
                                 language=Language(language) if language else None,
                                 settings_path=settings_path))
