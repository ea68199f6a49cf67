"""The TFLite -> torch loader against the TFLite interpreter, on BlazePose's own models."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from rehab.vision.blazepose_torch import geometry as geo
from rehab.vision.blazepose_torch import graph as graph_mod
from rehab.vision.blazepose_torch import weights
from rehab.vision.blazepose_torch.graph import TfliteGraph, UnsupportedOperatorError

from .mediapipe_raw import tflite_outputs


def _torch_outputs(name: str, image: np.ndarray, lo: float, hi: float) -> list[np.ndarray]:
    net = weights.load_graph(name)
    x = torch.from_numpy(image.astype(np.float32) / 255.0 * (hi - lo) + lo).permute(2, 0, 1)[None]
    with torch.no_grad():
        outs = net(x)
    # 4-D outputs are NCHW in torch, NHWC in TFLite.
    return [(o.permute(0, 2, 3, 1) if o.ndim == 4 else o).numpy().ravel() for o in outs]


@pytest.mark.slow
@pytest.mark.parametrize(
    ("name", "model", "size", "value_range", "n_outputs"),
    [
        ("detector", "pose_detection/pose_detection.tflite", 224, (-1.0, 1.0), 2),
        ("landmark_full", "pose_landmark/pose_landmark_full.tflite", 256, (0.0, 1.0), 5),
    ],
)
def test_raw_outputs_match_the_tflite_interpreter(name, model, size, value_range, n_outputs):
    """Same input, every output tensor: within 1e-4 of the tensor's largest magnitude
    (measured: about 2e-5; XNNPACK and torch sum in different orders). The detector's
    38 sparse weight tensors are densified on load, so this also checks densification."""
    image = (np.random.default_rng(7).random((size, size, 3)) * 255).astype(np.uint8)
    expected = tflite_outputs(model, image, value_range, n_outputs)
    got = _torch_outputs(name, image, *value_range)
    for g, e, out_name in zip(got, expected, weights.load_graph(name).output_names, strict=True):
        assert g.shape == e.shape
        # Identity_2, the segmentation logits (unused here), reach 1.5e3: 3e-4 measured.
        rel = 1e-3 if (name, out_name) == ("landmark_full", "Identity_2") else 1e-4
        assert np.abs(g - e).max() <= rel * max(1.0, np.abs(e).max()), out_name


def test_unknown_operator_is_refused_by_name(monkeypatch) -> None:
    monkeypatch.delattr(TfliteGraph, "_op_logistic")
    with pytest.raises(UnsupportedOperatorError, match="LOGISTIC"):
        weights.load_graph("landmark_full")


def test_model_with_another_hash_is_refused(monkeypatch) -> None:
    path, _ = weights.MODELS["detector"]
    monkeypatch.setitem(weights.MODELS, "detector", (path, "0" * 64))
    with pytest.raises(weights.ModelFileError, match="SHA-256"):
        weights.load_graph("detector")


def test_same_padding_matches_tflite_rule() -> None:
    assert graph_mod._same_pad(224, 3, 2) == (0, 1)
    assert graph_mod._same_pad(56, 5, 1) == (2, 2)


def test_anchors_follow_the_ssd_layout() -> None:
    a = geo.ssd_anchors()
    assert a.shape == (2254, 2)
    np.testing.assert_allclose(a[0], [0.5 / 28, 0.5 / 28])
    np.testing.assert_allclose(a[1], a[0])  # two anchors per cell on the stride-8 layer
    np.testing.assert_allclose(a[-1], [6.5 / 7, 6.5 / 7])
    assert (a[-6:] == a[-1]).all()  # six on the merged stride-32 layers


@pytest.mark.parametrize("angle_deg", [-170.0, -90.0, 0.0, 45.0, 120.0])
def test_roi_rotation_points_hips_to_shoulders_up(angle_deg: float) -> None:
    """A body whose hip->scale vector points at angle a (image up = 90 deg) gets ROI
    rotation 90 - a, normalised to [-pi, pi); the ROI side is 2.5x the vector length."""
    size = (1000, 500)
    a = np.deg2rad(angle_deg)
    centre = np.array([0.5, 0.5])
    scale = centre + np.array([np.cos(a) * 100 / size[0], -np.sin(a) * 100 / size[1]])
    roi = geo.roi_from_keypoints(centre, scale, size, expand=True)
    expected = (np.deg2rad(90.0 - angle_deg) + np.pi) % (2 * np.pi) - np.pi
    assert roi.rotation_rad == pytest.approx(expected, abs=1e-9)
    assert roi.width * size[0] == pytest.approx(250.0) == roi.height * size[1]


@pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA device")
def test_cuda_half_matches_cpu() -> None:
    image = (np.random.default_rng(3).random((256, 256, 3)) * 255).astype(np.uint8)
    x = torch.from_numpy(image.astype(np.float32) / 255.0).permute(2, 0, 1)[None]
    net = weights.load_graph("landmark_full")
    with torch.no_grad():
        ref = net(x)[0]
        half = net.to("cuda", torch.float16)(x.to("cuda", torch.float16))[0].float().cpu()
    assert (half - ref).abs().max() <= 2e-2 * ref.abs().max()
