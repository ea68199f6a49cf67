"""The one error hierarchy of the app.

Adapters translate third-party errors into these with ``raise ... from exc``; the CLI
turns any :class:`RehabError` into a one-line message and a non-zero exit.
"""

from __future__ import annotations


class RehabError(Exception):
    """Base of every error the app raises on purpose."""


class ValidationError(RehabError, ValueError):
    """Input refused where it enters: the field, and a message id with its parameters.

    The message is data (an id of the catalogues in ``rehab/locale`` and named
    parameters); the screens render it in the reader's language. ``str(error)`` is
    ``"field: English text"``, for logs and the command line.

    Parameters
    ----------
    field
        The name of the offending field, as the code knows it (``target_rom_deg``).
    message_id
        The catalogue id of what is wrong and what is allowed (``validation.range_deg``).
    **params
        The message's named parameters (numbers, text, or nested
        :class:`~rehab.messages.Message` such as a joint's name).

    Examples
    --------
    >>> err = ValidationError("sets", "validation.at_most", hi=20, value=30)
    >>> str(err)
    'sets: must be at most 20, got 30'
    >>> err.text("ko")
    '20 이하여야 합니다 (입력: 30)'
    """

    def __init__(self, field: str, message_id: str, /, **params: object) -> None:
        from rehab.messages import Message, has_message

        if not has_message(message_id):
            # Free English text from code not yet moved to ids: shown as it is (the
            # catalogue test lists such call sites).
            message_id, params = "error.other", {"detail": message_id}
        self.field = field
        self.message_id = message_id
        self.params = dict(params)
        self.message_obj = Message(message_id, self.params)
        super().__init__(f"{field}: {self.message}")

    @property
    def message(self) -> str:
        """The message in English (logs, the command line)."""
        return self.message_obj.text("en")

    def text(self, language: str) -> str:
        """The message (without the field) in ``language``."""
        return self.message_obj.text(language)


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
