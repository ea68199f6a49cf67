"""The TFLite interpreter's raw outputs, through MediaPipe's own InferenceCalculator.

MediaPipe's Python API does not expose raw model outputs, but its calculator graph does:
image -> ImageToTensorCalculator -> InferenceCalculatorCpu (XNNPACK) -> one float vector
per output. With an image already at the model's size the image-to-tensor step is only the
value scaling, so the torch graph can be compared with the interpreter on the same input.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np


def tflite_outputs(
    model: str, image_rgb: np.ndarray, value_range: tuple[float, float], n_outputs: int
):
    """Raw outputs (flat float arrays) of mediapipe's ``modules/<model>`` on one square image."""
    import mediapipe
    from google.protobuf import text_format
    from mediapipe.framework import calculator_pb2
    from mediapipe.python import packet_creator, packet_getter
    from mediapipe.python._framework_bindings import calculator_graph, image_frame, resource_util

    resource_util.set_resource_dir(str(Path(mediapipe.__file__).parents[1]))
    size = image_rgb.shape[0]
    splits = "".join(f"ranges {{ begin: {i} end: {i + 1} }}" for i in range(n_outputs))
    split_outs = "".join(f'output_stream: "t{i}" ' for i in range(n_outputs))
    to_floats = "".join(
        f'node {{ calculator: "TensorsToFloatsCalculator" input_stream: "TENSORS:t{i}" '
        f'output_stream: "FLOATS:f{i}" }}'
        for i in range(n_outputs)
    )
    config = f"""
    input_stream: "image"
    node {{ calculator: "ImageToTensorCalculator" input_stream: "IMAGE:image"
      output_stream: "TENSORS:in"
      options {{ [mediapipe.ImageToTensorCalculatorOptions.ext] {{
        output_tensor_width: {size} output_tensor_height: {size} keep_aspect_ratio: true
        output_tensor_float_range {{ min: {value_range[0]} max: {value_range[1]} }}
        border_mode: BORDER_ZERO }} }} }}
    node {{ calculator: "InferenceCalculatorCpu" input_stream: "TENSORS:in"
      output_stream: "TENSORS:out"
      options {{ [mediapipe.InferenceCalculatorOptions.ext] {{
        model_path: "mediapipe/modules/{model}" delegate {{ xnnpack {{}} }} }} }} }}
    node {{ calculator: "SplitTensorVectorCalculator" input_stream: "out" {split_outs}
      options {{ [mediapipe.SplitVectorCalculatorOptions.ext] {{ {splits} }} }} }}
    {to_floats}
    """
    graph = calculator_graph.CalculatorGraph(
        graph_config=text_format.Parse(config, calculator_pb2.CalculatorGraphConfig())
    )
    results: dict[str, np.ndarray] = {}
    for i in range(n_outputs):
        graph.observe_output_stream(
            f"f{i}", lambda s, p: results.__setitem__(s, np.array(packet_getter.get_float_list(p)))
        )
    graph.start_run()
    frame = packet_creator.create_image_frame(
        image_format=image_frame.ImageFormat.SRGB, data=np.ascontiguousarray(image_rgb)
    )
    graph.add_packet_to_input_stream("image", frame.at(0))
    graph.close()
    return [results[f"f{i}"] for i in range(n_outputs)]
