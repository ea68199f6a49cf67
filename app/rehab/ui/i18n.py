"""The console's translation catalogue (Korean and English) and error-message translation.

Every text a screen shows is a key of :data:`CATALOGUE` with its Korean and English form;
:class:`Translator` looks keys up in the current language and tells views when the language
changes, so the whole console switches at once. Messages of :class:`~rehab.errors.ValidationError`
are written in English by the store; :func:`error_text` translates the known patterns into
Korean and names the field in the user's language. No Qt here.
"""

from __future__ import annotations

import enum
import re

from rehab.errors import ValidationError
from rehab.ui.models.observable import Emitter


class Language(enum.StrEnum):
    KO = "ko"
    EN = "en"


# key: (Korean, English). Placeholders use str.format names.
CATALOGUE: dict[str, tuple[str, str]] = {
    # application and navigation
    "app.title": ("재활 로봇 치료 콘솔", "Rehab robot therapy console"),
    "nav.patients": ("환자", "Patients"),
    "nav.program": ("운동 프로그램", "Program"),
    "nav.live": ("실시간 세션", "Live session"),
    "nav.after": ("세션 후 기록", "After session"),
    "nav.progress": ("경과", "Progress"),
    "nav.assessments": ("임상 평가", "Assessments"),
    "nav.settings": ("설정", "Settings"),
    "main.user": ("사용자: {name}", "User: {name}"),
    "main.patient": ("환자: {name} ({code})", "Patient: {name} ({code})"),
    "main.no_patient": ("선택된 환자 없음", "No patient selected"),
    "main.logout": ("로그아웃", "Log out"),
    "common.save": ("저장", "Save"),
    "common.error": ("오류: {message}", "Error: {message}"),
    "common.none": ("—", "—"),
    "common.select_patient": ("먼저 환자를 선택하세요.", "Select a patient first."),
    # login
    "login.subtitle": ("치료사 콘솔에 로그인하세요.", "Log in to the therapist console."),
    "login.username": ("아이디", "Username"),
    "login.password": ("비밀번호", "Password"),
    "login.submit": ("로그인", "Log in"),
    "login.busy": ("확인 중…", "Checking…"),
    "login.failed": ("아이디 또는 비밀번호가 올바르지 않습니다.",
                     "Wrong username or password."),
    # patients
    "patients.search": ("이름, 코드 또는 진단으로 검색", "Search name, code or diagnosis"),
    "patients.include_inactive": ("비활성 환자 포함", "Include inactive patients"),
    "patients.new": ("새 환자", "New patient"),
    "patients.deactivate": ("비활성화", "Deactivate"),
    "patients.reactivate": ("다시 활성화", "Reactivate"),
    "patients.count": ("환자 {n}명", "{n} patients"),
    "patients.col.code": ("코드", "Code"),
    "patients.col.name": ("이름", "Name"),
    "patients.col.birth_year": ("출생 연도", "Birth year"),
    "patients.col.sex": ("성별", "Sex"),
    "patients.col.side": ("환측", "Affected side"),
    "patients.col.diagnosis": ("진단", "Diagnosis"),
    "patients.col.status": ("상태", "Status"),
    "patients.active": ("활성", "Active"),
    "patients.inactive": ("비활성", "Inactive"),
    "patients.form.new": ("새 환자 등록", "Register a patient"),
    "patients.form.edit": ("환자 정보 수정: {code}", "Edit patient: {code}"),
    "patients.form.notes": ("메모", "Notes"),
    "patients.added": ("{name} 님을 등록했습니다 ({code}).", "Registered {name} ({code})."),
    "patients.updated": ("{name} 님의 정보를 저장했습니다.", "Saved {name}."),
    "sex.female": ("여성", "Female"),
    "sex.male": ("남성", "Male"),
    "sex.other": ("기타", "Other"),
    "sex.unknown": ("모름", "Unknown"),
    "side.left": ("왼쪽", "Left"),
    "side.right": ("오른쪽", "Right"),
    "side.both": ("양쪽", "Both"),
    "side.none": ("없음", "None"),
    # program editor
    "program.name": ("프로그램 이름", "Program name"),
    "program.items": ("운동 목록", "Exercises"),
    "program.add_item": ("운동 추가", "Add exercise"),
    "program.remove_item": ("운동 삭제", "Remove exercise"),
    "program.move_up": ("위로", "Move up"),
    "program.move_down": ("아래로", "Move down"),
    "program.none_yet": ("아직 프로그램이 없습니다. 운동을 추가하고 저장하세요.",
                         "No program yet: add exercises and save."),
    "program.exercise": ("운동", "Exercise"),
    "program.side": ("운동 쪽", "Side"),
    "program.sets": ("세트", "Sets"),
    "program.reps": ("반복 횟수", "Reps"),
    "program.target_rom": ("목표 관절 가동 범위 (°)", "Target ROM (°)"),
    "program.tempo": ("한 방향 동작 시간 (초)", "Tempo, one way (s)"),
    "program.rest": ("세트 간 휴식 (초)", "Rest between sets (s)"),
    "program.robot_mode": ("로봇 모드", "Robot mode"),
    "program.assistance": ("로봇 보조 (0-1)", "Robot assistance (0-1)"),
    "program.safe_min": ("안전 범위 최소 (°)", "Safe ROM min (°)"),
    "program.safe_max": ("안전 범위 최대 (°)", "Safe ROM max (°)"),
    "program.robot_joint": ("로봇 {joint}: {lo:g}° ~ {hi:g}°",
                            "Robot {joint}: {lo:g}° to {hi:g}°"),
    "program.camera_only": ("카메라 전용 운동 (로봇 없음)", "Camera-only exercise (no robot)"),
    "program.exercise_info": ("기본 목표 {rom:g}°, 최소 인정 범위 {min_rom:g}°",
                              "Default target {rom:g}°, counted from {min_rom:g}°"),
    "program.saved": ("프로그램을 저장했습니다.", "Program saved."),
    "program.invalid": ("빨간 메시지가 있는 항목을 고쳐 주세요.",
                        "Fix the fields marked in red."),
    "program.item_summary": ("{name} · {sets}세트 × {reps}회 · {rom:g}°",
                             "{name} · {sets} × {reps} · {rom:g}°"),
    "mode.passive": ("수동 (로봇이 움직임)", "Passive (robot moves)"),
    "mode.active_assisted": ("능동 보조", "Active assisted"),
    "mode.active": ("능동 (로봇 따라감)", "Active (transparent)"),
    "mode.resistive": ("저항", "Resistive"),
    "mode.none": ("로봇 없음", "No robot"),
    # live session
    "live.estop": ("비상 정지", "E-STOP"),
    "live.estop_hint": ("F12 또는 Pause 키", "F12 or Pause key"),
    "live.estop_pressed": ("비상 정지됨: 로봇이 멈췄습니다.", "E-STOP pressed: robot stopped."),
    "live.start": ("세션 시작", "Start session"),
    "live.pause": ("일시 정지", "Pause"),
    "live.resume": ("계속", "Resume"),
    "live.stop": ("세션 종료", "Stop session"),
    "live.no_runner": ("세션 실행기가 연결되지 않았습니다.", "No session runner is connected."),
    "live.reps": ("반복", "Reps"),
    "live.cue": ("안내: “{cue}”", "Cue: “{cue}”"),
    "live.rep_count": ("{done} / {target}", "{done} / {target}"),
    "live.set": ("세트 {set} / {sets}", "Set {set} / {sets}"),
    "live.exercise": ("운동 {item} / {items}: {name}", "Exercise {item} / {items}: {name}"),
    "live.phase.ready": ("준비", "Ready"),
    "live.phase.exercising": ("운동 중", "Exercising"),
    "live.phase.resting": ("휴식 {s:.0f}초", "Resting {s:.0f} s"),
    "live.phase.paused": ("일시 정지", "Paused"),
    "live.phase.finished": ("완료", "Finished"),
    "live.phase.aborted": ("중단됨", "Aborted"),
    "live.no_person": ("사람이 보이지 않습니다", "No person in view"),
    "live.no_camera": ("카메라 영상 없음", "No camera image"),
    "live.angle_plot": ("관절 각도 (°)", "Joint angle (°)"),
    "live.robot_plot": ("로봇 관절 위치 (°)", "Robot joint position (°)"),
    "live.time_s": ("시간 (초, 0 = 지금)", "Time (s, 0 = now)"),
    "live.rep_table": ("반복별 점수", "Score per rep"),
    "live.col.rep": ("회", "Rep"),
    "live.col.set": ("세트", "Set"),
    "live.col.rom": ("범위 (°)", "ROM (°)"),
    "live.col.score": ("점수", "Score"),
    "live.col.deductions": ("감점 내역", "Deductions"),
    "live.alerts": ("알림", "Alerts"),
    "live.robot": ("로봇", "Robot"),
    "live.robot_state": ("상태: {state} · 모드: {mode}", "State: {state} · mode: {mode}"),
    "live.robot_link": ("연결: {link}", "Link: {link}"),
    "live.robot_assist": ("보조: {a:.0%}", "Assistance: {a:.0%}"),
    "live.robot_fault": ("고장: {fault}", "Fault: {fault}"),
    "live.robot_reason": ("최근 변경: {reason}", "Last change: {reason}"),
    "live.robot_unknown": ("로봇 정보 없음", "No robot data"),
    "robot_state.idle": ("대기 (구동 꺼짐)", "idle (drives off)"),
    "robot_state.enabled": ("준비됨", "enabled"),
    "robot_state.running": ("운동 중", "running"),
    "robot_state.paused": ("일시 정지", "paused"),
    "robot_state.safe_stop": ("안전 정지", "safe stop"),
    "robot_state.fault": ("고장", "fault"),
    "robot_state.estop": ("비상 정지", "E-STOP"),
    "mode.hold": ("자세 유지", "Hold"),
    "link.connected": ("연결됨", "connected"),
    "link.stale": ("지연됨", "stale"),
    "link.lost": ("끊김", "lost"),
    "live.latency": ("지연 {ms:.0f} ms", "Latency {ms:.0f} ms"),
    "live.partial": ("부분 반복 (미인정)", "partial (not counted)"),
    "live.uncertain": ("불확실 (카메라 프레임 부족)", "uncertain (camera missed frames)"),
    "live.model": ("모델: {verdict}, {p}", "model: {verdict}, {p}"),
    "live.model.likely_correct": ("올바른 동작일 가능성 높음", "likely correct"),
    "live.model.unsure": ("판단 보류", "unsure"),
    "live.model.likely_incorrect": ("잘못된 동작일 가능성 높음", "likely incorrect"),
    "live.model.disagrees": ("⚑ 모델과 규칙 점수가 크게 다름 — 치료사 확인",
                             "⚑ model and rule score disagree — therapist to check"),
    "severity.info": ("정보", "Info"),
    "severity.warning": ("주의", "Warning"),
    "severity.error": ("오류", "Error"),
    # after session
    "after.title": ("세션 후 기록", "After the session"),
    "after.session": ("세션 #{id} · {started} · {status}", "Session #{id} · {started} · {status}"),
    "after.no_session": ("기록할 세션이 없습니다. 세션을 마치면 여기에 표시됩니다.",
                         "No session to record yet: it appears here when a session ends."),
    "after.pain": ("통증 (NRS 0-10)", "Pain (NRS 0-10)"),
    "after.rpe": ("운동 자각도 (Borg RPE 6-20)", "Exertion (Borg RPE 6-20)"),
    "after.notes": ("치료사 메모", "Therapist notes"),
    "after.not_recorded": ("기록 안 함", "not recorded"),
    "after.summary": ("반복 {n}회 · 평균 점수 {score:.0f} · 최대 범위 {rom:.0f}°",
                      "{n} reps · mean score {score:.0f} · max ROM {rom:.0f}°"),
    "after.no_reps": ("기록된 반복이 없습니다.", "No reps recorded."),
    "after.summary_uncertain": (
        "반복 {n}회 (불확실 {u}회: 카메라 프레임 부족, 점수·범위에서 제외)",
        "{n} reps ({u} uncertain: the camera missed frames; left out of score and ROM)"),
    "after.all_uncertain": (
        "반복 {n}회 · 모두 불확실 (카메라 프레임 부족): 점수와 범위를 측정하지 못했습니다.",
        "{n} reps · all uncertain (the camera missed frames): no score or ROM measured."),
    "after.saved": ("세션 기록을 저장했습니다.", "Session outcome saved."),
    "status.running": ("진행 중", "running"),
    "status.paused": ("일시 정지", "paused"),
    "status.completed": ("완료", "completed"),
    "status.stopped": ("조기 종료", "stopped early"),
    "status.aborted": ("중단", "aborted"),
    # Why a session paused or ended (rehab.store.models.Cause), as the screens show it.
    "cause.completed": ("모든 세트 완료", "all sets done"),
    "cause.therapist": ("치료사가 멈춤", "stopped by the therapist"),
    "cause.patient": ("환자가 정지를 누름", "the patient pressed STOP"),
    "cause.camera_lost": ("카메라 끊김", "camera lost"),
    "cause.app_stalled": ("프로그램이 멈췄었음", "the app stalled"),
    "cause.robot_link_lost": ("로봇 연결 끊김", "robot link lost"),
    "cause.robot_watchdog": ("로봇 감시 타이머 정지", "robot watchdog stop"),
    "cause.robot_fault": ("로봇 고장", "robot fault"),
    "cause.robot_safe_stop": ("로봇 안전 정지", "robot safe stop"),
    "cause.robot_refused": ("로봇이 운동을 거부함", "the robot refused the exercise"),
    "cause.estop": ("비상 정지", "emergency stop"),
    "cause.signal": ("프로그램 종료 신호", "ended by a signal"),
    "cause.error": ("오류", "error"),
    "cause.app_died": ("프로그램 비정상 종료", "the app died"),
    "status.interrupted": ("비정상 종료", "interrupted"),
    # progress
    "progress.exercise": ("운동", "Exercise"),
    "progress.no_data": ("아직 기록된 세션이 없습니다.", "No sessions recorded yet."),
    "progress.max_rom": ("최대 관절 가동 범위 (°)", "Max ROM (°)"),
    "progress.target_rom": ("목표", "Target"),
    "progress.form_score": ("평균 자세 점수", "Mean form score"),
    "progress.reps": ("반복 (실시 / 처방)", "Reps (done / prescribed)"),
    "progress.reps_done": ("실시", "Done"),
    "progress.reps_prescribed": ("처방", "Prescribed"),
    "progress.assistance": ("로봇 보조 (%)", "Robot assistance (%)"),
    "progress.session_no": ("세션", "Session"),
    "progress.trend": ("{measure}: {trend}", "{measure}: {trend}"),
    "progress.col.date": ("날짜", "Date"),
    "progress.col.status": ("상태", "Status"),
    "progress.col.exercise": ("운동", "Exercise"),
    "progress.col.rom": ("최대 / 목표 (°)", "Max / target (°)"),
    "progress.col.score": ("점수", "Score"),
    "progress.col.reps": ("반복", "Reps"),
    "progress.col.assistance": ("보조", "Assist."),
    "trend.improving": ("향상", "improving"),
    "trend.plateau": ("정체", "plateau"),
    "trend.declining": ("저하", "declining"),
    "trend.insufficient": ("자료 부족", "not enough data"),
    "trend.help": ("추세: 최근 {n}회 세션의 Theil-Sen 기울기로 본 변화가 임상적 최소 의미 변화보다 "
                   "클 때 향상/저하로 표시합니다.",
                   "Trend: the Theil-Sen change over the last {n} sessions, compared with the "
                   "smallest clinically relevant change of each measure."),
    # assessments
    "assess.instrument": ("평가 도구", "Instrument"),
    "assess.score": ("점수", "Score"),
    "assess.date": ("평가일", "Date"),
    "assess.notes": ("메모", "Notes"),
    "assess.add": ("평가 추가", "Add assessment"),
    "assess.added": ("평가를 저장했습니다.", "Assessment saved."),
    "assess.none": ("기록된 평가가 없습니다.", "No assessments recorded."),
    "assess.range": ("범위 {lo:g} ~ {hi:g} {unit}", "Range {lo:g} to {hi:g} {unit}"),
    "instrument.fugl_meyer_ue": ("Fugl-Meyer 상지 운동 (FMA-UE)", "Fugl-Meyer UE motor (FMA-UE)"),
    "instrument.box_and_block": ("상자와 블록 검사 (BBT)", "Box and Block Test (BBT)"),
    "instrument.timed_up_and_go_s": ("일어나 걸어가기 검사 (TUG)", "Timed Up and Go (TUG)"),
    "instrument.pain_nrs": ("통증 숫자 척도 (NRS)", "Pain numeric rating scale (NRS)"),
    "unit.fugl_meyer_ue": ("점", "points"),
    "unit.box_and_block": ("개/분", "blocks/min"),
    "unit.timed_up_and_go_s": ("초", "s"),
    "unit.pain_nrs": ("점", "points"),
    # settings
    "settings.camera": ("카메라 (번호 또는 동영상 파일)", "Camera (index or video file)"),
    "settings.browse": ("찾아보기…", "Browse…"),
    "settings.dds_domain": ("로봇 연결: DDS 도메인 ID", "Robot connection: DDS domain id"),
    "settings.language": ("언어", "Language"),
    "settings.data_dir": ("데이터 폴더", "Data folder"),
    "settings.saved": ("설정을 저장했습니다.", "Settings saved."),
    "settings.restart_data": ("데이터 폴더 변경은 콘솔을 다시 시작하면 적용됩니다.",
                              "A new data folder applies when the console restarts."),
    "settings.file": ("설정 파일: {path}", "Settings file: {path}"),
    "joint.shoulder_flexion": ("어깨 관절", "shoulder joint"),
    "joint.elbow_flexion": ("팔꿈치 관절", "elbow joint"),
    "source.console": ("콘솔", "console"),
    "source.session": ("세션", "session"),
    "source.vision": ("카메라", "camera"),
    "source.robot": ("로봇", "robot"),
    "source.store": ("저장소", "store"),
    "angle.shoulder_flexion": ("어깨 굽힘", "shoulder flexion"),
    "angle.shoulder_abduction": ("어깨 벌림", "shoulder abduction"),
    "angle.elbow_flexion": ("팔꿈치 굽힘", "elbow flexion"),
    "angle.hip_flexion": ("엉덩관절 굽힘", "hip flexion"),
    "angle.knee_flexion": ("무릎 굽힘", "knee flexion"),
    "angle.hip_abduction": ("엉덩관절 벌림", "hip abduction"),
    "angle.trunk_lean_sagittal": ("몸통 앞뒤 기울기", "trunk lean (sagittal)"),
    "angle.trunk_lean_lateral": ("몸통 옆 기울기", "trunk lean (lateral)"),
    "angle.shoulder_elevation": ("어깨 으쓱", "shoulder elevation"),
    "angle.knee_valgus": ("무릎 안쪽 휨", "knee valgus"),
    "angle.side": ("{side} {angle}", "{angle}, {side}"),
    "field.session": ("세션", "Session"),
    "field.user": ("사용자", "User"),
    "field.patient": ("환자", "Patient"),
    "field.program": ("프로그램", "Program"),
    "language.ko": ("한국어", "한국어 (Korean)"),
    "language.en": ("English (영어)", "English"),
}

# Field names as the user knows them, for error messages.
FIELD_LABELS: dict[str, str] = {
    "name": "patients.col.name",
    "birth_year": "patients.col.birth_year",
    "sex": "patients.col.sex",
    "affected_side": "patients.col.side",
    "diagnosis": "patients.col.diagnosis",
    "notes": "patients.form.notes",
    "exercise_id": "program.exercise",
    "side": "program.side",
    "sets": "program.sets",
    "reps": "program.reps",
    "target_rom_deg": "program.target_rom",
    "tempo_s": "program.tempo",
    "rest_s": "program.rest",
    "robot_mode": "program.robot_mode",
    "assistance": "program.assistance",
    "safe_rom_min_deg": "program.safe_min",
    "safe_rom_max_deg": "program.safe_max",
    "pain_after": "after.pain",
    "borg_rpe": "after.rpe",
    "score": "assess.score",
    "assessed_on": "assess.date",
    "instrument": "assess.instrument",
    "camera": "settings.camera",
    "dds_domain_id": "settings.dds_domain",
    "language": "settings.language",
    "data_dir": "settings.data_dir",
    "username": "login.username",
    "session": "field.session",
    "session_id": "field.session",
    "user": "field.user",
    "patient_id": "field.patient",
    "program_id": "field.program",
    "items": "program.items",
    "password": "login.password",
}

# English message patterns of the store's and the console's validations, with Korean forms.
_KO_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern), ko) for pattern, ko in (
        (r"^must be between (\S+) and (\S+) deg, got (\S+)$",
         r"\1° ~ \2° 사이여야 합니다 (입력: \3)"),
        (r"^must be between (\S+) and (\S+) s, got (\S+)$",
         r"\1 ~ \2초 사이여야 합니다 (입력: \3)"),
        (r"^must be between (\S+) and (\S+), got (\S+)$", r"\1 ~ \2 사이여야 합니다 (입력: \3)"),
        (r"^must be between (\S+) and (\S+)$", r"\1 ~ \2 사이여야 합니다"),
        (r"^must be a finite number, got (.*)$", r"숫자여야 합니다 (입력: \1)"),
        (r"^must not be empty$", "비워 둘 수 없습니다"),
        (r"^must be text$", "글자여야 합니다"),
        (r"^must be at most (\d+) characters$", r"\1자 이하여야 합니다"),
        (r"^must be at most (\S+), got (\S+)$", r"\1 이하여야 합니다 (입력: \2)"),
        (r"^must be whole$|^must be a whole year$", "정수여야 합니다"),
        (r"^must be a whole number above 0, got (.*)$", r"1 이상의 정수여야 합니다 (입력: \1)"),
        (r"^must be one of (.*), got (.*)$", r"다음 중 하나여야 합니다: \1"),
        (r"^must be one of (.*)$", r"다음 중 하나여야 합니다: \1"),
        (r"^must be above safe_rom_min_deg$", "안전 범위 최소보다 커야 합니다"),
        (r"^must fit inside the safe range of motion \((\S+)-(\S+) deg\)$",
         r"안전 범위 (\1°~\2°) 안에 들어가야 합니다"),
        (r"^must be left, right or both$", "왼쪽, 오른쪽 또는 양쪽이어야 합니다"),
        (r"^must have at least (\d+) characters$", r"\1자 이상이어야 합니다"),
        (r"^must be a date YYYY-MM-DD$", "날짜(YYYY-MM-DD)여야 합니다"),
        (r"^must be at most the robot's (\S+) limit of (\S+) deg$",
         r"로봇 {joint.\1} 한계 \2° 이하여야 합니다"),
        (r"^must be at least the robot's (\S+) limit of (\S+) deg$",
         r"로봇 {joint.\1} 한계 \2° 이상이어야 합니다"),
        (r"^must be at least (\S+) s: the robot's (\S+) would peak at (\S+) deg/s, over its "
         r"limit of (\S+) deg/s$",
         r"\1초 이상이어야 합니다: 로봇 {joint.\2} 속도가 \3°/s로 한계 \4°/s를 넘습니다"),
        (r"^must be none: this exercise is camera-only, no robot joint moves it$",
         "카메라 전용 운동이므로 '로봇 없음'이어야 합니다"),
        (r"^must be at least the exercise's counted minimum of (\S+) deg$",
         r"이 운동의 최소 인정 범위 \1° 이상이어야 합니다 (아니면 반복이 세어지지 않습니다)"),
        (r"^must be one of the exercise's sides: (.*)$", r"이 운동에 맞는 쪽이어야 합니다: \1"),
        (r"^no such video file: (.*)$", r"동영상 파일이 없습니다: \1"),
        (r"^must not contain spaces$", "띄어쓰기를 쓸 수 없습니다"),
        (r"^unknown exercise (.*)$", r"알 수 없는 운동입니다: \1"),
        (r"^a program needs at least one exercise$", "프로그램에는 운동이 하나 이상 있어야 합니다"),
        (r"^no session runner is connected$", "세션 실행기가 연결되지 않았습니다"),
        (r"^log in first$", "먼저 로그인하세요"),
        (r"^select a patient first$", "먼저 환자를 선택하세요"),
        (r"^save a program for this patient first$", "먼저 이 환자의 프로그램을 저장하세요"),
        (r"^no session to record$", "기록할 세션이 없습니다"),
    )
)


def tr(key: str, language: Language | str, **params: object) -> str:
    """Return the text of ``key`` in ``language``, formatted with ``params``.

    Raises
    ------
    KeyError
        ``key`` is not in the catalogue (a programming error, caught by the tests).

    Examples
    --------
    >>> tr("patients.count", "ko", n=3)
    '환자 3명'
    """
    ko, en = CATALOGUE[key]
    text = ko if Language(language) is Language.KO else en
    return text.format(**params) if params else text


def field_label(field: str, language: Language | str) -> str:
    """The field's name as the user reads it (the raw name when it has no label)."""
    key = FIELD_LABELS.get(field)
    return tr(key, language) if key else field


def error_message(message: str, language: Language | str) -> str:
    """A validation message in ``language`` (English messages kept when no pattern fits)."""
    if Language(language) is Language.EN:
        return message
    for pattern, ko in _KO_PATTERNS:
        if pattern.match(message):
            text = pattern.sub(ko, message)
            # {key} left by a pattern names a catalogue entry (a robot joint's name)
            return re.sub(r"\{([a-z_]+\.[a-z_]+)\}",
                          lambda m: tr(m[1], language) if m[1] in CATALOGUE else m[1], text)
    return message


def name_of(prefix: str, value: str, language: Language | str) -> str:
    """The catalogue's name for ``value`` (a joint, an alert source); the value if none."""
    key = f"{prefix}.{value}"
    return tr(key, language) if key in CATALOGUE else value


def error_text(error: Exception, language: Language | str, *, with_field: bool = True) -> str:
    """One line for the user: the field's label and the message, in ``language``."""
    if isinstance(error, ValidationError):
        message = error_message(error.message, language)
        return f"{field_label(error.field, language)}: {message}" if with_field else message
    return str(error)


def angle_label(name: str, language: Language | str) -> str:
    """A joint angle's name for people: ``shoulder_abduction_left`` -> ``왼쪽 어깨 벌림``.

    Examples
    --------
    >>> angle_label("knee_flexion_right", "en")
    'knee flexion, right'
    """
    base, _, side = name.rpartition("_")
    if side in ("left", "right") and f"angle.{base}" in CATALOGUE:
        return tr("angle.side", language, angle=tr(f"angle.{base}", language),
                  side=tr(f"side.{side}", language))
    return name_of("angle", name, language)


class Translator:
    """The console's current language; views connect to :attr:`changed` to re-translate.

    Examples
    --------
    >>> t = Translator(Language.EN)
    >>> t("nav.patients")
    'Patients'
    """

    def __init__(self, language: Language | str = Language.KO) -> None:
        self.language = Language(language)
        self.changed = Emitter()  # (Language)

    def __call__(self, key: str, **params: object) -> str:
        return tr(key, self.language, **params)

    def set_language(self, language: Language | str) -> None:
        language = Language(language)
        if language is not self.language:
            self.language = language
            self.changed.emit(language)

    def error(self, error: Exception, *, with_field: bool = True) -> str:
        return error_text(error, self.language, with_field=with_field)
