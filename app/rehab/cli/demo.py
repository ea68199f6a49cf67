"""``rehab demo``: the main job on embedded defaults."""

from __future__ import annotations

from pathlib import Path

import click

from rehab.demo import seed_demo
from rehab.paths import resolve_data_dir
from rehab.store import Store


@click.command()
@click.option("--data-dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Data folder (default: $REHAB_DATA_DIR or ./sessions).")
def demo(data_dir: Path | None) -> None:
    """Seed the demo centre (therapist, patient, program) and show what the store holds."""
    folder = resolve_data_dir(data_dir)
    with Store.open(folder) as store:
        centre = seed_demo(store)
        click.echo(f"{'Created' if centre.created else 'Found'} the demo centre in {store.path}")
        click.echo(f"  therapist: {centre.therapist.display_name} (login "
                   f"{centre.therapist.username!r})")
        p = centre.patient
        click.echo(f"  patient:   {p.code}  {p.name}  born {p.birth_year}  {p.diagnosis}")
        click.echo(f"  program:   {centre.program.name}")
        for item in centre.program.items:
            click.echo(f"    {item.position + 1}. {item.exercise_id:<30} {item.sets} x "
                       f"{item.reps}  target {item.target_rom_deg:g} deg  tempo "
                       f"{item.tempo_s:g} s  robot {item.robot_mode} "
                       f"(assistance {item.assistance:g})  safe ROM "
                       f"{item.safe_rom_min_deg:g}-{item.safe_rom_max_deg:g} deg")
        sessions = store.sessions.for_patient(p.id)
        click.echo(f"  sessions:  {len(sessions)}")
        for row in store.progress(p.id):
            click.echo(f"    session {row.session_id} {row.started_at[:16]} {row.status:<11} "
                       f"{row.exercise_id}: reps {row.reps_done}/{row.reps_prescribed}, max ROM "
                       f"{_fmt(row.max_rom_deg)} / {row.target_rom_deg:g} deg, score "
                       f"{_fmt(row.mean_form_score)}")
        report = store.check()
        click.echo(f"  database:  integrity {report.integrity[0]}, schema version "
                   f"{report.schema_version}")


def _fmt(value: float | None) -> str:
    return "-" if value is None else f"{value:.0f}"
