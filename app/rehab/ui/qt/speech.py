"""Speech engines behind :class:`~rehab.ui.models.voice.SpeechPort`.

:func:`open_speech` picks, in order: Qt's QtTextToSpeech on the speech-dispatcher engine
(espeak-ng has the Korean voice), else espeak-ng writing a WAV that Qt plays, else none,
with the reason, so the console can say once why the patient screen is text only.
"""

from __future__ import annotations

import logging
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from PyQt6.QtCore import QLocale, QObject, QProcess, QUrl

from rehab.ui.models.voice import SpeechPort

log = logging.getLogger(__name__)

_LOCALES = {"ko": QLocale.Language.Korean, "en": QLocale.Language.English}
ESPEAK_VOICES = {"ko": "ko", "en": "en-gb"}
ESPEAK_RATE_WPM = 150  # slower than the default 175: older listeners


class QtSpeech(QObject):
    """Qt's QtTextToSpeech (the ``speechd`` engine: speech-dispatcher with espeak-ng)."""

    name = "QtTextToSpeech (speech-dispatcher)"

    def __init__(self, engine: str = "speechd") -> None:
        super().__init__()
        from PyQt6.QtTextToSpeech import QTextToSpeech

        self._states = QTextToSpeech.State
        self._tts = QTextToSpeech(engine, self)
        if self._tts.state() is self._states.Error:
            raise OSError(f"QtTextToSpeech {engine}: {self._tts.errorString()}")
        self._tts.setRate(-0.15)
        self._language = ""
        self.state_changed = self._tts.stateChanged

    def say(self, text: str, language: str) -> None:
        if language != self._language:
            self._tts.setLocale(QLocale(_LOCALES.get(language, QLocale.Language.Korean)))
            self._language = language
        self._tts.say(text)

    def stop(self) -> None:
        self._tts.stop()

    def is_speaking(self) -> bool:
        return self._tts.state() in (self._states.Speaking, self._states.Synthesizing)


def espeak_wav(text: str, language: str, path: Path, espeak: str = "espeak-ng") -> Path:
    """Write ``text`` as speech to ``path`` (WAV) with espeak-ng; returns ``path``.

    Raises
    ------
    OSError
        espeak-ng is missing or failed.
    """
    result = subprocess.run(
        [espeak, "-v", ESPEAK_VOICES.get(language, language), "-s", str(ESPEAK_RATE_WPM),
         "-w", str(path), text], capture_output=True, timeout=10, check=False)
    if result.returncode != 0:
        raise OSError(f"espeak-ng failed: {result.stderr.decode(errors='replace').strip()}")
    return path


class EspeakWavSpeech(QObject):
    """espeak-ng writes a WAV (a child process, not blocking the screen); Qt plays it."""

    name = "espeak-ng WAV"

    def __init__(self, espeak: str) -> None:
        super().__init__()
        from PyQt6.QtMultimedia import QSoundEffect

        self._espeak = espeak
        self._dir = Path(tempfile.mkdtemp(prefix="rehab-voice-"))
        self._effect = QSoundEffect(self)
        self._process: QProcess | None = None
        self._n = 0

    def say(self, text: str, language: str) -> None:
        self.stop()
        self._n += 1
        path = self._dir / f"say{self._n % 4}.wav"
        process = QProcess(self)
        process.finished.connect(lambda code, _status: self._play(path, code))
        process.start(self._espeak, ["-v", ESPEAK_VOICES.get(language, language),
                                     "-s", str(ESPEAK_RATE_WPM), "-w", str(path), text])
        self._process = process

    def _play(self, path: Path, code: int) -> None:
        if code != 0:
            log.warning("espeak-ng exited with %d", code)
            return
        self._effect.setSource(QUrl.fromLocalFile(str(path)))
        self._effect.play()

    def stop(self) -> None:
        if self._process is not None and self._process.state() != QProcess.ProcessState.NotRunning:
            self._process.kill()
        self._effect.stop()

    def close(self) -> None:
        """Stop and remove the WAV files."""
        self.stop()
        shutil.rmtree(self._dir, ignore_errors=True)

    def is_speaking(self) -> bool:
        running = self._process is not None and \
            self._process.state() != QProcess.ProcessState.NotRunning
        return running or self._effect.isPlaying()


@dataclass(frozen=True)
class SpeechChoice:
    port: SpeechPort | None
    engine: str
    why_not: str = ""  # why there is no voice (port None)


def open_speech(prefer: str = "auto") -> SpeechChoice:
    """The best speech engine here (``prefer``: ``auto``, ``qt``, ``espeak`` or ``none``)."""
    reasons = []
    if prefer in ("auto", "qt"):
        try:
            from PyQt6.QtTextToSpeech import QTextToSpeech

            if "speechd" in QTextToSpeech.availableEngines():
                port = QtSpeech("speechd")
                return SpeechChoice(port, port.name)
            reasons.append("QtTextToSpeech has no speech-dispatcher engine")
        except (ImportError, OSError) as exc:
            reasons.append(f"QtTextToSpeech: {exc}")
    if prefer in ("auto", "espeak"):
        espeak = shutil.which("espeak-ng")
        if espeak is None:
            reasons.append("espeak-ng is not installed")
        else:
            try:
                port = EspeakWavSpeech(espeak)
                return SpeechChoice(port, port.name)
            except ImportError as exc:
                reasons.append(f"QtMultimedia: {exc}")
    if prefer == "none":
        reasons.append("turned off")
    why = "; ".join(reasons)
    log.warning("no speech engine, text only: %s", why)
    return SpeechChoice(None, "", why)
