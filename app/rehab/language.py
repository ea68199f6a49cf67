"""The languages a person may read the app in, and the default: defined here, once.

The store, the session and the screens all take a :class:`Language`; a plain ``"ko"`` or
``"en"`` from a settings file or the command line becomes one with :func:`parse_language`.
"""

from __future__ import annotations

import enum


class Language(enum.StrEnum):
    """A language of the message catalogues (``rehab/locale/<code>/LC_MESSAGES``)."""

    KO = "ko"
    EN = "en"


DEFAULT_LANGUAGE = Language.KO
"""Korean: most patients and therapists of the centre read Korean."""

LANGUAGES: tuple[str, ...] = tuple(language.value for language in Language)
"""The language codes, in catalogue order (for command-line choices)."""


def parse_language(value: Language | str) -> Language:
    """Return ``value`` as a :class:`Language`.

    Parameters
    ----------
    value
        ``"ko"``, ``"en"`` or a :class:`Language`.

    Returns
    -------
    Language
        The language.

    Raises
    ------
    rehab.errors.ValidationError
        ``value`` names no language of the catalogues (field ``language``).

    Examples
    --------
    >>> parse_language("en")
    <Language.EN: 'en'>
    """
    try:
        return Language(value)
    except ValueError as exc:
        from rehab.errors import ValidationError

        raise ValidationError("language", "validation.one_of", allowed=", ".join(LANGUAGES),
                              value=repr(value)) from exc
