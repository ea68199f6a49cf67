"""A TFLite flatbuffer, read with the ``tflite`` package, run as a torch module.

Only what MediaPipe's BlazePose models use is supported: fp16 weights (``DEQUANTIZE``),
sparse weights (``DENSIFY``, CSR without blocks), ``CONV_2D``, ``DEPTHWISE_CONV_2D``,
``ADD``, ``PAD``, ``RESIZE_BILINEAR``, ``RESHAPE``, ``MAX_POOL_2D``, ``LOGISTIC``,
``DEPTH_TO_SPACE`` and ``CONCATENATION``. Any other operator is refused on load with a
:class:`UnsupportedOperatorError` that names it, so a changed model never runs half
translated.

Activations are kept in torch's NCHW layout; TFLite's NHWC semantics are restored where
they matter (reshape, concatenation, depth-to-space). Constant sub-graphs (dequantize,
densify) are folded at load time, so the module holds plain float32 weights.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import tflite
import torch
import torch.nn.functional as nnf
from tflite.BuiltinOperator import BuiltinOperator
from tflite.TensorType import TensorType

from rehab.errors import RehabError

__all__ = ["TfliteGraph", "UnsupportedOperatorError", "densify"]

_OP_NAMES = {v: k for k, v in vars(BuiltinOperator).items() if not k.startswith("_")}
_NUMPY_TYPES = {
    TensorType.FLOAT32: np.float32,
    TensorType.FLOAT16: np.float16,
    TensorType.INT32: np.int32,
    TensorType.INT64: np.int64,
    TensorType.UINT8: np.uint8,
    TensorType.INT8: np.int8,
}
_SAME, _VALID = 0, 1


class UnsupportedOperatorError(RehabError):
    """The model uses a TFLite operator (or option) this loader cannot translate."""


def _options(op, cls):
    table = op.BuiltinOptions()
    opts = cls()
    opts.Init(table.Bytes, table.Pos)
    return opts


def _activation(code: int) -> Callable[[torch.Tensor], torch.Tensor]:
    if code == 0:
        return lambda x: x
    if code == 1:
        return nnf.relu
    if code == 3:
        return lambda x: torch.clamp(x, 0.0, 6.0)
    raise UnsupportedOperatorError(f"fused activation {code} is not supported")


def _index_vector(meta, kind: str) -> np.ndarray:
    """A sparse dimension's segments or indices as an int64 array."""
    vec_type = meta.ArraySegmentsType() if kind == "segments" else meta.ArrayIndicesType()
    table = meta.ArraySegments() if kind == "segments" else meta.ArrayIndices()
    cls = {1: tflite.Int32Vector, 2: tflite.Uint16Vector, 3: tflite.Uint8Vector}.get(vec_type)
    if cls is None:
        raise UnsupportedOperatorError(f"sparse index vector type {vec_type}")
    vec = cls()
    vec.Init(table.Bytes, table.Pos)
    return vec.ValuesAsNumpy().astype(np.int64)


def densify(values: np.ndarray, shape: tuple[int, ...], sparsity) -> np.ndarray:
    """Expand a TFLite sparse tensor (dense / CSR dimensions, no blocks) to a dense array.

    Each level turns the list of parent positions into the list of child positions: a
    dense dimension of size n gives every parent n children, a CSR dimension gives parent
    p the children ``segments[p]:segments[p+1]`` at coordinates ``indices[...]``.
    """
    order = sparsity.TraversalOrderAsNumpy()
    if sparsity.BlockMapLength() or (
        len(order) and not np.array_equal(order, np.arange(len(shape)))
    ):
        raise UnsupportedOperatorError("block-sparse or reordered sparse tensors are not supported")
    parents = np.zeros(1, dtype=np.int64)
    coords = np.zeros((1, 0), dtype=np.int64)
    for level in range(len(shape)):
        meta = sparsity.DimMetadata(level)
        if meta.Format() == 0:  # DENSE
            n = meta.DenseSize()
            parents = (parents[:, None] * n + np.arange(n)).ravel()
            coords = np.concatenate(
                [np.repeat(coords, n, axis=0), np.tile(np.arange(n), len(coords))[:, None]], axis=1
            )
        else:  # SPARSE_CSR
            seg, idx = _index_vector(meta, "segments"), _index_vector(meta, "indices")
            counts = seg[parents + 1] - seg[parents]
            children = np.concatenate(
                [np.arange(a, b) for a, b in zip(seg[parents], seg[parents + 1], strict=True)]
                or [np.zeros(0, np.int64)]
            )
            coords = np.concatenate(
                [np.repeat(coords, counts, axis=0), idx[children][:, None]], axis=1
            )
            parents = children
    dense = np.zeros(shape, dtype=values.dtype)
    dense[tuple(coords.T)] = values[parents]
    return dense


def _same_pad(size: int, k: int, stride: int) -> tuple[int, int]:
    out = -(-size // stride)
    total = max((out - 1) * stride + k - size, 0)
    return total // 2, total - total // 2


@dataclass(frozen=True)
class _Step:
    """One translated operator: ``fn(*inputs) -> output`` on tensors by index."""

    name: str
    inputs: tuple[int, ...]
    output: int
    fn: Callable[..., torch.Tensor]


class TfliteGraph(torch.nn.Module):
    """A TFLite model (first subgraph) as a torch module.

    Parameters
    ----------
    model_bytes
        The ``.tflite`` file's contents.

    Raises
    ------
    UnsupportedOperatorError
        The model uses an operator or option not listed in the module docstring.

    Notes
    -----
    :meth:`forward` takes the single input as an NCHW float tensor ``(B, C, H, W)`` and
    returns the outputs in the model's order; 4-D outputs stay NCHW, others keep the
    TFLite shape with the batch size in front.
    """

    def __init__(self, model_bytes: bytes) -> None:
        super().__init__()
        model = tflite.Model.GetRootAsModel(model_bytes, 0)
        graph = model.Subgraphs(0)
        self._model, self._graph = model, graph
        self._consts: dict[int, np.ndarray] = {}
        self._params = torch.nn.ParameterList()
        self._steps: list[_Step] = []
        self.input_index = int(graph.Inputs(0))
        self.output_indices = [int(i) for i in graph.OutputsAsNumpy()]
        self.output_names = [graph.Tensors(i).Name().decode() for i in self.output_indices]
        for i in range(graph.OperatorsLength()):
            self._translate(graph.Operators(i))
        del self._model, self._graph

    # -- loading ---------------------------------------------------------------------
    def _shape(self, index: int) -> list[int]:
        return self._graph.Tensors(index).ShapeAsNumpy().tolist()

    def _const(self, index: int) -> np.ndarray | None:
        if index in self._consts:
            return self._consts[index]
        tensor = self._graph.Tensors(index)
        data = self._model.Buffers(tensor.Buffer()).DataAsNumpy()
        if isinstance(data, int) or data.size == 0:
            return None
        dtype = _NUMPY_TYPES.get(tensor.Type())
        if dtype is None:
            raise UnsupportedOperatorError(f"tensor type {tensor.Type()} of {tensor.Name()!r}")
        values = np.frombuffer(data.tobytes(), dtype=dtype)
        if tensor.Sparsity() is None:
            values = values.reshape(self._shape(index))
        self._consts[index] = values
        return values

    def _param(self, array: np.ndarray) -> torch.Tensor:
        p = torch.nn.Parameter(torch.from_numpy(np.ascontiguousarray(array, np.float32)), False)
        self._params.append(p)
        return p

    def _translate(self, op) -> None:
        code = self._model.OperatorCodes(op.OpcodeIndex())
        name = _OP_NAMES.get(max(code.BuiltinCode(), code.DeprecatedBuiltinCode()), "CUSTOM")
        ins = [int(i) for i in op.InputsAsNumpy()]
        out = int(op.OutputsAsNumpy()[0])
        handler = getattr(self, f"_op_{name.lower()}", None)
        if handler is None:
            raise UnsupportedOperatorError(f"TFLite operator {name} is not supported")
        handler(op, ins, out)

    def _add_step(self, name: str, inputs: list[int], out: int, fn) -> None:
        self._steps.append(_Step(name, tuple(inputs), out, fn))

    def _op_dequantize(self, op, ins, out) -> None:
        src = self._const(ins[0])
        if src is None:
            raise UnsupportedOperatorError("DEQUANTIZE of a non-constant tensor")
        self._consts[out] = src.astype(np.float32)

    def _op_densify(self, op, ins, out) -> None:
        tensor = self._graph.Tensors(ins[0])
        self._consts[out] = densify(self._const(ins[0]), tuple(self._shape(out)), tensor.Sparsity())

    def _conv_pad(self, padding: int, in_hw: list[int], k_hw: list[int], stride: int):
        if padding == _VALID:
            return (0, 0, 0, 0)
        top, bottom = _same_pad(in_hw[0], k_hw[0], stride)
        left, right = _same_pad(in_hw[1], k_hw[1], stride)
        return (left, right, top, bottom)

    def _op_conv_2d(self, op, ins, out, depthwise: bool = False) -> None:
        cls = tflite.DepthwiseConv2DOptions if depthwise else tflite.Conv2DOptions
        o = _options(op, cls)
        if o.DilationHFactor() != 1 or o.DilationWFactor() != 1 or o.StrideH() != o.StrideW():
            raise UnsupportedOperatorError("dilated or anisotropic convolutions")
        w = self._const(ins[1])
        bias = self._const(ins[2]) if len(ins) > 2 and ins[2] >= 0 else None
        if depthwise:
            if o.DepthMultiplier() not in (0, 1):
                raise UnsupportedOperatorError("DEPTHWISE_CONV_2D with a depth multiplier")
            weight = w.transpose(3, 0, 1, 2)  # [1, kh, kw, C] -> [C, 1, kh, kw]
            groups = weight.shape[0]
        else:
            weight = w.transpose(0, 3, 1, 2)  # [O, kh, kw, I] -> [O, I, kh, kw]
            groups = 1
        pad = self._conv_pad(o.Padding(), self._shape(ins[0])[1:3], list(w.shape[1:3]), o.StrideH())
        weight_t = self._param(weight)
        bias_t = self._param(bias) if bias is not None else None
        act, stride = _activation(o.FusedActivationFunction()), o.StrideH()
        symmetric = pad[0] == pad[1] and pad[2] == pad[3]

        def conv(x):
            if symmetric:
                y = nnf.conv2d(x, weight_t, bias_t, stride, (pad[2], pad[0]), 1, groups)
            else:
                y = nnf.conv2d(nnf.pad(x, pad), weight_t, bias_t, stride, 0, 1, groups)
            return act(y)

        self._add_step("conv", [ins[0]], out, conv)

    def _op_depthwise_conv_2d(self, op, ins, out) -> None:
        self._op_conv_2d(op, ins, out, depthwise=True)

    def _op_add(self, op, ins, out) -> None:
        act = _activation(_options(op, tflite.AddOptions).FusedActivationFunction())
        if any(self._const(i) is not None for i in ins):
            raise UnsupportedOperatorError("ADD with a constant operand")
        self._add_step("add", ins, out, lambda a, b: act(a + b))

    def _op_pad(self, op, ins, out) -> None:
        p = self._const(ins[1])  # NHWC [[before, after] x 4]
        if p[0].any():
            raise UnsupportedOperatorError("PAD of the batch dimension")
        pad = (int(p[2, 0]), int(p[2, 1]), int(p[1, 0]), int(p[1, 1]), int(p[3, 0]), int(p[3, 1]))
        self._add_step("pad", [ins[0]], out, lambda x: nnf.pad(x, pad))

    def _op_resize_bilinear(self, op, ins, out) -> None:
        o = _options(op, tflite.ResizeBilinearOptions)
        size = tuple(int(v) for v in self._const(ins[1]))
        if o.AlignCorners() == o.HalfPixelCenters():
            # Legacy TF sampling (neither flag) has no torch equivalent.
            raise UnsupportedOperatorError("RESIZE_BILINEAR without half-pixel centres")
        align = bool(o.AlignCorners())
        self._add_step(
            "resize",
            [ins[0]],
            out,
            lambda x: nnf.interpolate(x, size=size, mode="bilinear", align_corners=align),
        )

    def _op_max_pool_2d(self, op, ins, out) -> None:
        o = _options(op, tflite.Pool2DOptions)
        k, s = (o.FilterHeight(), o.FilterWidth()), (o.StrideH(), o.StrideW())
        pad = self._conv_pad(o.Padding(), self._shape(ins[0])[1:3], list(k), s[0])
        act = _activation(o.FusedActivationFunction())
        self._add_step(
            "maxpool",
            [ins[0]],
            out,
            lambda x: act(nnf.max_pool2d(nnf.pad(x, pad, value=float("-inf")), k, s)),
        )

    def _op_logistic(self, op, ins, out) -> None:
        self._add_step("sigmoid", [ins[0]], out, torch.sigmoid)

    def _op_depth_to_space(self, op, ins, out) -> None:
        bs = _options(op, tflite.DepthToSpaceOptions).BlockSize()

        def d2s(x):
            b, c, h, w = x.shape
            # TF order: channel index = (i * bs + j) * C_out + c (not torch's pixel_shuffle)
            x = x.view(b, bs, bs, c // (bs * bs), h, w).permute(0, 3, 4, 1, 5, 2)
            return x.reshape(b, c // (bs * bs), h * bs, w * bs)

        self._add_step("depth_to_space", [ins[0]], out, d2s)

    def _op_reshape(self, op, ins, out) -> None:
        in_rank, target = len(self._shape(ins[0])), self._shape(out)

        def reshape(x):
            if in_rank == 4:
                x = x.permute(0, 2, 3, 1)
            y = x.reshape(x.shape[0], *target[1:])
            return y.permute(0, 3, 1, 2) if len(target) == 4 else y

        self._add_step("reshape", [ins[0]], out, reshape)

    def _op_concatenation(self, op, ins, out) -> None:
        o = _options(op, tflite.ConcatenationOptions)
        rank = len(self._shape(out))
        axis = o.Axis() % rank
        if rank == 4:
            axis = {0: 0, 1: 2, 2: 3, 3: 1}[axis]
        act = _activation(o.FusedActivationFunction())
        self._add_step("concat", ins, out, lambda *xs: act(torch.cat(xs, dim=axis)))

    # -- running -----------------------------------------------------------------------
    def forward(self, x: torch.Tensor) -> list[torch.Tensor]:
        values: dict[int, torch.Tensor] = {self.input_index: x}
        for step in self._steps:
            values[step.output] = step.fn(*(values[i] for i in step.inputs))
        return [values[i] for i in self.output_indices]
