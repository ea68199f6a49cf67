"""The BlazePose model files of the installed mediapipe wheel, checked and loaded.

Only the two models that mediapipe 0.10.21 ships inside its wheel are used (the lite and
heavy landmark models are downloaded by MediaPipe at run time, which this project never
does). Each file's SHA-256 is checked before it is parsed.
"""

from __future__ import annotations

import hashlib
import importlib.util
from pathlib import Path

from rehab.errors import RehabError
from rehab.vision.blazepose_torch.graph import TfliteGraph

__all__ = ["MODELS", "ModelFileError", "load_graph", "model_path"]

# name -> (path inside the mediapipe package, SHA-256 of mediapipe 0.10.21's file)
MODELS = {
    "detector": (
        "modules/pose_detection/pose_detection.tflite",
        "9ba9dd3d42efaaba86b4ff0122b06f29c4122e756b329d89dca1e297fd8f866c",
    ),
    "landmark_full": (
        "modules/pose_landmark/pose_landmark_full.tflite",
        "e9a5c5cb17f736fafd4c2ec1da3b3d331d6edbe8a0d32395855aeb2cdfd64b9f",
    ),
}


class ModelFileError(RehabError):
    """A BlazePose model file is missing or is not the expected one."""


def model_path(name: str) -> Path:
    """Where the installed mediapipe wheel keeps model ``name`` (without importing it)."""
    spec = importlib.util.find_spec("mediapipe")
    if spec is None or not spec.submodule_search_locations:
        raise ModelFileError("mediapipe is not installed: the torch pose backend reads its models")
    return Path(next(iter(spec.submodule_search_locations))) / MODELS[name][0]


def load_graph(name: str) -> TfliteGraph:
    """Read, hash-check and translate model ``name`` ("detector" or "landmark_full").

    Raises
    ------
    ModelFileError
        The file is missing or its SHA-256 differs from mediapipe 0.10.21's.
    """
    path = model_path(name)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ModelFileError(f"cannot read the BlazePose model {path}: {exc}") from exc
    digest = hashlib.sha256(data).hexdigest()
    if digest != MODELS[name][1]:
        raise ModelFileError(
            f"{path} has SHA-256 {digest}, not mediapipe 0.10.21's {MODELS[name][1]}"
        )
    return TfliteGraph(data).eval()
