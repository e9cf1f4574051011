"""Strict YAML for models.yaml: safe types only, no duplicate keys, no alias bombs, bounded nesting.

PyYAML's safe loader already refuses Python object tags. On top of it, a key written twice in one
mapping is an error (YAML would silently keep the last one), and a document that expands, through
aliases, into more values than any real models.yaml holds is refused before anything walks it.

Numbers in exponent form without a decimal point or an exponent sign (``1e-4``, ``1.0e5``) are
floats, as YAML 1.2 and every JSON reader have them; PyYAML follows YAML 1.1, which reads them as
text, so ``tolerance: {atol: 1e-4}`` would be rejected as "not a number".

``parse_yaml`` also returns the line of every value (from PyYAML's composer, which marks each node
with its position), so a problem found later can point at ``models.yaml:14``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import yaml

MAX_VALUES = 1_000_000  # values after expanding aliases; real files hold a few thousand
MAX_DEPTH = 64  # nesting levels of lists and mappings
_MERGE_TAG = "tag:yaml.org,2002:merge"
_FLOAT_TAG = "tag:yaml.org,2002:float"
# What YAML 1.1 misses and YAML 1.2 reads as a float: an exponent without a '.' or without a sign.
_EXPONENT_FLOAT = re.compile(r"^[-+]?(?:[0-9][0-9_]*(?:\.[0-9_]*)?|\.[0-9_]+)[eE][-+]?[0-9]+$")

Path = tuple[Any, ...]  # keys and list indexes from the document's root


class YamlProblem(Exception):
    """The text is not YAML trtrepo accepts; ``str()`` is the message for the user."""


@dataclass(frozen=True)
class ParsedYaml:
    """A document and the 1-based line where each of its values is written."""

    data: Any
    lines: dict[Path, int] = field(default_factory=dict)

    def line(self, path: Sequence[Any]) -> int | None:
        """The line of the value at ``path``, or of its nearest ancestor the text shows."""
        path = tuple(path)
        while path:
            if path in self.lines:
                return self.lines[path]
            path = path[:-1]
        return self.lines.get((), None)


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


_StrictLoader.add_implicit_resolver(_FLOAT_TAG, _EXPONENT_FLOAT, list("-+0123456789."))


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
    return parse_yaml(text).data


def parse_yaml(text: str) -> ParsedYaml:
    """The document in ``text`` with the line of each value; YamlProblem says what is wrong and where."""
    try:
        loader = _StrictLoader(text)  # the reader already refuses unprintable characters here
    except yaml.YAMLError as exc:
        raise YamlProblem(f"not valid YAML: {_yaml_message(exc)}") from None
    try:
        node = loader.get_single_node()
        document = loader.construct_document(node) if node is not None else None
        _check_size(document)
        return ParsedYaml(document, _line_map(loader, node) if node is not None else {})
    except yaml.YAMLError as exc:
        raise YamlProblem(f"not valid YAML: {_yaml_message(exc)}") from None
    except RecursionError:
        raise YamlProblem(f"not valid YAML: nested deeper than {MAX_DEPTH} levels") from None
    finally:
        loader.dispose()


def _line_map(loader: _StrictLoader, root: yaml.Node) -> dict[Path, int]:
    """Path -> line of every value, walking the composed nodes once each.

    A node reached a second time (through an alias, or a ``<<`` merge, which PyYAML has already
    copied into the merging mapping) is not walked again: paths below it resolve to the line of
    the key that refers to it, which is where the user wrote the alias.
    """
    lines: dict[Path, int] = {(): root.start_mark.line + 1}
    visited: set[int] = set()
    stack: list[tuple[Path, yaml.Node]] = [((), root)]
    while stack:
        path, node = stack.pop()
        if id(node) in visited or len(path) > MAX_DEPTH:
            continue
        visited.add(id(node))
        for child_path, line, child in _children(loader, path, node):
            lines[child_path] = line
            stack.append((child_path, child))
    return lines


def _children(loader: _StrictLoader, path: Path, node: yaml.Node) -> list[tuple[Path, int, yaml.Node]]:
    if isinstance(node, yaml.SequenceNode):
        return [(path + (index,), item.start_mark.line + 1, item) for index, item in enumerate(node.value)]
    if not isinstance(node, yaml.MappingNode):
        return []
    children = {}
    for key_node, value_node in node.value:  # merged pairs come first, so the mapping's own win
        if isinstance(key_node, yaml.ScalarNode) and key_node.tag != _MERGE_TAG:
            key = loader.construct_object(key_node, deep=True)
            children[path + (key,)] = (key_node.start_mark.line + 1, value_node)
    return [(child_path, line, value) for child_path, (line, value) in children.items()]


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
