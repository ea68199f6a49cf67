"""What a session tells its screens: typed updates built from the session's state.

:class:`Reporter` turns the runner's state into :mod:`rehab.session.events` updates and
hands them to the sink (the console's Qt bridge, the patient screen, the headless
printer). It decides nothing.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping

import numpy as np

from rehab.exercises.library import SideMode
from rehab.language import Language
from rehab.messages import Message
from rehab.robot.link import LinkState
from rehab.robot.messages import RemoteStatus, Telemetry
from rehab.session.events import (
    Alert,
    FrameUpdate,
    ProgressUpdate,
    RepScored,
    RobotUpdate,
    SessionPhase,
    SetPosition,
    UpdateSink,
)
from rehab.session.plan import PlannedItem, SessionPlan
from rehab.store import Cause, NewRep, Severity


def _alternating_side(item: PlannedItem, side: str | None) -> str | None:
    """The rep's limb where the screens show it: only for an alternating exercise.

    Returns
    -------
    str or None
        ``side`` for an alternating exercise, else None (the set's side is known).
    """
    return side if item.exercise.side_mode is SideMode.ALTERNATING else None


class Reporter:
    """Sends updates on the session clock.

    Parameters
    ----------
    sink
        Receives every update (on the session's worker thread).
    plan
        The session's program (for positions).
    language
        Language of exercise names.
    now_s
        The session clock (seconds since the session started; 0 before).
    """

    def __init__(self, sink: UpdateSink, plan: SessionPlan, language: str,
                 now_s: Callable[[], float]) -> None:
        self._sink, self._plan, self._language, self._now_s = sink, plan, language, now_s
        self.session_id: int | None = None

    def position(self, item: PlannedItem, set_index: int, reps_done: int) -> SetPosition:
        return SetPosition(item.item_index, len(self._plan.items), item.exercise.id,
                           item.exercise.names.get(self._language), set_index, item.sets,
                           reps_done, item.reps)

    def progress(self, phase: SessionPhase, position: SetPosition, *, rest_left_s: float = 0.0,
                 cue: str | Message = "", cause: Cause | None = None) -> None:
        """Report the phase and position; a :class:`Message` cue travels as id + params."""
        if isinstance(cue, Message):
            update = ProgressUpdate(self._now_s(), phase, position, self.session_id,
                                    rest_left_s, cue.text(Language.EN), cause, cue.id,
                                    dict(cue.params))
        else:
            update = ProgressUpdate(self._now_s(), phase, position, self.session_id,
                                    rest_left_s, cue, cause)
        self._sink(update)

    def alert(self, severity: Severity, source: str, message: Message,
              cause: Cause | None = None, *, english: str | None = None) -> None:
        """Report an alert: the message id and params for screens, and English text for
        logs (``english``, when it should hold more than the message, such as the robot's
        own words)."""
        self._sink(Alert(self._now_s(), severity, source,
                         english or message.text(Language.EN), cause, message.id,
                         dict(message.params)))

    def frame(self, t_s: float, image_bgr: np.ndarray | None, landmarks_px: np.ndarray | None,
              visibility: np.ndarray | None, angles_deg: Mapping[str, float],
              primary_angle: str, latency_s: float) -> None:
        self._sink(FrameUpdate(t_s, image_bgr, landmarks_px, visibility, angles_deg,
                               primary_angle, latency_s))

    def rep(self, item: PlannedItem, set_index: int, rep: NewRep, cue: str, *,
            model_declined: bool = False) -> None:
        self._sink(RepScored(self._now_s(), item.item_index, set_index, rep.rep_index,
                             rep.rom_deg, rep.form_score, rep.deductions, rep.flags, cue,
                             uncertain=rep.uncertain,
                             model_probability=rep.model_probability,
                             model_declined=model_declined,
                             model_reference=bool(rep.model_reference),
                             side=_alternating_side(item, rep.side)))

    def partial_rep(self, item: PlannedItem, set_index: int, rom_deg: float, cue: str,
                    side: str | None = None) -> None:
        self._sink(RepScored(self._now_s(), item.item_index, set_index, -1, rom_deg, 0.0, (),
                             (), cue, partial=True, side=_alternating_side(item, side)))

    def robot(self, status: RemoteStatus, link: LinkState, latest: Telemetry | None) -> None:
        self._sink(RobotUpdate(
            self._now_s(), status.state.value, status.mode.value, link.value,
            latest.names if latest else (),
            tuple(math.degrees(p) for p in latest.position_rad) if latest else (),
            latest.effort_nm if latest else (), status.assistance, status.fault,
            status.reason, status.reason_code))
