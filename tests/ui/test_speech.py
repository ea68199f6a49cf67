"""Speech engines: a Korean cue really becomes audio; the choice says why when there is none."""

from __future__ import annotations

import shutil
import wave
from pathlib import Path

import numpy as np
import pytest

from rehab.ui.qt.speech import espeak_wav, open_speech

pytestmark = pytest.mark.skipif(shutil.which("espeak-ng") is None,
                                reason="espeak-ng is not installed (make debs installs it)")


def test_a_korean_cue_becomes_audible_speech(tmp_path: Path) -> None:
    path = espeak_wav("팔을 조금 더 높이 올려 보세요.", "ko", tmp_path / "cue.wav")
    with wave.open(str(path)) as wav:
        rate, n = wav.getframerate(), wav.getnframes()
        samples = np.frombuffer(wav.readframes(n), dtype=np.int16).astype(float)
    duration_s = n / rate
    assert 1.0 < duration_s < 6.0  # 15 syllables at 150 words per minute
    rms = np.sqrt(np.mean(samples**2)) / 32768
    assert rms > 0.02  # not silence
    voiced = np.mean(np.abs(samples) > 0.05 * 32768)
    assert voiced > 0.2


def test_no_engine_says_why(qapp) -> None:
    choice = open_speech("none")
    assert choice.port is None and choice.why_not == "turned off"


def test_espeak_fallback_opens(qapp) -> None:
    choice = open_speech("espeak")
    assert choice.port is not None and choice.engine == "espeak-ng WAV"
    choice.port.close()
