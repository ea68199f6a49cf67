"""MediaPipe's own ``PoseLandmarkCpu`` graph, run with its internal streams observed.

The Python solution returns only the final landmarks; the graph expanded from the wheel's
``pose_landmark_cpu.binarypb`` also gives the ROI each frame's landmark model saw, whether
the detector ran, the pose flag, and the landmarks before and after the smoothing filters.
Frames are stamped 33333 us apart, as ``mediapipe.solutions.pose`` does.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

_P = "poselandmarkbyroicpu__tensorstoposelandmarksandsegmentation__"
_PROTO_STREAMS = {
    "unf_aux": "unfiltered_auxiliary_landmarks",
    "aux": "auxiliary_landmarks",
    "unf_lm": "unfiltered_pose_landmarks",
    "lm": "pose_landmarks",
    "unf_world": "unfiltered_world_landmarks",
    "world": "pose_world_landmarks",
    "rect": "pose_rect",
    "rect_det": "pose_rect_from_detection",
    "rect_lm": "pose_rect_from_landmarks",
}
STEP_US = 33333


def run_graph(frames: list[np.ndarray], smooth: bool) -> list[dict]:
    """Per frame, the observed streams (protos) and ``score`` (the pose flag)."""
    import mediapipe
    from mediapipe.framework import calculator_pb2
    from mediapipe.python import packet_creator, packet_getter
    from mediapipe.python._framework_bindings import (
        calculator_graph,
        image_frame,
        resource_util,
        validated_graph_config,
    )

    root = Path(mediapipe.__file__).parent
    resource_util.set_resource_dir(str(root.parent))
    validated = validated_graph_config.ValidatedGraphConfig()
    validated.initialize(
        binary_graph_path=str(root / "modules/pose_landmark/pose_landmark_cpu.binarypb")
    )
    config = calculator_pb2.CalculatorGraphConfig()
    config.ParseFromString(validated.binary_config)
    graph = calculator_graph.CalculatorGraph(graph_config=config)
    out: list[dict] = [{} for _ in frames]

    def keep(key, getter):
        return lambda _s, p: out[p.timestamp.value // STEP_US].__setitem__(key, getter(p))

    for key, stream in _PROTO_STREAMS.items():
        graph.observe_output_stream(stream, keep(key, packet_getter.get_proto))
    graph.observe_output_stream(_P + "pose_presence_score", keep("score", packet_getter.get_float))
    bools = {"smooth_landmarks": smooth, "enable_segmentation": False}
    bools |= {"smooth_segmentation": False, "use_prev_landmarks": True}
    sides = {k: packet_creator.create_bool(v) for k, v in bools.items()}
    sides["model_complexity"] = packet_creator.create_int(1)
    graph.start_run(input_side_packets=sides)
    for i, f in enumerate(frames):
        packet = packet_creator.create_image_frame(
            image_format=image_frame.ImageFormat.SRGB, data=np.ascontiguousarray(f)
        )
        graph.add_packet_to_input_stream("image", packet.at(i * STEP_US))
        graph.wait_until_idle()
    graph.close()
    return out


def landmarks(msg) -> np.ndarray:
    """``(K, 5)`` x, y, z, visibility, presence of a NormalizedLandmarkList."""
    return np.array([(p.x, p.y, p.z, p.visibility, p.presence) for p in msg.landmark])


def world(msg) -> np.ndarray:
    """``(K, 3)`` of a LandmarkList."""
    return np.array([(p.x, p.y, p.z) for p in msg.landmark])


def rect(msg) -> np.ndarray:
    """x_center, y_center, width, height, rotation of a NormalizedRect."""
    return np.array([msg.x_center, msg.y_center, msg.width, msg.height, msg.rotation])
