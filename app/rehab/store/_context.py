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

WallClock = Callable[[], dt.datetime]


def utc_now() -> dt.datetime:
    """The default wall clock: aware UTC now."""
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
    actor_id
        The user on whose behalf writes are made, recorded in the audit log.
    wall_clock
        Returns aware UTC datetimes for the ``*_at`` columns; injected in tests.
    """

    db: Database
    data_dir: Path
    actor_id: int | None
    wall_clock: WallClock

    def now_iso(self) -> str:
        """Current wall time as ISO-8601 UTC with milliseconds."""
        return self.wall_clock().astimezone(dt.UTC).isoformat(timespec="milliseconds")

    def audit(self, action: str, entity: str, entity_id: object, **detail: Any) -> None:
        """Append one audit entry; call inside the transaction of the change it records."""
        self.db.execute(
            "INSERT INTO audit_log (at, actor_id, action, entity, entity_id, detail) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            (self.now_iso(), self.actor_id, action, entity, str(entity_id),
             json.dumps(detail, ensure_ascii=False, sort_keys=True, default=str)),
        )

    def require_row(self, table: str, row_id: int | None, field: str) -> None:
        """Raise :class:`ValidationError` on ``field`` unless ``table`` has ``row_id``."""
        found = row_id is not None and self.db.execute(
            f"SELECT 1 FROM {table} WHERE id = ?", (row_id,)).fetchone() is not None
        if not found:
            raise ValidationError(field, "store.not_found",
                                  record=Message(f"record.{table.rstrip('s')}"), row_id=row_id)
