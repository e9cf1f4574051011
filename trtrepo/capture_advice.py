"""torch.export's failures told in models.yaml terms: which dim, why, the user's line, and the fix.

torch.export reports a dynamic dim it cannot keep in its own vocabulary ("Constraints violated
(sequence)!", "Suggested fixes: _sequence = Dim('_sequence', max=8); sequence = 8*_sequence",
"replace your export() call with draft_export()"). Users wrote models.yaml, not export calls:
each finding here names the input and dim, says what the model's code does to it (specialises it
to a value, guards it, ties it to another dim, branches on tensor values) with the user's source
line, and the models.yaml change that would work (a static value, ``multiple_of``, a narrower
range, a shared ``name:``). A guard on a value torch.export cannot know while tracing (the length of
``nonzero``'s result, a tensor read as a number) names the line and what makes it export-friendly
(``torch._check``).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from trtrepo.spec import ModelSpec

# torch's own advice, which only makes sense to someone writing export() calls.
_NOISE = ("draft_export", "TORCH_LOGS", "TORCHDYNAMO_", "For more information", "For C++ stack trace",
          "For more debugging help", "If you suspect the guard", "For extended logs", "consider using data-dependent",
          "If you're using mark_dynamic", "The error above occurred")


@dataclass(frozen=True)
class GuardSite:
    """Where the model's code constrained a size: the guard, the user's source line, and the
    data-dependent sizes among that line's locals by name (``u0`` -> ``kept.shape[0]``)."""

    expression: str
    source: str
    sizes: tuple[tuple[str, str], ...] = ()


def declared_dims(spec: ModelSpec) -> dict[str, list[str]]:
    """torch.export dim name -> where models.yaml declares it (``inputs[0].shape[1] of 'x'``)."""
    where: dict[str, list[str]] = {}
    for i, tensor in enumerate(spec.inputs):
        for j, dim in enumerate(tensor.shape):
            if dim.is_dynamic and dim.name:
                place = f"inputs[{i}].shape[{j}] (input {tensor.name!r}, {dim.min}..{dim.max})"
                where.setdefault(dim.name, []).append(place)
                if dim.multiple_of > 1:
                    where.setdefault(f"{dim.name}_over_{dim.multiple_of}", []).append(place)
    return where


def explain(spec: ModelSpec, message: str, sites: Callable[[], list[GuardSite]] | None = None) -> str | None:
    """The models.yaml explanation of a torch.export failure, or None when it is not about dims.

    ``sites`` (called only when the failure is about a dim or a data-dependent value) finds where the
    guards were added.
    """
    dims = declared_dims(spec)
    if "Constraints violated" in message:
        return _constraint_findings(message, dims, sites() if sites else [])
    return _data_dependent(message, sites)


def _place(dims: dict[str, list[str]], name: str) -> str:
    return " and ".join(dims.get(name.lstrip("_"), dims.get(name, [f"the dim named {name!r}"])))


def _constraint_findings(message: str, dims: dict[str, list[str]], sites: list[GuardSite]) -> str:
    findings: list[str] = []
    for name, value in re.findall(r"You marked (\w+) as dynamic but your code specialized it to be a constant "
                                  r"\((\d+)\)", message):
        findings.append(f"{_place(dims, name)}: the model's code fixes this dim to {value}")
    guards: dict[str, list[str]] = {}
    for name, guard in re.findall(r"Not all values of (\w+) = .*? satisfy the generated guard (.+?)\.?$", message,
                                  re.MULTILINE):
        guards.setdefault(name, []).append(_readable(guard))
    for name, found in guards.items():
        more = f" (and {len(found) - 1} more condition(s) on it)" if len(found) > 1 else ""
        findings.append(f"{_place(dims, name)}: the model's code needs {found[0]}{more}")
    for left, right in re.findall(r"The values of (\w+) = .*? and (\w+) = .*? must always be equal", message):
        findings.append(f"{_place(dims, left)} and {_place(dims, right)}: the model's code needs them equal")
    fixes = list(_fixes(message, dims))
    lines = ["torch.export cannot keep a declared dynamic dim as declared:"]
    lines += [f"  - {f}" for f in dict.fromkeys(findings)] or ["  - " + _first_line(message)]
    for site in _distinct(sites):
        lines.append(f"    at {site.source}")
    if fixes:
        lines.append("  change models.yaml:")
        lines += [f"  - {fix}" for fix in dict.fromkeys(fixes)]
    return "\n".join(lines)


def _fixes(message: str, dims: dict[str, list[str]]) -> Iterable[str]:
    block = message.split("Suggested fixes:", 1)
    if len(block) < 2:
        return
    suggestions = [line.strip() for line in block[1].splitlines() if line.strip() and "=" in line]
    derived = {m.group(1): (int(m.group(2)), m.group(3)) for s in suggestions
               if (m := re.fullmatch(r"(\w+) = (\d+)\*(\w+)", s))}
    for text in suggestions:
        if match := re.fullmatch(r"(\w+) = (\d+)", text):
            yield f"{_place(dims, match.group(1))}: make it static: write {match.group(2)} instead of the range"
        elif match := re.fullmatch(r"(\w+) = (\d+)\*(\w+)", text):
            yield (f"{_place(dims, match.group(1))}: add `multiple_of: {match.group(2)}` (the model takes only "
                   f"multiples of {match.group(2)}), with min, opt and max multiples of it")
        elif match := re.fullmatch(r"(\w+) = Dim\('\w+'((?:, (?:min|max)=\d+)*)\)", text):
            if match.group(1) in {base for _, base in derived.values()}:
                continue  # the range of a multiple_of's factor: said with the multiple
            bounds = ", ".join(f"`{b.strip().replace('=', ': ')}`" for b in match.group(2).split(",") if b.strip())
            yield f"{_place(dims, match.group(1))}: narrow the range: set {bounds} on it"
        elif match := re.fullmatch(r"(\w+) = (\w+)", text):
            yield (f"{_place(dims, match.group(1))} and {_place(dims, match.group(2))}: they are one size: give "
                   "both dims the same `name:` (any name, e.g. `name: sequence` on both)")


def _readable(guard: str) -> str:
    """``Eq(Mod(2*s27, 32), 0)`` stays; ``L['x'].size()[1]`` becomes ``x.shape[1]``."""
    return re.sub(r"L\['(\w+)'\]\.size\(\)\[(\d+)\]", r"\1.shape[\2]", guard)


def _data_dependent(message: str, sites: Callable[[], list[GuardSite]] | None) -> str | None:
    """A guard on a value torch.export cannot know while tracing: a data-dependent size, a tensor read
    as a Python number, or a branch on a tensor's value (told apart by torch's own wording)."""
    if "data-dependent" not in message:
        return None
    guard = re.search(r"data-dependent expression (.+?) \(unhinted", message)
    expression = guard.group(1) if guard else ""
    found = sites() if sites else []
    site = next((s for s in found if s.expression == expression), found[0] if found else None)
    where = f" (at {site.source})" if site else _call_site(message)
    if re.search(r"Size-like symbols: (?!none)", message):
        return _data_dependent_size(expression, where, dict(site.sizes) if site else {})
    if "extract specialized" in message or re.fullmatch(r"z?uf?\d+", expression):
        return ("the model's code reads a tensor's value as a Python number" + where + " (`int()`, `float()`, "
                "`.item()`): torch.export traces shapes, not values, so that number is unknown while it traces; keep "
                "it a tensor (torch ops take tensors: `x * s`, not `x * float(s)`) or move it out of the model")
    return ("the model's control flow depends on tensor values" + where + ": torch.export captures one graph for "
            "every input, so a Python `if`/`while` on a tensor's value (or `.item()` used as a size) cannot be "
            "captured; compute it with tensor ops (torch.where, masks) or move it out of the model")


def _data_dependent_size(expression: str, where: str, sizes: dict[str, str]) -> str:
    """A guard on the length of a selection (nonzero, x[mask]): torch._check can state it."""
    symbols = sorted(set(re.findall(r"\bu\d+\b", expression)))
    named = re.sub(r"\bu\d+\b", lambda m: sizes.get(m.group(0), m.group(0)), expression)
    readable = named if all(s in sizes for s in symbols) else expression
    lengths = " and ".join(f"{sizes[s]} ({s})" if s in sizes else s for s in symbols) or "a length"
    simple = re.fullmatch(r"[\w.\[\]]+ *(?:[<>]=?|==|!=) *[\w.\[\]]+", readable) is not None
    check = f"`torch._check({readable})`" if simple and readable != expression else "`torch._check(<condition>)`"
    return (f"torch.export cannot decide `{readable}`{where}:\n"
            f"  {lengths} is the length of a result that depends on the input values (nonzero, x[mask], "
            "masked_select), and one captured graph serves every length.\n"
            "  Make the code right for every length (no Python `if` on it; a sum over an empty selection is 0 "
            f"already), or state what the model guarantees before that line: {check}; torch.export then keeps "
            "the length symbolic and takes the branch the condition decides")


def _call_site(message: str) -> str:
    call = re.search(r'The following call raised this error:\s*\n\s*File "([^"]+)", line (\d+), in \w+\s*\n\s*(.+)',
                     message)
    return f" (at {call.group(1)}:{call.group(2)}: `{call.group(3).strip()}`)" if call else ""


_SHAPE = re.compile(r"shape: torch\.Size\(\[([^\]]*)\]\)")


def named_sizes(frame_locals: object) -> tuple[tuple[str, str], ...]:
    """The data-dependent sizes of the failing line's local tensors, by the code's names: ``(u0, kept.shape[0])``.

    ``frame_locals`` is what torch.export's draft mode records for a failure (``{"locals": {name:
    [description]}}``); anything else gives no names.
    """
    names: dict[str, str] = {}
    local_values = frame_locals.get("locals", {}) if isinstance(frame_locals, dict) else {}
    for name, values in (local_values.items() if isinstance(local_values, dict) else ()):
        for value in values if isinstance(values, list) else [values]:
            match = _SHAPE.search(str(value))
            for index, size in enumerate(match.group(1).split(",") if match else []):
                if re.fullmatch(r"u\d+", size.strip()):
                    names.setdefault(size.strip(), f"{name}.shape[{index}]")
    return tuple(names.items())


def _first_line(message: str) -> str:
    return next((line.strip() for line in message.splitlines() if line.strip()), message)


def _distinct(sites: list[GuardSite]) -> list[GuardSite]:
    seen: dict[str, GuardSite] = {}
    for site in sites:
        seen.setdefault(site.source, site)
    return list(seen.values())


def without_torch_advice(message: str) -> str:
    """torch's message minus the advice addressed to someone writing export() calls, and minus the
    partial graph dumps (``def forward(self, arg0_1 ...`` and its indented body) it appends."""
    kept, in_dump = [], False
    for line in message.splitlines():
        if line.startswith("def forward("):
            in_dump = True
            continue
        if in_dump and (not line.strip() or line[0].isspace()):
            continue
        in_dump = False
        if not any(noise in line for noise in _NOISE):
            kept.append(line)
    return re.sub(r"\n{3,}", "\n\n", "\n".join(kept)).strip()
