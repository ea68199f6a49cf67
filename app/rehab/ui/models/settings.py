"""The console's settings: camera, robot connection, language, data folder, pose backend.

The defaults are the field defaults of :class:`ConsoleSettings`, defined here once. The
settings are saved as a small JSON file in the user's configuration folder (not in the data
folder, since the data folder is itself a setting).
"""

from __future__ import annotations

import dataclasses
import json
import os
import re
from dataclasses import dataclass
from pathlib import Path

from rehab.errors import DataFileError, ValidationError
from rehab.language import DEFAULT_LANGUAGE, Language, parse_language
from rehab.paths import DEFAULT_DATA_DIR
from rehab.ui.models.observable import Emitter
from rehab.vision.pose import POSE_BACKENDS, PoseBackendSettings

SETTINGS_FILE_NAME = "console.json"
MAX_CAMERA_INDEX = 63
# DDS domain ids: 0-232 is what the DDS port mapping allows (ROS 2 recommends 0-101).
MAX_DDS_DOMAIN_ID = 232


@dataclass(frozen=True)
class ConsoleSettings:
    """Validated console settings.

    Parameters
    ----------
    camera
        A camera index (``"0"``, 0-63) or the path of a video file played as the camera.
    dds_domain_id
        ROS 2 / DDS domain id of the robot node, 0-232.
    language
        ``ko`` or ``en``.
    data_dir
        The data folder (database, recordings, exports).
    pose_backend, pose_device
        The pose estimator of live sessions: ``mediapipe`` (CPU), ``torch`` (on
        ``pose_device``: ``cpu`` or ``cuda[:N]``) or ``auto`` (torch on CUDA when a GPU is
        present, else MediaPipe); see :class:`~rehab.vision.pose.PoseBackendSettings`.
    """

    camera: str = "0"
    dds_domain_id: int = 0
    language: Language = DEFAULT_LANGUAGE
    data_dir: str = str(DEFAULT_DATA_DIR)
    pose_backend: str = "mediapipe"
    pose_device: str = "cpu"

    def __post_init__(self) -> None:
        camera = self.camera.strip() if isinstance(self.camera, str) else ""
        if not camera:
            raise ValidationError("camera", "validation.not_empty")
        if camera.isdigit():
            if int(camera) > MAX_CAMERA_INDEX:
                raise ValidationError("camera", "validation.range", lo=0, hi=MAX_CAMERA_INDEX,
                                      value=int(camera))
        elif not Path(camera).is_file():
            raise ValidationError("camera", "validation.file_missing", path=camera)
        domain = self.dds_domain_id
        if isinstance(domain, bool) or not isinstance(domain, int):
            raise ValidationError("dds_domain_id", "validation.whole")
        if not 0 <= domain <= MAX_DDS_DOMAIN_ID:
            raise ValidationError("dds_domain_id", "validation.range", lo=0,
                                  hi=MAX_DDS_DOMAIN_ID, value=domain)
        object.__setattr__(self, "language", parse_language(self.language))
        if not str(self.data_dir).strip():
            raise ValidationError("data_dir", "validation.not_empty")
        if self.pose_backend not in POSE_BACKENDS:
            raise ValidationError("pose_backend", "validation.pose_backend",
                                  choices=", ".join(POSE_BACKENDS), value=self.pose_backend)
        device = self.pose_device
        if not (device == "cpu" or re.fullmatch(r"cuda(:\d+)?", device)):
            raise ValidationError("pose_device", "validation.pose_device", value=device)
        if self.pose_backend == "mediapipe" and device != "cpu":
            raise ValidationError("pose_device", "validation.mediapipe_cpu_only")

    @property
    def pose(self) -> PoseBackendSettings:
        """The pose backend of live sessions (``auto`` resolved when it is built)."""
        return PoseBackendSettings(self.pose_backend, self.pose_device)

    @property
    def camera_index(self) -> int | None:
        """The camera index, or None when ``camera`` is a video file."""
        return int(self.camera) if self.camera.strip().isdigit() else None


def default_settings_path() -> Path:
    """``$XDG_CONFIG_HOME/rehab/console.json`` (``~/.config/rehab/console.json``)."""
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "rehab" / SETTINGS_FILE_NAME


def load_settings(path: Path) -> ConsoleSettings:
    """Read the settings; the defaults when the file does not exist.

    Raises
    ------
    DataFileError
        The file exists but is not a JSON object of known keys.
    ValidationError
        A value is out of range (``field`` names it).
    """
    if not path.exists():
        return ConsoleSettings()
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise DataFileError(f"cannot read console settings {path}: {exc}") from exc
    known = {f.name for f in dataclasses.fields(ConsoleSettings)}
    if not isinstance(raw, dict) or not set(raw) <= known:
        raise DataFileError(f"{path}: expected an object with keys {', '.join(sorted(known))}")
    return ConsoleSettings(**raw)


def save_settings(settings: ConsoleSettings, path: Path) -> None:
    """Write the settings (atomically: a crash leaves the old file or the new one)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    data = dataclasses.asdict(settings)
    data["language"] = str(settings.language)
    tmp.write_text(json.dumps(data, ensure_ascii=False, indent=2), encoding="utf-8")
    tmp.replace(path)


class SettingsModel:
    """The settings as edited in the console, saved on :meth:`apply`.

    Parameters
    ----------
    path
        The settings file.
    settings
        The current settings (loaded by the caller, so command-line overrides apply).
    """

    def __init__(self, path: Path, settings: ConsoleSettings) -> None:
        self.path = path
        self.settings = settings
        self.changed = Emitter()  # (ConsoleSettings)

    def apply(self, **changes: object) -> ConsoleSettings:
        """Validate and save ``changes``; the settings stay as they were on error.

        Raises
        ------
        ValidationError
            A value is invalid (the field is named).
        """
        new = dataclasses.replace(self.settings, **changes)
        save_settings(new, self.path)
        self.settings = new
        self.changed.emit(new)
        return new
