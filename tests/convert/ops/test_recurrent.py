"""nn.LSTM, nn.GRU and nn.RNN (``aten.lstm.input``, ``aten.gru.input``, ``aten.rnn_{tanh,relu}.input``).

Every variant the modules have: time- or batch-major, one or two layers, one or two directions,
with and without biases, LSTM projections, given or default initial states, inter-layer dropout in
eval mode, unbatched input; static and dynamic batch. torch.export fixes the sequence length (its
tracing of these ops unrolls the steps), so a dynamic sequence length is proven below the export,
on a network built straight from the converter's loops.
"""

from __future__ import annotations

import dataclasses

import pytest
import torch
from torch import nn
from torch.ops import aten

from tests.convert.harness import Fn, Fn2, assert_converted_by, assert_converts, convert_module, spec_for
from tests.convert.samples import sample
from trtrepo.capture import capture
from trtrepo.compare import DEFAULT_TOLERANCES
from trtrepo.convert.context import Capabilities, ConversionContext
from trtrepo.convert.impl import recurrent
from trtrepo.engine import build_plan
from trtrepo.errors import UnsupportedOpsError
from trtrepo.network import convert_captured
from trtrepo.reference import execute_network
from trtrepo.trt_flavour import logger, trt

LSTM, GRU = "aten.lstm.input", "aten.gru.input"
LENGTH, BATCH, FEATURES, HIDDEN = 5, 3, 4, 6  # sequence length, batch, input size, hidden size


class Run(nn.Module):
    """The RNN module with its default (zero) initial state."""

    def __init__(self, rnn: nn.Module):
        super().__init__()
        self.rnn = rnn

    def forward(self, x):
        return self.rnn(x)


class RunWith(Run):
    """The RNN module with a given initial state ``h0``."""

    def forward(self, x, h0):
        return self.rnn(x, h0)


class RunWithCell(Run):
    """An LSTM with given initial states ``(h0, c0)``."""

    def forward(self, x, h0, c0):
        return self.rnn(x, (h0, c0))


def _seeded(rnn: nn.Module) -> nn.Module:
    """Weights drawn from a fixed seed, a little larger than PyTorch's init so the gates saturate unevenly."""
    generator = torch.Generator().manual_seed(7)
    with torch.no_grad():
        for p in rnn.parameters():
            p.copy_(torch.randn(p.shape, generator=generator) * 0.5)
    return rnn


def _inputs(rnn: nn.Module, states: int, batch: int = BATCH, length: int = LENGTH) -> list[torch.Tensor]:
    """``x`` in the module's layout and ``states`` initial states ([layers * directions, B, size])."""
    x = sample(batch, length, FEATURES) if rnn.batch_first else sample(length, batch, FEATURES)
    stacked = rnn.num_layers * (2 if rnn.bidirectional else 1)
    sizes = [getattr(rnn, "proj_size", 0) or rnn.hidden_size, rnn.hidden_size][:states]
    return [x] + [sample(stacked, batch, size, seed=1 + k) for k, size in enumerate(sizes)]


def _dynamic_batch(rnn: nn.Module, count: int) -> dict:
    """The batch dim of every input dynamic, one named size shared by the sequence and the states."""
    batch = (1, 7, "batch")
    return {0: {0 if rnn.batch_first else 1: batch}, **{k: {1: batch} for k in range(1, count)}}


def _check(rnn: nn.Module, states: int, expect: str, dynamic: bool, atol: float = 1e-6, **inputs) -> None:
    rnn = _seeded(rnn)
    module = [Run, RunWith, RunWithCell][states](rnn)
    tensors = _inputs(rnn, states, **inputs)
    assert_converts(module, tensors, expect=expect, dynamic=_dynamic_batch(rnn, len(tensors)) if dynamic else None,
                    atol=atol)


# ---- LSTM --------------------------------------------------------------------------------------

LSTM_CASES = {  # name: (module arguments, number of initial states given)
    "one_layer": (dict(), 0),
    "batch_first_with_states": (dict(batch_first=True), 2),
    "two_layers_with_states": (dict(num_layers=2), 2),
    "bidirectional_batch_first": (dict(bidirectional=True, batch_first=True), 0),
    "two_layers_bidirectional_no_bias": (dict(num_layers=2, bidirectional=True, bias=False), 2),
    "projections": (dict(proj_size=2), 0),
    "projections_two_layers_bidirectional": (dict(proj_size=3, num_layers=2, bidirectional=True,
                                                  batch_first=True), 2),
    "dropout_in_eval": (dict(num_layers=2, dropout=0.5), 0),
}


# Every variant with a dynamic batch (the harness runs it at the profile's min, opt and max); one
# static build besides: each torch.export of a recurrent module costs seconds.
@pytest.mark.parametrize("case", sorted(LSTM_CASES))
def test_lstm(case):
    options, states = LSTM_CASES[case]
    _check(nn.LSTM(FEATURES, HIDDEN, **options), states, LSTM, dynamic=True)


def test_lstm_static_shapes():
    _check(nn.LSTM(FEATURES, HIDDEN), 0, LSTM, dynamic=False)


def test_lstm_one_step_one_sample():
    _check(nn.LSTM(FEATURES, HIDDEN, bidirectional=True), 2, LSTM, False, batch=1, length=1)


def test_lstm_unbatched_input():
    # nn.LSTM adds the batch dim itself before calling aten.lstm, and removes it afterwards
    rnn = _seeded(nn.LSTM(FEATURES, HIDDEN, num_layers=2))
    states = [sample(2, HIDDEN, seed=1), sample(2, HIDDEN, seed=2)]
    assert_converts(RunWithCell(rnn), [sample(LENGTH, FEATURES), *states], expect=LSTM)


@pytest.mark.parametrize(("dtype", "tolerance"), [(torch.float16, 5e-3), (torch.bfloat16, 4e-2)])
def test_lstm_low_precision_io(dtype, tolerance):
    rnn = _seeded(nn.LSTM(FEATURES, HIDDEN, bidirectional=True)).to(dtype)
    inputs = [t.to(dtype) for t in _inputs(rnn, 2)]
    assert_converts(RunWithCell(rnn), inputs, expect=LSTM, rtol=tolerance, atol=tolerance)


# ---- GRU ---------------------------------------------------------------------------------------

GRU_CASES = {
    "one_layer": (dict(), 0),
    "batch_first_with_state": (dict(batch_first=True), 1),
    "two_layers_bidirectional_with_state": (dict(num_layers=2, bidirectional=True), 1),
    "no_bias": (dict(bias=False, batch_first=True), 0),
    "two_layers_bidirectional_no_bias_batch_first": (dict(num_layers=2, bidirectional=True, bias=False,
                                                          batch_first=True), 1),
    "dropout_in_eval": (dict(num_layers=2, dropout=0.5), 1),
}


# Every variant with a dynamic batch (the harness runs it at the profile's min, opt and max); one
# static build besides: each torch.export of a recurrent module costs seconds.
@pytest.mark.parametrize("case", sorted(GRU_CASES))
def test_gru(case):
    options, states = GRU_CASES[case]
    _check(nn.GRU(FEATURES, HIDDEN, **options), states, GRU, dynamic=True)


def test_gru_static_shapes():
    _check(nn.GRU(FEATURES, HIDDEN), 0, GRU, dynamic=False)


def test_gru_one_step_one_sample():
    _check(nn.GRU(FEATURES, HIDDEN, num_layers=2), 1, GRU, False, batch=1, length=1)


@pytest.mark.parametrize(("dtype", "tolerance"), [(torch.float16, 5e-3), (torch.bfloat16, 4e-2)])
def test_gru_low_precision_io(dtype, tolerance):
    rnn = _seeded(nn.GRU(FEATURES, HIDDEN, batch_first=True)).to(dtype)
    inputs = [t.to(dtype) for t in _inputs(rnn, 1)]
    assert_converts(RunWith(rnn), inputs, expect=GRU, rtol=tolerance, atol=tolerance)


# ---- fp16 and bf16 engines ----------------------------------------------------------------------

@pytest.mark.parametrize("precision", ["fp16", "bf16"])
@pytest.mark.parametrize("kind", ["lstm", "gru"])
def test_low_precision_engines_run_their_loops_in_that_precision(precision, kind):
    # models.yaml's `precision:`: the recurrences carry fp16/bf16 states; eager fp32 is the reference,
    # within the precision's default tolerance (what `trtrepo check` applies).
    rnn = _seeded(nn.LSTM(FEATURES, HIDDEN, num_layers=2, bidirectional=True, proj_size=3, batch_first=True)
                  if kind == "lstm" else nn.GRU(FEATURES, HIDDEN, num_layers=2, bidirectional=True))
    states = 2 if kind == "lstm" else 1
    module, inputs = [Run, RunWith, RunWithCell][states](rnn).eval(), _inputs(rnn, states)
    spec = dataclasses.replace(spec_for(inputs, states + 1, _dynamic_batch(rnn, states + 1)), precision=precision)
    converted = convert_captured(spec, capture(spec, module, tuple(inputs)), module)
    assert_converted_by(converted, f"aten.{kind}.input")
    network = converted.result.network
    carried = {network.get_layer(i).get_output(0).dtype.name for i in range(network.num_layers)
               if network.get_layer(i).type.name == "RECURRENCE"}
    assert carried == {"HALF" if precision == "fp16" else "BF16"}
    assert len(build_plan(converted.builder, network, converted.spec)[0]) > 0
    got = execute_network(network, {f"x{i}": t for i, t in enumerate(inputs)}).outputs.values()
    with torch.no_grad():
        output, state = module(*inputs)
    expected = [output, *(state if kind == "lstm" else [state])]
    tolerance = DEFAULT_TOLERANCES[precision]
    for g, e in zip(got, expected, strict=True):
        torch.testing.assert_close(g, e, rtol=tolerance.rtol, atol=tolerance.atol)


# ---- RNN ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("nonlinearity", ["tanh", "relu"])
def test_rnn(nonlinearity):
    rnn = nn.RNN(FEATURES, HIDDEN, num_layers=2, bidirectional=True, nonlinearity=nonlinearity, batch_first=True)
    # relu does not bound the states: sums of terms of a few units that cancel to ~1e-3 carry the fp32 rounding
    # of their terms (~1e-6), whichever order the products are summed in.
    _check(rnn, 1, f"aten.rnn_{nonlinearity}.input", True, atol=1e-6 if nonlinearity == "tanh" else 1e-5)


# ---- what is refused -----------------------------------------------------------------------------

def test_weights_computed_from_an_input_are_refused():
    h0 = torch.zeros(1, BATCH, HIDDEN)

    def fn(x, w):  # w_ih from an input: the loop's weights must be constants
        return aten.gru.input(x, h0, [w, torch.ones(3 * HIDDEN, HIDDEN)], False, 1, 0.0, False, False, False)

    with pytest.raises(UnsupportedOpsError, match="weights computed at run time"):
        convert_module(Fn2(fn), [sample(LENGTH, BATCH, FEATURES), sample(3 * HIDDEN, FEATURES)])


def test_dropout_in_training_mode_is_refused():
    h0 = [torch.zeros(2, BATCH, HIDDEN), torch.zeros(2, BATCH, HIDDEN)]
    generator = torch.Generator().manual_seed(3)
    params = [torch.randn(4 * HIDDEN, size, generator=generator) for size in (FEATURES, HIDDEN, HIDDEN, HIDDEN)]

    def fn(x):
        return aten.lstm.input(x, h0, params, False, 2, 0.5, True, False, False)

    with pytest.raises(UnsupportedOpsError, match="dropout between layers in training mode"):
        convert_module(Fn(fn), [sample(LENGTH, BATCH, FEATURES)])


# ---- a dynamic sequence length, below the export ------------------------------------------------

def _network_from_loops(rnn: nn.LSTM) -> tuple[object, object, ConversionContext]:
    """The converter's loops for ``rnn`` on inputs whose sequence and batch lengths are both dynamic."""
    module = trt()
    builder = module.Builder(logger())
    network = builder.create_network(1 << int(module.NetworkDefinitionCreationFlag.STRONGLY_TYPED))
    ctx = ConversionContext(network=network, trt=module, capabilities=Capabilities())
    stacked = rnn.num_layers * (2 if rnn.bidirectional else 1)
    x = network.add_input("x", module.DataType.FLOAT, (-1, -1, FEATURES))
    states = [network.add_input(f"s{k}", module.DataType.FLOAT, (stacked, -1, HIDDEN)) for k in range(2)]
    weights = recurrent.split_params([p.detach() for group in rnn.all_weights for p in group], has_biases=rnn.bias,
                                     num_layers=rnn.num_layers, directions=2 if rnn.bidirectional else 1)
    outputs = recurrent.recurrent_stack(ctx, kind="lstm", tensor=x, states=states, weights=weights,
                                        num_layers=rnn.num_layers, bidirectional=rnn.bidirectional,
                                        batch_first=rnn.batch_first)
    for k, tensor in enumerate(outputs):
        tensor.name = f"out{k}"
        network.mark_output(tensor)
    return builder, network, ctx


def test_lstm_loops_take_a_dynamic_sequence_length():
    rnn = _seeded(nn.LSTM(FEATURES, HIDDEN, num_layers=2, bidirectional=True, batch_first=True)).eval()
    builder, network, ctx = _network_from_loops(rnn)
    config = builder.create_builder_config()
    profile = builder.create_optimization_profile()
    profile.set_shape("x", (1, 1, FEATURES), (2, 4, FEATURES), (4, 9, FEATURES))
    for name in ("s0", "s1"):
        profile.set_shape(name, (4, 1, HIDDEN), (4, 2, HIDDEN), (4, 4, HIDDEN))
    config.add_optimization_profile(profile)
    assert builder.build_serialized_network(network, config) is not None, "TensorRT rejects the loops"
    for batch, length in [(1, 1), (2, 4), (4, 9)]:
        x, h0, c0 = sample(batch, length, FEATURES), sample(4, batch, HIDDEN, seed=1), sample(4, batch, HIDDEN, seed=2)
        with torch.no_grad():
            output, (h_n, c_n) = rnn(x, (h0, c0))
        got = execute_network(network, {"x": x, "s0": h0, "s1": c0}).outputs
        for name, expected in zip(("out0", "out1", "out2"), (output, h_n, c_n), strict=True):
            torch.testing.assert_close(got[name], expected, rtol=1e-5, atol=1e-6, msg=lambda m, name=name: f"{name}: {m}")
