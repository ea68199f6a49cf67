"""Schema migrations, applied in order on open.

The schema version lives in ``PRAGMA user_version``. Migration ``n`` moves a database
from version ``n - 1`` to ``n``; each runs in one transaction. Never edit a migration that
has shipped: add a new one, and add a fixture for the old version to the migration tests.
"""

from __future__ import annotations

from typing import Final

# Times: ``*_at`` columns are ISO-8601 UTC text (calendar time a person reads);
# ``t_*_s`` columns are seconds on the session clock (monotonic, 0 at session start),
# the one clock that reps, streams, robot telemetry and events share.
_V1: Final = """
CREATE TABLE users (
    id INTEGER PRIMARY KEY,
    username TEXT NOT NULL UNIQUE,
    display_name TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('admin', 'therapist', 'researcher')),
    password_hash TEXT NOT NULL,
    active INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    created_at TEXT NOT NULL
);

CREATE TABLE patients (
    id INTEGER PRIMARY KEY,
    code TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    birth_year INTEGER NOT NULL,
    sex TEXT NOT NULL CHECK (sex IN ('female', 'male', 'other', 'unknown')),
    diagnosis TEXT NOT NULL DEFAULT '',
    affected_side TEXT NOT NULL CHECK (affected_side IN ('left', 'right', 'both', 'none')),
    notes TEXT NOT NULL DEFAULT '',
    active INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    created_at TEXT NOT NULL
);
CREATE INDEX patients_name ON patients(name);

CREATE TABLE exercises (
    id TEXT NOT NULL,
    version INTEGER NOT NULL,
    name_en TEXT NOT NULL,
    name_ko TEXT NOT NULL,
    primary_angle TEXT NOT NULL,
    PRIMARY KEY (id, version)
);

CREATE TABLE programs (
    id INTEGER PRIMARY KEY,
    patient_id INTEGER NOT NULL REFERENCES patients(id),
    name TEXT NOT NULL,
    created_by INTEGER REFERENCES users(id),
    created_at TEXT NOT NULL,
    active INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1))
);
CREATE INDEX programs_patient ON programs(patient_id);

CREATE TABLE program_items (
    id INTEGER PRIMARY KEY,
    program_id INTEGER NOT NULL REFERENCES programs(id),
    position INTEGER NOT NULL,
    exercise_id TEXT NOT NULL,
    exercise_version INTEGER NOT NULL,
    side TEXT NOT NULL CHECK (side IN ('left', 'right', 'both')),
    sets INTEGER NOT NULL CHECK (sets > 0),
    reps INTEGER NOT NULL CHECK (reps > 0),
    target_rom_deg REAL NOT NULL CHECK (target_rom_deg BETWEEN 0 AND 180),
    tempo_s REAL NOT NULL CHECK (tempo_s > 0),
    rest_s REAL NOT NULL CHECK (rest_s >= 0),
    robot_mode TEXT NOT NULL
        CHECK (robot_mode IN ('passive', 'active_assisted', 'active', 'resistive', 'none')),
    assistance REAL NOT NULL CHECK (assistance BETWEEN 0 AND 1),
    safe_rom_min_deg REAL NOT NULL,
    safe_rom_max_deg REAL NOT NULL,
    CHECK (safe_rom_min_deg < safe_rom_max_deg),
    FOREIGN KEY (exercise_id, exercise_version) REFERENCES exercises(id, version),
    UNIQUE (program_id, position)
);

CREATE TABLE sessions (
    id INTEGER PRIMARY KEY,
    patient_id INTEGER NOT NULL REFERENCES patients(id),
    program_id INTEGER REFERENCES programs(id),
    therapist_id INTEGER REFERENCES users(id),
    started_at TEXT NOT NULL,
    ended_at TEXT,
    status TEXT NOT NULL
        CHECK (status IN ('running', 'paused', 'completed', 'aborted', 'interrupted')),
    pain_before INTEGER CHECK (pain_before BETWEEN 0 AND 10),
    pain_after INTEGER CHECK (pain_after BETWEEN 0 AND 10),
    borg_rpe INTEGER CHECK (borg_rpe BETWEEN 6 AND 20),
    notes TEXT NOT NULL DEFAULT ''
);
CREATE INDEX sessions_patient ON sessions(patient_id, started_at);
CREATE INDEX sessions_open ON sessions(status) WHERE status IN ('running', 'paused');

CREATE TABLE sets (
    id INTEGER PRIMARY KEY,
    session_id INTEGER NOT NULL REFERENCES sessions(id),
    program_item_id INTEGER REFERENCES program_items(id),
    set_index INTEGER NOT NULL CHECK (set_index >= 0),
    exercise_id TEXT NOT NULL,
    side TEXT NOT NULL CHECK (side IN ('left', 'right', 'both')),
    reps_target INTEGER NOT NULL CHECK (reps_target > 0),
    target_rom_deg REAL NOT NULL CHECK (target_rom_deg BETWEEN 0 AND 180),
    t_start_s REAL NOT NULL,
    t_end_s REAL,
    -- Totals of the set's reps, kept by the triggers below, so the progress view reads
    -- one row per set instead of aggregating every rep of every session.
    reps_done INTEGER NOT NULL DEFAULT 0,
    max_rom_deg REAL,
    score_sum REAL NOT NULL DEFAULT 0,
    assistance_sum REAL NOT NULL DEFAULT 0,
    assistance_n INTEGER NOT NULL DEFAULT 0,
    UNIQUE (session_id, program_item_id, set_index)
);
CREATE INDEX sets_session ON sets(session_id);

CREATE TABLE reps (
    id INTEGER PRIMARY KEY,
    session_id INTEGER NOT NULL REFERENCES sessions(id),
    set_id INTEGER NOT NULL REFERENCES sets(id),
    rep_index INTEGER NOT NULL CHECK (rep_index >= 0),
    t_start_s REAL NOT NULL,
    t_peak_s REAL NOT NULL,
    t_end_s REAL NOT NULL,
    rom_deg REAL NOT NULL CHECK (rom_deg >= 0),
    peak_velocity_deg_s REAL NOT NULL,
    duration_s REAL NOT NULL CHECK (duration_s >= 0),
    form_score REAL NOT NULL CHECK (form_score BETWEEN 0 AND 100),
    deductions TEXT NOT NULL DEFAULT '[]',
    flags TEXT NOT NULL DEFAULT '[]',
    assistance REAL CHECK (assistance BETWEEN 0 AND 1),
    CHECK (t_start_s <= t_peak_s AND t_peak_s <= t_end_s),
    UNIQUE (set_id, rep_index)
);
CREATE INDEX reps_session ON reps(session_id, t_start_s);
CREATE TRIGGER reps_totals_insert AFTER INSERT ON reps
BEGIN
    UPDATE sets SET reps_done = reps_done + 1,
        max_rom_deg = MAX(COALESCE(max_rom_deg, NEW.rom_deg), NEW.rom_deg),
        score_sum = score_sum + NEW.form_score,
        assistance_sum = assistance_sum + COALESCE(NEW.assistance, 0),
        assistance_n = assistance_n + (NEW.assistance IS NOT NULL)
    WHERE id = NEW.set_id;
END;
CREATE TRIGGER reps_totals_delete AFTER DELETE ON reps
BEGIN
    UPDATE sets SET (reps_done, max_rom_deg, score_sum, assistance_sum, assistance_n) = (
        SELECT COUNT(*), MAX(rom_deg), COALESCE(SUM(form_score), 0),
               COALESCE(SUM(assistance), 0), COUNT(assistance)
        FROM reps WHERE set_id = OLD.set_id)
    WHERE id = OLD.set_id;
END;
CREATE TRIGGER reps_totals_update AFTER UPDATE ON reps
BEGIN
    UPDATE sets SET (reps_done, max_rom_deg, score_sum, assistance_sum, assistance_n) = (
        SELECT COUNT(*), MAX(rom_deg), COALESCE(SUM(form_score), 0),
               COALESCE(SUM(assistance), 0), COUNT(assistance)
        FROM reps WHERE set_id = sets.id)
    WHERE id IN (OLD.set_id, NEW.set_id);
END;

CREATE TABLE stream_chunks (
    id INTEGER PRIMARY KEY,
    session_id INTEGER NOT NULL REFERENCES sessions(id),
    stream TEXT NOT NULL,
    t_start_s REAL NOT NULL,
    t_end_s REAL NOT NULL,
    n_samples INTEGER NOT NULL CHECK (n_samples > 0),
    columns TEXT NOT NULL,
    codec TEXT NOT NULL,
    data BLOB NOT NULL
);
CREATE INDEX stream_chunks_range ON stream_chunks(session_id, stream, t_start_s);

CREATE TABLE assessments (
    id INTEGER PRIMARY KEY,
    patient_id INTEGER NOT NULL REFERENCES patients(id),
    instrument TEXT NOT NULL,
    score REAL NOT NULL,
    assessed_on TEXT NOT NULL,
    assessor_id INTEGER REFERENCES users(id),
    notes TEXT NOT NULL DEFAULT ''
);
CREATE INDEX assessments_patient ON assessments(patient_id, instrument, assessed_on);

CREATE TABLE events (
    id INTEGER PRIMARY KEY,
    session_id INTEGER REFERENCES sessions(id),
    at TEXT NOT NULL,
    t_s REAL,
    kind TEXT NOT NULL CHECK (kind IN ('alert', 'fault', 'estop', 'note', 'state')),
    severity TEXT NOT NULL CHECK (severity IN ('info', 'warning', 'error')),
    source TEXT NOT NULL,
    message TEXT NOT NULL
);
CREATE INDEX events_session ON events(session_id, at);

CREATE TABLE audit_log (
    id INTEGER PRIMARY KEY,
    at TEXT NOT NULL,
    actor_id INTEGER REFERENCES users(id),
    action TEXT NOT NULL,
    entity TEXT NOT NULL,
    entity_id TEXT NOT NULL,
    detail TEXT NOT NULL DEFAULT '{}'
);
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
"""

# Version 2: a session's record says what happened (issue 8).
# - sessions: status 'stopped' (ended by a person) besides 'aborted' (ended by a fault);
#   ``end_cause`` from the closed set in ``rehab.store.models.Cause``; ``robot_used``
#   (NULL for sessions recorded before this version, when it was not kept).
# - events: the ``cause`` of each pause, resume and end.
# - sets: ``robot_command_seq``, the sequence number of the exercise command the robot
#   accepted for this set (NULL: the robot did not run it).
# - reps: ``uncertain`` reps (frames too sparse to measure) are counted but their ROM,
#   speed and score are not exact; ``frame_coverage`` and ``max_gap_s`` say why. The
#   set totals keep ``measured_n`` and take ROM, score and assistance only from measured
#   reps, so trends skip uncertain ones.
_CAUSES = ("'completed', 'therapist', 'patient', 'camera_lost', 'app_stalled', "
           "'robot_link_lost', 'robot_watchdog', 'robot_fault', 'robot_safe_stop', "
           "'robot_refused', 'estop', 'signal', 'error', 'app_died'")
_V2: Final = f"""
CREATE TABLE sessions_v2 (
    id INTEGER PRIMARY KEY,
    patient_id INTEGER NOT NULL REFERENCES patients(id),
    program_id INTEGER REFERENCES programs(id),
    therapist_id INTEGER REFERENCES users(id),
    started_at TEXT NOT NULL,
    ended_at TEXT,
    status TEXT NOT NULL CHECK (status IN
        ('running', 'paused', 'completed', 'stopped', 'aborted', 'interrupted')),
    pain_before INTEGER CHECK (pain_before BETWEEN 0 AND 10),
    pain_after INTEGER CHECK (pain_after BETWEEN 0 AND 10),
    borg_rpe INTEGER CHECK (borg_rpe BETWEEN 6 AND 20),
    notes TEXT NOT NULL DEFAULT '',
    end_cause TEXT CHECK (end_cause IS NULL OR end_cause IN ({_CAUSES})),
    robot_used INTEGER CHECK (robot_used IS NULL OR robot_used IN (0, 1))
);
INSERT INTO sessions_v2 (id, patient_id, program_id, therapist_id, started_at, ended_at,
    status, pain_before, pain_after, borg_rpe, notes)
SELECT id, patient_id, program_id, therapist_id, started_at, ended_at, status, pain_before,
    pain_after, borg_rpe, notes FROM sessions;
DROP TABLE sessions;
ALTER TABLE sessions_v2 RENAME TO sessions;
CREATE INDEX sessions_patient ON sessions(patient_id, started_at);
CREATE INDEX sessions_open ON sessions(status) WHERE status IN ('running', 'paused');

ALTER TABLE events ADD COLUMN cause TEXT CHECK (cause IS NULL OR cause IN ({_CAUSES}));

ALTER TABLE sets ADD COLUMN robot_command_seq INTEGER;
ALTER TABLE sets ADD COLUMN measured_n INTEGER NOT NULL DEFAULT 0;
UPDATE sets SET measured_n = reps_done;

ALTER TABLE reps ADD COLUMN uncertain INTEGER NOT NULL DEFAULT 0 CHECK (uncertain IN (0, 1));
ALTER TABLE reps ADD COLUMN frame_coverage REAL
    CHECK (frame_coverage IS NULL OR frame_coverage BETWEEN 0 AND 1);
ALTER TABLE reps ADD COLUMN max_gap_s REAL CHECK (max_gap_s IS NULL OR max_gap_s >= 0);

DROP TRIGGER reps_totals_insert;
DROP TRIGGER reps_totals_delete;
DROP TRIGGER reps_totals_update;
CREATE TRIGGER reps_totals_insert AFTER INSERT ON reps
BEGIN
    UPDATE sets SET reps_done = reps_done + 1,
        measured_n = measured_n + (NOT NEW.uncertain),
        max_rom_deg = CASE WHEN NEW.uncertain THEN max_rom_deg
            ELSE MAX(COALESCE(max_rom_deg, NEW.rom_deg), NEW.rom_deg) END,
        score_sum = score_sum + CASE WHEN NEW.uncertain THEN 0 ELSE NEW.form_score END,
        assistance_sum = assistance_sum
            + CASE WHEN NEW.uncertain THEN 0 ELSE COALESCE(NEW.assistance, 0) END,
        assistance_n = assistance_n + (NOT NEW.uncertain AND NEW.assistance IS NOT NULL)
    WHERE id = NEW.set_id;
END;
CREATE TRIGGER reps_totals_delete AFTER DELETE ON reps
BEGIN
    UPDATE sets SET (reps_done, measured_n, max_rom_deg, score_sum, assistance_sum,
                     assistance_n) = (
        SELECT COUNT(*), COUNT(*) FILTER (WHERE NOT uncertain),
               MAX(rom_deg) FILTER (WHERE NOT uncertain),
               COALESCE(SUM(form_score) FILTER (WHERE NOT uncertain), 0),
               COALESCE(SUM(assistance) FILTER (WHERE NOT uncertain), 0),
               COUNT(assistance) FILTER (WHERE NOT uncertain)
        FROM reps WHERE set_id = OLD.set_id)
    WHERE id = OLD.set_id;
END;
CREATE TRIGGER reps_totals_update AFTER UPDATE ON reps
BEGIN
    UPDATE sets SET (reps_done, measured_n, max_rom_deg, score_sum, assistance_sum,
                     assistance_n) = (
        SELECT COUNT(*), COUNT(*) FILTER (WHERE NOT uncertain),
               MAX(rom_deg) FILTER (WHERE NOT uncertain),
               COALESCE(SUM(form_score) FILTER (WHERE NOT uncertain), 0),
               COALESCE(SUM(assistance) FILTER (WHERE NOT uncertain), 0),
               COUNT(assistance) FILTER (WHERE NOT uncertain)
        FROM reps WHERE set_id = sets.id)
    WHERE id IN (OLD.set_id, NEW.set_id);
END;
"""

# Version 3: the patient's screen (issue 12). How each patient reads best: a high-contrast
# palette and larger text, stored with the patient (no row: the defaults, both off).
_V3: Final = """
CREATE TABLE patient_display (
    patient_id INTEGER PRIMARY KEY REFERENCES patients(id),
    high_contrast INTEGER NOT NULL DEFAULT 0 CHECK (high_contrast IN (0, 1)),
    large_text INTEGER NOT NULL DEFAULT 0 CHECK (large_text IN (0, 1)),
    updated_at TEXT NOT NULL
);
"""

# Version 4: access control (issue 10).
# - audit_log: ``row_hash``, the SHA-256 chain over the previous row's hash and the row's
#   own content (see ``rehab.store.audit``); existing rows are chained in id order here,
#   with the SQL function the connection registers; a trigger refuses rows without one.
# - users: ``failed_logins`` in a row and ``locked_until`` (ISO UTC), for the back-off and
#   lockout of ``UserRepo.authenticate``.
_V4: Final = """
ALTER TABLE audit_log ADD COLUMN row_hash TEXT;
ALTER TABLE users ADD COLUMN failed_logins INTEGER NOT NULL DEFAULT 0
    CHECK (failed_logins >= 0);
ALTER TABLE users ADD COLUMN locked_until TEXT;
DROP TRIGGER audit_log_no_update;
CREATE TEMP TABLE audit_chain AS
WITH RECURSIVE chain(id, hash) AS (
    SELECT 0, ''
    UNION ALL
    SELECT a.id, rehab_audit_hash(chain.hash, a.id, a.at, a.actor_id, a.action, a.entity,
                                  a.entity_id, a.detail)
    FROM chain JOIN audit_log a ON a.id = (SELECT MIN(id) FROM audit_log WHERE id > chain.id)
)
SELECT id, hash FROM chain WHERE id > 0;
UPDATE audit_log SET row_hash = (SELECT hash FROM temp.audit_chain c WHERE c.id = audit_log.id);
DROP TABLE temp.audit_chain;
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
CREATE TRIGGER audit_log_hash_required BEFORE INSERT ON audit_log WHEN NEW.row_hash IS NULL
BEGIN SELECT RAISE(ABORT, 'audit_log rows are appended with their chain hash'); END;
"""

# Version 5: research exports (issue 13): one row per export, and the per-export random
# subject labels with their date shifts. The mapping is drawn at random (never derived
# from the patient's id, code or name) and lives only here, in the clinic's database; the
# export itself carries the labels alone.
_V5: Final = """
CREATE TABLE exports (
    id INTEGER PRIMARY KEY,
    uid TEXT NOT NULL UNIQUE,
    format TEXT NOT NULL,
    identified INTEGER NOT NULL CHECK (identified IN (0, 1)),
    dates TEXT NOT NULL CHECK (dates IN ('shift', 'relative', 'real')),
    created_by INTEGER REFERENCES users(id),
    created_at TEXT NOT NULL,
    options TEXT NOT NULL DEFAULT '{}'
);

CREATE TABLE export_subjects (
    export_id INTEGER NOT NULL REFERENCES exports(id),
    patient_id INTEGER NOT NULL REFERENCES patients(id),
    subject_label TEXT NOT NULL,
    date_shift_days INTEGER NOT NULL,
    PRIMARY KEY (export_id, patient_id),
    UNIQUE (export_id, subject_label)
);
CREATE INDEX export_subjects_patient ON export_subjects(patient_id);
"""

# Version 6: the learned form-quality model's opinion of each rep (issue 14).
# - reps: ``model_probability``, the model's probability (0-1) that the rep was done with
#   correct form, beside the rule score it never replaces; NULL when the exercise has no
#   model head, the rep had too few frames, or the rep was recorded before this version.
_V6: Final = """
ALTER TABLE reps ADD COLUMN model_probability REAL
    CHECK (model_probability IS NULL OR model_probability BETWEEN 0 AND 1);
"""

# Version 7: the side of each rep (alternating exercises: marching, alternating curls,
# lunges with alternating legs; each rep belongs to one limb).
# - reps: ``side``, ``left`` or ``right`` for a rep of one limb, NULL for a rep of both
#   sides together or a rep recorded before this version.
_V7: Final = """
ALTER TABLE reps ADD COLUMN side TEXT CHECK (side IS NULL OR side IN ('left', 'right'));
"""

# Version 8: the patient's reference reps for the learned model (issue 14).
# - form_references: per patient and exercise, the reps of one of their sessions that a
#   therapist marked as done correctly; the model that compares each rep with the person's
#   own correct reps (form_quality_ref_v1) reads them. Setting a new one replaces the old.
# - reps: ``model_reference``, 1 when ``model_probability`` came from that model (the rep
#   compared with the patient's reference), 0 when from the reference-free model, NULL
#   when the rep has no probability or was recorded before this version.
_V8: Final = """
CREATE TABLE form_references (
    patient_id INTEGER NOT NULL REFERENCES patients(id),
    exercise_id TEXT NOT NULL,
    session_id INTEGER NOT NULL REFERENCES sessions(id),
    rep_ids TEXT NOT NULL,
    set_by INTEGER REFERENCES users(id),
    set_at TEXT NOT NULL,
    PRIMARY KEY (patient_id, exercise_id)
);
ALTER TABLE reps ADD COLUMN model_reference INTEGER
    CHECK (model_reference IS NULL OR model_reference IN (0, 1));
"""

MIGRATIONS: Final[tuple[str, ...]] = (_V1, _V2, _V3, _V4, _V5, _V6, _V7, _V8)
"""``MIGRATIONS[n - 1]`` takes a database from version ``n - 1`` to ``n``."""

SCHEMA_VERSION: Final = len(MIGRATIONS)
