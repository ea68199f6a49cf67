"""Everything a session writes to the store, committed as it happens.

One :class:`SessionRecorder` per session, used only from the session's worker thread
(SQLite connections are per thread). Reps, events and state changes are committed at
once; stream samples are buffered into ~1 s chunks, so a crash loses at most the last
second of samples and nothing else.
"""

from __future__ import annotations

import numpy as np

from rehab.robot.messages import RemoteTransition, Telemetry
from rehab.session.plan import SessionPlan
from rehab.session.recording import POSE_COLUMNS, robot_columns
from rehab.store import (
    Cause,
    EventKind,
    NewEvent,
    NewRep,
    NewSet,
    SessionOutcome,
    Severity,
    Store,
    StreamRecorder,
)
from rehab.store.models import Session


class SessionRecorder:
    """The store side of one live session.

    Parameters
    ----------
    store
        Opened in the worker thread.
    """

    def __init__(self, store: Store) -> None:
        self.store, self._t0_wall_s = store, 0.0
        self.session_id: int | None = None
        self._streams: StreamRecorder | None = None
        self._robot_stream = False

    def open(self, plan: SessionPlan, *, robot_used: bool, t0_wall_s: float) -> Session:
        """Create the session row (only once the camera has delivered frames).

        ``t0_wall_s`` is the wall-clock time of the session clock's zero (robot samples
        carry wall time).
        """
        self._t0_wall_s = t0_wall_s
        session = self.store.sessions.start(plan.patient_id, program_id=plan.program_id,
                                            therapist_id=plan.therapist_id,
                                            robot_used=robot_used)
        self.session_id = session.id
        self._streams = StreamRecorder(self.store.streams, session.id)
        self._streams.declare("pose", POSE_COLUMNS)
        return session

    # ------------------------------------------------------------------ sets and reps

    def add_set(self, new: NewSet) -> int:
        return self.store.sessions.add_set(self._id(), new)

    def robot_accepted(self, set_id: int, command_seq: int | None) -> None:
        self.store.sessions.set_robot_command(set_id, command_seq)

    def end_set(self, set_id: int, t_s: float) -> None:
        self.store.sessions.end_set(set_id, t_s)

    def add_rep(self, set_id: int, rep: NewRep) -> None:
        self.store.sessions.add_rep(set_id, rep)

    # ------------------------------------------------------------------ events and state

    def event(self, kind: EventKind, severity: Severity, source: str, message: str,
              t_s: float, cause: Cause | None = None) -> None:
        self.store.sessions.add_event(self._id(), NewEvent(kind, severity, source, message,
                                                           t_s, cause))

    def robot_transition(self, transition: RemoteTransition, t_s: float,
                         cause: Cause | None) -> None:
        """The robot's own state change, stored as it reported it (its side of the record)."""
        stopped = cause is not None
        self.event(EventKind.FAULT if stopped else EventKind.STATE,
                   Severity.ERROR if stopped else Severity.INFO, "robot",
                   f"robot {transition.from_state.name.lower()} -> "
                   f"{transition.to_state.name.lower()}: {transition.reason}", t_s, cause)

    def paused(self, cause: Cause, reason: str, t_s: float) -> None:
        self.store.sessions.set_paused(self._id(), True, cause=cause, reason=reason, t_s=t_s)

    def resumed(self, t_s: float) -> None:
        self.store.sessions.set_paused(self._id(), False, cause=Cause.THERAPIST, t_s=t_s)

    def finish(self, cause: Cause, reason: str, t_s: float) -> Session:
        """Close the session with its cause; notes stay for what a person types."""
        self.close_streams()
        return self.store.sessions.finish(self._id(), SessionOutcome(), cause=cause,
                                          reason=reason, t_s=t_s)

    # ------------------------------------------------------------------ streams

    def pose(self, t_s: float, row: np.ndarray) -> None:
        if self._streams is not None:
            self._streams.append("pose", t_s, row)

    def robot(self, samples: list[Telemetry]) -> None:
        """Joint states on the session clock (samples from before its start are dropped)."""
        if not samples or self._streams is None:
            return
        if not self._robot_stream:
            self._streams.declare("robot", robot_columns(samples[0].names))
            self._robot_stream = True
        t = np.array([s.received_s - self._t0_wall_s for s in samples])
        rows = np.array([[v for triple in zip(s.position_rad, s.velocity_rad_s, s.effort_nm,
                                              strict=True) for v in triple] for s in samples])
        keep = t >= 0
        if keep.any():
            # Arrival order can interleave by a few microseconds across DDS threads.
            self._streams.extend("robot", np.maximum.accumulate(t[keep]), rows[keep])

    def close_streams(self) -> None:
        """Flush buffered samples (idempotent)."""
        streams, self._streams = self._streams, None
        if streams is not None:
            streams.close()

    def _id(self) -> int:
        if self.session_id is None:
            raise RuntimeError("the session row is created by open() first")
        return self.session_id
