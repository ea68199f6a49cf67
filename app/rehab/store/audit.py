"""The tamper-evident audit log: each row's SHA-256 chained over the previous row's.

``row_hash = sha256(json([previous row_hash, id, at, actor_id, action, entity, entity_id,
detail]))``, the first row chained over ``""``. The hash is computed by SQLite itself, in
the one ``INSERT`` that appends the row (:data:`APPEND_SQL`, with the function
:func:`register` adds to each connection), so two connections appending at once cannot
fork the chain. Editing, deleting or inserting a row anywhere but at the end breaks the
chain at that row, which :func:`verify_chain` finds. What a chain alone cannot show is the
removal of the newest rows followed by re-hashing: ``rehab db check`` prints the head
hash so a clinic can note it elsewhere (a paper log, another machine) and compare.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from dataclasses import dataclass

from sqlite_utils import Database

HASH_FUNCTION = "rehab_audit_hash"

REQUIRED_TRIGGERS = ("audit_log_no_update", "audit_log_no_delete", "audit_log_hash_required")
"""The triggers that keep the log append-only; ``rehab db check`` fails without them."""


def chain_hash(previous: str | None, row_id: int, at: str, actor_id: int | None, action: str,
               entity: str, entity_id: str, detail: str) -> str:
    """The hash of one audit row chained over ``previous`` (hex SHA-256).

    Parameters
    ----------
    previous
        The previous row's hash; None or ``""`` for the first row.
    row_id, at, actor_id, action, entity, entity_id, detail
        The row's columns (``at`` ISO-8601 UTC, ``detail`` JSON text).

    Returns
    -------
    str
        64 lowercase hex digits.

    Examples
    --------
    >>> len(chain_hash("", 1, "2026-03-02T09:00:00.000+00:00", None, "login", "user", "1",
    ...                "{}"))
    64
    """
    content = json.dumps([previous or "", row_id, at, actor_id, action, entity, entity_id,
                          detail], ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(content.encode()).hexdigest()


def register(conn: sqlite3.Connection) -> None:
    """Make :func:`chain_hash` callable from SQL on ``conn`` (appends and migrations)."""
    conn.create_function(HASH_FUNCTION, 8, chain_hash, deterministic=True)


APPEND_SQL = f"""
INSERT INTO audit_log (id, at, actor_id, action, entity, entity_id, detail, row_hash)
SELECT n.id, :at, :actor_id, :action, :entity, :entity_id, :detail,
       {HASH_FUNCTION}(n.prev, n.id, :at, :actor_id, :action, :entity, :entity_id, :detail)
FROM (SELECT COALESCE(MAX(id), 0) + 1 AS id,
             COALESCE((SELECT row_hash FROM audit_log ORDER BY id DESC LIMIT 1), '') AS prev
      FROM audit_log) AS n
"""
"""Append one row with its chained hash, in one statement (one write lock)."""


@dataclass(frozen=True)
class ChainReport:
    """What :func:`verify_chain` found.

    Attributes
    ----------
    rows
        Rows in the log.
    first_broken_id
        The first row whose hash does not follow from its content and the row before
        (edited, inserted, or following a deleted row); None when the chain holds.
    head
        The newest row's hash (note it elsewhere to detect removal of the newest rows).
    missing_triggers
        Append-only triggers that are gone.
    """

    rows: int
    first_broken_id: int | None
    head: str
    missing_triggers: tuple[str, ...]

    @property
    def ok(self) -> bool:
        """Whether the chain holds and no append-only trigger is missing."""
        return self.first_broken_id is None and not self.missing_triggers


def verify_chain(db: Database) -> ChainReport:
    """Recompute the chain from the first row and check the append-only triggers.

    Parameters
    ----------
    db
        The store's database.

    Returns
    -------
    ChainReport
        Rows, the first broken row, the head hash and missing triggers.
    """
    present = {r[0] for r in db.execute(
        "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'audit_log'")}
    missing = tuple(t for t in REQUIRED_TRIGGERS if t not in present)
    previous, rows, broken = "", 0, None
    for row in db.execute("SELECT id, at, actor_id, action, entity, entity_id, detail, "
                          "row_hash FROM audit_log ORDER BY id"):
        rows += 1
        expected = chain_hash(previous, *row[:7])
        if broken is None and row[7] != expected:
            broken = row[0]
        previous = row[7] or ""
    return ChainReport(rows, broken, previous, missing)
