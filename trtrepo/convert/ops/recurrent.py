"""Recurrent-layer converters: ``nn.LSTM``, ``nn.GRU`` and ``nn.RNN`` as torch.export leaves them.

torch.export keeps ``aten.lstm.input`` / ``aten.gru.input`` / ``aten.rnn_{tanh,relu}.input`` whole
(the ``.data`` overloads are packed sequences, not converted). It fixes the sequence length while
tracing (the op's tracing decomposition unrolls the steps), so exported programs have a static time
axis; the loops the converter builds would take a dynamic one (see ``impl/recurrent.py``).
"""

from __future__ import annotations

from typing import Any

import torch.fx
from torch.ops import aten

from trtrepo.convert.arguments import bind_args, node_args
from trtrepo.convert.context import ConversionContext
from trtrepo.convert.impl import recurrent
from trtrepo.convert.registry import Validator, converter
from trtrepo.convert.validators import float_input
from trtrepo.graph import is_constant


def _weights_are_constant(node: torch.fx.Node) -> bool:
    return all(is_constant(p) for p in node_args(node)["params"])


def _no_training_dropout(node: torch.fx.Node) -> bool:
    a = node_args(node)
    return not (a["train"] and float(a["dropout"]) > 0)


VALIDATORS = (
    float_input("input", "an integer input sequence"),
    Validator("weights computed at run time (only the module's own parameters are supported)",
              _weights_are_constant),
    Validator("dropout between layers in training mode (random; call model.eval())", _no_training_dropout),
)
STATES = ("input", "hx")


def _stack(ctx: ConversionContext, kind: str, a: dict[str, Any], states: list[Any]) -> tuple[Any, ...]:
    directions = 2 if a["bidirectional"] else 1
    weights = recurrent.split_params(list(a["params"]), has_biases=bool(a["has_biases"]),
                                     num_layers=int(a["num_layers"]), directions=directions)
    return recurrent.recurrent_stack(ctx, kind=kind, tensor=a["input"], states=states, weights=weights,
                                     num_layers=int(a["num_layers"]), bidirectional=bool(a["bidirectional"]),
                                     batch_first=bool(a["batch_first"]))


@converter(aten.lstm.input, tensors=STATES, validators=VALIDATORS)
def lstm(ctx: ConversionContext, target: Any, args: Any, kwargs: Any, name: str) -> Any:
    a = bind_args(target, args, kwargs)
    return _stack(ctx, "lstm", a, list(a["hx"]))  # (output, h_n, c_n)


@converter(aten.gru.input, tensors=STATES, validators=VALIDATORS)
def gru(ctx: ConversionContext, target: Any, args: Any, kwargs: Any, name: str) -> Any:
    a = bind_args(target, args, kwargs)
    return _stack(ctx, "gru", a, [a["hx"]])  # (output, h_n)


@converter(aten.rnn_tanh.input, tensors=STATES, validators=VALIDATORS)
def rnn_tanh(ctx: ConversionContext, target: Any, args: Any, kwargs: Any, name: str) -> Any:
    a = bind_args(target, args, kwargs)
    return _stack(ctx, "rnn_tanh", a, [a["hx"]])


@converter(aten.rnn_relu.input, tensors=STATES, validators=VALIDATORS)
def rnn_relu(ctx: ConversionContext, target: Any, args: Any, kwargs: Any, name: str) -> Any:
    a = bind_args(target, args, kwargs)
    return _stack(ctx, "rnn_relu", a, [a["hx"]])
