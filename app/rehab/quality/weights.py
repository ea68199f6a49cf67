"""Shipped weights: a torch state dict beside a JSON manifest that vouches for it.

The manifest names the weights file and holds its SHA-256, the format and feature
versions, the network's shape, how it was trained, and the range of the training reps'
durations per movement (``rep_duration_s``, format version 2: the model gives no opinion
outside it, :mod:`rehab.quality.ood`). :func:`load_model` refuses, with
a :class:`~rehab.errors.ModelFileError` naming the file and the reason, a weights file
whose digest differs, a manifest of another version, or weights that do not fit the
network; it never reaches the network.
"""

from __future__ import annotations

import hashlib
import io
import json
import pickle
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn

from rehab.errors import ModelFileError
from rehab.quality.config import ModelConfig
from rehab.quality.features import N_ANGLES, N_FRAMES, RepFeatures
from rehab.quality.model import ARCHITECTURES, build_model
from rehab.quality.ood import parse_ranges

__all__ = ["FEATURE_VERSION", "FORMAT", "FORMAT_VERSION", "QualityModel", "load_model",
           "save_model"]

FORMAT = "rehab-form-quality"
#: Bumped when the manifest's layout changes (2: ``rep_duration_s``, the training reps'
#: duration range per movement, required).
FORMAT_VERSION = 2
#: Bumped whenever :mod:`rehab.quality.features` changes what the network sees.
FEATURE_VERSION = 2


@dataclass(frozen=True)
class QualityModel:
    """A loaded network and its manifest.

    Parameters
    ----------
    network
        The torch module, in eval mode.
    manifest
        The manifest's content (training data, protocol, figures).
    """

    network: nn.Module
    manifest: dict[str, Any]

    @property
    def duration_ranges(self) -> dict[str, tuple[float, float]]:
        """The training reps' ``(min_s, max_s)`` duration per movement key (``m07``)."""
        return parse_ranges(self.manifest["rep_duration_s"])

    @property
    def reference_reps(self) -> int:
        """Correct reps of the same person the network compares each rep with (0: none)."""
        return int(self.manifest["model"].get("reference_reps", 0))

    @torch.no_grad()
    def probabilities(self, positions: np.ndarray, angles: np.ndarray, movement: np.ndarray,
                      reference: tuple[np.ndarray, np.ndarray] | None = None) -> np.ndarray:
        """Probability of correct form per rep (``movement`` 0-based), ``(R,)``.

        ``reference`` (positions and angles shaped as the reps': the mean of the person's
        correct reps of the movement) is required by a network that compares with one
        (:attr:`reference_reps` > 0) and refused by the others.

        Raises
        ------
        ValueError
            ``reference`` given to a network that reads none, or missing for one that does.
        """
        needs = getattr(self.network, "needs_reference", False)
        if needs != (reference is not None):
            raise ValueError(f"{self.manifest.get('weights_file')}: this network "
                             + ("compares each rep with the person's reference reps; "
                                "give them" if needs else "reads no reference"))
        args = [torch.from_numpy(np.asarray(positions, dtype=np.float32)),
                torch.from_numpy(np.asarray(angles, dtype=np.float32)),
                torch.from_numpy(np.asarray(movement, dtype=np.int64))]
        if reference is not None:
            args.append((torch.from_numpy(np.asarray(reference[0], dtype=np.float32)),
                         torch.from_numpy(np.asarray(reference[1], dtype=np.float32))))
        return torch.sigmoid(self.network(*args)).numpy().astype(float)

    def probability(self, features: RepFeatures, movement: int,
                    reference: RepFeatures | None = None) -> float:
        """Probability of correct form of one rep of UI-PRMD movement ``movement`` (1-based),
        against ``reference`` (the person's reference, for a network that reads one)."""
        ref = (None if reference is None else
               (reference.positions[None], reference.angles[None]))
        return float(self.probabilities(features.positions[None], features.angles[None],
                                        np.array([movement - 1]), ref)[0])


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def save_model(network: nn.Module, model_cfg: ModelConfig, manifest_path: Path,
               extra: dict[str, Any]) -> dict[str, Any]:
    """Write ``<stem>.pt`` and its manifest ``manifest_path`` (``<stem>.json``).

    ``extra`` must hold ``rep_duration_s`` (:func:`rehab.quality.ood.duration_ranges` of
    the training reps); the loader refuses a manifest without it.
    """
    parse_ranges(extra.get("rep_duration_s"))  # raises ValueError before anything is written
    manifest_path = Path(manifest_path)
    weights_path = manifest_path.with_suffix(".pt")
    buffer = io.BytesIO()
    torch.save({k: v.detach().clone() for k, v in network.state_dict().items()}, buffer)
    data = buffer.getvalue()
    manifest = {"format": FORMAT, "format_version": FORMAT_VERSION,
                "feature_version": FEATURE_VERSION, "n_frames": N_FRAMES,
                "n_angles": N_ANGLES, "weights_file": weights_path.name,
                "sha256": _digest(data), "model": model_cfg.as_dict(), **extra}
    manifest_path.parent.mkdir(parents=True, exist_ok=True)
    weights_path.write_bytes(data)
    manifest_path.write_text(json.dumps(manifest, indent=2) + "\n")
    return manifest


def _read_manifest(path: Path) -> dict[str, Any]:
    try:
        manifest = json.loads(path.read_text())
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ModelFileError(f"{path}: cannot read the model manifest ({exc})") from exc
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise ModelFileError(f"{path}: not a {FORMAT} manifest")
    expected = {"format_version": FORMAT_VERSION, "feature_version": FEATURE_VERSION,
                "n_frames": N_FRAMES, "n_angles": N_ANGLES}
    for key, want in expected.items():
        if manifest.get(key) != want:
            raise ModelFileError(f"{path}: {key} is {manifest.get(key)!r}, this version of "
                                 f"rehab reads {want}; retrain with `rehab model train`")
    try:
        parse_ranges(manifest.get("rep_duration_s"))
    except ValueError as exc:
        raise ModelFileError(f"{path}: {exc}; rewrite it with `rehab model ranges`") from exc
    return manifest


def load_model(manifest_path: Path) -> QualityModel:
    """Load a network from its manifest, after checking version and SHA-256.

    Raises
    ------
    ModelFileError
        A file is missing or unreadable, the version differs, the training duration
        ranges are missing or malformed, the digest differs, or the weights do not fit
        the network the manifest describes.
    """
    manifest_path = Path(manifest_path)
    manifest = _read_manifest(manifest_path)
    weights_path = manifest_path.parent / str(manifest.get("weights_file", ""))
    try:
        data = weights_path.read_bytes()
    except OSError as exc:
        raise ModelFileError(f"{weights_path}: cannot read the weights ({exc})") from exc
    if _digest(data) != manifest.get("sha256"):
        raise ModelFileError(f"{weights_path}: SHA-256 {_digest(data)[:12]}... differs from "
                             f"the manifest's {str(manifest.get('sha256'))[:12]}...; the "
                             "file was altered or belongs to another manifest")
    try:
        model_cfg = ModelConfig(**manifest["model"])
        if model_cfg.architecture not in ARCHITECTURES:
            raise ValueError(f"unknown architecture {model_cfg.architecture!r}")
        network = build_model(model_cfg)
        state = torch.load(io.BytesIO(data), map_location="cpu", weights_only=True)
        network.load_state_dict(state)
    except (KeyError, TypeError, ValueError, RuntimeError, EOFError,
            pickle.UnpicklingError) as exc:
        raise ModelFileError(f"{weights_path}: weights do not fit the manifest ({exc})") from exc
    network.eval()
    return QualityModel(network, manifest)
