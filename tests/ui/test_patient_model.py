"""The patient screen's model: phases from the session's updates and a fake clock, voice."""

from __future__ import annotations

import numpy as np
import pytest

from rehab.language import Language
from rehab.session.events import SessionPhase
from rehab.store.models import Cause
from rehab.ui.i18n import Translator
from rehab.ui.models.guide import demo_skeleton
from rehab.ui.models.patient import (
    COUNTDOWN_FROM,
    DEMO_LOOPS,
    FRAMING_HOLD_S,
    PatientPhase,
    PatientScreenModel,
    framing_hint,
)
from rehab.ui.models.voice import (
    CUE_COOLDOWN_S,
    STUCK_BASE_S,
    STUCK_PER_CHAR_S,
    Priority,
    Voice,
)
from tests.ui.patient_helpers import (
    FakeClock,
    PatientControl,
    RecordingSpeech,
    body_frame,
    guides,
    progress,
    rep,
)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def speech(clock: FakeClock) -> RecordingSpeech:
    return RecordingSpeech(clock, busy_s=0.5)


@pytest.fixture
def screen(library, clock, speech) -> tuple[PatientScreenModel, PatientControl]:
    model = PatientScreenModel(Translator(Language.KO), Voice(speech, "ko", clock), clock)
    control = PatientControl()
    model.attach(control, guides(library))
    return model, control


def run(model: PatientScreenModel, clock: FakeClock, seconds: float, step: float = 0.05) -> None:
    for _ in range(round(seconds / step)):
        clock.advance(step)
        model.tick()


def lead_in(model: PatientScreenModel, clock: FakeClock) -> None:
    """Answer the pain question, get framed, watch the demo, count down."""
    model.answer_pain(2)
    model.ingest(progress(SessionPhase.READY))
    model.ingest(body_frame(1.0))
    run(model, clock, FRAMING_HOLD_S + 0.1)
    run(model, clock, DEMO_LOOPS * model.guide.demo_period_s + 0.1)
    run(model, clock, COUNTDOWN_FROM + 0.1)


def test_every_phase_in_order_and_the_set_begins_after_the_countdown(screen, clock) -> None:
    model, control = screen
    seen: list[PatientPhase] = [model.phase]
    model.changed.connect(lambda: seen.append(model.phase) if not seen or
                          seen[-1] != model.phase else None)
    answers: list[tuple[str, int]] = []
    model.pain_answered.connect(lambda when, n: answers.append((when, n)))
    assert model.phase is PatientPhase.PAIN_BEFORE
    lead_in(model, clock)
    assert control.calls == ["begin_set"]
    model.ingest(progress(SessionPhase.EXERCISING))
    for i in range(3):
        model.ingest(rep(i))
    assert (model.reps_done, model.phase) == (3, PatientPhase.EXERCISE)
    model.ingest(progress(SessionPhase.RESTING, reps=3, rest_s=30.0))
    clock.advance(10.0)
    assert model.rest_left_s == pytest.approx(20.0)
    model.skip_rest()
    model.add_rest()
    assert control.calls[-2:] == ["skip_rest", "extend_rest:30"]
    model.ingest(progress(SessionPhase.READY, set_index=1))
    assert model.phase is PatientPhase.COUNTDOWN  # the exercise was shown already
    run(model, clock, COUNTDOWN_FROM + 0.1)
    model.ingest(progress(SessionPhase.EXERCISING, set_index=1))
    model.ingest(progress(SessionPhase.FINISHED, item=1, reps=2, cause=Cause.COMPLETED))
    model.answer_pain(1)
    assert seen == [PatientPhase.PAIN_BEFORE, PatientPhase.WAITING, PatientPhase.FRAMING,
                    PatientPhase.DEMONSTRATION, PatientPhase.COUNTDOWN, PatientPhase.EXERCISE,
                    PatientPhase.REST, PatientPhase.COUNTDOWN, PatientPhase.EXERCISE,
                    PatientPhase.SUMMARY]
    assert answers == [("before", 2), ("after", 1)]
    assert model.summary.reps_done == 3 and model.summary.best_rom_deg == 110.0


def test_framing_waits_a_second_of_the_whole_body(screen, clock) -> None:
    model, _control = screen
    model.answer_pain(None)
    model.ingest(progress(SessionPhase.READY))
    model.ingest(body_frame(0.0, whole=False))
    assert model.hint == "framing.step_back"
    run(model, clock, 3.0)
    assert model.phase is PatientPhase.FRAMING
    model.ingest(body_frame(3.0))
    assert model.hint == "framing.ok"
    run(model, clock, FRAMING_HOLD_S - 0.2)
    assert model.phase is PatientPhase.FRAMING
    model.ingest(body_frame(3.9, whole=False))  # stepped out again: the second restarts
    run(model, clock, 0.5)
    assert model.phase is PatientPhase.FRAMING
    model.ingest(body_frame(4.5))
    run(model, clock, FRAMING_HOLD_S + 0.1)
    assert model.phase is PatientPhase.DEMONSTRATION


@pytest.mark.parametrize(("frame_kwargs", "view", "hint"), [
    ({"whole": True}, "frontal", "framing.ok"),
    ({"whole": False}, "frontal", "framing.step_back"),
    ({"whole": True}, "sagittal", "framing.turn_chair"),
    ({"whole": True, "side_on": True}, "sagittal", "framing.ok"),
])
def test_framing_hints(library, frame_kwargs, view, hint) -> None:
    frontal, sagittal = guides(library)  # shoulder abduction, elbow flexion (side view)
    guide = frontal if view == "frontal" else sagittal
    assert framing_hint(body_frame(0.0, **frame_kwargs), guide) == hint


def test_stop_pauses_with_the_patient_cause_and_speaks_at_once(screen, clock, speech) -> None:
    model, control = screen
    lead_in(model, clock)
    model.ingest(progress(SessionPhase.EXERCISING))
    speech.say("something long", "ko")  # speaking: STOP must interrupt it
    model.press_stop()
    assert control.calls[-1] == "pause:patient"
    assert speech.stops >= 1 and speech.texts[-1] == "멈췄습니다. 치료사 선생님이 곧 오십니다."
    model.ingest(progress(SessionPhase.PAUSED, cause=Cause.PATIENT))
    assert model.phase is PatientPhase.PAUSED and model.stopped_by_patient
    model.ingest(progress(SessionPhase.EXERCISING))  # the therapist resumed
    assert model.phase is PatientPhase.EXERCISE and not model.stopped_by_patient


def test_countdown_is_paused_with_the_session(screen, clock) -> None:
    model, control = screen
    model.answer_pain(3)
    model.ingest(progress(SessionPhase.READY, set_index=0))
    model.ingest(body_frame(0.0))
    run(model, clock, FRAMING_HOLD_S + 0.1)
    run(model, clock, DEMO_LOOPS * model.guide.demo_period_s + 0.1)
    assert model.phase is PatientPhase.COUNTDOWN
    model.ingest(progress(SessionPhase.PAUSED, cause=Cause.THERAPIST))
    run(model, clock, 10.0)
    assert "begin_set" not in control.calls
    model.ingest(progress(SessionPhase.READY))
    assert model.phase is PatientPhase.COUNTDOWN and model.countdown == COUNTDOWN_FROM
    run(model, clock, COUNTDOWN_FROM + 0.1)
    assert control.calls == ["begin_set"]


def test_a_session_that_does_not_wait_ends_the_lead_in_with_its_first_rep(screen, clock) -> None:
    model, _control = screen
    model.answer_pain(0)
    model.ingest(progress(SessionPhase.EXERCISING))
    assert model.phase is PatientPhase.FRAMING
    model.ingest(rep(0, cue="팔을 조금 더 높이 올려 보세요."))
    assert model.phase is PatientPhase.EXERCISE and model.reps_done == 1
    assert model.cue == "팔을 조금 더 높이 올려 보세요."


def test_counts_and_cues_are_spoken_one_at_a_time(screen, clock, speech) -> None:
    model, _control = screen
    lead_in(model, clock)
    model.ingest(progress(SessionPhase.EXERCISING))
    run(model, clock, 1.0)  # "start now" said
    n = len(speech.said)
    model.ingest(rep(0, cue="천천히"))
    model.ingest(rep(1, cue="천천히"))  # while the first is said: waits, replaces nothing
    model.ingest(rep(2, cue="천천히"))
    assert speech.texts[n:] == ["1. 천천히"]
    run(model, clock, 1.0)
    assert speech.texts[n:] == ["1. 천천히", "3"]  # the latest count, the cue not repeated


def test_voice_cooldown_mute_and_priority(clock, speech) -> None:
    voice = Voice(speech, "en", clock)
    voice.say("cue one", Priority.CUE)
    clock.advance(1.0)
    voice.say("cue two", Priority.CUE)  # within the cool-down: dropped
    clock.advance(CUE_COOLDOWN_S)
    voice.say("cue three", Priority.CUE)
    voice.say("phase", Priority.PHASE)
    voice.set_muted(True)
    voice.say("muted", Priority.URGENT)
    voice.set_muted(False)
    assert speech.texts == ["cue one", "cue three"]
    assert speech.said[0][1] == "en"


def test_an_engine_that_never_stops_speaking_is_not_waited_on(clock, caplog) -> None:
    # speech-dispatcher with no audio device says "speaking" forever after its first words
    speech = RecordingSpeech(clock, busy_s=1e9)
    voice = Voice(speech, "ko", clock)
    voice.say("하나", Priority.COUNT)
    voice.say("둘", Priority.COUNT)
    limit_s = STUCK_BASE_S + STUCK_PER_CHAR_S * len("하나")
    for _ in range(round((limit_s - 0.1) / 0.05)):
        clock.advance(0.05)
        voice.tick()
    assert speech.texts == ["하나"]  # a real utterance is waited for
    for _ in range(10):
        clock.advance(0.05)
        voice.tick()
    assert speech.texts == ["하나", "둘"] and speech.stops >= 1
    stuck = [r for r in caplog.records if "still says it is speaking" in r.getMessage()]
    assert len(stuck) == 1


def test_demo_moves_at_the_prescribed_tempo_and_range(library) -> None:
    guide = guides(library)[0]  # 2 s up, 0.5 s hold, 2 s down, 120 deg
    assert guide.demo_angle_deg(0.0) == pytest.approx(guide.rest_deg)
    assert guide.demo_angle_deg(2.2) == pytest.approx(guide.target_deg)
    assert guide.target_deg - guide.rest_deg == pytest.approx(120.0)
    assert guide.demo_angle_deg(guide.demo_period_s + 2.2) == pytest.approx(guide.target_deg)
    down, up = demo_skeleton(guide, 0.0), demo_skeleton(guide, 90.0)
    # raised to 90 deg: the wrist level with the shoulder, out to the side
    assert up[15][1] == pytest.approx(up[11][1], abs=0.04)
    assert abs(up[15][0] - up[11][0]) == pytest.approx(down[15][1] - down[11][1], abs=0.02)
    assert np.allclose(up[27], down[27])  # the feet do not move
