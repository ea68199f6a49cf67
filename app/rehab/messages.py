"""Messages by id: every text a person reads, from gettext catalogues in Korean and English.

A message is an id (``validation.range``) and named parameters; its text is made only when
it is shown, in the reader's language, from ``rehab/locale/<lang>/LC_MESSAGES/rehab.po``
(the id is the msgid, the text the msgstr, with ``str.format`` placeholders). A parameter
may itself be a :class:`Message` (a joint's or a cause's name), rendered in the same
language. Plural messages choose their form by the parameter ``n`` with the catalogue's
``Plural-Forms`` rule.

The ``.po`` files are read with :mod:`babel.messages.pofile` when first needed, not
compiled to ``.mo``: there is no build step to forget (the app also runs from an editable
install and from the source tree), translators edit the one file that is loaded, and the
few hundred entries parse in milliseconds, once per process. No Qt here.
"""

from __future__ import annotations

import functools
import gettext
import string
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from babel.messages.pofile import read_po

from rehab.language import Language

LOCALE_DIR = Path(__file__).resolve().parent / "locale"
DOMAIN = "rehab"


@dataclass(frozen=True)
class Message:
    """A message to show: its catalogue id and named parameters (data, not text).

    Examples
    --------
    >>> Message("patients.count", {"n": 3}).text("ko")
    '환자 3명'
    """

    id: str
    params: Mapping[str, object] = field(default_factory=dict)

    def text(self, language: Language | str) -> str:
        """The message in ``language``."""
        return render(self.id, language, **self.params)

    def __str__(self) -> str:
        return self.text(Language.EN)


@dataclass(frozen=True)
class Catalogue:
    """One language's messages: id -> text, or id -> plural forms."""

    language: Language
    texts: Mapping[str, str | tuple[str, ...]]
    plural: Callable[[int], int]

    def __contains__(self, message_id: object) -> bool:
        return message_id in self.texts


def po_path(language: Language | str) -> Path:
    """The ``.po`` file of ``language``."""
    return LOCALE_DIR / Language(language).value / "LC_MESSAGES" / f"{DOMAIN}.po"


@functools.cache
def catalogue(language: Language | str) -> Catalogue:
    """The catalogue of ``language``, read once.

    Raises
    ------
    FileNotFoundError
        The package was installed without its ``.po`` files.
    """
    language = Language(language)
    with po_path(language).open("rb") as file:
        po = read_po(file, locale=language.value, domain=DOMAIN)
    texts: dict[str, str | tuple[str, ...]] = {}
    for entry in po:
        if not entry.id:
            continue  # the header
        key = entry.id[0] if isinstance(entry.id, tuple) else entry.id
        texts[key] = tuple(entry.string) if isinstance(entry.string, tuple | list) \
            else entry.string
    return Catalogue(language, texts, gettext.c2py(po.plural_expr))


def render(message_id: str, language: Language | str, **params: object) -> str:
    """The text of ``message_id`` in ``language``, formatted with ``params``.

    Parameters
    ----------
    message_id
        A catalogue id (``patients.count``).
    language
        ``ko`` or ``en``.
    **params
        The message's named parameters; :class:`Message` values are rendered in
        ``language`` first. Plural messages need ``n``.

    Returns
    -------
    str
        The text.

    Raises
    ------
    KeyError
        ``message_id`` is in no catalogue (a programming error, caught by the tests).

    Examples
    --------
    >>> render("patients.count", "en", n=1)
    '1 patient'
    """
    cat = catalogue(language)
    text = cat.texts[message_id]
    if isinstance(text, tuple):
        text = text[min(cat.plural(int(params["n"])), len(text) - 1)]
    if not params:
        return text
    shown = {name: value.text(cat.language) if isinstance(value, Message) else value
             for name, value in params.items()}
    return text.format(**shown)


def placeholders(text: str) -> set[str]:
    """The parameter names a catalogue text uses (``{lo:g}`` -> ``lo``)."""
    return {name.split(".")[0].split("[")[0]
            for _, name, _, _ in string.Formatter().parse(text) if name}


def has_message(message_id: str) -> bool:
    """Whether ``message_id`` is in the (default) catalogue."""
    return message_id in catalogue(Language.EN)
