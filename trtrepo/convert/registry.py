"""The converter registry: one frozen entry per ATen overload (or Python operator).

A converter is registered with ``@converter(aten.relu.default, tensors=("self",))``; registering a
target twice is an error, so the registry can never hold two answers to "who converts this op?".
Validators are pure predicates over the FX node that say which cases a converter rejects, so
unsupported cases are found before any layer is built. ``tensors`` names the schema arguments the
converter needs as TensorRT ITensors: the entry makes them so (weights become constants) before the
converter runs. A converter registered with ``dynamic_shapes=False`` rejects every node with a
symbolic dim in a tensor input or in its result.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from functools import partial
from typing import Any

import torch
import torch.fx

from trtrepo.convert.arguments import map_args, tensor_argument_problem
from trtrepo.errors import TrtrepoError
from trtrepo.graph import fake_value

ConverterFn = Callable[..., Any]  # (ctx, target, args, kwargs, name) -> value


@dataclass(frozen=True)
class Validator:
    """A pure predicate on a node; ``rejects`` names the case it turns away, for the report."""

    rejects: str
    accepts: Callable[[torch.fx.Node], bool]


@dataclass(frozen=True)
class ConverterEntry:
    """How one op target is converted."""

    target: Any
    impl: ConverterFn
    validators: tuple[Validator, ...] = ()
    dynamic_shapes: bool = True  # whether the converter handles dynamic (-1) dims
    family: str = ""
    tensors: tuple[str, ...] = ()  # schema arguments the converter receives as ITensors

    @property
    def op_name(self) -> str:
        """Readable name of the target, e.g. ``aten.relu.default``."""
        return target_name(self.target)

    def rejection(self, node: torch.fx.Node) -> str | None:
        """Why this converter cannot take ``node``, or None when it can."""
        if not self.dynamic_shapes and has_symbolic_dims(node):
            return STATIC_SHAPES_ONLY
        for validator in self.validators:
            if not validator.accepts(node):
                return validator.rejects
        return None

    def convert(self, ctx: Any, args: Any, kwargs: Any, name: str) -> Any:
        """Run the converter on a call, its ``tensors`` arguments first made ITensors."""
        if self.tensors:
            args, kwargs = map_args(self.target, args, kwargs, self.tensors, partial(_as_itensor, ctx))
        return self.impl(ctx, self.target, args, kwargs, name)


STATIC_SHAPES_ONLY = "a dynamic dim in an input or the result (this converter needs static shapes)"


def has_symbolic_dims(node: torch.fx.Node) -> bool:
    """Whether a tensor input of ``node``, or a tensor it returns, has a dim that is a SymInt."""
    values = [fake_value(node)] + [fake_value(n) for n in node.all_input_nodes]
    return any(not isinstance(size, int) for tensor in _tensors(values) for size in tensor.shape)


def _tensors(value: Any) -> list[torch.Tensor]:
    if isinstance(value, torch.Tensor):
        return [value]
    if isinstance(value, (list, tuple)):
        return [t for v in value for t in _tensors(v)]
    return []


def _as_itensor(ctx: Any, value: Any) -> Any:
    """A declared tensor argument as an ITensor: None (an absent optional) stays None, lists map."""
    if value is None:
        return None
    if isinstance(value, (list, tuple)):
        return [ctx.as_tensor(v) for v in value]
    return ctx.as_tensor(value)


class RegistryError(TrtrepoError):
    """A programming error in converter registration."""


@dataclass
class Registry:
    """All converters, keyed by target."""

    entries: dict[Any, ConverterEntry] = field(default_factory=dict)

    def register(self, entry: ConverterEntry) -> None:
        """Add an entry; a second entry for the same target is a RegistryError."""
        if entry.target in self.entries:
            existing = self.entries[entry.target].impl
            raise RegistryError(
                f"converter for {entry.op_name} registered twice: {existing.__module__}.{existing.__name__} "
                f"and {entry.impl.__module__}.{entry.impl.__name__}"
            )
        self.entries[entry.target] = entry

    def get(self, target: Any) -> ConverterEntry | None:
        """The entry for ``target``, or None."""
        return self.entries.get(target)

    def __contains__(self, target: Any) -> bool:
        return target in self.entries

    def __iter__(self) -> Iterator[ConverterEntry]:
        return iter(sorted(self.entries.values(), key=lambda e: e.op_name))

    def __len__(self) -> int:
        return len(self.entries)


REGISTRY = Registry()


def converter(
    *targets: Any,
    tensors: Iterable[str] = (),
    validators: Iterable[Validator] = (),
    dynamic_shapes: bool = True,
) -> Callable[[ConverterFn], ConverterFn]:
    """Register the decorated function as the converter of every target given.

    ``tensors`` names schema arguments (of type Tensor, optional Tensor or list of Tensors) that
    the converter receives as ITensors; naming anything else is a RegistryError.
    """
    tensors = tuple(tensors)

    def register(fn: ConverterFn) -> ConverterFn:
        family = fn.__module__.rsplit(".", 1)[-1]
        for target in targets:
            problem = tensor_argument_problem(target, tensors) if tensors else None
            if problem:
                raise RegistryError(f"{fn.__module__}.{fn.__name__}: tensors={tensors}: {target_name(target)} "
                                    f"{problem}")
            REGISTRY.register(ConverterEntry(target, fn, tuple(validators), dynamic_shapes, family, tensors))
        return fn

    return register


def target_name(target: Any) -> str:
    """A readable op name: ``aten.relu.default`` or ``operator.getitem``."""
    if isinstance(target, torch._ops.OpOverload):
        return f"aten.{target._schema.name.split('::')[-1]}.{target._overloadname}" \
            if target.namespace == "aten" else str(target)
    module = getattr(target, "__module__", None) or ""
    name = getattr(target, "__name__", None) or str(target)
    return f"{module.replace('_operator', 'operator')}.{name}" if module else name
