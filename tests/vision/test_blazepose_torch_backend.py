"""Choosing the pose backend: settings validation and the factory."""

from __future__ import annotations

import pytest

from rehab.errors import ValidationError
from rehab.vision.pose import (
    BlazePoseEstimator,
    BlazePoseSettings,
    PoseBackendSettings,
    PoseEstimator,
    make_pose_estimator,
)


@pytest.mark.parametrize(
    ("backend", "device", "field"),
    [("tensorflow", "cpu", "backend"), ("mediapipe", "cuda", "device")],
)
def test_bad_backend_settings_are_refused(backend: str, device: str, field: str) -> None:
    with pytest.raises(ValidationError, match=field):
        PoseBackendSettings(backend, device)


def test_factory_builds_each_backend_lazily() -> None:
    from rehab.vision.blazepose_torch.estimator import TorchBlazePose

    mp = make_pose_estimator(PoseBackendSettings("mediapipe"))
    tb = make_pose_estimator(
        PoseBackendSettings("torch"), BlazePoseSettings(static_image_mode=True)
    )
    assert isinstance(mp, BlazePoseEstimator) and isinstance(tb, TorchBlazePose)
    assert isinstance(tb, PoseEstimator)
    assert tb.settings.static_image_mode and tb.settings.device == "cpu"
    assert tb._nets is None  # nothing loaded before the first image
    mp.close()
    tb.close()


def test_torch_backend_refuses_the_lite_model() -> None:
    with pytest.raises(ValidationError, match="model_complexity"):
        make_pose_estimator(PoseBackendSettings("torch"), BlazePoseSettings(model_complexity=0))


def test_auto_without_gpu_is_mediapipe_on_cpu() -> None:
    import torch

    resolved = PoseBackendSettings("auto").resolved()
    if torch.cuda.is_available():
        assert (resolved.backend, resolved.device) == ("torch", "cuda")
    else:
        assert (resolved.backend, resolved.device) == ("mediapipe", "cpu")
