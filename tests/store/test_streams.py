"""Stream chunks: exact round trips, time ranges, ~1 s chunks, nothing lost on failure."""

from __future__ import annotations

import sqlite3

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from rehab.errors import NotFoundError, ValidationError
from rehab.store import Store, StreamRecorder
from rehab.store.streams import decode_chunk, encode_chunk
from tests.store.helpers import patient

COLUMNS = tuple(f"lm{j}.{a}" for j in range(33) for a in "xyzv")


@given(values=hnp.arrays(np.float32, hnp.array_shapes(min_dims=2, max_dims=2, max_side=40),
                         elements=st.floats(width=32, allow_nan=True, allow_infinity=True)),
       start=st.floats(-1e6, 1e6))
@settings(max_examples=200, deadline=None)
def test_codec_round_trip_is_bit_exact(values: np.ndarray, start: float) -> None:
    t = start + np.arange(values.shape[0]) / 30.0
    t_back, v_back = decode_chunk(encode_chunk(t, values), *values.shape)
    assert t_back.tobytes() == t.tobytes()
    assert v_back.tobytes() == values.tobytes()  # NaN payloads and signed zeros included


@pytest.fixture
def session_id(fresh_store: Store) -> int:
    return fresh_store.sessions.start(patient(fresh_store).id).id


def _landmarks(n: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    t = np.arange(n) / 30.0 + rng.uniform(0, 1e-3, n)
    values = rng.normal(0.5, 0.2, (n, len(COLUMNS))).astype(np.float32)
    values[10:13] = np.nan  # a person out of view for three frames
    return np.sort(t), values


def test_recorder_writes_one_second_chunks_exactly(fresh_store: Store, session_id: int) -> None:
    t, values = _landmarks(300)  # 10 s at 30 Hz
    recorder = StreamRecorder(fresh_store.streams, session_id)
    recorder.declare("pose", COLUMNS)
    for ti, row in zip(t, values, strict=True):
        recorder.append("pose", ti, row)
    recorder.close()
    spans = fresh_store.db.execute(
        "SELECT n_samples, t_end_s - t_start_s FROM stream_chunks").fetchall()
    assert len(spans) == 10
    assert all(span < 1.0 for _, span in spans)
    assert all(30 <= n <= 31 for n, _ in spans[:-1])  # the last chunk is what was left
    assert sum(n for n, _ in spans) == 300
    data = fresh_store.streams.read(session_id, "pose")
    assert data.columns == COLUMNS
    assert data.t_s.tobytes() == t.tobytes()
    assert data.values.tobytes() == values.tobytes()
    assert np.isnan(data.column("lm0.x")[10:13]).all()


def test_read_time_range(fresh_store: Store, session_id: int) -> None:
    t = np.arange(0, 20, 1 / 200)
    values = np.stack([np.sin(t), np.cos(t)], axis=1).astype(np.float32)
    recorder = StreamRecorder(fresh_store.streams, session_id)
    recorder.declare("robot", ("q0_rad", "q1_rad"))
    recorder.extend("robot", t, values)
    recorder.close()
    part = fresh_store.streams.read(session_id, "robot", 3.0025, 7.5)
    inside = (t >= 3.0025) & (t <= 7.5)
    assert np.array_equal(part.t_s, t[inside])
    assert np.array_equal(part.values, values[inside])
    assert fresh_store.streams.read(session_id, "robot", 50, 60).t_s.size == 0
    assert fresh_store.streams.streams(session_id) == ["robot"]
    with pytest.raises(NotFoundError, match="no stream 'video'"):
        fresh_store.streams.read(session_id, "video")


def test_recorder_refuses_bad_samples(fresh_store: Store, session_id: int) -> None:
    recorder = StreamRecorder(fresh_store.streams, session_id)
    with pytest.raises(ValidationError, match="declare stream"):
        recorder.append("robot", 0.0, [1.0])
    recorder.declare("robot", ("q0_rad", "q1_rad"))
    with pytest.raises(ValidationError) as info:
        recorder.append("robot", 0.0, [1.0, 2.0, 3.0])
    assert info.value.field == "values"
    recorder.append("robot", 1.0, [1.0, 2.0])
    with pytest.raises(ValidationError, match="back in time"):
        recorder.append("robot", 0.5, [1.0, 2.0])
    with pytest.raises(ValidationError, match="finite"):
        recorder.append("robot", float("nan"), [1.0, 2.0])


def test_failed_write_keeps_samples_buffered(fresh_store: Store, session_id: int) -> None:
    recorder = StreamRecorder(fresh_store.streams, session_id)
    recorder.declare("robot", ("q0_rad",))
    recorder.extend("robot", np.arange(0, 0.9, 0.1), np.ones((9, 1)))
    fresh_store.db.execute("CREATE TRIGGER refuse BEFORE INSERT ON stream_chunks "
                           "BEGIN SELECT RAISE(ABORT, 'disk says no'); END")
    with pytest.raises(sqlite3.IntegrityError, match="disk says no"):
        recorder.append("robot", 1.5, [2.0])
    fresh_store.db.execute("DROP TRIGGER refuse")
    recorder.close()
    data = fresh_store.streams.read(session_id, "robot")
    assert data.t_s.size == 10 and data.values[-1, 0] == 2.0
