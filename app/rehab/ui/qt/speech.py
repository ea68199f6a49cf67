"""Speech engines behind :class:`~rehab.ui.models.voice.SpeechPort`.

:func:`open_speech` picks, in order: Qt's QtTextToSpeech on the speech-dispatcher engine
(espeak-ng has the Korean voice), else espeak-ng writing a WAV that Qt plays, else none,
with the reason, so the console can say once why the patient screen is text only. It logs
one line saying which engine speaks, or why nothing does.

Two checks come first, because both failures are silent otherwise. With no audio output
(no sound card, no sound server) speech-dispatcher accepts text and reports "speaking"
forever while nothing is heard. And a speech-dispatcher that hangs (0.11 can deadlock
while exiting after its idle time) would block the screen's first call for good, so it
is asked first, in a child process with a time limit (``spd-say -O``, which says nothing).
"""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from PyQt6.QtCore import QLocale, QLoggingCategory, QObject, QProcess, QUrl

from rehab.ui.models.voice import SpeechPort

log = logging.getLogger(__name__)

SPEECHD_PROBE_S = 3.0  # speech-dispatcher answers in well under a second when it works

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
    why_not: str = ""  # why there is no voice (port None), or why not a better engine


def audio_output_count() -> int:
    """How many audio outputs Qt Multimedia can play to (0: no sound card or server).

    Qt Multimedia's own start-up chatter (optional libraries it did not find: PipeWire,
    VA-API) is silenced unless QT_LOGGING_RULES asks for it, so the one line
    :func:`open_speech` logs is not lost among ten that do not matter.
    """
    if "QT_LOGGING_RULES" not in os.environ:
        QLoggingCategory.setFilterRules("qt.multimedia.symbolsresolver=false\n"
                                        "qt.multimedia.ffmpeg=false")
    from PyQt6.QtMultimedia import QMediaDevices

    return len(QMediaDevices.audioOutputs())


def speechd_problem(command: tuple[str, ...] = ("spd-say", "-O"),
                    timeout_s: float = SPEECHD_PROBE_S) -> str:
    """Why speech-dispatcher cannot be used ("" when it answers).

    Runs ``command`` (by default ``spd-say -O``: list the output modules, say nothing) in a
    child process, so a hung speech-dispatcher costs ``timeout_s`` rather than the screen.
    """
    if shutil.which(command[0]) is None:
        return f"{command[0]} is not installed (speech-dispatcher)"
    try:
        result = subprocess.run(list(command), capture_output=True, timeout=timeout_s,
                                check=False)
    except subprocess.TimeoutExpired:
        return f"speech-dispatcher did not answer within {timeout_s:g} s"
    except OSError as exc:
        return f"speech-dispatcher: {exc}"
    if result.returncode != 0 or not result.stdout.strip():
        err = result.stderr.decode(errors="replace").strip().splitlines()
        return f"speech-dispatcher: {err[-1] if err else f'exit {result.returncode}'}"
    return ""


def open_speech(prefer: str = "auto", *,
                audio_outputs: Callable[[], int] = audio_output_count,
                speechd: Callable[[], str] = speechd_problem) -> SpeechChoice:
    """The best speech engine here, and one log line saying which, or why there is none.

    Parameters
    ----------
    prefer
        ``auto``, ``qt``, ``espeak`` or ``none``.
    audio_outputs
        Counts the audio outputs (tests pass a fake).
    speechd
        Says why speech-dispatcher cannot be used, "" when it can (tests pass a fake).
    """
    choice = _choose(prefer, audio_outputs, speechd)
    if choice.port is None:
        log.warning("voice off, the patient screen is text only: %s", choice.why_not)
    elif choice.why_not:
        log.info("voice: %s (not %s)", choice.engine, choice.why_not)
    else:
        log.info("voice: %s", choice.engine)
    return choice


def _choose(prefer: str, audio_outputs: Callable[[], int],
            speechd: Callable[[], str]) -> SpeechChoice:
    if prefer == "none":
        return SpeechChoice(None, "", "turned off")
    try:
        outputs = audio_outputs()
    except ImportError as exc:
        return SpeechChoice(None, "", f"QtMultimedia: {exc}")
    if outputs == 0:
        return SpeechChoice(None, "", "no audio output (no sound card or sound server)")
    reasons = []
    if prefer in ("auto", "qt"):
        try:
            from PyQt6.QtTextToSpeech import QTextToSpeech

            problem = "" if "speechd" in QTextToSpeech.availableEngines() else \
                "QtTextToSpeech has no speech-dispatcher engine"
            problem = problem or speechd()
            if not problem:
                port = QtSpeech("speechd")
                return SpeechChoice(port, port.name)
            reasons.append(problem)
        except (ImportError, OSError) as exc:
            reasons.append(f"QtTextToSpeech: {exc}")
    if prefer in ("auto", "espeak"):
        espeak = shutil.which("espeak-ng")
        if espeak is None:
            reasons.append("espeak-ng is not installed")
        else:
            try:
                port = EspeakWavSpeech(espeak)
                return SpeechChoice(port, port.name, "; ".join(reasons))
            except ImportError as exc:
                reasons.append(f"QtMultimedia: {exc}")
    return SpeechChoice(None, "", "; ".join(reasons))
