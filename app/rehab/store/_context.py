"""What every repository shares: the connection, the acting user, the wall clock."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlite_utils import Database

from rehab.errors import ValidationError
from rehab.messages import Message
from rehab.store.access import NOBODY, Actor
from rehab.store.audit import APPEND_SQL

WallClock = Callable[[], dt.datetime]


def utc_now() -> dt.datetime:
    """The default wall clock: aware UTC now.

    Returns
    -------
    datetime.datetime
        The current time, timezone-aware UTC.
    """
    return dt.datetime.now(dt.UTC)


@dataclass(frozen=True)
class StoreContext:
    """The shared state of one open store.

    Attributes
    ----------
    db
        The sqlite-utils database on one connection (use from one thread).
    data_dir
        The data folder (locks and recordings live beside the database).
    wall_clock
        Returns aware UTC datetimes for the ``*_at`` columns; injected in tests.
    actor
        On whose behalf the store acts: recorded in the audit log, and checked against
        each operation's permission (:mod:`rehab.store.access`).
    """

    db: Database
    data_dir: Path
    wall_clock: WallClock
    actor: Actor = NOBODY

    @property
    def actor_id(self) -> int | None:
        """The acting user's id (None for nobody and for the system)."""
        return self.actor.user_id

    def now_iso(self) -> str:
        """Current wall time as ISO-8601 UTC with milliseconds.

        Returns
        -------
        str
            E.g. ``"2026-03-02T09:00:00.000+00:00"``.
        """
        return self.wall_clock().astimezone(dt.UTC).isoformat(timespec="milliseconds")

    def audit(self, action: str, entity: str, entity_id: object, **detail: Any) -> None:
        """Append one audit entry; call inside the transaction of the change it records.

        The entry is chained to the one before (:mod:`rehab.store.audit`); the system
        actor's entries say so in their detail.
        """
        if self.actor.system:
            detail = {**detail, "system": True}
        self.db.execute(APPEND_SQL, {
            "at": self.now_iso(), "actor_id": self.actor_id, "action": action,
            "entity": entity, "entity_id": str(entity_id),
            "detail": json.dumps(detail, ensure_ascii=False, sort_keys=True, default=str)})

    def require_row(self, table: str, row_id: int | None, field: str) -> None:
        """Raise :class:`ValidationError` on ``field`` unless ``table`` has ``row_id``.

        Parameters
        ----------
        table
            The table name (trusted: it is put in the SQL as is).
        row_id
            The row's id; None is never found.
        field
            The field named in the error.

        Raises
        ------
        ValidationError
            When ``row_id`` is None or not in ``table`` (``store.not_found``).
        """
        found = row_id is not None and self.db.execute(
            f"SELECT 1 FROM {table} WHERE id = ?", (row_id,)).fetchone() is not None
        if not found:
            raise ValidationError(field, "store.not_found",
                                  record=Message(f"record.{table.rstrip('s')}"), row_id=row_id)
