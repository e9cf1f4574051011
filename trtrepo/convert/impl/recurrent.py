"""Recurrent layers on TensorRT loops: ``aten.lstm.input``, ``aten.gru.input``, ``aten.rnn_tanh/relu.input``.

Each layer and direction of the stack is one ``ILoop`` over the time axis, so neither the network's
size nor its build depends on the sequence length: the COUNT trip limit is the run-time length of
the time axis (a shape tensor), an iterator reads one time step, recurrences carry ``h`` (and
``c``), and a CONCATENATE loop output stacks every step's ``h`` along the time axis — REVERSE for
the backward direction, whose iterator walks the steps last first. The final states are the
LAST_VALUE outputs of the recurrences (their value after the last step, TensorRT's "Working with
Loops"; the initial state when the sequence is empty).

The input projection ``x W_ih^T + b_ih`` of every step is one matrix multiply before the loop; only
``h W_hh^T`` runs per step. Gate math is PyTorch's (``torch.nn.LSTM``/``GRU`` docs, ATen's cells):

- LSTM gates i, f, g, o: ``c' = f * c + i * g``, ``h' = o * tanh(c')``, then ``h' W_hr^T`` with
  projections (``proj_size``); both biases are added before the loop (they are summed anyway);
- GRU gates r, z, n: ``n = tanh(x_n + r * (h W_hn^T + b_hn))`` (``b_hn`` inside the product, so the
  hidden bias stays in the loop), ``h' = (h - n) * z + n``;
- RNN: ``h' = tanh(x W_ih^T + b_ih + h W_hh^T + b_hh)`` (or relu).

Weights come in PyTorch's flat order: per layer, per direction, ``w_ih, w_hh[, b_ih, b_hh][, w_hr]``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import torch

from trtrepo.convert.context import ConversionContext
from trtrepo.convert.impl.activation import activation
from trtrepo.convert.impl.linear import matmul
from trtrepo.convert.impl.shape import dim_size, unsqueeze

# Gates per cell kind, in PyTorch's order of the rows of w_ih / w_hh.
GATES = {"lstm": 4, "gru": 3, "rnn_tanh": 1, "rnn_relu": 1}


@dataclass(frozen=True)
class DirectionWeights:
    """The weights of one layer and direction (PyTorch's ``weight_ih_l{k}[_reverse]`` etc.)."""

    w_ih: torch.Tensor  # [gates * hidden, input]
    w_hh: torch.Tensor  # [gates * hidden, hidden or proj_size]
    b_ih: torch.Tensor | None
    b_hh: torch.Tensor | None
    w_hr: torch.Tensor | None  # [proj_size, hidden]: LSTM projections only


@dataclass(frozen=True)
class Stack:
    """What every layer of the stack shares."""

    kind: str  # "lstm", "gru", "rnn_tanh" or "rnn_relu"
    num_layers: int
    directions: int  # 1, or 2 when bidirectional
    time_axis: int  # 1 when batch_first, else 0


def split_params(params: Sequence[torch.Tensor], *, has_biases: bool, num_layers: int,
                 directions: int) -> list[DirectionWeights]:
    """The flat weight list as one ``DirectionWeights`` per (layer, direction), layer-major.

    An LSTM with projections has one more weight per direction (``w_hr``), hence the count decides.
    """
    groups = num_layers * directions
    if groups == 0 or len(params) % groups:
        raise ValueError(f"{len(params)} weights cannot be split over {num_layers} layer(s) x {directions} "
                         "direction(s)")
    per = len(params) // groups
    plain = 4 if has_biases else 2
    if per not in (plain, plain + 1):
        raise ValueError(f"{per} weights per layer and direction; expected {plain} (or {plain + 1} with "
                         "LSTM projections)")
    found = []
    for k in range(groups):
        w = list(params[k * per:(k + 1) * per])
        biases = (w[2], w[3]) if has_biases else (None, None)
        found.append(DirectionWeights(w[0], w[1], biases[0], biases[1], w[per - 1] if per > plain else None))
    return found


def recurrent_stack(ctx: ConversionContext, *, kind: str, tensor: Any, states: Sequence[Any],
                    weights: Sequence[DirectionWeights], num_layers: int, bidirectional: bool,
                    batch_first: bool) -> tuple[Any, ...]:
    """A multi-layer, optionally bidirectional recurrence: ``(output, h_n)``, plus ``c_n`` for an LSTM.

    ``tensor`` is ``[T, B, I]`` (``[B, T, I]`` when ``batch_first``); ``states`` holds ``h0``
    (and ``c0`` for an LSTM), each ``[layers * directions, B, size]``. Layer ``l + 1`` reads the
    concatenated outputs of both directions of layer ``l``, as PyTorch's stacked RNNs do.
    """
    stack = Stack(kind, num_layers, 2 if bidirectional else 1, 1 if batch_first else 0)
    length = _sequence_length(ctx, tensor, stack.time_axis)
    finals: list[list[Any]] = [[] for _ in states]
    sequence = tensor
    for layer in range(stack.num_layers):
        outputs = []
        for direction in range(stack.directions):
            k = layer * stack.directions + direction
            initial = [_select_first(ctx, state, k) for state in states]
            out, last = _direction(ctx, stack, sequence, initial, weights[k], length, reverse=direction == 1,
                                   name=f"{ctx.node_label}.l{layer}{'_reverse' if direction else ''}")
            outputs.append(out)
            for collected, value in zip(finals, last, strict=True):
                collected.append(value)
        sequence = outputs[0] if len(outputs) == 1 else _concat(ctx, outputs, axis=2)
    return (sequence, *(_stack_first(ctx, values) for values in finals))


def _direction(ctx: ConversionContext, stack: Stack, sequence: Any, initial: list[Any], weights: DirectionWeights,
               length: Any, *, reverse: bool, name: str) -> tuple[Any, list[Any]]:
    """One layer and direction as a loop: its output sequence and the final value of each state."""
    network, kinds = ctx.network, ctx.trt.LoopOutput
    bias = weights.b_ih
    if stack.kind == "lstm" and weights.b_ih is not None and weights.b_hh is not None:
        bias = weights.b_ih + weights.b_hh  # the LSTM adds both before any nonlinearity: once, outside the loop
    projected = _linear(ctx, sequence, weights.w_ih, bias)  # every step's input part, [.., gates * H]
    loop = network.add_loop()
    loop.name = name
    loop.add_trip_limit(length, ctx.trt.TripLimit.COUNT)
    step = loop.add_iterator(projected, stack.time_axis, reverse).get_output(0)  # [B, gates * H]
    recurrences = [loop.add_recurrence(value) for value in initial]
    current = [r.get_output(0) for r in recurrences]
    following = _cell(ctx, stack.kind, step, current, weights)
    for recurrence, value in zip(recurrences, following, strict=True):
        recurrence.set_input(1, value)
    out = loop.add_loop_output(following[0], kinds.REVERSE if reverse else kinds.CONCATENATE, stack.time_axis)
    out.set_input(1, length)
    finals = [loop.add_loop_output(value, kinds.LAST_VALUE).get_output(0) for value in current]
    return out.get_output(0), finals


def _cell(ctx: ConversionContext, kind: str, step: Any, state: list[Any], weights: DirectionWeights) -> list[Any]:
    """One time step: the next value of every state, ``h`` first."""
    h = state[0]
    if kind == "lstm":
        gates = _gates(ctx, _sum(ctx, step, _linear(ctx, h, weights.w_hh, None)), 4)
        i, f, o = (_act(ctx, gates[k], "SIGMOID") for k in (0, 1, 3))
        g = _act(ctx, gates[2], "TANH")
        c = _sum(ctx, _prod(ctx, f, state[1]), _prod(ctx, i, g))
        h = _prod(ctx, o, _act(ctx, c, "TANH"))
        if weights.w_hr is not None:
            h = _linear(ctx, h, weights.w_hr, None)
        return [h, c]
    hidden = _linear(ctx, h, weights.w_hh, weights.b_hh)
    if kind == "gru":
        x_r, x_z, x_n = _gates(ctx, step, 3)
        h_r, h_z, h_n = _gates(ctx, hidden, 3)
        r = _act(ctx, _sum(ctx, x_r, h_r), "SIGMOID")
        z = _act(ctx, _sum(ctx, x_z, h_z), "SIGMOID")
        n = _act(ctx, _sum(ctx, x_n, _prod(ctx, r, h_n)), "TANH")
        return [_sum(ctx, _prod(ctx, _elementwise(ctx, h, n, "SUB"), z), n)]
    return [_act(ctx, _sum(ctx, step, hidden), "TANH" if kind == "rnn_tanh" else "RELU")]


def _gates(ctx: ConversionContext, tensor: Any, count: int) -> list[Any]:
    """``[B, count * H]`` as ``count`` tensors ``[B, H]`` (a static reshape and gathers: no shape layers
    inside the loop, whatever the batch size)."""
    if count == 1:
        return [tensor]
    width = int(tensor.shape[-1]) // count
    layer = ctx.network.add_shuffle(tensor)
    layer.reshape_dims = (0, count, width)  # 0 copies the (possibly dynamic) batch dim
    split = layer.get_output(0)
    return [ctx.network.add_gather(split, ctx.constant(torch.tensor(k, dtype=torch.int32)), 1).get_output(0)
            for k in range(count)]


def _linear(ctx: ConversionContext, tensor: Any, weight: torch.Tensor, bias: torch.Tensor | None) -> Any:
    """``tensor @ weight.T (+ bias)`` with weight constants in the node's float type."""
    out = matmul(ctx, lhs=tensor, rhs=ctx.constant(weight), transpose_rhs=True)
    if bias is None:
        return out
    return _sum(ctx, out, ctx.constant(bias.reshape((1,) * (len(out.shape) - 1) + (-1,))))


def _sequence_length(ctx: ConversionContext, tensor: Any, axis: int) -> Any:
    """The length of the time axis as the 0-D int32 shape tensor trip limits and loop outputs take."""
    size = dim_size(ctx, tensor=tensor, dim=axis)
    if isinstance(size, int):
        return ctx.constant(torch.tensor(size, dtype=torch.int32))
    layer = ctx.network.add_shuffle(ctx.cast(size, torch.int32))
    layer.reshape_dims = ()
    return layer.get_output(0)


def _select_first(ctx: ConversionContext, tensor: Any, index: int) -> Any:
    """``tensor[index]`` along the first axis (one layer and direction of a stacked state)."""
    return ctx.network.add_gather(tensor, ctx.constant(torch.tensor(index, dtype=torch.int32)), 0).get_output(0)


def _stack_first(ctx: ConversionContext, tensors: list[Any]) -> Any:
    """``torch.stack(tensors)``: the final states as ``[layers * directions, B, size]``."""
    return _concat(ctx, [unsqueeze(ctx, tensor=t, dim=0) for t in tensors], axis=0)


def _concat(ctx: ConversionContext, tensors: list[Any], axis: int) -> Any:
    if len(tensors) == 1:
        return tensors[0]
    layer = ctx.network.add_concatenation(tensors)
    layer.axis = axis
    return layer.get_output(0)


def _act(ctx: ConversionContext, tensor: Any, kind: str) -> Any:
    return activation(ctx, tensor=tensor, kind=kind)


def _sum(ctx: ConversionContext, lhs: Any, rhs: Any) -> Any:
    return _elementwise(ctx, lhs, rhs, "SUM")


def _prod(ctx: ConversionContext, lhs: Any, rhs: Any) -> Any:
    return _elementwise(ctx, lhs, rhs, "PROD")


def _elementwise(ctx: ConversionContext, lhs: Any, rhs: Any, op: str) -> Any:
    return ctx.network.add_elementwise(lhs, rhs, getattr(ctx.trt.ElementWiseOperation, op)).get_output(0)
