"""How models.yaml problems are worded: where (file, model, field path), what, and a suggestion.

Every quoted value is cut short, so even a hostile file yields a readable message.
"""

from __future__ import annotations

import difflib
import math
import reprlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import jsonschema

from trtrepo.spec import schema as rules


@dataclass(frozen=True)
class Found:
    """One problem: its words, and the path into the document it is about (which gives its line)."""

    text: str
    path: tuple[Any, ...] = ()


def suggest(word: str, candidates: Any) -> str:
    """`` (did you mean 'x'?)`` for the closest candidate, or nothing."""
    close = difflib.get_close_matches(word, list(candidates), n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""


def model_label(document: dict[str, Any], index: int) -> str:
    """``model 'mlp'``, or ``models[3]`` when the model has no usable name."""
    models = document.get("models")
    model = models[index] if isinstance(models, list) and index < len(models) else None
    name = model.get("name") if isinstance(model, dict) else None
    return f"model {short(name)}" if isinstance(name, str) and name else f"models[{index}]"


def where(document: dict[str, Any], path: list[Any]) -> str:
    """``model 'mlp': inputs[0].shape`` for a JSON path into the document."""
    prefix = ""
    if len(path) >= 2 and path[0] == "models" and isinstance(path[1], int):
        prefix, path = model_label(document, path[1]) + ": ", path[2:]
    elif path and path[0] == "defaults":
        prefix, path = "defaults: ", path[1:]
    text = ""
    for part in path:
        part = part if isinstance(part, int) or len(str(part)) <= 40 else f"{str(part)[:37]}..."
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return prefix + text if text else (prefix.rstrip(": ") or "(top level)")


def short(value: Any) -> str:
    """A value quoted in a message, cut down: a bad file must not make a huge message."""
    return _REPR.repr(value)


_REPR = reprlib.Repr()
_REPR.maxstring = _REPR.maxother = 50
_REPR.maxlevel, _REPR.maxdict, _REPR.maxlist = 2, 3, 4


def key_problems(document: dict[str, Any], value: Any, path: list[Any]) -> Iterator[Found]:
    """Mapping keys that are not text (YAML reads `1:`, `true:` or `null:` as numbers and such)."""
    if isinstance(value, dict):
        for key, child in value.items():
            if not isinstance(key, str):
                yield Found(f"{where(document, path)}: key {short(key)} must be text (quote it)", tuple(path))
            else:
                yield from key_problems(document, child, path + [key])
    elif isinstance(value, list):
        for index, child in enumerate(value):
            yield from key_problems(document, child, path + [index])


def describe(document: dict[str, Any], error: jsonschema.ValidationError) -> Iterator[Found]:
    """The problems of one schema violation, in words."""
    path = list(error.absolute_path)
    if error.validator == "additionalProperties":
        allowed = error.schema.get("properties", {})
        for key in sorted(k for k in set(error.instance) - set(allowed) if isinstance(k, str)):
            yield Found(f"{where(document, path + [key])}: unknown key{suggest(key, allowed)}", (*path, key))
    elif error.validator == "required":
        missing = error.message.split("'")[1] if "'" in error.message else error.message
        yield Found(f"{where(document, path + [missing])}: required field is missing", tuple(path))
    elif error.validator == "oneOf" and isinstance(error.instance, dict) and error.context:
        # A mapping was meant as the mapping alternative: report what is wrong inside it.
        inner = ([e for e in error.context if e.relative_path]
                 or [e for e in error.context if e.validator not in ("type", "enum")] or list(error.context))
        yield from describe(document, jsonschema.exceptions.best_match(inner))
    else:
        yield Found(f"{where(document, path)}: {_what(error, path)}", tuple(path))


def _what(error: jsonschema.ValidationError, path: list[Any]) -> str:
    if error.validator == "oneOf" and _is_dim_path(path) and _too_big(error.instance):
        return f"must be at most {rules.INT32_MAX} (got {error.instance})"
    if error.validator == "oneOf" and _is_dim_path(path):
        return f"a dimension is a positive integer, 'batch', or a range {{min, opt, max}} (got {short(error.instance)})"
    if error.validator == "oneOf" and path and path[-1] == "inputs":
        return f"must be a file name or a list of them (got {short(error.instance)})"
    if error.validator == "oneOf":
        return f"must be true/false or a mapping (got {short(error.instance)})"
    if error.validator == "enum":
        choices = ", ".join(map(str, error.validator_value))
        suggestion = suggest(error.instance, error.validator_value) if isinstance(error.instance, str) else ""
        return f"must be one of {choices} (got {short(error.instance)}){suggestion}"
    return _plain(error)


def _too_big(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value > rules.INT32_MAX


def _is_dim_path(path: list[Any]) -> bool:
    return len(path) >= 2 and path[-2] == "shape" and isinstance(path[-1], int)


def _plain(error: jsonschema.ValidationError) -> str:
    kinds = {"integer": "an integer", "string": "a string", "array": "a list", "object": "a mapping",
             "number": "a number", "boolean": "true or false"}
    if error.validator == "type":
        kind = kinds.get(str(error.validator_value), error.validator_value)
        if isinstance(error.instance, float) and not math.isfinite(error.instance):
            kind = "a finite number"
        elif isinstance(error.instance, float) and error.validator_value == "integer":
            kind = "a whole number written without a decimal point"
        elif error.validator_value == "string" and not isinstance(error.instance, (list, dict)):
            read_as = type(error.instance).__name__
            return f"must be text (got {short(error.instance)}: YAML reads it as {read_as}; quote it)"
        return f"must be {kind} (got {short(error.instance)})"
    if error.validator in ("minItems", "minProperties", "minLength") and error.validator_value == 1:
        return "must not be empty"
    if error.validator == "minimum":
        return f"must be at least {error.validator_value} (got {short(error.instance)})"
    if error.validator == "maximum":
        return f"must be at most {error.validator_value} (got {short(error.instance)})"
    if error.validator == "maxItems":
        return f"must have at most {error.validator_value} items (got {len(error.instance)})"
    if error.validator == "pattern":
        form = rules.PATTERN_HELP.get(error.validator_value, error.validator_value)
        return f"{short(error.instance)} does not have the expected form ({form})"
    return error.message
