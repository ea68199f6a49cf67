"""What a running session tells its screens: typed updates, one clock (session seconds).

The session runner (``rehab.session.runner``) emits these from its worker threads through
one callback; the console's Qt bridge re-emits them as signals on the GUI thread, and the
headless runner prints them. Nothing here imports Qt, MediaPipe or the robot transport.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np

from rehab.store.models import Cause, Deduction, Severity


class NoOpinion(enum.Enum):
    """Why the learned model, asked about a rep of a movement it knows, gives no probability.

    The session's ``rep_probability`` returns it instead of a number; the rep then stores
    no probability, reads "no opinion" on the console and is never flagged
    (:attr:`RepScored.model_declined`). Defined here, with the updates, so that the
    session core knows the answer without importing the model (``rehab.quality``).
    """

    UNLIKE_TRAINING = "unlike its training reps"
    """Outside the training reps' range (``rehab.quality.ood.in_training_range``)."""


class SessionPhase(enum.StrEnum):
    """Where the session is in its program."""

    READY = "ready"
    EXERCISING = "exercising"
    RESTING = "resting"
    PAUSED = "paused"
    FINISHED = "finished"
    ABORTED = "aborted"


@dataclass(frozen=True)
class FrameUpdate:
    """One analysed camera frame.

    Attributes
    ----------
    t_s
        Capture time on the session clock.
    image_bgr
        The frame (H, W, 3) uint8 as captured (not mirrored; the patient screen mirrors),
        or None when frames are not forwarded.
    landmarks_px
        (33, 2) BlazePose landmarks in image pixels, None when no person is in view.
    visibility
        (33,) 0-1, None with ``landmarks_px``.
    angles_deg
        The exercise's angles of this frame (primary first), NaN where unknown.
    latency_s
        Capture to score, seconds.
    """

    t_s: float
    image_bgr: np.ndarray | None
    landmarks_px: np.ndarray | None
    visibility: np.ndarray | None
    angles_deg: Mapping[str, float]
    primary_angle: str
    latency_s: float

    @property
    def person_found(self) -> bool:
        return self.landmarks_px is not None


@dataclass(frozen=True)
class RepScored:
    """A repetition finished and scored (partial reps are reported, not counted)."""

    t_s: float
    item_index: int
    set_index: int
    rep_index: int
    rom_deg: float
    form_score: float
    deductions: tuple[Deduction, ...]
    flags: tuple[str, ...]
    cue: str
    partial: bool = False
    uncertain: bool = False
    model_probability: float | None = None  # the learned model's opinion, 0-1 (or none)
    side: str | None = None  # the limb of a rep of an alternating exercise (left, right)
    # The model knows the movement but declined: the rep is unlike its training reps
    # (rehab.quality.ood); model_probability is None and the rep is never flagged.
    model_declined: bool = False
    # model_probability compares the rep with the patient's own reference reps.
    model_reference: bool = False


@dataclass(frozen=True)
class RobotUpdate:
    """The robot as last heard, with the app's view of the link."""

    t_s: float
    state: str
    mode: str
    link: str  # "connected" | "stale" | "lost"
    joint_names: tuple[str, ...]
    position_deg: tuple[float, ...]
    effort_nm: tuple[float, ...]
    assistance: float
    fault: str = ""
    reason: str = ""
    reason_code: str = ""
    """The robot's :class:`~rehab_robot.core.api.ReasonCode` value for ``reason`` (the
    screens show ``robot.reason.<code>``; ``reason`` and ``fault`` are its English words)."""


@dataclass(frozen=True)
class Alert:
    """Something the therapist must see (also stored as an event).

    ``message`` is English (logs, the stored event); ``message_id`` and ``params`` are
    the same message as data, which the screens render in their language.
    """

    t_s: float
    severity: Severity
    source: str
    message: str
    cause: Cause | None = None
    message_id: str = ""
    params: Mapping[str, object] = field(default_factory=dict)


@dataclass(frozen=True)
class SetPosition:
    """Where in the program a session is: which exercise, which set, how many reps."""

    item_index: int
    items_total: int
    exercise_id: str
    exercise_name: str
    set_index: int
    sets_total: int
    reps_done: int
    reps_target: int


@dataclass(frozen=True)
class ProgressUpdate:
    """A change of phase or position: exercise, set, reps, rest, and why it paused or ended.

    Attributes
    ----------
    position
        The exercise, set and reps.
    rest_remaining_s
        Seconds of rest left (``RESTING`` only).
    session_id
        The stored session (None before it is created).
    cue
        The latest instruction (the exercise's cue, in the session's language) or, when
        paused or ended, the reason in English.
    cue_id, cue_params
        The reason as a message id and parameters, which the screens render in their
        language (``""`` for an exercise's cue, which is already in the session's language).
    cause
        Why the session paused or ended (``PAUSED``, ``FINISHED``, ``ABORTED``); the
        screens translate it.
    """

    t_s: float
    phase: SessionPhase
    position: SetPosition
    session_id: int | None = None
    rest_remaining_s: float = 0.0
    cue: str = ""
    cause: Cause | None = None
    cue_id: str = ""
    cue_params: Mapping[str, object] = field(default_factory=dict)


SessionUpdate = FrameUpdate | RepScored | RobotUpdate | Alert | ProgressUpdate
UpdateSink = Callable[[SessionUpdate], None]


class SessionControl(Protocol):
    """What a screen may ask of a running session. Every call returns at once."""

    def start(self) -> None: ...

    def pause(self, cause: Cause = Cause.THERAPIST) -> None:
        """Pause, holding the robot: ``cause`` is the therapist or the patient."""
        ...

    def resume(self) -> None: ...

    def begin_set(self) -> None:
        """The patient screen's lead-in is over (framing, demonstration, countdown)."""
        ...

    def skip_rest(self) -> None: ...

    def extend_rest(self, seconds: float) -> None: ...

    def set_patient_screen(self, open_: bool) -> None:
        """A patient screen opened (sets wait for its lead-in) or closed."""
        ...

    def stop(self, cause: Cause = Cause.THERAPIST) -> None:
        """End the session early: by a person (therapist, patient) or a ``signal``."""
        ...

    def estop(self) -> None:
        """Emergency stop: the robot's e-stop service first, then pause the session."""
        ...
