"""Semantic rules over a document that is only partly well-formed.

Every semantic rule is written for data the schema accepted. Rather than teach each rule every way
a part can be malformed, each part the schema rejected is replaced by ``REJECTED``, a value that
refuses every use: comparing, iterating, indexing, reading an attribute, converting or hashing it
raises ``RejectedPart``. ``guarded`` runs a rule and ends it quietly at the first such use, keeping
the problems it found before. So a rule reports only what it could judge from well-formed parts,
a rule that needs a rejected part says nothing (its problem is the schema's, reported already),
and one broken field no longer hides the problems of every other field of the model.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import Any, NoReturn, TypeVar

import jsonschema

T = TypeVar("T")


class RejectedPart(Exception):
    """A rule used a value the schema rejected; the rule has nothing more to say."""


class _Rejected:
    """The stand-in for a rejected value: every operation on it raises RejectedPart."""

    __slots__ = ()

    def _refuse(self, *_args: Any, **_kwargs: Any) -> NoReturn:
        raise RejectedPart

    __getattr__ = __getitem__ = __iter__ = __len__ = __contains__ = __bool__ = _refuse
    __eq__ = __ne__ = __lt__ = __le__ = __gt__ = __ge__ = __hash__ = _refuse  # type: ignore[assignment]
    __str__ = __repr__ = __format__ = __int__ = __float__ = __index__ = _refuse  # type: ignore[assignment]
    __add__ = __radd__ = __sub__ = __rsub__ = __mul__ = __rmul__ = __mod__ = __rmod__ = _refuse
    __truediv__ = __floordiv__ = __neg__ = __abs__ = __fspath__ = _refuse


REJECTED: Any = _Rejected()


def guarded(problems: Iterable[T]) -> Iterator[T]:
    """The items of ``problems`` up to the first use of a rejected part."""
    try:
        yield from problems
    except RejectedPart:
        return


def without_rejected(document: Any, errors: Sequence[jsonschema.ValidationError]) -> Any:
    """``document`` with every value a schema error is about replaced by ``REJECTED``.

    A missing required key becomes a ``REJECTED`` value under that key (a rule must not take a
    default for it); an unknown key is left alone, since no rule reads it. Only the containers on
    the way to a rejected value are copied; the rest is shared with ``document``.
    """
    for error in errors:
        path = list(error.absolute_path)
        if error.validator == "additionalProperties":
            continue
        if error.validator == "required" and isinstance(error.instance, dict):
            for key in error.validator_value:
                if key not in error.instance:
                    document = _replaced(document, [*path, key])
            continue
        document = _replaced(document, path)
    return document


def _replaced(tree: Any, path: list[Any]) -> Any:
    if not path:
        return REJECTED
    head, rest = path[0], path[1:]
    if isinstance(tree, dict):
        return {**tree, head: _replaced(tree.get(head), rest)}
    if isinstance(tree, list) and isinstance(head, int) and 0 <= head < len(tree):
        copy = list(tree)
        copy[head] = _replaced(tree[head], rest)
        return copy
    return REJECTED  # the path runs through a value that is itself wrong
