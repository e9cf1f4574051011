"""Delta debugging (Zeller and Hildebrandt's ddmin): a 1-minimal passing subset of a passing set.

``ddmin(items, passes)`` starts from ``items`` that pass and returns a subset that still passes and
from which no single item can be removed (1-minimal), testing ever finer partitions: each part
alone, then each part's complement. On a monotone problem with k necessary items among n it needs
about k·log2(n) tests. ``passes`` may give up (return None, a spent trial budget): ddmin then
returns the smallest passing subset found so far, marked not minimal.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Generic, Optional, TypeVar

Item = TypeVar("Item")
Verdict = Callable[[Sequence[Item]], Optional[bool]]  # None: gave up


@dataclass(frozen=True)
class Reduced(Generic[Item]):
    """ddmin's answer: a passing subset, and whether it is 1-minimal (False: the budget ran out)."""

    items: tuple[Item, ...]
    minimal: bool


def ddmin(items: Sequence[Item], passes: Verdict[Item]) -> Reduced[Item]:
    """The 1-minimal passing subset of ``items`` (which must pass), keeping their order.

    The empty set is never tested: the caller knows it fails (that is why it is reducing).
    """
    current = list(items)
    granularity = 2
    while len(current) >= 2:
        parts = _split(current, granularity)
        outcome = _first_passing(parts, passes)
        if outcome is None:
            return Reduced(tuple(current), minimal=False)
        if outcome:
            current, granularity = outcome, 2
            continue
        if granularity > 2:  # with two parts, the complements are the parts themselves
            complements = [[i for i in current if i not in part] for part in parts]
            outcome = _first_passing(complements, passes)
            if outcome is None:
                return Reduced(tuple(current), minimal=False)
            if outcome:
                current, granularity = outcome, max(granularity - 1, 2)
                continue
        if granularity >= len(current):
            break  # every single item was removed once (as a complement) and each removal failed
        granularity = min(len(current), 2 * granularity)
    return Reduced(tuple(current), minimal=True)


def _first_passing(candidates: list[list[Item]], passes: Verdict[Item]) -> list[Item] | None:
    """The first candidate that passes; ``[]`` when none does; None when ``passes`` gave up."""
    for candidate in candidates:
        verdict = passes(candidate)
        if verdict is None:
            return None
        if verdict:
            return candidate
    return []


def _split(items: list[Item], parts: int) -> list[list[Item]]:
    """``items`` in ``parts`` contiguous runs of (nearly) equal length."""
    size, extra = divmod(len(items), parts)
    runs, start = [], 0
    for index in range(parts):
        end = start + size + (1 if index < extra else 0)
        runs.append(items[start:end])
        start = end
    return [run for run in runs if run]
