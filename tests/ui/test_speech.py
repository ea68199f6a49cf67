"""Speech engines: a Korean cue really becomes audio; the choice says why when there is none."""

from __future__ import annotations

import logging
import shutil
import time
import wave
from pathlib import Path

import numpy as np
import pytest

from rehab.ui.qt.speech import espeak_wav, open_speech, speechd_problem

needs_espeak = pytest.mark.skipif(shutil.which("espeak-ng") is None,
                                  reason="espeak-ng is not installed (make debs installs it)")


@needs_espeak
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


def voice_lines(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == "rehab.ui.qt.speech"]


def test_no_engine_says_why(qapp, caplog) -> None:
    caplog.set_level(logging.INFO)
    choice = open_speech("none")
    assert choice.port is None and choice.why_not == "turned off"
    assert voice_lines(caplog) == ["voice off, the patient screen is text only: turned off"]


def test_no_audio_output_means_text_only_in_one_line(qapp, caplog) -> None:
    # a fresh machine with speech-dispatcher and no sound device (this one): speech-dispatcher
    # would take the text and report "speaking" for ever while nothing is heard
    caplog.set_level(logging.INFO)
    asked = []
    choice = open_speech(audio_outputs=lambda: 0, speechd=lambda: asked.append(1) or "")
    assert choice.port is None
    assert choice.why_not == "no audio output (no sound card or sound server)"
    assert not asked  # speech-dispatcher is not even started
    assert voice_lines(caplog) == [
        "voice off, the patient screen is text only: no audio output (no sound card or "
        "sound server)"]
    assert [r.levelno for r in caplog.records if r.name == "rehab.ui.qt.speech"] == [
        logging.WARNING]


def test_a_hung_speech_dispatcher_is_asked_in_a_child_with_a_time_limit(tmp_path) -> None:
    hang = tmp_path / "spd-say"
    hang.write_text("#!/bin/sh\nsleep 30\n")
    hang.chmod(0o755)
    t0 = time.monotonic()
    assert speechd_problem((str(hang), "-O"), timeout_s=0.5) == \
        "speech-dispatcher did not answer within 0.5 s"
    assert time.monotonic() - t0 < 5.0
    assert speechd_problem(("no-such-spd-say",)) == \
        "no-such-spd-say is not installed (speech-dispatcher)"


@needs_espeak
def test_a_silent_speech_dispatcher_falls_back_to_espeak_in_one_line(qapp, caplog) -> None:
    caplog.set_level(logging.INFO)
    choice = open_speech(audio_outputs=lambda: 1,
                         speechd=lambda: "speech-dispatcher did not answer within 3 s")
    assert choice.port is not None and choice.engine == "espeak-ng WAV"
    assert voice_lines(caplog) == [
        "voice: espeak-ng WAV (not speech-dispatcher did not answer within 3 s)"]
    choice.port.close()


@needs_espeak
def test_espeak_fallback_opens(qapp) -> None:
    choice = open_speech("espeak", audio_outputs=lambda: 1)
    assert choice.port is not None and choice.engine == "espeak-ng WAV"
    choice.port.close()
