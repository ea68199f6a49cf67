"""Frame sources: timestamps, and a clear CaptureError (never a hang) for every failure."""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import cv2
import numpy as np
import pytest

from rehab.errors import CaptureError, ValidationError
from rehab.vision.capture import ArraySource, CameraSource, VideoFileSource, open_source
from tests.vision.vision_data import VIDEO, need


def _write_video(path: Path, n: int = 12, fps: float = 25.0, size=(64, 48)) -> Path:
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"mp4v"), fps, size)
    assert writer.isOpened(), "OpenCV cannot write mp4v here"
    for i in range(n):
        img = np.full((size[1], size[0], 3), 0, np.uint8)
        img[:, :, 2] = 10 * i  # red channel (BGR) grows: checks the RGB conversion
        writer.write(img)
    writer.release()
    return path


def test_video_file_frames_have_media_timestamps_and_rgb(tmp_path: Path) -> None:
    clock = iter(np.arange(100) * 0.5).__next__
    with VideoFileSource(_write_video(tmp_path / "a.mp4"), clock=clock) as src:
        frames = list(src)
    assert len(frames) == 12
    assert [f.index for f in frames] == list(range(12))
    np.testing.assert_allclose([f.t_s for f in frames], np.arange(12) / 25.0)
    assert frames[0].size_px == (64, 48)
    # Red grows along the video and sits in channel 0 of RGB.
    assert frames[-1].image_rgb[..., 0].mean() > frames[0].image_rgb[..., 0].mean() + 50
    assert frames[-1].image_rgb[..., 2].mean() < 10
    stamps = [f.captured_at_s for f in frames]
    assert stamps == sorted(stamps) and len(set(stamps)) == len(stamps)


def test_missing_file_names_the_path(tmp_path: Path) -> None:
    with pytest.raises(CaptureError, match=r"not found: .*nope\.mp4"):
        VideoFileSource(tmp_path / "nope.mp4")


def test_unsupported_file_type_is_refused(tmp_path: Path) -> None:
    p = tmp_path / "notes.txt"
    p.write_text("not a video")
    with pytest.raises(CaptureError, match=r"unsupported video file type '\.txt'"):
        VideoFileSource(p)
    with pytest.raises(CaptureError, match="not a file"):
        VideoFileSource(tmp_path)


@pytest.mark.parametrize("content", [b"", b"\x00" * 10, np.random.default_rng(1).bytes(50_000)])
def test_corrupt_file_is_a_capture_error_not_an_empty_stream(
    tmp_path: Path, content: bytes
) -> None:
    p = tmp_path / "broken.mp4"
    p.write_bytes(content)
    t0 = time.monotonic()
    with pytest.raises(CaptureError, match=r"broken\.mp4"):
        VideoFileSource(p, timeout_s=10.0)
    assert time.monotonic() - t0 < 10.0


def test_truncated_real_video_ends_or_fails_cleanly(tmp_path: Path) -> None:
    src_path = need(VIDEO)
    p = tmp_path / "cut.mp4"
    data = src_path.read_bytes()
    p.write_bytes(data[: len(data) // 3])
    # The moov atom of this file is at the start, so the cut file opens; decoding must
    # then stop (or fail) cleanly: fewer frames than declared, never a hang.
    n = 0
    error = None
    try:
        with VideoFileSource(p, timeout_s=10.0) as src:
            n = sum(1 for _ in src)
    except CaptureError as exc:
        error = str(exc)
    if error is not None:
        assert "cut.mp4" in error
    else:
        assert 0 < n < 230


def test_stuck_decoder_becomes_a_timeout_error(tmp_path: Path, monkeypatch) -> None:
    src = VideoFileSource(_write_video(tmp_path / "a.mp4"), timeout_s=0.3)
    monkeypatch.setattr(src, "_grab", lambda: (time.sleep(1.0), (False, None))[1])
    src.read()  # the first frame was decoded at open
    t0 = time.monotonic()
    with pytest.raises(CaptureError, match=r"did not finish within 0\.3 s"):
        src.read()
    assert time.monotonic() - t0 < 0.9
    with pytest.raises(CaptureError, match="broken"):
        src.read()
    src.close()


def test_absent_camera_is_a_capture_error_quickly() -> None:
    t0 = time.monotonic()
    with pytest.raises(CaptureError, match="camera 57"):
        CameraSource(57, timeout_s=5.0)
    assert time.monotonic() - t0 < 6.0
    with pytest.raises(ValidationError):
        CameraSource(-1)


def test_open_source_picks_camera_or_file(tmp_path: Path) -> None:
    with pytest.raises(CaptureError, match="camera 57"):
        open_source("57", timeout_s=5.0)
    with open_source(_write_video(tmp_path / "b.mp4")) as src:
        assert isinstance(src, VideoFileSource)


def test_real_demo_video_opens_with_its_frame_rate() -> None:
    with VideoFileSource(need(VIDEO)) as src:
        assert src.fps == pytest.approx(30.0)
        assert src.frame_count == 230
        first = src.read()
    assert first is not None and first.size_px == (1768, 994)


def test_array_source_paces_like_a_camera() -> None:
    now = [0.0]
    slept: list[float] = []

    def sleep(dt: float) -> None:
        slept.append(dt)
        now[0] += dt

    src = ArraySource([np.zeros((2, 2, 3), np.uint8)] * 3, fps=10.0, clock=lambda: now[0],
                      realtime=True, sleep=sleep)  # fmt: skip
    stamps = [f.captured_at_s for f in src]
    np.testing.assert_allclose(stamps, [0.0, 0.1, 0.2])
    assert src.read() is None


def test_copy_of_demo_video_under_another_suffix_is_refused(tmp_path: Path) -> None:
    p = tmp_path / "demo.gif"
    shutil.copy(need(VIDEO), p)
    with pytest.raises(CaptureError, match="unsupported"):
        VideoFileSource(p)
