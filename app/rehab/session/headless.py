"""A session without a screen: what a person wants to see of it, printed as it happens.

:class:`SessionPrinter` is the sink of a headless session (each rep, each alert, phase
changes and the cause of a pause or an end); :func:`print_summary` prints the per-rep
table, the stored session's status and cause, and where the data went.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from rehab.session.events import Alert, ProgressUpdate, RepScored, SessionPhase, SessionUpdate
from rehab.session.launch import LiveSession
from rehab.store import Rep, Store

Echo = Callable[[str], None]


class SessionPrinter:
    """Prints updates a person wants to see: reps, alerts, phase changes and causes."""

    def __init__(self, echo: Echo) -> None:
        self._echo, self._last_phase = echo, None

    def __call__(self, update: SessionUpdate) -> None:
        if isinstance(update, RepScored):
            if update.partial:
                self._echo(f"  partial movement, not counted: {update.cue}")
            else:
                mark = "~" if update.uncertain else " "
                self._echo(f"  set {update.set_index + 1} rep {update.rep_index + 1}: ROM "
                           f"{mark}{update.rom_deg:5.1f} deg, score {mark}"
                           f"{update.form_score:5.1f}"
                           + ("  (uncertain: the camera missed frames)" if update.uncertain
                              else "") + (f"  - {update.cue}" if update.cue else ""))
        elif isinstance(update, Alert):
            cause = f" [{update.cause}]" if update.cause else ""
            self._echo(f"  [{update.severity}] {update.source}{cause}: {update.message}")
        elif isinstance(update, ProgressUpdate) and update.phase != self._last_phase:
            self._last_phase = update.phase
            where = update.position
            if update.phase is SessionPhase.EXERCISING:
                self._echo(f"{where.exercise_name}: set {where.set_index + 1}/"
                           f"{where.sets_total}, {where.reps_target} reps")
            elif update.phase is SessionPhase.RESTING:
                self._echo(f"  rest {update.rest_remaining_s:.0f} s")
            elif update.phase is SessionPhase.PAUSED:
                self._echo(f"  paused [{update.cause}]: {update.cue}")
            elif update.phase is SessionPhase.ABORTED:
                self._echo(f"  ended [{update.cause}]: {update.cue}")


def print_summary(data_dir: Path, live: LiveSession, echo: Echo) -> None:
    """The per-rep table, the stored status with its cause, streams and camera figures."""
    if live.session_id is None:
        echo("No session was stored.")
        return
    with Store.open(data_dir, recover=False, actor_id=live.spec.therapist_id) as store:
        session = store.sessions.get(live.session_id)
        reps = store.sessions.reps(session.id)
        streams = {name: store.streams.read(session.id, name).t_s.size
                   for name in store.streams.streams(session.id)}
        path = store.path
    echo("")
    echo(rep_table(reps))
    echo("")
    cause = f" ({session.end_cause})" if session.end_cause and \
        session.end_cause != "completed" else ""
    echo(f"Session {session.id}: {session.status}{cause}, {len(reps)} reps stored in {path}"
         + ("" if session.robot_used else " (camera only, no robot)"))
    echo("Streams: " + (", ".join(f"{name} {n} samples" for name, n in streams.items())
                        or "none recorded"))
    stats = live.runner.pipeline_stats if live.runner is not None else None
    if stats is not None and stats.frames_processed:
        echo(f"Camera pipeline: {stats.frames_processed} frames scored, "
             f"{stats.frames_dropped} stale frames dropped, capture-to-pose latency p50 "
             f"{stats.latency_p50_s * 1e3:.0f} ms, p95 {stats.latency_p95_s * 1e3:.0f} ms")


def rep_table(reps: list[Rep]) -> str:
    """A plain-text table of reps: times, ROM, peak velocity, score, deductions.

    Uncertain reps (too few frames to measure them) carry ``~`` before their ROM, speed
    and score.
    """
    lines = [f"{'rep':>4} {'start s':>8} {'dur s':>6} {'ROM deg':>8} {'peak deg/s':>10} "
             f"{'score':>6}  deductions"]
    for number, rep in enumerate(reps, start=1):
        deductions = "; ".join(f"-{d.points:g} {d.code}" for d in rep.deductions) or "-"
        mark = "~" if rep.uncertain else " "
        lines.append(f"{number:>4} {rep.t_start_s:8.2f} {rep.duration_s:6.2f} "
                     f"{mark}{rep.rom_deg:7.1f} {mark}{rep.peak_velocity_deg_s:9.1f} "
                     f"{mark}{rep.form_score:5.1f}  {deductions}"
                     + ("  (uncertain)" if rep.uncertain else ""))
    return "\n".join(lines)
