"""Which sizes no optimization profile covers: exact arithmetic on boxes of integer intervals.

Each profile accepts a box in the space of a model's dynamic dims (one inclusive interval per dim),
and the declared ranges span the whole space. What the profiles leave uncovered is the space minus
the union of their boxes, computed by box subtraction — never by enumerating sizes, since a batch
dim alone may run to millions. The result is reported as boxes a user can read: each piece left by
the subtraction is grown, dim by dim, as far as it stays clear of every profile, and pieces that
end up inside another are dropped. The boxes may overlap; together they are exactly the hole.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

Interval = tuple[int, int]  # inclusive bounds; empty when low > high
Box = tuple[Interval, ...]

MAX_PIECES = 10_000  # beyond this many pieces the profiles are too fragmented to report usefully
MAX_HOLES_SHOWN = 5


def coverage_problems(profiles: list[dict[str, Any]], declared: dict[str, tuple[int, int, int]],
                      max_batch_size: int) -> Iterator[tuple[str, str]]:
    """The regions of the declared ranges no profile covers, as boxes of sizes.

    Sizes of a dim with ``multiple_of`` m are counted in steps (k * m), so the gap between two
    profiles of multiples of 8 is not a hole of sizes the dim never takes anyway.
    """
    if not declared:
        return
    names = list(declared)
    steps = [declared[name][2] for name in names]

    def in_steps(low: int, high: int, step: int) -> Interval:
        return -(-low // step), high // step

    # Triton sends batches up to max_batch_size only, whatever range dim 0 declares beyond it.
    space = tuple(in_steps(lo, min(hi, max_batch_size) if name == "batch" and max_batch_size else hi, step)
                  for name, (lo, hi, step) in declared.items())
    boxes = [tuple(in_steps(p[name]["min"], p[name]["max"], step) if name in p else space[i]
                   for i, (name, step) in enumerate(zip(names, steps, strict=True))) for p in profiles]
    holes = uncovered(space, boxes)
    for hole in (holes or [])[:MAX_HOLES_SHOWN]:
        sizes = {name: (low * step, high * step, step)
                 for name, step, (low, high), full in zip(names, steps, hole, space, strict=True)
                 if (low, high) != full}
        yield "profiles", _hole_text(sizes, declared, max_batch_size)
    if holes and len(holes) > MAX_HOLES_SHOWN:
        yield "profiles", f"and {len(holes) - MAX_HOLES_SHOWN} more region(s) of sizes fit no profile"


def _hole_text(sizes: dict[str, tuple[int, int, int]], declared: dict[str, tuple[int, int, int]],
               max_batch_size: int) -> str:
    if list(sizes) == ["batch"] and max_batch_size:
        low, high, _ = sizes["batch"]
        which = f"size {low} fits" if low == high else f"sizes {low}..{high} fit"
        return (f"batch {which} no profile, but max_batch_size is {max_batch_size}: "
                "Triton would send batches no profile accepts")
    if not sizes:  # no profile covers anything (each was reported as leaving its range)
        whole = ", ".join(f"{name} {_span(lo, hi, step)}" for name, (lo, hi, step) in declared.items())
        return f"no size fits any profile (declared: {whole})"
    first, *rest = (f"{name} {_span(*bounds)}" for name, bounds in sizes.items())
    region = first + (" with " + " and ".join(rest) if rest else "")
    return (f"{region} fits no profile: inputs of these sizes are within the declared ranges, "
            "but the engine would reject them")


def _span(low: int, high: int, step: int = 1) -> str:
    text = str(low) if low == high else f"{low}..{high}"
    return f"{text} (multiples of {step})" if step > 1 and low != high else text


def uncovered(space: Box, boxes: Sequence[Box]) -> list[Box] | None:
    """Boxes covering exactly the points of ``space`` that no box of ``boxes`` covers.

    None when the subtraction splits into more than MAX_PIECES pieces (dozens of profiles over
    several dims), which no report could make readable.
    """
    clipped = [c for c in (_intersection(space, box) for box in boxes) if c is not None]
    pieces = [space] if not _is_empty(space) else []
    for box in clipped:
        pieces = [rest for piece in pieces for rest in _subtract(piece, box)]
        if len(pieces) > MAX_PIECES:
            return None
    grown = {_grow(piece, space, clipped) for piece in pieces}
    return sorted(box for box in grown if not any(other != box and _contains(other, box) for other in grown))


def _is_empty(box: Box) -> bool:
    return any(low > high for low, high in box)


def _intersection(a: Box, b: Box) -> Box | None:
    box = tuple((max(al, bl), min(ah, bh)) for (al, ah), (bl, bh) in zip(a, b, strict=True))
    return None if _is_empty(box) else box


def _contains(outer: Box, inner: Box) -> bool:
    return all(ol <= il and ih <= oh for (ol, oh), (il, ih) in zip(outer, inner, strict=True))


def _subtract(piece: Box, box: Box) -> list[Box]:
    """``piece`` minus ``box`` as disjoint boxes: slabs below and above ``box``, one dim at a time."""
    if _intersection(piece, box) is None:
        return [piece]
    rest = []
    current = list(piece)
    for dim, ((low, high), (cut_low, cut_high)) in enumerate(zip(piece, box, strict=True)):
        if low < cut_low:
            rest.append((*current[:dim], (low, cut_low - 1), *current[dim + 1:]))
        if high > cut_high:
            rest.append((*current[:dim], (cut_high + 1, high), *current[dim + 1:]))
        current[dim] = (max(low, cut_low), min(high, cut_high))
    return rest


def _grow(piece: Box, space: Box, boxes: Sequence[Box]) -> Box:
    """``piece`` widened dim by dim up to the nearest box that overlaps it in every other dim."""
    grown = list(piece)
    for dim, (space_low, space_high) in enumerate(space):
        blocking = [box[dim] for box in boxes if _overlaps_elsewhere(grown, box, dim)]
        low, high = grown[dim]
        low = max([space_low, *(box_high + 1 for _, box_high in blocking if box_high < low)])
        high = min([space_high, *(box_low - 1 for box_low, _ in blocking if box_low > high)])
        grown[dim] = (low, high)
    return tuple(grown)


def _overlaps_elsewhere(piece: list[Interval], box: Box, dim: int) -> bool:
    return all(max(pl, bl) <= min(ph, bh) for d, ((pl, ph), (bl, bh)) in enumerate(zip(piece, box, strict=True))
               if d != dim)
