"""Reading an ATen call's arguments by name, with the defaults of the op's own schema.

Shims and validators read arguments only through :func:`bind_args` (or :func:`node_args` for an FX
node), so a default is taken from the schema torch itself uses and never copied into a converter.
Python operators in exported graphs (``operator.getitem`` on a multi-output op, ``operator.add`` on
SymInts) have no schema: they always receive their two operands positionally, and their shims read
``args[0]`` and ``args[1]`` directly.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from typing import Any

import torch
import torch.fx

# Schema types whose values a converter may ask to receive as ITensors (optional tensors stay
# None when absent; each tensor of a list is converted).
TENSOR_TYPES = ("Tensor", "Optional[Tensor]", "List[Tensor]")


def schema_of(target: Any) -> Any:
    """The ATen schema of ``target``; a TypeError for targets that have none (Python operators)."""
    if not isinstance(target, torch._ops.OpOverload):
        raise TypeError(f"{target!r} has no ATen schema: read its operands from args")
    return target._schema


def bind_args(target: Any, args: Sequence[Any], kwargs: Mapping[str, Any]) -> dict[str, Any]:
    """Every argument of an ATen call by schema name, absent ones taking the schema's default.

    An absent argument without a default (an omitted optional one) is None.
    """
    bound: dict[str, Any] = {}
    for index, argument in enumerate(schema_of(target).arguments):
        if index < len(args) and not argument.kwarg_only:
            bound[argument.name] = args[index]
        elif argument.name in kwargs:
            bound[argument.name] = kwargs[argument.name]
        else:
            bound[argument.name] = argument.default_value if argument.has_default_value() else None
    return bound


def node_args(node: torch.fx.Node) -> dict[str, Any]:
    """:func:`bind_args` of an FX node's call (its arguments are FX nodes or literals)."""
    return bind_args(node.target, node.args, node.kwargs)


def tensor_argument_problem(target: Any, names: Collection[str]) -> str | None:
    """Why ``names`` cannot all be delivered as ITensors for ``target``, or None when they can."""
    try:
        types = {a.name: str(a.type) for a in schema_of(target).arguments}
    except TypeError as exc:
        return str(exc)
    for name in names:
        if name not in types:
            return f"has no argument {name!r} (its arguments: {', '.join(types)})"
        if types[name] not in TENSOR_TYPES:
            return f"argument {name!r} is a {types[name]}, not a tensor"
    return None


def map_args(target: Any, args: Sequence[Any], kwargs: Mapping[str, Any], names: Collection[str],
             fn: Callable[[Any], Any]) -> tuple[tuple[Any, ...], dict[str, Any]]:
    """``(args, kwargs)`` with ``fn`` applied to the arguments called ``names``, where given.

    Each value keeps its place, positional or keyword, so the shim unpacks the call as before.
    """
    args, kwargs = tuple(args), dict(kwargs)
    for index, argument in enumerate(schema_of(target).arguments):
        if argument.name not in names:
            continue
        if index < len(args) and not argument.kwarg_only:
            args = args[:index] + (fn(args[index]),) + args[index + 1:]
        elif argument.name in kwargs:
            kwargs[argument.name] = fn(kwargs[argument.name])
    return args, kwargs
