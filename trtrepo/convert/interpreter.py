"""Our FX-to-TensorRT converter: a ``torch.fx.Interpreter`` that emits TensorRT layers per node.

Each ATen node is dispatched to the converter registered for its target. Before any layer is
built the whole graph is checked, so every unsupported op is reported at once. Every layer and
tensor is named after the FX node that made it, and every node's source line is kept, so an error,
a report or a layer-wise comparison can point back to the user's code.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import torch
import torch.fx
from torch.export import ExportedProgram

import trtrepo.convert.ops  # noqa: F401  (registers every converter)
from trtrepo.convert.context import Capabilities, ConversionContext, ConversionSettings
from trtrepo.convert.precision import compute_dtype
from trtrepo.convert.registry import REGISTRY, Registry, target_name
from trtrepo.convert.support import find_unsupported, unsupported_message
from trtrepo.dtypes import to_trt
from trtrepo.errors import ConversionError, SpecError, UnsupportedOpsError
from trtrepo.graph import constant_values, data_dependent_dims, fake_value, is_folded, source_line, user_input_names
from trtrepo.spec import ModelSpec, TensorSpec
from trtrepo.spec.messages import suggest
from trtrepo.structure import input_order, served_as_vector
from trtrepo.trt_flavour import flavour, logger


@dataclass(frozen=True)
class NodeOrigin:
    """Where a TensorRT tensor came from in the user's program."""

    node: str
    op: str
    source: str


@dataclass
class ConversionResult:
    """The filled network plus what it took to make it."""

    network: Any
    input_names: list[str]
    output_names: list[str]
    origins: dict[str, NodeOrigin] = field(default_factory=dict)  # tensor name -> FX node
    converters_used: dict[str, int] = field(default_factory=dict)  # op -> count
    converted_nodes: dict[str, str] = field(default_factory=dict)  # FX node -> the op whose converter ran
    # Output name -> its dims whose length depends on tensor values (nonzero, x[mask]), where any do.
    data_dependent: dict[str, tuple[int, ...]] = field(default_factory=dict)
    node_tensors: dict[str, str] = field(default_factory=dict)  # FX node -> the network tensor holding its value
    context: ConversionContext | None = None  # keeps weight arrays alive until the build


class TRTInterpreter(torch.fx.Interpreter):
    """Runs an exported graph with TensorRT layers instead of tensors."""

    def __init__(self, program: ExportedProgram, spec: ModelSpec, network: Any,
                 settings: ConversionSettings | None = None, registry: Registry = REGISTRY):
        super().__init__(program.graph_module)
        self.extra_traceback = False  # our errors name the node and source line; torch's FX dump is noise
        self.program = program
        self.spec = spec
        self.registry = registry
        self.ctx = ConversionContext(network=network, trt=_trt_module(), capabilities=Capabilities.of(flavour()),
                                     settings=settings or ConversionSettings())
        self.constants = constant_values(program)
        self.user_inputs = user_input_names(program)
        # The names Triton clients use: no internal tensor may take one (TensorRT names are unique).
        self.reserved = {t.name for t in spec.inputs} | {o.name for o in spec.outputs}
        self.result = ConversionResult(network, [t.name for t in spec.inputs], [t.name for t in spec.outputs])

    # ---- entry point -----------------------------------------------------------------------

    def convert(self) -> ConversionResult:
        """Check the graph, then fill the network; raise with every problem named."""
        self._check_signature()
        self._check_precision_overrides()
        unsupported = find_unsupported(self.graph, self.registry)
        if unsupported:
            raise UnsupportedOpsError(f"{self.spec.spec_file}: " + unsupported_message(self.spec.name, unsupported))
        inputs = [self._network_input(tensor) for tensor in input_order(self.program, self.spec)]
        logger().take_errors()
        with torch.no_grad():
            self.run(*inputs)
        self.result.context = self.ctx
        return self.result

    def _check_signature(self) -> None:
        got, want = len(self.user_inputs), len(self.spec.inputs)
        if got != want:
            raise ConversionError(f"{self.spec.spec_file}: model {self.spec.name!r}: inputs: the model takes "
                                  f"{got} tensor input(s) but models.yaml declares {want}")
        outputs = [o for o in self.program.graph_signature.user_outputs if o is not None]
        if len(outputs) != len(self.spec.outputs):
            raise ConversionError(f"{self.spec.spec_file}: model {self.spec.name!r}: outputs: the model returns "
                                  f"{len(outputs)} tensor(s) but models.yaml declares {len(self.spec.outputs)}")

    def _check_precision_overrides(self) -> None:
        """``op_precision`` and ``node_precision`` must name ops and nodes of this graph: an override
        that matches nothing would silently do nothing."""
        nodes = [n for n in self.graph.nodes if n.op == "call_function"]
        ops = sorted({target_name(n.target) for n in nodes})
        names = [n.name for n in nodes]
        settings = self.ctx.settings
        problems = [f"op_precision: {op!r} is no op of this model's graph{suggest(op, ops)}"
                    for op in settings.op_precision if op not in ops]
        problems += [f"node_precision: {node!r} is no node of this model's graph{suggest(node, names)} "
                     "(`trtrepo graph models.yaml --model NAME` lists them)"
                     for node in settings.node_precision if node not in names]
        if problems:
            raise SpecError(str(self.spec.spec_file), [f"model {self.spec.name!r}: {p}" for p in problems])

    def _network_input(self, tensor: TensorSpec) -> Any:
        """A network input in its declared dtype; float inputs then enter the engine's precision."""
        assert tensor.dtype is not None
        dims = tuple(-1 if d.is_dynamic else d.opt for d in tensor.shape)
        value = self.ctx.network.add_input(tensor.name, to_trt(tensor.dtype), dims)
        if tensor.dtype.is_float and tensor.dtype != self.ctx.settings.float_dtype:
            value = self.ctx.cast(value, self.ctx.settings.float_dtype.torch)
            network = self.ctx.network
            network.get_layer(network.num_layers - 1).name = f"{tensor.name}.to_{self.ctx.settings.precision}"
        return value

    # ---- fx.Interpreter hooks --------------------------------------------------------------

    def run_node(self, n: torch.fx.Node) -> Any:
        """Convert one node; fold weight-only nodes; name new layers; wrap errors with the node."""
        if n.op == "call_function" and is_folded(n):
            return self._fold(n)
        self.ctx.node = n
        first_layer = self.ctx.network.num_layers
        try:
            value = super().run_node(n)
            self._infer_new_shapes(first_layer)
        except (ConversionError, UnsupportedOpsError):
            raise
        except Exception as exc:
            raise self._node_error(n, exc) from None
        errors = logger().take_errors()
        if errors:
            raise self._node_error(n, RuntimeError("; ".join(_relevant(errors))))
        self._name_new_layers(n, first_layer, value)
        return value

    def placeholder(self, target: Any, args: Any, kwargs: Any) -> Any:
        """Weights come back as torch tensors, user inputs as network inputs."""
        name = self.ctx.node.name if self.ctx.node is not None else str(target)
        if name in self.constants:
            return self.constants[name]
        return super().placeholder(target, args, kwargs)

    def call_function(self, target: Any, args: Any, kwargs: Any) -> Any:
        """Dispatch to the registered converter (in the node's float type) and count its use."""
        entry = self.registry.get(target)
        assert entry is not None, "find_unsupported guarantees a converter"
        op = target_name(target)
        self.result.converters_used[op] = self.result.converters_used.get(op, 0) + 1
        self.result.converted_nodes[self.ctx.node_label] = op
        settings = self.ctx.settings
        dtype = compute_dtype(op, self.ctx.node_label, settings.precision, settings.op_precision,
                              settings.node_precision)
        self.ctx.float_dtype = dtype
        args, kwargs = _in_dtype(self.ctx, args, dtype), _in_dtype(self.ctx, kwargs, dtype)
        return entry.convert(self.ctx, args, kwargs, self.ctx.node_label)

    def output(self, target: Any, args: Any, kwargs: Any) -> Any:
        """Mark the outputs under their resolved names (``trtrepo.structure``), cast to any declared dtype.

        A ``None`` the model returns (an optional output it left out) is no network output.
        """
        values = list(args[0]) if isinstance(args[0], (tuple, list)) else [args[0]]
        nodes = self.ctx.node.args[0] if self.ctx.node is not None else values
        nodes = list(nodes) if isinstance(nodes, (tuple, list)) else [nodes]
        present = [(value, node) for value, node in zip(values, nodes, strict=True) if node is not None]
        for spec_out, (value, node) in zip(self.spec.outputs, present, strict=True):
            tensor = self.ctx.as_tensor(value)
            if served_as_vector(self.spec, len(tensor.shape)):
                if self.ctx.dtype_of(tensor) == torch.uint8:  # TensorRT reshapes no uint8 tensor
                    raise ConversionError(f"{self.spec.spec_file}: model {self.spec.name!r}: output {spec_out.name!r}: "
                                          "a 0-d uint8 result cannot be served (Triton serves no scalars without "
                                          "batching, and TensorRT cannot reshape uint8): return another dtype")
                layer = self.ctx.network.add_shuffle(tensor)
                layer.reshape_dims = (1,)
                tensor = layer.get_output(0)
            eager = fake_value(node) if isinstance(node, torch.fx.Node) else None
            # Outputs leave in the declared dtype, else in the dtype eager PyTorch returns.
            want = spec_out.dtype.torch if spec_out.dtype is not None else getattr(eager, "dtype", None)
            if want is not None:
                tensor = self.ctx.cast(tensor, want)
            if tensor.is_network_input or tensor.is_network_output:
                tensor = self.ctx.network.add_identity(tensor).get_output(0)
            tensor.name = spec_out.name
            self.ctx.network.mark_output(tensor)
            if dims := data_dependent_dims(node):
                self.result.data_dependent[spec_out.name] = dims
        return values

    # ---- helpers ---------------------------------------------------------------------------

    def _fold(self, n: torch.fx.Node) -> Any:
        """Evaluate a weights-only node with PyTorch itself (constant folding)."""
        args, kwargs = self.fetch_args_kwargs_from_env(n)
        return n.target(*args, **kwargs)  # type: ignore[operator]

    def _name_new_layers(self, n: torch.fx.Node, first_layer: int, value: Any) -> None:
        """Name the layers this node added, and their outputs, after the node."""
        network = self.ctx.network
        count = network.num_layers - first_layer
        origin = NodeOrigin(n.name, target_name(n.target) if n.op == "call_function" else n.op, source_line(n))
        # A node named like a model input or output ("embedding") names its tensors "embedding:node":
        # ':' is no character of a models.yaml name, so the user's names always win.
        base = f"{n.name}:node" if n.name in self.reserved else n.name
        for index in range(first_layer, network.num_layers):
            layer = network.get_layer(index)
            if layer.name.startswith("(Unnamed Layer"):
                layer.name = base if count == 1 else f"{base}/{index - first_layer}"
            for o in range(layer.num_outputs):
                out = layer.get_output(o)
                if not out.is_network_input and out.name.startswith("(Unnamed"):
                    out.name = f"{layer.name}:{o}" if layer.num_outputs > 1 else layer.name
                self.result.origins[out.name] = origin
        if count and isinstance(value, self.ctx.trt.ITensor) and not value.is_network_input:
            if value.name in self.result.origins and self.result.origins[value.name] is origin:
                value.name = base  # the node's result carries the node's name
                self.result.origins[base] = origin
        if isinstance(value, self.ctx.trt.ITensor):
            self.result.node_tensors[n.name] = value.name

    def _infer_new_shapes(self, first_layer: int) -> None:
        """Ask TensorRT for the shape of every tensor this node made.

        TensorRT checks a layer lazily, when a shape is first asked for: without this, a layer
        that cannot work (say, an add of unbroadcastable shapes) is blamed on the next node.
        """
        network = self.ctx.network
        for index in range(first_layer, network.num_layers):
            layer = network.get_layer(index)
            for o in range(layer.num_outputs):
                layer.get_output(o).shape  # noqa: B018 (raises when TensorRT rejects the layer)

    def _node_error(self, n: torch.fx.Node, exc: Exception) -> ConversionError:
        op = target_name(n.target) if n.op == "call_function" else n.op
        where = source_line(n)
        tensorrt = _relevant(logger().take_errors())
        return ConversionError(
            f"{self.spec.spec_file}: model {self.spec.name!r}: cannot convert node {n.name!r} ({op})"
            + (f"\n  at {where}" if where else "") + f"\n  {type(exc).__name__}: {exc}"
            + "".join(f"\n  TensorRT: {line}" for line in tensorrt if line not in str(exc))
        )


def _relevant(errors: list[str]) -> list[str]:
    """TensorRT's errors without the CUDA-runtime complaint it adds on machines without a GPU."""
    kept = [e for e in errors if "catchCudaError" not in e]
    return kept or errors


def _in_dtype(ctx: ConversionContext, value: Any, dtype: torch.dtype) -> Any:
    """Float ITensors and weights (recursively in lists/dicts) in ``dtype``; the rest unchanged.

    FP8 is a quantized type here, like INT8: only quantize/dequantize layers make and read it."""
    if ctx.is_tensor(value):
        if value.dtype == ctx.trt.DataType.FP8:
            return value
        return ctx.cast(value, dtype) if ctx.dtype_of(value).is_floating_point else value
    if isinstance(value, torch.Tensor):
        return value.to(dtype) if value.is_floating_point() and value.dtype != torch.float8_e4m3fn else value
    if isinstance(value, (list, tuple)):
        return type(value)(_in_dtype(ctx, v, dtype) for v in value)
    if isinstance(value, dict):
        return {k: _in_dtype(ctx, v, dtype) for k, v in value.items()}
    return value


def _trt_module() -> Any:
    from trtrepo.trt_flavour import trt

    return trt()


def convert_program(program: ExportedProgram, spec: ModelSpec, network: Any,
                    settings: ConversionSettings | None = None) -> ConversionResult:
    """Fill ``network`` from a lowered ExportedProgram; the main entry point of this package."""
    return TRTInterpreter(program, spec, network, settings).convert()
