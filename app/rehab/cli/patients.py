"""``rehab patients``: what the logged-in user's role may see of the centre's patients."""

from __future__ import annotations

from pathlib import Path

import click

from rehab.cli.auth import logged_in, user_option
from rehab.cli.db import data_dir_option
from rehab.paths import resolve_data_dir
from rehab.store import Permission


@click.group()
def patients() -> None:
    """The centre's patients, as the logged-in user's role may see them."""


@patients.command("list")
@data_dir_option
@user_option
@click.option("--all", "include_inactive", is_flag=True, help="Include inactive patients.")
def list_patients(data_dir: Path | None, username: str, include_inactive: bool) -> None:
    """List patients: codes, names and birth years for therapists and admins; codes and
    age bands only for researchers. The listing is audited."""
    with logged_in(resolve_data_dir(data_dir), username) as store:
        if store.actor.holds(Permission.PATIENTS_READ):
            rows = store.patients.search("", include_inactive=include_inactive)
            lines = [f"{p.code}  {p.name}  {p.birth_year}" for p in rows]
        else:
            rows = store.patients.pseudonymous(include_inactive=include_inactive)
            lines = [f"{p.code}  {p.age_band}" for p in rows]
        store.record_listing("patients", len(lines))
        for line in lines:
            click.echo(line)


@patients.command("reference")
@data_dir_option
@user_option
@click.argument("code")
@click.argument("exercise")
@click.option("--session", "session_id", type=int, default=None,
              help="The session the reps were done in.")
@click.option("--set", "set_number", type=click.IntRange(1), default=1, show_default=True,
              help="The set of that exercise in the session, as the console numbers it.")
@click.option("--reps", "rep_numbers", default=None,
              help="Rep numbers in that set, as the console shows them, e.g. 1,2,3.")
def reference(data_dir: Path | None, username: str, code: str, exercise: str,
              session_id: int | None, set_number: int, rep_numbers: str | None) -> None:
    """Show, or set, the patient's reference reps for EXERCISE.

    With --session and --reps, marks those reps (done correctly, as the therapist saw
    them) as the patient's reference: from the next session on, the learned model
    compares each rep of EXERCISE with them (audited). Without, shows the reference.
    """
    with logged_in(resolve_data_dir(data_dir), username) as store:
        patient_id = store.patients.id_of_code(code)
        if session_id is None and rep_numbers is None:
            ref = store.sessions.form_references(patient_id).get(exercise)
            click.echo(f"{code} {exercise}: no reference reps" if ref is None else
                       f"{code} {exercise}: reps {', '.join(map(str, ref.rep_ids))} (ids) of "
                       f"session {ref.session_id}, set {ref.set_at} by user {ref.set_by}")
            return
        if session_id is None or rep_numbers is None:
            raise click.UsageError("give both --session and --reps to set the reference")
        try:
            numbers = [int(n) for n in rep_numbers.split(",")]
        except ValueError as exc:
            raise click.BadParameter(f"{rep_numbers!r}: rep numbers like 1,2,3",
                                     param_hint="--reps") from exc
        sets = [s for s in store.sessions.sets(session_id) if s.exercise_id == exercise]
        if len(sets) < set_number:
            raise click.BadParameter(f"session {session_id} has {len(sets)} set(s) of "
                                     f"{exercise}", param_hint="--set")
        chosen = sets[set_number - 1]
        by_number = {r.rep_index + 1: r.id for r in store.sessions.reps(session_id)
                     if r.set_id == chosen.id}
        missing = [n for n in numbers if n not in by_number]
        if missing:
            raise click.BadParameter(f"set {set_number} has no rep {missing[0]} (it has "
                                     f"{len(by_number)})", param_hint="--reps")
        ref = store.sessions.set_form_reference(patient_id,
                                                exercise, [by_number[n] for n in numbers])
        click.echo(f"{code} {exercise}: reference set to reps {rep_numbers} of set "
                   f"{set_number}, session {ref.session_id}")
