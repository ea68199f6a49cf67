"""``rehab demo``: the main job on embedded defaults."""

from __future__ import annotations

import os
from pathlib import Path

import click

from rehab.demo import seed_demo
from rehab.language import DEFAULT_LANGUAGE, LANGUAGES
from rehab.paths import resolve_data_dir
from rehab.store import Store
from rehab.vision.pose import POSE_BACKENDS, PoseBackendSettings


@click.command()
@click.option("--data-dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Data folder (default: $REHAB_DATA_DIR or ./sessions).")
@click.option("--headless", is_flag=True,
              help="Run the whole session without a screen and print the per-rep table.")
@click.option("--video", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              default=None, help="Play this video as the camera (default: the demo video).")
@click.option("--camera", type=click.IntRange(min=0), default=None,
              help="Use this camera (OpenCV index) instead of a video.")
@click.option("--lang", type=click.Choice(LANGUAGES), default=DEFAULT_LANGUAGE.value,
              show_default=True,
              help="Language of cues and texts.")
@click.option("--no-robot", is_flag=True, help="Camera-only session: no robot node.")
@click.option("--seed-only", is_flag=True, help="Only seed the demo centre and print it.")
@click.option("--pose-backend", type=click.Choice(POSE_BACKENDS), default="mediapipe",
              show_default=True,
              help="Pose estimator: MediaPipe (CPU), BlazePose in torch, or auto (torch on "
                   "CUDA if present).")
@click.option("--device", default="cpu", show_default=True,
              help="Device of the torch backend: cpu or cuda[:N].")
def demo(data_dir: Path | None, headless: bool, video: Path | None, camera: int | None,
         lang: str, no_robot: bool, seed_only: bool, pose_backend: str, device: str) -> None:
    """Run a demo session: simulated robot, demo video, demo patient.

    Seeds the demo centre (therapist, patient, program) when missing, starts the
    simulated robot node and opens the console logged in, running the session on the
    demo video (or --camera / --video). Without a display, or with --headless, the same
    session runs in the terminal and prints the per-rep table. Exit code 0 only for a
    completed session: 1 error, 3 stopped by a person, 4 aborted by a fault, 128+N
    ended by signal N.
    """
    folder = resolve_data_dir(data_dir)
    if seed_only:
        _print_centre(folder)
        return
    from rehab.demo_run import HeadlessOptions, run_headless

    options = HeadlessOptions(folder, video=video, camera=camera, language=lang,
                              robot=not no_robot, pose=PoseBackendSettings(pose_backend, device))
    if not headless and not _has_display():
        click.echo("No display (DISPLAY, WAYLAND_DISPLAY or QT_QPA_PLATFORM unset): "
                   "running the session headless.")
        headless = True
    if headless:
        raise SystemExit(run_headless(options, click.echo).exit_code)
    from rehab.ui.console.demo import run_console_demo  # Qt only for the console

    raise SystemExit(run_console_demo(options))


def _has_display() -> bool:
    return any(os.environ.get(name) for name in ("DISPLAY", "WAYLAND_DISPLAY",
                                                  "QT_QPA_PLATFORM"))


def _print_centre(folder: Path) -> None:
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
        click.echo(f"  sessions:  {len(store.sessions.for_patient(p.id))}")
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
