"""The one error hierarchy of the app.

Adapters translate third-party errors into these with ``raise ... from exc``; the CLI
turns any :class:`RehabError` into a one-line message and a non-zero exit.
"""

from __future__ import annotations


class RehabError(Exception):
    """Base of every error the app raises on purpose."""


class ValidationError(RehabError, ValueError):
    """Input refused where it enters; ``field`` names what was wrong.

    Parameters
    ----------
    field
        The name of the offending field, as the user knows it (``target_rom_deg``).
    message
        What is wrong and what is allowed.
    """

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


class NotFoundError(RehabError, LookupError):
    """A referenced record (patient, exercise, session, ...) does not exist."""


class StoreError(RehabError):
    """The database cannot be opened, migrated or written."""


class DataFileError(RehabError):
    """A data file (exercise definition, video, recording) is missing or malformed."""


class RobotError(RehabError):
    """The robot link or the robot itself refused or failed."""


class CaptureError(RehabError):
    """A camera or video source cannot be opened or read."""


class ModelFileError(DataFileError):
    """A model's weights or manifest are missing, altered or of another version."""
