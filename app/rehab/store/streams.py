"""High-rate streams (pose landmarks, joint angles, robot telemetry) as compressed chunks.

One row holds about one second of one stream: float64 timestamps on the session clock
and a float32 sample matrix, each byte-shuffled (the bytes of equal significance side
by side, as Blosc does) and then LZ4-compressed. Shuffle + LZ4 compresses noisy sensor
floats about as well as zlib at ten times its speed, so a live session can record
without slowing the pipeline. What comes back from :meth:`StreamRepo.read` is bit for
bit what was written, NaN (a missing landmark) included.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

import lz4.block
import numpy as np

from rehab.errors import NotFoundError, StoreError, ValidationError
from rehab.store._context import StoreContext
from rehab.store.access import Permission, requires

CODEC = "t8v4-shuffle-lz4"
"""float64 times then float32 values, each byte-shuffled, LZ4 block with stored size."""


def _shuffle(array: np.ndarray) -> bytes:
    width = array.dtype.itemsize
    return np.ascontiguousarray(array.view(np.uint8).reshape(-1, width).T).tobytes()


def _unshuffle(data: bytes, dtype: str, count: int) -> np.ndarray:
    width = np.dtype(dtype).itemsize
    planes = np.frombuffer(data, np.uint8, count=count * width).reshape(width, count)
    return np.ascontiguousarray(planes.T).view(dtype).reshape(count)


def encode_chunk(t_s: np.ndarray, values: np.ndarray) -> bytes:
    """Encode ``t_s`` (N,) and ``values`` (N, C) as one :data:`CODEC` blob.

    Parameters
    ----------
    t_s
        Sample times, seconds on the session clock, shape (N,); stored as float64.
    values
        Samples, shape (N, C) (any shape with N * C elements is flattened); stored as
        float32.

    Returns
    -------
    bytes
        The LZ4 block (with its stored size) of the byte-shuffled times, then values.
    """
    t = np.ascontiguousarray(t_s, dtype="<f8")
    v = np.ascontiguousarray(values, dtype="<f4")
    return lz4.block.compress(_shuffle(t) + _shuffle(v.reshape(-1)), store_size=True)


def decode_chunk(blob: bytes, n_samples: int, n_columns: int) -> tuple[np.ndarray, np.ndarray]:
    """Inverse of :func:`encode_chunk`.

    Parameters
    ----------
    blob
        A :data:`CODEC` blob.
    n_samples
        N, the number of samples it holds (>= 0).
    n_columns
        C, the number of columns per sample (>= 0).

    Returns
    -------
    t_s : numpy.ndarray
        Sample times, seconds, float64, shape (N,).
    values : numpy.ndarray
        Samples, float32, shape (N, C).

    Raises
    ------
    StoreError
        The blob does not hold ``n_samples * (8 + 4 * n_columns)`` bytes.
    lz4.block.LZ4BlockError
        The blob is not a valid LZ4 block.
    """
    raw = lz4.block.decompress(blob)
    expected = n_samples * (8 + 4 * n_columns)
    if len(raw) != expected:
        raise StoreError(f"stream chunk holds {len(raw)} bytes, expected {expected}")
    t = _unshuffle(raw[: 8 * n_samples], "<f8", n_samples)
    v = _unshuffle(raw[8 * n_samples:], "<f4", n_samples * n_columns)
    return t, v.reshape(n_samples, n_columns)


@dataclass(frozen=True)
class StreamData:
    """Samples of one stream: ``t_s`` (N,) float64 seconds, ``values`` (N, C) float32.

    Attributes
    ----------
    stream
        The stream's name (``"robot"``, ...).
    columns
        The C column names, in the order of ``values``' columns.
    t_s
        Sample times, seconds on the session clock, shape (N,), non-decreasing.
    values
        Samples, shape (N, C); NaN where a value was missing when written.
    """

    stream: str
    columns: tuple[str, ...]
    t_s: np.ndarray
    values: np.ndarray

    def column(self, name: str) -> np.ndarray:
        """The samples of one named column.

        Parameters
        ----------
        name
            One of :attr:`columns`.

        Returns
        -------
        numpy.ndarray
            The column's samples, shape (N,) (a view into :attr:`values`).

        Raises
        ------
        ValueError
            ``name`` is not one of :attr:`columns`.
        """
        return self.values[:, self.columns.index(name)]


def _check_columns(columns: Sequence[str]) -> None:
    if not columns or any(("," in c or not c) for c in columns):
        raise ValidationError("columns", "store.stream_columns")


def _check_samples(n_columns: int, t_s: np.ndarray, values: np.ndarray) -> None:
    if t_s.ndim != 1 or len(t_s) == 0:
        raise ValidationError("t_s", "store.stream_times")
    if values.shape != (len(t_s), n_columns):
        raise ValidationError("values", "store.stream_shape", shape=str(values.shape),
                              n_samples=len(t_s), n_columns=n_columns)
    if not np.isfinite(t_s).all() or (t_s[1:] < t_s[:-1]).any():
        raise ValidationError("t_s", "store.stream_times")


class StreamRepo:
    """Write and read stream chunks of a session.

    Parameters
    ----------
    ctx
        The open store's shared state: database, clock and the acting user whose
        permissions every operation checks.
    """

    def __init__(self, ctx: StoreContext) -> None:
        self._ctx = ctx

    @requires("streams", Permission.SESSIONS_WRITE)
    def insert_chunks(self, session_id: int,
                      chunks: Sequence[tuple[str, str, np.ndarray, np.ndarray]]) -> None:
        """Insert checked chunks in one transaction (what :class:`StreamRecorder` writes with).

        Parameters
        ----------
        session_id
            The session's id.
        chunks
            ``(stream, joined columns, t_s, values)`` tuples, already checked: columns
            joined with ``","``, ``t_s`` (N,) seconds non-empty and non-decreasing,
            ``values`` (N, C).

        Raises
        ------
        PermissionDeniedError
            The store's acting user lacks ``sessions.write`` (the refusal is audited).
        """
        with self._ctx.db.atomic():
            self._insert(session_id, chunks)

    def _insert(self, session_id: int,
                chunks: Sequence[tuple[str, str, np.ndarray, np.ndarray]]) -> None:
        """Insert checked chunks ``(stream, joined columns, t_s, values)``; no transaction."""
        self._ctx.db.conn.executemany(
            "INSERT INTO stream_chunks (session_id, stream, t_start_s, t_end_s, n_samples, "
            "columns, codec, data) VALUES (?,?,?,?,?,?,?,?)",
            [(session_id, stream, float(t[0]), float(t[-1]), len(t), columns, CODEC,
              encode_chunk(t, v)) for stream, columns, t, v in chunks])

    @requires("streams", Permission.SESSIONS_READ, Permission.RESEARCH_READ)
    def streams(self, session_id: int) -> list[str]:
        """The names of the streams a session has.

        Parameters
        ----------
        session_id
            The session's id; an unknown id has none.

        Returns
        -------
        list of str
            The stream names, sorted.

        Raises
        ------
        PermissionDeniedError
            The store's acting user lacks both ``sessions.read`` and ``research.read``
            (the refusal is audited).
        """
        rows = self._ctx.db.execute("SELECT DISTINCT stream FROM stream_chunks WHERE "
                                    "session_id = ? ORDER BY stream", (session_id,))
        return [r[0] for r in rows]

    @requires("streams", Permission.SESSIONS_READ, Permission.RESEARCH_READ)
    def read(self, session_id: int, stream: str, t_start_s: float = -math.inf,
             t_end_s: float = math.inf) -> StreamData:
        """Samples with ``t_start_s <= t <= t_end_s``, in time order, exactly as written.

        Parameters
        ----------
        session_id
            The session's id.
        stream
            The stream's name.
        t_start_s
            Start of the window, seconds on the session clock, inclusive (default: from
            the first sample).
        t_end_s
            End of the window, seconds, inclusive (default: to the last sample).

        Returns
        -------
        StreamData
            The samples in the window; none (shapes (0,) and (0, C)) when the stream
            exists but has none there.

        Raises
        ------
        NotFoundError
            The session has no such stream.
        StoreError
            The chunks in the window mix codecs or column sets, or a chunk is corrupt.
        PermissionDeniedError
            The store's acting user lacks both ``sessions.read`` and ``research.read``
            (the refusal is audited).
        """
        rows = self._ctx.db.execute(
            "SELECT columns, codec, n_samples, data FROM stream_chunks WHERE session_id = ? "
            "AND stream = ? AND t_end_s >= ? AND t_start_s <= ? ORDER BY t_start_s, id",
            (session_id, stream, t_start_s, t_end_s)).fetchall()
        if not rows:
            return self._empty(session_id, stream)
        columns = rows[0][0].split(",")
        times, blocks = [], []
        for cols, codec, n, blob in rows:
            if codec != CODEC or cols.split(",") != columns:
                raise StoreError(f"stream {stream!r} of session {session_id} mixes codecs or "
                                 "column sets; read it in parts")
            t, v = decode_chunk(blob, n, len(columns))
            keep = (t >= t_start_s) & (t <= t_end_s)
            times.append(t[keep])
            blocks.append(v[keep])
        return StreamData(stream, tuple(columns), np.concatenate(times), np.concatenate(blocks))

    @requires("streams", Permission.SESSIONS_READ, Permission.RESEARCH_READ)
    def iter_chunks(self, session_id: int, stream: str) -> Iterator[StreamData]:
        """Every stored chunk of a stream in time order, one at a time.

        Memory holds one chunk (about a second of samples) whatever the stream's length:
        exports stream through this. A session with no such stream yields nothing.

        Parameters
        ----------
        session_id
            The session's id.
        stream
            The stream's name.

        Yields
        ------
        StreamData
            One stored chunk (about a second of samples), with its own column names.

        Raises
        ------
        StoreError
            A chunk has an unknown codec or is corrupt.
        PermissionDeniedError
            The store's acting user lacks both ``sessions.read`` and ``research.read``
            (the refusal is audited).
        """
        cursor = self._ctx.db.conn.execute(
            "SELECT columns, codec, n_samples, data FROM stream_chunks WHERE session_id = ? "
            "AND stream = ? ORDER BY t_start_s, id", (session_id, stream))
        while rows := cursor.fetchmany(64):
            for cols, codec, n, blob in rows:
                if codec != CODEC:
                    raise StoreError(f"stream {stream!r} of session {session_id} has an "
                                     f"unknown codec {codec!r}")
                columns = tuple(cols.split(","))
                t, v = decode_chunk(blob, n, len(columns))
                yield StreamData(stream, columns, t, v)

    def _empty(self, session_id: int, stream: str) -> StreamData:
        row = self._ctx.db.execute("SELECT columns FROM stream_chunks WHERE session_id = ? "
                                   "AND stream = ? LIMIT 1", (session_id, stream)).fetchone()
        if row is None:
            raise NotFoundError(f"session {session_id} has no stream {stream!r}")
        columns = tuple(row[0].split(","))
        return StreamData(stream, columns, np.empty(0), np.empty((0, len(columns)), np.float32))


@dataclass
class _Buffer:
    """The samples of one stream not yet written, as appended blocks."""

    columns: tuple[str, ...]
    joined_columns: str
    times: list[np.ndarray] = field(default_factory=list)
    blocks: list[np.ndarray] = field(default_factory=list)
    t_first_s: float = math.nan
    t_last_s: float = math.nan

    def add(self, t_s: np.ndarray, values: np.ndarray) -> None:
        """Append a checked block: ``t_s`` (N,) seconds, ``values`` (N, C).

        Parameters
        ----------
        t_s
            Sample times, seconds, N >= 1, not before the buffer's last.
        values
            Samples, shape (N, C).
        """
        if not self.times:
            self.t_first_s = float(t_s[0])
        self.times.append(t_s)
        self.blocks.append(values)
        self.t_last_s = float(t_s[-1])

    def take_pieces(self, chunk_s: float, *, final: bool) -> list[tuple[np.ndarray, np.ndarray]]:
        """Split the buffer into chunks of less than ``chunk_s``; keep the open one.

        Parameters
        ----------
        chunk_s
            Span of one chunk, seconds (> 0).
        final
            Take every sample, the open chunk too (nothing stays buffered).

        Returns
        -------
        list of tuple of numpy.ndarray
            The complete ``(t_s, values)`` pieces, in time order; empty when none is
            complete yet (with ``final``, every buffered sample).
        """
        if not self.times or (not final and self.t_last_s - self.t_first_s < chunk_s):
            return []
        t = np.concatenate(self.times) if len(self.times) > 1 else self.times[0]
        v = np.concatenate(self.blocks) if len(self.blocks) > 1 else self.blocks[0]
        n_edges = int((t[-1] - t[0]) // chunk_s)
        cuts = np.searchsorted(t, t[0] + chunk_s * np.arange(1, n_edges + 1), side="left")
        bounds = [0, *sorted(set(cuts.tolist()) - {0, len(t)}), len(t)]
        pieces = [(t[a:b], v[a:b]) for a, b in itertools.pairwise(bounds)]
        keep = [] if final else [pieces.pop()]
        self.times, self.blocks = [p[0] for p in keep], [p[1] for p in keep]
        if keep:
            self.t_first_s = float(keep[0][0][0])
        return pieces


class StreamRecorder:
    """Buffers samples of several streams and writes about one chunk per ``chunk_s`` each.

    Once per ``commit_every_s`` of stream time, the complete chunks of all streams are
    written together in one transaction, so a crash loses at most the last
    ``commit_every_s + chunk_s`` seconds. Live sessions keep the default (one commit a
    second); an offline import may commit less often.

    Parameters
    ----------
    repo
        The store's stream repository to write with (its user needs ``sessions.write``).
    session_id
        The session the samples belong to.
    chunk_s
        Span of one stored chunk, seconds (> 0).
    commit_every_s
        Stream time between commits, seconds (>= ``chunk_s``); None (the default) for
        ``chunk_s``.

    Raises
    ------
    ValidationError
        ``chunk_s`` is not > 0, or ``commit_every_s`` is less than ``chunk_s``.

    Examples
    --------
    >>> recorder = StreamRecorder(store.streams, session_id)        # doctest: +SKIP
    >>> recorder.declare("robot", ("q0_rad", "q1_rad"))              # doctest: +SKIP
    >>> recorder.append("robot", 0.005, [0.1, 0.2])                 # doctest: +SKIP
    >>> recorder.close()                                            # doctest: +SKIP
    """

    def __init__(self, repo: StreamRepo, session_id: int, *, chunk_s: float = 1.0,
                 commit_every_s: float | None = None) -> None:
        if not chunk_s > 0:
            raise ValidationError("chunk_s", "validation.positive", value=chunk_s)
        commit_every_s = chunk_s if commit_every_s is None else commit_every_s
        if not commit_every_s >= chunk_s:
            raise ValidationError("commit_every_s", "store.commit_after_chunk")
        self._repo, self._session_id, self._chunk_s = repo, session_id, chunk_s
        self._commit_every_s = commit_every_s
        self._buffers: dict[str, _Buffer] = {}
        self._next_flush_s = math.nan

    def declare(self, stream: str, columns: Sequence[str]) -> None:
        """Name a stream and its columns before appending to it.

        Declaring a stream again starts its buffer afresh (unwritten samples are dropped).

        Parameters
        ----------
        stream
            The stream's name.
        columns
            The column names, at least one; none empty or containing ``","``.

        Raises
        ------
        ValidationError
            The columns are empty, or a name is empty or contains a comma.
        """
        _check_columns(columns)
        self._buffers[stream] = _Buffer(tuple(columns), ",".join(columns))

    def append(self, stream: str, t_s: float, row: Sequence[float] | np.ndarray) -> None:
        """Add one sample (live use).

        Parameters
        ----------
        stream
            A declared stream's name.
        t_s
            The sample's time, seconds on the session clock; finite, not before the
            stream's last sample.
        row
            The sample's C values, one per declared column (stored as float32).

        Raises
        ------
        ValidationError
            As :meth:`extend`.
        sqlite3.Error
            A write this sample triggered failed (the samples stay buffered).
        """
        self.extend(stream, np.array([t_s], dtype=np.float64),
                    np.asarray(row, dtype=np.float32).reshape(1, -1))

    def extend(self, stream: str, t_s: np.ndarray, values: np.ndarray) -> None:
        """Add a block of samples: ``t_s`` (N,) after the last one, ``values`` (N, C).

        Writes (:meth:`flush`) once ``commit_every_s`` of stream time has passed since
        the last write.

        Parameters
        ----------
        stream
            A declared stream's name.
        t_s
            Sample times, seconds on the session clock, shape (N,), N >= 1; finite,
            non-decreasing, not before the stream's last sample.
        values
            Samples, shape (N, C) with C the number of declared columns (stored as
            float32; NaN allowed).

        Raises
        ------
        ValidationError
            The stream was not declared, ``values`` has the wrong shape, or the times
            are empty, not finite, decreasing or before the last sample.
        sqlite3.Error
            A write this block triggered failed (the samples stay buffered).
        PermissionDeniedError
            A write this block triggered was refused (the samples stay buffered).
        """
        buffer = self._buffer(stream)
        t_s = np.asarray(t_s, dtype=np.float64).reshape(-1)
        values = np.asarray(values, dtype=np.float32)
        if values.ndim != 2 or values.shape[1] != len(buffer.columns):
            raise ValidationError("values", "validation.shape",
                                  expected=f"(N, {len(buffer.columns)})",
                                  got=str(values.shape))
        _check_samples(len(buffer.columns), t_s, values)
        if buffer.times and t_s[0] < buffer.t_last_s:
            raise ValidationError("t_s", "store.stream_back_in_time", stream=stream)
        buffer.add(t_s, values)
        if math.isnan(self._next_flush_s):
            self._next_flush_s = buffer.t_first_s + self._commit_every_s
        if buffer.t_last_s >= self._next_flush_s:
            self._next_flush_s = buffer.t_last_s + self._commit_every_s
            self.flush()

    def flush(self, *, final: bool = False) -> None:
        """Write the complete chunks of every stream (all, with ``final``) in one transaction.

        On failure nothing is written and every sample stays buffered for the next try.

        Parameters
        ----------
        final
            Also write the open (incomplete) chunk of each stream (default False).

        Raises
        ------
        sqlite3.Error
            The write failed (say, the database is locked or full).
        PermissionDeniedError
            The repository's user lacks ``sessions.write``.
        """
        saved = {name: (list(b.times), list(b.blocks), b.t_first_s)
                 for name, b in self._buffers.items()}
        due = [(name, b.joined_columns, t, v) for name, b in self._buffers.items()
               for t, v in b.take_pieces(self._chunk_s, final=final)]
        if not due:
            return
        try:
            self._repo.insert_chunks(self._session_id, due)
        except BaseException:
            # Nothing was written: keep every sample buffered for the next try.
            for name, (times, blocks, t_first_s) in saved.items():
                buffer = self._buffers[name]
                buffer.times, buffer.blocks, buffer.t_first_s = times, blocks, t_first_s
            raise

    def close(self) -> None:
        """Write everything still buffered.

        Raises
        ------
        sqlite3.Error
            The write failed (the samples stay buffered).
        PermissionDeniedError
            The repository's user lacks ``sessions.write``.
        """
        self.flush(final=True)

    def _buffer(self, stream: str) -> _Buffer:
        try:
            return self._buffers[stream]
        except KeyError:
            raise ValidationError("stream", "store.stream_undeclared", stream=stream) from None
