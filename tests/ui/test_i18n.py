"""The console's translations: every key the views use exists, errors read in Korean."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from rehab.analytics import Trend
from rehab.errors import ValidationError
from rehab.language import Language
from rehab.messages import catalogue
from rehab.session.events import SessionPhase
from rehab.store import NewAssessment, NewPatient, NewProgramItem, RobotMode, Sex, Side
from rehab.store.models import INSTRUMENT_RANGES, Cause, Role, SessionStatus, Severity
from rehab.ui.i18n import FIELD_LABELS, Translator, error_text, tr
from rehab.vision.pose import POSE_BACKENDS

UI_DIR = Path(__file__).resolve().parents[2] / "app" / "rehab" / "ui"
HANGUL = re.compile("[\uac00-\ud7a3]")
CATALOGUE = catalogue(Language.EN).texts


DYNAMIC_PREFIXES = ("sex.", "side.", "mode.", "status.", "severity.", "trend.", "instrument.",
                    "unit.", "language.", "link.", "live.phase.", "nav.", "patients.col.", "joint.",
                    "source.", "angle.", "robot_state.", "cause.", "validation.range_", "record.",
                    "robot.reason.", "pose_backend.", "role.", "framing.", "patient.spoken.",
                    "patient.summary.", "live.pain_when.")


def _literal_keys(folder: Path = UI_DIR) -> set[str]:
    prefixes = {key.split(".")[0] for key in CATALOGUE}
    found = set()
    for path in folder.rglob("*.py"):
        if path.name == "i18n.py":
            continue
        for key in re.findall(r"""["']([a-z_]+\.[a-z_.]+)["']""",
                              path.read_text(encoding="utf-8")):
            if key.split(".")[0] in prefixes and not key.endswith((".json", ".yaml", ".py")):
                found.add(key)
    return found


def test_every_key_the_views_use_exists() -> None:
    # The console and the printed report (rehab.report) both read the catalogue.
    used = _literal_keys() | _literal_keys(UI_DIR.parent / "report")
    assert len(used) > 100
    assert sorted(used - set(CATALOGUE)) == []


def test_no_dead_entries() -> None:
    used = _literal_keys(UI_DIR.parent)  # the session, the store and the robot's too
    used |= set(FIELD_LABELS.values())
    dead = [k for k in CATALOGUE if k not in used and not k.startswith(DYNAMIC_PREFIXES)]
    assert dead == []


@pytest.mark.parametrize(("prefix", "values"), [
    ("sex", list(Sex)), ("side", list(Side)), ("mode", list(RobotMode)),
    ("status", list(SessionStatus)), ("severity", list(Severity)), ("trend", list(Trend)),
    ("instrument", list(INSTRUMENT_RANGES)), ("unit", list(INSTRUMENT_RANGES)),
    ("language", list(Language)), ("link", ["connected", "stale", "lost"]),
    ("live.phase", list(SessionPhase)), ("cause", list(Cause)),
    ("pose_backend", list(POSE_BACKENDS)), ("role", list(Role)),
])
def test_keys_built_from_values_exist(prefix: str, values: list) -> None:
    assert [v for v in values if f"{prefix}.{v}" not in CATALOGUE] == []


def test_field_labels_point_into_the_catalogue() -> None:
    assert [k for k in FIELD_LABELS.values() if k not in CATALOGUE] == []


def _error(make) -> ValidationError:
    with pytest.raises(ValidationError) as err:
        make()
    return err.value


ITEM = dict(exercise_id="elbow_flexion", sets=2, reps=10, target_rom_deg=100, tempo_s=2.0,
            robot_mode=RobotMode.PASSIVE, assistance=0.5, safe_rom_min_deg=0,
            safe_rom_max_deg=130, side=Side.LEFT)

# Real errors raised by the store's records; each must read as Korean in Korean.
STORE_ERRORS = [
    lambda: NewProgramItem(**ITEM | {"target_rom_deg": 200}),
    lambda: NewProgramItem(**ITEM | {"target_rom_deg": 140}),
    lambda: NewProgramItem(**ITEM | {"safe_rom_max_deg": -1}),
    lambda: NewProgramItem(**ITEM | {"safe_rom_min_deg": 130}),
    lambda: NewProgramItem(**ITEM | {"tempo_s": 0.1}),
    lambda: NewProgramItem(**ITEM | {"sets": 0}),
    lambda: NewProgramItem(**ITEM | {"sets": 30}),
    lambda: NewProgramItem(**ITEM | {"assistance": 2.0}),
    lambda: NewProgramItem(**ITEM | {"side": Side.NONE}),
    lambda: NewPatient("", 1950, Sex.MALE, Side.LEFT),
    lambda: NewPatient("김", 1800, Sex.MALE, Side.LEFT),
    lambda: NewPatient("김" * 300, 1950, Sex.MALE, Side.LEFT),
    lambda: NewAssessment("fugl_meyer_ue", 70, "2026-01-01"),
    lambda: NewAssessment("pain_nrs", 3, "01/02/2026"),
]


@pytest.mark.parametrize("make", STORE_ERRORS)
def test_store_errors_read_in_korean(make) -> None:
    error = _error(make)
    ko = error_text(error, "ko")
    assert HANGUL.search(ko.split(":", 1)[1]), ko  # the message, not only the field label
    assert "must" not in ko
    assert error_text(error, "en").endswith(error.message)


@pytest.mark.parametrize(("field", "message"), [
    ("session", "console.no_runner"), ("user", "console.log_in_first"),
    ("patient_id", "console.select_patient"),
    ("program_id", "console.save_program_first"),
    ("items", "store.program_needs_item"),
    ("session_id", "console.no_session_to_record")])
def test_console_errors_read_in_korean(field: str, message: str) -> None:
    ko = error_text(ValidationError(field, message), "ko")
    assert HANGUL.search(ko.split(":", 1)[0]) and HANGUL.search(ko.split(":", 1)[1]), ko


def test_every_angle_has_a_name_in_both_languages() -> None:
    from rehab.ui.i18n import angle_label
    from rehab.vision.angles import ANGLE_NAMES

    for name in ANGLE_NAMES:
        assert HANGUL.search(angle_label(name, "ko")), name
        assert "_" not in angle_label(name, "en"), name
    assert angle_label("shoulder_abduction_left", "ko") == "왼쪽 어깨 벌림"
    assert angle_label("mystery_angle", "ko") == "mystery_angle"


def test_unknown_messages_are_kept_not_lost() -> None:
    error = ValidationError("something", "a message no pattern knows")
    assert error_text(error, "ko") == "something: a message no pattern knows"


def test_translator_switches_and_tells() -> None:
    t = Translator("ko")
    seen: list[Language] = []
    t.changed.connect(seen.append)
    assert t("nav.patients") == "환자"
    t.set_language("en")
    t.set_language(Language.EN)  # no change, no second announcement
    assert t("nav.patients") == "Patients" and seen == [Language.EN]
    assert tr("patients.count", "en", n=2) == "2 patients"
