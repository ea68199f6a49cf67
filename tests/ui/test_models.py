"""The console's models, without Qt: real store, real library, real robot limits."""

from __future__ import annotations

import dataclasses
import json
import sys
from pathlib import Path

import numpy as np
import pytest

from rehab.analytics import Trend
from rehab.errors import DataFileError, RehabError, ValidationError
from rehab.session.events import (
    Alert,
    FrameUpdate,
    ProgressUpdate,
    RepScored,
    RobotUpdate,
    SessionPhase,
    SetPosition,
)
from rehab.store import (
    Deduction,
    NewAssessment,
    ProgramItem,
    RobotMode,
    SessionOutcome,
    SessionStatus,
    Side,
)
from rehab.store.models import Cause, Severity
from rehab.ui.i18n import Language
from rehab.ui.models.assessments import AssessmentsModel, parse_score
from rehab.ui.models.console import ConsoleModel, SessionRequest
from rehab.ui.models.live import LiveSessionModel, Trace
from rehab.ui.models.outcome import AfterSessionModel
from rehab.ui.models.patients import PatientListModel, patient_from_form
from rehab.ui.models.program import (
    ProgramEditorModel,
    check_item,
    default_draft,
    robot_joint_for,
)
from rehab.ui.models.progress import PatientProgressModel
from rehab.ui.models.settings import (
    ConsoleSettings,
    SettingsModel,
    load_settings,
    save_settings,
)
from tests.ui.history import record_session


class FakeControl:
    """Records the calls a screen makes on a running session."""

    def __init__(self, fail_estop: bool = False) -> None:
        self.calls: list[str] = []
        self.fail_estop = fail_estop

    def start(self) -> None:
        self.calls.append("start")

    def pause(self, cause: Cause = Cause.THERAPIST) -> None:
        self.calls.append(f"pause:{cause}")

    def resume(self) -> None:
        self.calls.append("resume")

    def stop(self, cause: Cause = Cause.THERAPIST) -> None:
        self.calls.append("stop" if cause is Cause.THERAPIST else f"stop:{cause}")

    def estop(self) -> None:
        self.calls.append("estop")
        if self.fail_estop:
            raise RehabError("robot e-stop service did not answer")


def frame(t_s: float, angle_deg: float, *, image: bool = True) -> FrameUpdate:
    pts = np.tile([[320.0, 240.0]], (33, 1))
    return FrameUpdate(t_s, np.zeros((48, 64, 3), np.uint8) if image else None, pts,
                       np.ones(33), {"shoulder_abduction_left": angle_deg},
                       "shoulder_abduction_left", 0.04)


# -- patients -------------------------------------------------------------------------


def test_patients_add_search_edit_deactivate_with_korean_names(demo_store) -> None:
    store, _centre = demo_store
    model = PatientListModel(store)
    seen: list[int] = []
    model.changed.connect(lambda: seen.append(len(model.patients)))
    added = model.add(patient_from_form(name="  이순자 ", birth_year="1941", sex="female",
                                        affected_side="right", diagnosis="파킨슨병"))
    assert added.name == "이순자" and model.selected == added
    assert [p.name for p in model.patients] == ["김영희", "이순자"]  # by name, Hangul order
    model.set_query("순자")
    assert [p.id for p in model.patients] == [added.id]
    model.set_query("파킨슨")
    assert [p.id for p in model.patients] == [added.id]
    model.update(added.id, patient_from_form(name="이순자", birth_year="1942", sex="female",
                                             affected_side="left"))
    assert model.selected.birth_year == 1942
    model.set_query("")
    model.set_active(added.id, False)
    assert [p.name for p in model.patients] == ["김영희"]
    model.set_include_inactive(True)
    assert {p.name for p in model.patients} == {"김영희", "이순자"}
    assert seen  # every change was announced


@pytest.mark.parametrize(("year", "field"), [("19x0", "birth_year"), ("1850", "birth_year"),
                                             ("", "birth_year")])
def test_patient_form_names_the_bad_field(year: str, field: str) -> None:
    with pytest.raises(ValidationError) as err:
        patient_from_form(name="김", birth_year=year, sex="male", affected_side="left")
    assert err.value.field == field


def test_patient_form_refuses_an_empty_name() -> None:
    with pytest.raises(ValidationError) as err:
        patient_from_form(name="   ", birth_year="1950", sex="male", affected_side="left")
    assert err.value.field == "name"


# -- program editor -------------------------------------------------------------------


def test_every_exercise_default_is_valid(library, joints, robot_config) -> None:
    for exercise_id in library:
        exercise = library[exercise_id]
        draft = default_draft(exercise, joints)
        # raises when invalid, down to the robot's own validator
        check_item(_item(draft), exercise, joints, robot_config)


def test_editor_and_robot_agree_on_every_robot_exercise(library, joints, robot_config) -> None:
    # Whatever the editor accepts, the command the session sends is accepted by the robot;
    # a tempo just under the editor's limit is refused by both.
    from rehab.session.plan import robot_prescription
    from rehab_robot.core.validation import validate_command

    for exercise_id in library:
        exercise = library[exercise_id]
        draft = default_draft(exercise, joints)
        if draft.robot_mode == RobotMode.NONE:
            continue
        item = _item(draft)
        command = robot_prescription(ProgramItem(**dataclasses.asdict(item)), exercise,
                                     robot_config).to_command()
        assert validate_command(command, robot_config) == ""
        too_fast = dataclasses.replace(item, tempo_s=round(item.tempo_s * 0.8, 1))
        with pytest.raises(ValidationError) as err:
            check_item(too_fast, exercise, joints, robot_config)
        assert err.value.field == "tempo_s"


def _item(draft):
    from rehab.store import NewProgramItem

    return NewProgramItem(**dataclasses.asdict(draft))


@pytest.mark.parametrize(("exercise_id", "joint"), [
    ("shoulder_abduction", "shoulder_flexion"), ("shoulder_flexion", "shoulder_flexion"),
    ("elbow_flexion", "elbow_flexion"), ("squat", None), ("straight_leg_raise", None)])
def test_robot_joint_of_an_exercise(library, exercise_id: str, joint: str | None) -> None:
    assert robot_joint_for(library[exercise_id]) == joint


@pytest.mark.parametrize(("exercise_id", "changes", "field"), [
    # the robot's shoulder joint stops at 150 deg, its elbow at 145
    ("shoulder_flexion", {"safe_rom_max_deg": 160}, "safe_rom_max_deg"),
    ("elbow_flexion", {"safe_rom_max_deg": 146}, "safe_rom_max_deg"),
    ("elbow_flexion", {"safe_rom_min_deg": -6, "target_rom_deg": 100}, "safe_rom_min_deg"),
    # the store's own checks come first: below 0 deg is out of its range
    ("shoulder_flexion", {"safe_rom_min_deg": -5}, "safe_rom_min_deg"),
    ("squat", {"robot_mode": RobotMode.PASSIVE}, "robot_mode"),
    ("shoulder_flexion", {"target_rom_deg": 30}, "target_rom_deg"),  # counted from 40
    ("shoulder_flexion", {"side": Side.BOTH}, "side"),
    ("squat", {"side": Side.LEFT}, "side"),
    ("shoulder_flexion", {"target_rom_deg": 140, "safe_rom_min_deg": 20}, "target_rom_deg"),
    ("shoulder_flexion", {"tempo_s": 0.2}, "tempo_s"),
    # 120 deg in 2 s peaks at 112 deg/s on a minimum-jerk path; the shoulder allows 90
    ("shoulder_flexion", {"target_rom_deg": 120, "tempo_s": 2.0}, "tempo_s"),
    ("shoulder_flexion", {"assistance": 1.5}, "assistance"),
    ("shoulder_flexion", {"sets": 0}, "sets"),
])
def test_program_item_refused_with_its_field(demo_store, library, robot_config, exercise_id: str,
                                             changes: dict, field: str) -> None:
    store, centre = demo_store
    model = ProgramEditorModel(store, library, robot_config)
    model.load(centre.patient.id)
    index = model.add_item(exercise_id)
    error = model.update_item(index, **changes)
    assert error is not None and error.field == field, error
    with pytest.raises(ValidationError):
        model.save()


def test_tempo_limit_only_binds_with_the_robot(demo_store, library, robot_config) -> None:
    store, centre = demo_store
    model = ProgramEditorModel(store, library, robot_config)
    model.load(centre.patient.id)
    index = model.add_item("shoulder_flexion")
    error = model.update_item(index, target_rom_deg=120, tempo_s=1.0)
    assert error.field == "tempo_s" and error.message_id == "prescription.too_fast"
    assert error.params["slowest_s"] == 2.5
    assert model.update_item(index, robot_mode=RobotMode.NONE) is None


def test_camera_only_exercise_without_robot_may_use_full_range(demo_store, library,
                                                               robot_config) -> None:
    store, centre = demo_store
    model = ProgramEditorModel(store, library, robot_config)
    model.load(centre.patient.id)
    index = model.add_item("squat")
    assert model.drafts[index].robot_mode == RobotMode.NONE
    assert model.update_item(index, safe_rom_max_deg=180, target_rom_deg=100) is None


def test_program_edit_and_save_replaces_items(demo_store, library, robot_config) -> None:
    store, centre = demo_store
    model = ProgramEditorModel(store, library, robot_config)
    model.load(centre.patient.id)
    assert model.program.id == centre.program.id and len(model.drafts) == 2
    model.update_item(1, reps=12, assistance=0.6)
    model.move_item(1, -1)
    index = model.add_item("shoulder_scaption")
    model.update_item(index, side=Side.LEFT, sets=3)
    saved: list = []
    model.saved.connect(saved.append)
    program = model.save()
    stored = store.programs.get(centre.program.id)
    assert program == stored == saved[0]
    assert [(i.exercise_id, i.reps, i.sets) for i in stored.items] == [
        ("elbow_flexion", 12, 2), ("shoulder_abduction_bilateral", 5, 2),
        ("shoulder_scaption", 10, 3)]
    assert stored.items[0].assistance == pytest.approx(0.6)


def test_new_program_for_a_new_patient(demo_store, library, robot_config) -> None:
    store, _centre = demo_store
    patient = PatientListModel(store).add(patient_from_form(
        name="박철수", birth_year="1955", sex="male", affected_side="right"))
    model = ProgramEditorModel(store, library, robot_config)
    model.load(patient.id, default_name="박철수 상지 프로그램")
    assert model.program is None and model.drafts == []
    with pytest.raises(ValidationError) as err:
        model.save()
    assert err.value.field == "items"
    model.add_item("elbow_flexion")
    program = model.save()
    assert program.name == "박철수 상지 프로그램" and program.patient_id == patient.id


# -- live session ---------------------------------------------------------------------


def test_live_model_takes_updates() -> None:
    model = LiveSessionModel(trace_window_s=1.0)
    control = FakeControl()
    model.attach(control)
    frames: list[int] = []
    model.frame_changed.connect(lambda: frames.append(1))
    for i in range(60):
        model.ingest(frame(i / 30, 10.0 + i, image=(i == 59)))
    t, y = model.angle_traces["shoulder_abduction_left"].window(model.trace_window_s)
    assert t[0] == pytest.approx(29 / 30) and t[-1] == pytest.approx(59 / 30)
    assert y[-1] == 69.0
    assert frames == [1] and model.frame.t_s == pytest.approx(59 / 30)
    model.ingest(RobotUpdate(2.0, "running", "active_assisted", "connected",
                             ("shoulder_flexion", "elbow_flexion"), (42.0, 5.0), (1.0, 0.2),
                             0.4))
    assert set(model.robot_traces) == {"shoulder_flexion", "elbow_flexion"}
    model.ingest(RepScored(2.1, 0, 0, 0, 95.0, 80.0, (Deduction("rom_low", 20, "low"),),
                           ("rom_low",), "Raise higher"))
    model.ingest(RepScored(2.5, 0, 0, 1, 20.0, 0.0, (), (), "", partial=True))
    assert [r.rep_index for r in model.counted_reps] == [0]
    model.ingest(Alert(2.2, Severity.WARNING, "vision", "no person in view"))
    assert model.alerts[-1].message == "no person in view"
    finished: list = []
    model.finished.connect(finished.append)
    model.ingest(ProgressUpdate(3.0, SessionPhase.EXERCISING,
                                SetPosition(0, 2, "x", "x", 0, 2, 1, 5), session_id=7))
    model.ingest(ProgressUpdate(9.0, SessionPhase.FINISHED,
                                SetPosition(1, 2, "x", "x", 1, 2, 5, 5)))
    assert finished == [7]


def test_estop_calls_the_session_and_shows_it() -> None:
    model = LiveSessionModel()
    control = FakeControl()
    model.attach(control)
    model.pause("therapist")
    model.resume()
    model.estop()
    assert control.calls == ["pause:therapist", "resume", "estop"]
    assert model.estopped


def test_a_failing_estop_is_an_alert_not_silence() -> None:
    model = LiveSessionModel()
    model.attach(FakeControl(fail_estop=True))
    model.estop()
    assert model.estopped
    assert model.alerts[-1].severity == Severity.ERROR
    assert "did not answer" in model.alerts[-1].message


def test_trace_ring_buffer_keeps_the_newest() -> None:
    trace = Trace(capacity=4)
    for i in range(10):
        trace.append(float(i), float(i) * 2)
    t, y = trace.window(100.0)
    assert t.tolist() == [6.0, 7.0, 8.0, 9.0] and y.tolist() == [12.0, 14.0, 16.0, 18.0]
    assert len(trace) == 4


# -- after session, progress, assessments ---------------------------------------------


def test_outcome_closes_an_open_session_then_corrects_it(demo_store) -> None:
    store, centre = demo_store
    sid = record_session(store, centre.program, [100, 110], [80, 90], finish=False)
    model = AfterSessionModel(store)
    model.load_latest(centre.patient.id)
    assert model.session.id == sid and model.summary.reps == 2
    assert model.summary.mean_score == pytest.approx(85) and model.summary.max_rom_deg == 110
    model.save(SessionOutcome(pain_after=3, borg_rpe=13, notes="어깨 통증 약간"))
    s = store.sessions.get(sid)
    assert (s.status, s.pain_after, s.borg_rpe, s.notes) == (
        SessionStatus.COMPLETED, 3, 13, "어깨 통증 약간")
    model.save(SessionOutcome(pain_after=2, borg_rpe=12))
    assert store.sessions.get(sid).pain_after == 2


@pytest.mark.parametrize(("kwargs", "field"), [({"pain_after": 11}, "pain_after"),
                                                ({"borg_rpe": 5}, "borg_rpe")])
def test_outcome_ranges(kwargs: dict, field: str) -> None:
    with pytest.raises(ValidationError) as err:
        SessionOutcome(**kwargs)
    assert err.value.field == field


def test_progress_trends_from_stored_sessions(demo_store, library) -> None:
    store, centre = demo_store
    for rom, score in ((80, 60), (90, 65), (96, 72), (104, 80), (110, 84)):
        record_session(store, centre.program, [rom - 5, rom], [score, score],
                       assistance=0.5)
    model = PatientProgressModel(store, library)
    changed: list = []
    model.changed.connect(lambda: changed.append(1))
    model.load(centre.patient.id)
    current = model.current
    assert current.exercise_id == "shoulder_abduction_bilateral" and len(current.rows) == 5
    assert current.series("max_rom_deg") == [80, 90, 96, 104, 110]
    assert current.trends == {"max_rom_deg": Trend.IMPROVING,
                              "mean_form_score": Trend.IMPROVING,
                              "reps_ratio": Trend.PLATEAU,  # 2 of 5 every time
                              "mean_assistance": Trend.PLATEAU}
    assert current.series("reps_ratio") == [0.4] * 5
    assert model.exercise_name("shoulder_abduction_bilateral", "ko").startswith("양팔")
    assert changed == [1]


def test_assessments_add_and_series(demo_store) -> None:
    store, centre = demo_store
    model = AssessmentsModel(store)
    model.load(centre.patient.id)
    model.add(NewAssessment("fugl_meyer_ue", 30, "2026-01-05"))
    model.add(NewAssessment("fugl_meyer_ue", parse_score("34,5"), "2026-02-05"))
    model.add(NewAssessment("timed_up_and_go_s", 14.2, "2026-02-05"))
    assert [s for _, s in model.series("fugl_meyer_ue")] == [30, 34.5]
    assert len(model.assessments) == 3
    with pytest.raises(ValidationError) as err:
        model.add(NewAssessment("fugl_meyer_ue", 70, "2026-02-05"))  # FMA-UE motor is 0-66
    assert err.value.field == "score"
    with pytest.raises(ValidationError):
        parse_score("abc")


# -- settings -------------------------------------------------------------------------


def test_settings_defaults_round_trip_and_errors(tmp_path: Path) -> None:
    path = tmp_path / "cfg" / "console.json"
    assert load_settings(path) == ConsoleSettings()
    model = SettingsModel(path, load_settings(path))
    seen: list = []
    model.changed.connect(seen.append)
    model.apply(language=Language.EN, dds_domain_id=42, camera="1")
    assert load_settings(path) == ConsoleSettings(camera="1", dds_domain_id=42,
                                                  language=Language.EN)
    assert seen[0].language is Language.EN
    with pytest.raises(ValidationError) as err:
        model.apply(camera=str(tmp_path / "missing.mp4"))
    assert err.value.field == "camera"
    assert model.settings.camera == "1"  # unchanged after a refusal
    with pytest.raises(ValidationError) as err:
        model.apply(dds_domain_id=300)
    assert err.value.field == "dds_domain_id"
    video = tmp_path / "v.mp4"
    video.write_bytes(b"")
    assert model.apply(camera=str(video)).camera_index is None
    path.write_text(json.dumps({"camera": "0", "colour": "red"}))
    with pytest.raises(DataFileError):
        load_settings(path)
    path.write_text("{not json")
    with pytest.raises(DataFileError):
        load_settings(path)


def test_settings_pose_backend_round_trip_and_errors(tmp_path: Path) -> None:
    path = tmp_path / "console.json"
    model = SettingsModel(path, ConsoleSettings())
    assert (model.settings.pose.backend, model.settings.pose.device) == ("mediapipe", "cpu")
    model.apply(pose_backend="torch", pose_device="cuda:1")
    assert load_settings(path).pose == model.settings.pose
    assert model.settings.pose.device == "cuda:1"
    for changes, field in (({"pose_backend": "openpose"}, "pose_backend"),
                           ({"pose_device": "tpu"}, "pose_device"),
                           ({"pose_backend": "mediapipe", "pose_device": "cuda"}, "pose_device")):
        with pytest.raises(ValidationError) as err:
            model.apply(**changes)
        assert err.value.field == field
    assert model.settings.pose_backend == "torch"  # unchanged after a refusal


def test_settings_keep_korean_paths(tmp_path: Path) -> None:
    path = tmp_path / "설정.json"
    settings = ConsoleSettings(data_dir=str(tmp_path / "재활 데이터"))
    save_settings(settings, path)
    assert load_settings(path) == settings


# -- the console as a whole -----------------------------------------------------------


def test_console_model_follows_the_patient_and_the_session(demo_store, library, robot_config,
                                                           tmp_path: Path) -> None:
    store, centre = demo_store
    requests: list[SessionRequest] = []
    control = FakeControl()

    def factory(request: SessionRequest) -> FakeControl:
        requests.append(request)
        return control

    settings = SettingsModel(tmp_path / "s.json", ConsoleSettings())
    model = ConsoleModel(store, library, robot_config, settings, factory)
    with pytest.raises(ValidationError) as err:
        model.start_session(print)
    assert err.value.field == "user"
    model.login.accept(centre.therapist)
    with pytest.raises(ValidationError) as err:
        model.start_session(print)
    assert err.value.field == "patient_id"
    model.patients.select(centre.patient.id)
    assert model.program.program.id == centre.program.id
    assert model.progress.patient_id == model.assessments.patient_id == centre.patient.id
    model.start_session(print)
    assert requests[0].patient.id == centre.patient.id
    assert requests[0].therapist.id == centre.therapist.id
    assert control.calls == ["start"] and model.live.control is control
    sid = record_session(store, centre.program, [100], [90], finish=False)
    model.live.ingest(ProgressUpdate(1.0, SessionPhase.FINISHED,
                                     SetPosition(0, 1, "x", "x", 0, 1, 1, 1), session_id=sid))
    assert model.after.session.id == sid
    assert model.progress.rows[-1].session_id == sid
    settings.apply(language=Language.EN)
    assert model.translator.language is Language.EN


def test_console_model_without_runner_says_so(demo_store, library, robot_config,
                                              tmp_path: Path) -> None:
    store, centre = demo_store
    model = ConsoleModel(store, library, robot_config,
                         SettingsModel(tmp_path / "s.json", ConsoleSettings()))
    model.login.accept(centre.therapist)
    model.patients.select(centre.patient.id)
    with pytest.raises(ValidationError) as err:
        model.start_session(print)
    assert err.value.field == "session"


def test_models_import_no_qt() -> None:
    # The import-linter contract checks the code; this checks a fresh interpreter.
    import subprocess

    code = ("import sys, rehab.ui.models.console, rehab.ui.i18n; "
            "print(any(m.startswith(('PyQt6', 'pyqtgraph')) for m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == "False"
