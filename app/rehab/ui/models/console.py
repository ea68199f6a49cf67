"""The console as a whole: who is logged in, which patient is open, and the session.

:class:`ConsoleModel` owns the screens' models and keeps them on the same patient; it holds
no Qt, so the console's behaviour (select a patient, its program and progress follow; a
session ends, its outcome form opens) is tested without a display.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from rehab.errors import ValidationError
from rehab.exercises.library import ExerciseLibrary
from rehab.session.events import SessionControl, UpdateSink
from rehab.store import Patient, Program, Store, User
from rehab.store.access import Permission
from rehab.ui.i18n import Translator
from rehab.ui.models.assessments import AssessmentsModel
from rehab.ui.models.export import ResearchExportModel
from rehab.ui.models.idle import Clock, IdleLockModel
from rehab.ui.models.live import LiveSessionModel
from rehab.ui.models.login import LoginModel
from rehab.ui.models.observable import Emitter
from rehab.ui.models.outcome import AfterSessionModel
from rehab.ui.models.patients import PatientListModel
from rehab.ui.models.program import ProgramEditorModel
from rehab.ui.models.progress import PatientProgressModel
from rehab.ui.models.settings import ConsoleSettings, SettingsModel
from rehab.ui.models.users import UsersModel
from rehab_robot.core.config import RobotConfig


@dataclass(frozen=True)
class SessionRequest:
    """What a session runner needs to start a session from the console."""

    patient: Patient
    program: Program
    therapist: User
    settings: ConsoleSettings
    sink: UpdateSink
    wait_for_patient: bool = False
    """A patient screen is open: each set waits for its lead-in (framing, demonstration,
    countdown) before the camera counts and the robot moves."""


SessionFactory = Callable[[SessionRequest], SessionControl]
"""Builds a running session (the session runner); must return at once."""


class ConsoleModel:
    """Every screen's model, kept on the selected patient.

    Parameters
    ----------
    store
        The open store (GUI thread).
    library
        The exercise library.
    robot
        The robot's configuration (limits the program editor checks against).
    settings
        The settings model (its language drives the translator).
    session_factory
        Starts a session; None when no runner is available (the live screen says so).
    idle_clock
        Monotonic seconds for the idle lock (``time.monotonic``; a fake in tests).
    """

    def __init__(self, store: Store, library: ExerciseLibrary,
                 robot: RobotConfig, settings: SettingsModel,
                 session_factory: SessionFactory | None = None,
                 idle_clock: Clock | None = None) -> None:
        self.store = store
        self.acting = store  # the store acting as the logged-in user
        self.library = library
        self.settings = settings
        self.translator = Translator(settings.settings.language)
        self.login = LoginModel(store.data_dir)
        self.patients = PatientListModel(store)
        self.program = ProgramEditorModel(store, library, robot)
        self.live = LiveSessionModel()
        self.after = AfterSessionModel(store, library)
        self.progress = PatientProgressModel(store, library)
        self.assessments = AssessmentsModel(store)
        self.users = UsersModel(store)
        self.export = ResearchExportModel(store)
        self.idle = IdleLockModel(settings.settings.idle_lock_min * 60.0,
                                  **({"clock": idle_clock} if idle_clock else {}))
        self.session_factory = session_factory
        self.patient_screen_open = False  # set by the console's patient-screen link
        self.patient_changed = Emitter()  # (Patient | None)
        self.patients.selection_changed.connect(self._on_patient)
        self.login.changed.connect(self._on_login)
        self.live.finished.connect(self._on_session_finished)
        self.settings.changed.connect(self._on_settings)

    def _on_settings(self, settings: ConsoleSettings) -> None:
        self.translator.set_language(settings.language)
        self.idle.timeout_s = settings.idle_lock_min * 60.0

    def may(self, permission: Permission) -> bool:
        """Whether the logged-in user's role holds ``permission`` (the store decides)."""
        return self.login.user is not None and self.acting.actor.holds(permission)

    @property
    def patient(self) -> Patient | None:
        return self.patients.selected

    def _on_login(self, user: User | None) -> None:
        self._store_for_user(user)

    def _store_for_user(self, user: User | None) -> None:
        # Writes are audited under the logged-in therapist.
        store = self.acting = self.store.as_user(user.id if user else None)
        for model in (self.program, self.after, self.progress, self.assessments,
                      self.export):
            model.store = store
        self.patients.set_store(store)  # lists what this user may see, selects nobody
        self.users.set_store(store)
        self.idle.unlock()  # a login starts the idle time afresh

    def _on_patient(self, patient: Patient | None) -> None:
        pid = patient.id if patient else None
        default_name = f"{patient.name} program" if patient else ""
        self.program.load(pid, default_name)
        self.progress.load(pid)
        self.assessments.load(pid)
        self.after.load_latest(pid)
        self.patient_changed.emit(patient)

    def _on_session_finished(self, session_id: int | None) -> None:
        self.after.load(session_id)
        self.progress.load(self.patient.id if self.patient else None)

    def start_session(self, sink: UpdateSink) -> SessionControl:
        """Start the selected patient's program through the session factory.

        Raises
        ------
        ValidationError
            Nobody logged in, no patient, no saved program, or no session runner.
        """
        if self.login.user is None:
            raise ValidationError("user", "console.log_in_first")
        if self.patient is None:
            raise ValidationError("patient_id", "console.select_patient")
        if self.program.program is None:
            raise ValidationError("program_id", "console.save_program_first")
        if self.session_factory is None:
            raise ValidationError("session", "console.no_runner")
        control = self.session_factory(SessionRequest(
            self.patient, self.program.program, self.login.user, self.settings.settings, sink,
            wait_for_patient=self.patient_screen_open))
        self.live.attach(control)
        self.live.start()
        return control
