"""De-identification of research exports (PIPA Art. 28-2; HIPAA Safe Harbor as the list).

Removed: names, patient codes, database ids, notes and every free text, birth years
(replaced by the age at the first session, capped at 89), device serials, images and
video. Each subject gets a random label for this export (drawn with :mod:`secrets`, never
derived from an identifier); the mapping is kept only in the clinic's database
(``export_subjects``, schema v5). Dates are either shifted per subject by a constant
number of days, so that the first session falls on a random day in 1900-1925 (BIDS asks
for 1925 or earlier), or given relative: the first session is day 0 (written as
1900-01-01 where a format needs a date).
"""

from __future__ import annotations

import datetime as dt
import enum
import secrets
from collections.abc import Iterable
from dataclasses import dataclass

from rehab.store.exports import ExportSubject

MAX_AGE = 89
"""Ages above this are written as 89 (Safe Harbor: ages over 89 are identifying)."""

_EPOCH = dt.date(1900, 1, 1)
_SHIFT_LATEST = dt.date(1925, 12, 31)
_LABEL_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"


class DatePolicy(enum.StrEnum):
    """How an export writes dates: shifted per subject, or relative to the first session."""

    SHIFT = "shift"
    RELATIVE = "relative"


REMOVED = (
    "names (patients, therapists, users)",
    "patient codes and database ids (subjects get random per-export labels)",
    "birth years (age at the first session instead, capped at 89)",
    "notes, diagnoses, event messages and every other free text",
    "device serial numbers and network addresses",
    "images and video (only landmark coordinates derived from them)",
    "real dates (shifted per subject, or relative to the first session)",
)

MOTION_WARNING = (
    "Motion data can itself identify a person (gait and movement patterns are biometric); "
    "treat this export as pseudonymised personal data, keep it access-controlled and do "
    "not link it with other data about the same people.")


def age_at(birth_year: int, on: dt.date) -> int:
    """Age in whole years on ``on`` from a birth year alone (upper bound), capped at 89.

    Examples
    --------
    >>> age_at(1948, dt.date(2026, 3, 2)), age_at(1920, dt.date(2026, 3, 2))
    (78, 89)
    """
    return min(max(on.year - birth_year, 0), MAX_AGE)


def _draw_label(taken: set[str]) -> str:
    while True:
        label = "".join(secrets.choice(_LABEL_ALPHABET) for _ in range(8))
        if label not in taken:
            taken.add(label)
            return label


def _draw_shift(first: dt.date, policy: DatePolicy) -> int:
    if policy is DatePolicy.RELATIVE:
        return (_EPOCH - first).days
    target = _EPOCH + dt.timedelta(days=secrets.randbelow((_SHIFT_LATEST - _EPOCH).days + 1))
    return (target - first).days


def draw_subjects(first_dates: Iterable[tuple[int, dt.date]],
                  policy: DatePolicy) -> list[ExportSubject]:
    """Random labels and date shifts for the patients of one export.

    Parameters
    ----------
    first_dates
        ``(patient_id, date of the first exported session)`` pairs.
    policy
        Shift to a random day in 1900-1925, or make the first session 1900-01-01 (day 0).

    Returns
    -------
    list of ExportSubject
        One per patient, labels unique within the export, lower-case alphanumeric (a
        valid BIDS label).
    """
    taken: set[str] = set()
    return [ExportSubject(pid, _draw_label(taken), _draw_shift(first, policy))
            for pid, first in first_dates]


@dataclass(frozen=True)
class Subject:
    """What a de-identified export says about one patient.

    Attributes
    ----------
    label
        The random label of this export (``sub-<label>`` in BIDS).
    age
        Years at the first exported session, at most 89.
    sex, affected_side
        As registered (``female``/``male``/``other``/``unknown``; ``left``/``right``/...).
    date_shift_days
        Added to every real date of this subject.
    first_date
        The shifted date of the first exported session (day 0).
    """

    label: str
    age: int
    sex: str
    affected_side: str
    date_shift_days: int
    first_date: dt.date

    def date(self, when: dt.date) -> dt.date:
        """A real date, shifted (or made relative: day 0 is 1900-01-01)."""
        return when + dt.timedelta(days=self.date_shift_days)

    def day(self, when: dt.date) -> int:
        """Days since the subject's first exported session (0 on that day)."""
        return (self.date(when) - self.first_date).days

    def datetime(self, iso_utc: str) -> dt.datetime:
        """A stored ``*_at`` timestamp (ISO-8601 UTC), shifted, naive UTC, whole seconds."""
        when = dt.datetime.fromisoformat(iso_utc).astimezone(dt.UTC).replace(tzinfo=None)
        return (when + dt.timedelta(days=self.date_shift_days)).replace(microsecond=0)


def parse_date(iso: str) -> dt.date:
    """The UTC calendar date of a stored ``*_at`` timestamp or ``YYYY-MM-DD`` date."""
    if len(iso) == 10:
        return dt.date.fromisoformat(iso)
    return dt.datetime.fromisoformat(iso).astimezone(dt.UTC).date()
