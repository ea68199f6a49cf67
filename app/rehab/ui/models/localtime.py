"""Stored times as the therapist reads them."""

from __future__ import annotations

import datetime as dt


def local_time(iso_utc: str) -> str:
    """A stored UTC timestamp as the therapist's local ``YYYY-MM-DD HH:MM``.

    Parameters
    ----------
    iso_utc
        An ISO 8601 timestamp with its UTC offset, as the store writes them.

    Returns
    -------
    str
        The same instant in this machine's time zone, to the minute.
    """
    return dt.datetime.fromisoformat(iso_utc).astimezone().strftime("%Y-%m-%d %H:%M")
