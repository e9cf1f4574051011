"""``tune-precision --write``: add the tuning's entries to a model in models.yaml, keeping the file as it is.

The file is edited through ruamel.yaml's round trip, which keeps comments, key order, flow or block
style and quoting. Before anything changes, the unmodified document must dump back to exactly the
file's text with one of the usual indentation styles; a file ruamel cannot reproduce (uneven
indentation, mixed line ends) is refused rather than reformatted; CRLF line ends are kept. The
edited text is validated by trtrepo's own models.yaml loader before it replaces the file
(atomically), and the change is returned as a unified diff.
"""

from __future__ import annotations

import difflib
import io
import os
import shutil
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap
from ruamel.yaml.representer import RoundTripRepresenter

from trtrepo.errors import SpecError, TrtrepoError
from trtrepo.spec import load_project

# (mapping indent, sequence indent, dash offset) styles tried, most common first.
INDENT_STYLES = ((2, 4, 2), (2, 2, 0), (4, 4, 2), (4, 4, 0), (4, 6, 4), (2, 3, 1), (4, 2, 0))
# Keys after which ``node_precision``, ``precision`` or ``tolerance`` are inserted when the entry lacks them.
PRECISION_KEYS = ("precision", "op_precision", "node_precision")
CHANGE_ORDER = ("precision", "tolerance", "node_precision")  # the order new keys appear in


class SpecWriteError(TrtrepoError):
    """models.yaml cannot be edited without changing more than the tuning's entries."""


class _Representer(RoundTripRepresenter):
    """Floats the tuning adds are written so that PyYAML reads them back as floats.

    PyYAML (YAML 1.1) reads ``1e-05`` as a string; ``1.0e-05`` is a float. Values already in the
    file keep their own spelling (ruamel gives them their own type).
    """


def _yaml_float(representer: RoundTripRepresenter, value: float) -> Any:
    text = repr(value)
    if "e" in text:
        mantissa, exponent = text.split("e")
        mantissa = mantissa if "." in mantissa else f"{mantissa}.0"
        text = f"{mantissa}e{int(exponent):+03d}"
    return representer.represent_scalar("tag:yaml.org,2002:float", text)


_Representer.add_representer(float, _yaml_float)


def write_changes(spec_file: Path, model: str, changes: dict[str, Any], comments: dict[str, str]) -> str:
    """Apply ``changes`` (see ``trtrepo.tune.record.spec_changes``) to ``model``'s entry; return the diff.

    ``comments`` holds an end-of-line comment per ``node_precision`` entry (its source line).
    Nothing is written when there is nothing to change (the diff is then empty).
    """
    raw = spec_file.read_bytes().decode("utf-8")
    crlf = raw.count("\r\n") == raw.count("\n") > 0  # a Windows file stays one (mixed line ends are refused)
    text = raw.replace("\r\n", "\n") if crlf else raw
    yaml, document = _round_trip(spec_file, text)
    entry = _model_entry(spec_file, document, model)
    for key, value in sorted(changes.items(), key=lambda item: CHANGE_ORDER.index(item[0])):
        if isinstance(value, dict):
            _merge_mapping(entry, key, value, comments if key == "node_precision" else {}, yaml.map_indent or 2)
        elif key in entry:
            entry[key] = value
        else:
            entry.insert(_insert_position(entry), key, value)
    buffer = io.StringIO()
    yaml.dump(document, buffer)
    edited = buffer.getvalue()
    if edited == text:
        return ""
    _replace_validated(spec_file, edited.replace("\n", "\r\n") if crlf else edited, model, changes)
    return "".join(difflib.unified_diff(text.splitlines(keepends=True), edited.splitlines(keepends=True),
                                        fromfile=f"a/{spec_file.name}", tofile=f"b/{spec_file.name}"))


def _round_trip(spec_file: Path, text: str) -> tuple[YAML, Any]:
    """A ruamel round-tripper that reproduces ``text`` exactly, and the document it read."""
    for mapping, sequence, offset in INDENT_STYLES:
        yaml = YAML()
        yaml.Representer = _Representer
        yaml.preserve_quotes = True
        yaml.width = 4096  # never fold a long line the file has
        yaml.indent(mapping=mapping, sequence=sequence, offset=offset)
        document = yaml.load(text)
        buffer = io.StringIO()
        yaml.dump(document, buffer)
        if buffer.getvalue() == text:
            return yaml, document
    raise SpecWriteError(f"{spec_file}: cannot add the entries without reformatting the file (its indentation "
                         "or line ends are not one ruamel.yaml reproduces exactly): add them by hand")


def _model_entry(spec_file: Path, document: Any, model: str) -> CommentedMap:
    models = document.get("models") if isinstance(document, dict) else None
    for entry in models or ():
        if isinstance(entry, CommentedMap) and entry.get("name") == model:
            return entry
    raise SpecWriteError(f"{spec_file}: no model named {model!r} to write to")


def _merge_mapping(entry: CommentedMap, key: str, values: dict[str, Any], comments: dict[str, str],
                   indent: int) -> None:
    """Add ``values`` to the entry's mapping ``key`` (made, in block style, when the entry has none)."""
    mapping = entry.get(key)
    if not isinstance(mapping, CommentedMap):
        mapping = CommentedMap()
        if key == "tolerance":
            mapping.fa.set_flow_style()  # tolerance: {atol: 0.05, rtol: 0.01}, as the README writes it
        entry.insert(_insert_position(entry), key, mapping)
    column = _comment_column(entry, mapping, values, indent)
    for name, value in values.items():
        mapping[name] = value
        if name in comments and not mapping.fa.flow_style():
            mapping.yaml_add_eol_comment(comments[name], name, column=column)


def _comment_column(entry: CommentedMap, mapping: CommentedMap, values: dict[str, Any], indent: int) -> int:
    """One column for the new entries' comments, two spaces past the longest ``node: fp32``."""
    start = mapping.lc.col if mapping.lc.col is not None else (entry.lc.col or 0) + indent
    return start + max(len(f"{name}: {value}") for name, value in values.items()) + 2


def _insert_position(entry: CommentedMap) -> int:
    """After the entry's precision settings, else before its inputs (a comment or blank line that
    ends the entry belongs to what follows it), else at the end."""
    keys = list(entry.keys())
    after = [keys.index(k) + 1 for k in PRECISION_KEYS if k in keys]
    if after:
        return max(after)
    return keys.index("inputs") if "inputs" in keys else len(keys)


def _replace_validated(spec_file: Path, edited: str, model: str, changes: dict[str, Any]) -> None:
    """Check the edited text with trtrepo's loader, then swap it in (same folder: an atomic rename)."""
    temporary = spec_file.with_name(f".{spec_file.name}.{os.getpid()}.tune")
    try:
        temporary.write_bytes(edited.encode("utf-8"))
        shutil.copymode(spec_file, temporary)
        try:
            spec = load_project(temporary).select([model])[0]
        except SpecError as exc:
            raise SpecWriteError(f"{spec_file}: the edited file would not load, so it was left as it was:\n"
                                 + "\n".join(f"  - {p}" for p in exc.problems)) from None
        _confirm(spec_file, spec.raw, changes)
        os.replace(temporary, spec_file)
    finally:
        temporary.unlink(missing_ok=True)


def _confirm(spec_file: Path, raw: dict[str, Any], changes: dict[str, Any]) -> None:
    """The file read back holds every change (a key the defaults or an alias shadow would not)."""
    for key, value in changes.items():
        got = raw.get(key)
        held = all((got or {}).get(k) == v for k, v in value.items()) if isinstance(value, dict) else got == value
        if not held:
            raise SpecWriteError(f"{spec_file}: after writing {key}: {value!r}, the file reads back {key}: {got!r}; "
                                 "left as it was: add the entries by hand")
