"""The console's translations: message ids rendered in the console's language.

Every text a screen shows is a message id of the catalogues in ``rehab/locale`` (see
:mod:`rehab.messages`); :class:`Translator` renders ids in the current language and tells
views when the language changes, so the whole console switches at once. Errors carry
their message id and parameters (:class:`~rehab.errors.ValidationError`); :func:`error_text`
renders them and names the field in the reader's language. No Qt here.
"""

from __future__ import annotations

from collections.abc import Mapping

from rehab.errors import ValidationError
from rehab.language import DEFAULT_LANGUAGE, Language, parse_language
from rehab.messages import Message, has_message, render
from rehab.robot.messages import reason_message
from rehab.session.events import Alert, ProgressUpdate, RobotUpdate
from rehab.ui.models.observable import Emitter

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
    "pose_backend": "settings.pose_backend",
    "pose_device": "settings.pose_device",
    "username": "login.username",
    "session": "field.session",
    "session_id": "field.session",
    "user": "field.user",
    "patient_id": "field.patient",
    "program_id": "field.program",
    "items": "program.items",
    "password": "login.password",
}

def tr(key: str, language: Language | str, **params: object) -> str:
    """Return the text of message ``key`` in ``language``, formatted with ``params``.

    Raises
    ------
    KeyError
        ``key`` is not in the catalogue (a programming error, caught by the tests).

    Examples
    --------
    >>> tr("patients.count", "ko", n=3)
    '환자 3명'
    """
    return render(key, language, **params)


def text_of(message_id: str, params: Mapping[str, object], language: Language | str,
            fallback: str = "") -> str:
    """A message carried as data (an alert's, a cue's) in ``language``; ``fallback`` if none."""
    return render(message_id, language, **params) if message_id else fallback


def alert_text(alert: Alert, language: Language | str) -> str:
    """An alert's message in ``language`` (its English text when it carries no id)."""
    return text_of(alert.message_id, alert.params, language, alert.message)


def cue_text(update: ProgressUpdate, language: Language | str) -> str:
    """A progress update's cue or reason in ``language`` (an exercise's cue as it is)."""
    return text_of(update.cue_id, update.cue_params, language, update.cue)


def robot_reason_text(update: RobotUpdate, language: Language | str) -> str:
    """Why the robot is in its state, from its reason code (its words when it sent none)."""
    return reason_message(update.reason_code).text(language) if update.reason_code \
        else update.reason


def robot_fault_text(update: RobotUpdate, language: Language | str) -> str:
    """The robot's fault in ``language`` ("" when there is none)."""
    if not update.fault:
        return ""
    return robot_reason_text(update, language) if update.reason_code else update.fault


def field_label(field: str, language: Language | str) -> str:
    """The field's name as the user reads it (the raw name when it has no label)."""
    key = FIELD_LABELS.get(field)
    return tr(key, language) if key else field


def name_of(prefix: str, value: str, language: Language | str) -> str:
    """The catalogue's name for ``value`` (a joint, an alert source); the value if none."""
    key = f"{prefix}.{value}"
    return tr(key, language) if has_message(key) else value


def error_text(error: Exception, language: Language | str, *, with_field: bool = True) -> str:
    """One line for the user: the field's label and the message, in ``language``."""
    if isinstance(error, ValidationError):
        message = error.text(parse_language(language))
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
    if side in ("left", "right") and has_message(f"angle.{base}"):
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

    def __init__(self, language: Language | str = DEFAULT_LANGUAGE) -> None:
        self.language = parse_language(language)
        self.changed = Emitter()  # (Language)

    def __call__(self, key: str, **params: object) -> str:
        return tr(key, self.language, **params)

    def set_language(self, language: Language | str) -> None:
        language = parse_language(language)
        if language is not self.language:
            self.language = language
            self.changed.emit(language)

    def error(self, error: Exception, *, with_field: bool = True) -> str:
        return error_text(error, self.language, with_field=with_field)

    def message(self, message: Message) -> str:
        """A :class:`~rehab.messages.Message` in the current language."""
        return message.text(self.language)
