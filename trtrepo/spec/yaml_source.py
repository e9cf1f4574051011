"""Strict YAML for models.yaml: safe types only, no duplicate keys, no alias bombs, bounded nesting.

PyYAML's safe loader already refuses Python object tags. On top of it, a key written twice in one
mapping is an error (YAML would silently keep the last one), and a document that expands, through
aliases, into more values than any real models.yaml holds is refused before anything walks it.
"""

from __future__ import annotations

from typing import Any

import yaml

MAX_VALUES = 1_000_000  # values after expanding aliases; real files hold a few thousand
MAX_DEPTH = 64  # nesting levels of lists and mappings
_MERGE_TAG = "tag:yaml.org,2002:merge"


class YamlProblem(Exception):
    """The text is not YAML trtrepo accepts; ``str()`` is the message for the user."""


class _StrictLoader(yaml.SafeLoader):
    """SafeLoader that reports a key repeated within one mapping."""

    def __init__(self, stream: str):
        super().__init__(stream)
        self._checked: set[int] = set()

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:  # type: ignore[override]
        if id(node) not in self._checked:  # an aliased mapping is built again after merging
            self._checked.add(id(node))
            _check_duplicate_keys(self, node)
        return super().construct_mapping(node, deep)  # type: ignore[no-any-return]


def _check_duplicate_keys(loader: _StrictLoader, node: yaml.MappingNode) -> None:
    seen: dict[Any, int] = {}
    for key_node, _ in node.value:
        if key_node.tag == _MERGE_TAG or not isinstance(key_node, yaml.ScalarNode):
            continue  # merge keys may override; unhashable keys get PyYAML's own error
        key = loader.construct_object(key_node, deep=True)
        if key in seen:
            raise yaml.constructor.ConstructorError(
                None, None, f"key {key!r} is written twice in one mapping (lines {seen[key] + 1} and "
                f"{key_node.start_mark.line + 1}); YAML would silently keep only the last")
        seen[key] = key_node.start_mark.line


def load_yaml(text: str) -> Any:
    """The document in ``text``; YamlProblem says what is wrong and where."""
    try:
        document = yaml.load(text, Loader=_StrictLoader)  # noqa: S506 (a SafeLoader subclass)
    except yaml.YAMLError as exc:
        raise YamlProblem(f"not valid YAML: {_yaml_message(exc)}") from None
    except RecursionError:
        raise YamlProblem(f"not valid YAML: nested deeper than {MAX_DEPTH} levels") from None
    _check_size(document)
    return document


def _yaml_message(exc: yaml.YAMLError) -> str:
    mark = getattr(exc, "problem_mark", None)
    where = f" (line {mark.line + 1}, column {mark.column + 1})" if mark else ""
    problem = getattr(exc, "problem", None) or str(exc)
    return f"{problem}{where}"


def _check_size(document: Any) -> None:
    """Count values as a reader would see them (aliases expanded), without expanding anything."""
    sizes: dict[int, int] = {}

    def size(value: Any, depth: int) -> int:
        if not isinstance(value, (list, dict)):
            return 1
        if depth > MAX_DEPTH:
            raise YamlProblem(f"nested deeper than {MAX_DEPTH} levels")
        if id(value) not in sizes:
            children = value.values() if isinstance(value, dict) else value
            sizes[id(value)] = 1 + sum(size(child, depth + 1) for child in children)
            if sizes[id(value)] > MAX_VALUES:
                raise YamlProblem(f"more than {MAX_VALUES} values once YAML aliases are expanded "
                                  "(an alias bomb?)")
        return sizes[id(value)]

    size(document, 0)
