"""Graph rewrites between lowering and conversion that make the network smaller, not different.

* **Batch norm into the layer before it.** An inference batch norm whose statistics, weight and bias
  are constants, applied to a convolution (forward or transposed) or to a 2-D ``linear`` whose output
  nothing else reads, is that layer with rescaled weights: ``w' = w * s`` per output channel and
  ``b' = (b - mean) * s + beta`` with ``s = gamma / sqrt(var + eps)``. The new weights are written as
  FX nodes over the old ones (computed in float64, cast back to the weight's dtype) and marked
  folded, so the converter evaluates them with PyTorch like any other weight-only node and TensorRT
  sees one convolution with a bias instead of a convolution and two elementwise layers.
* **Static view sizes.** ``x.view(x.size(0), -1)`` reads the batch size at run time (shape and gather
  layers, a concatenated shape tensor) although every other size is known: where the view's sizes are
  ints and plain ``sym_size`` reads and its output has at most one dynamic dim, its sizes become the
  known ints and ``-1``, a shuffle with static dims (the size reads then go as dead code).

The convolution node keeps its name (precision overrides and reports name it); the batch-norm node
goes. Nothing here imports TensorRT.
"""

from __future__ import annotations

import operator
from typing import Any

import torch
import torch.fx
from torch.export import ExportedProgram

from trtrepo.convert.arguments import node_args
from trtrepo.graph import fake_tensor, is_constant, mark_folded

aten = torch.ops.aten

BATCH_NORM = aten._native_batch_norm_legit_no_training.default
VIEWS = (aten.view.default, aten._unsafe_view.default)


def fuse(program: ExportedProgram) -> ExportedProgram:
    """Fold batch norms into their layers and make view sizes static, in place; returns ``program``."""
    graph = program.graph_module.graph
    folded = sum(fold_batch_norm(graph, node) for node in list(graph.nodes) if node.target is BATCH_NORM)
    static = sum(static_view_sizes(node) for node in list(graph.nodes) if node.target in VIEWS)
    if folded or static:
        graph.eliminate_dead_code()
        mark_folded(program)  # the new weight nodes are computed from weights only
        program.graph_module.recompile()
    return program


# ---- batch norm ------------------------------------------------------------------------------


def fold_batch_norm(graph: torch.fx.Graph, bn: torch.fx.Node) -> bool:
    """Fold ``bn`` into the convolution or linear it normalizes, when that is exact; True if it did."""
    layer = foldable_layer(bn)
    if layer is None:
        return False
    a = node_args(bn)
    with graph.inserting_before(bn):
        new = _Builder(graph)
        scale = new.call(aten.rsqrt.default, new.call(aten.add.Scalar, new.f64(a["running_var"]), float(a["eps"])))
        if a["weight"] is not None:
            scale = new.call(aten.mul.Tensor, scale, new.f64(a["weight"]))
        shift = new.call(aten.neg.default, new.call(aten.mul.Tensor, new.f64(a["running_mean"]), scale))
        if a["bias"] is not None:
            shift = new.call(aten.add.Tensor, shift, new.f64(a["bias"]))
        _rewrite_layer(new, layer, scale, shift)
    bn.prepend(layer)  # after its new weights; bn was its only user, so the order stays valid
    getitem = next(iter(bn.users))
    getitem.replace_all_uses_with(layer)
    graph.erase_node(getitem)
    graph.erase_node(bn)
    return True


def foldable_layer(bn: torch.fx.Node) -> torch.fx.Node | None:
    """The convolution or 2-D linear ``bn`` can be folded into, or None (the reason is in the checks).

    Folding needs: constant statistics, weight and bias; only the normalized output used; a layer
    whose weight (and bias) are constants, whose output only ``bn`` reads, in a float type.
    """
    a = node_args(bn)
    if not all(is_constant(a[k]) for k in ("weight", "bias", "running_mean", "running_var")):
        return None
    if not (len(bn.users) == 1 and _is_first_item(next(iter(bn.users)))):
        return None
    layer = a["input"]
    if not isinstance(layer, torch.fx.Node) or len(layer.users) != 1:
        return None
    if layer.target is aten.convolution.default:
        weight_is_layer_input = True
    elif layer.target is aten.linear.default:
        out = fake_tensor(layer)
        weight_is_layer_input = out is not None and out.dim() == 2  # channels are the features only then
    else:
        return None
    la = node_args(layer)
    weight = fake_tensor(la["weight"])
    if not (weight_is_layer_input and weight is not None and weight.is_floating_point()):
        return None
    return layer if is_constant(la["weight"]) and is_constant(la["bias"]) else None


def _is_first_item(node: torch.fx.Node) -> bool:
    return node.target is operator.getitem and bool(node.args[1] == 0)


def _rewrite_layer(new: _Builder, layer: torch.fx.Node, scale: torch.fx.Node, shift: torch.fx.Node) -> None:
    """Give ``layer`` the weight ``w * scale`` (per output channel) and bias ``b * scale + shift``."""
    la = node_args(layer)
    weight, bias = la["weight"], la["bias"]
    shape = [int(d) for d in fake_tensor(weight).shape]  # type: ignore[union-attr]
    transposed = layer.target is aten.convolution.default and bool(la["transposed"])
    if transposed:
        # [C_in, C_out / groups, *k]: output channel g * (C_out / groups) + j sits at [g-th block, :, j]
        groups = int(la["groups"])
        grouped = [groups, shape[0] // groups, shape[1]] + shape[2:]
        per_channel = [groups, 1, shape[1]] + [1] * (len(shape) - 2)
        scaled = new.call(aten.mul.Tensor, new.call(aten.view.default, new.f64(weight), grouped),
                          new.call(aten.view.default, scale, per_channel))
        scaled = new.call(aten.view.default, scaled, shape)
    else:
        per_channel = [shape[0]] + [1] * (len(shape) - 1)
        scaled = new.call(aten.mul.Tensor, new.f64(weight), new.call(aten.view.default, scale, per_channel))
    if bias is not None:
        shift = new.call(aten.add.Tensor, shift, new.call(aten.mul.Tensor, new.f64(bias), scale))
    dtype = fake_tensor(weight).dtype  # type: ignore[union-attr]
    args = list(layer.args)
    args[1] = new.cast(scaled, dtype)
    bias_arg = new.cast(shift, dtype)
    if len(args) > 2:
        args[2] = bias_arg
        layer.args = tuple(args)
    else:
        layer.args = tuple(args)
        layer.kwargs = {**layer.kwargs, "bias": bias_arg}


class _Builder:
    """Appends weight-computing ATen nodes at the graph's insertion point, each with its fake value."""

    def __init__(self, graph: torch.fx.Graph):
        self.graph = graph

    def call(self, target: Any, *args: Any, **kwargs: Any) -> torch.fx.Node:
        node = self.graph.call_function(target, args, kwargs)
        fake = [fake_tensor(a) if isinstance(a, torch.fx.Node) else a for a in args]
        fake_kwargs = {k: fake_tensor(v) if isinstance(v, torch.fx.Node) else v for k, v in kwargs.items()}
        node.meta["val"] = target(*fake, **fake_kwargs)
        return node

    def f64(self, value: Any) -> torch.fx.Node:
        return self.cast(value, torch.float64)

    def cast(self, value: Any, dtype: torch.dtype) -> torch.fx.Node:
        return self.call(aten._to_copy.default, value, dtype=dtype)


# ---- views -----------------------------------------------------------------------------------


def static_view_sizes(view: torch.fx.Node) -> bool:
    """Replace run-time sizes of ``view`` by ints and one ``-1`` where its output allows; True if it did."""
    out = fake_tensor(view)
    sizes = view.args[1] if len(view.args) > 1 else None
    if out is None or not isinstance(sizes, (list, tuple)) or all(not isinstance(s, torch.fx.Node) for s in sizes):
        return False
    if any(isinstance(s, torch.fx.Node) and s.target is not aten.sym_size.int for s in sizes):
        return False  # sizes computed by symbolic arithmetic stay as traced: only plain size reads go
    static: list[int | None] = [d if isinstance(d, int) else None for d in out.shape]
    if static.count(None) > 1 or any(d is not None and d <= 0 for d in static):
        return False  # two unknowns need the shape tensor; a zero-length dim makes -1 ambiguous
    view.args = (view.args[0], [-1 if d is None else d for d in static])
    return True
