"""Profiles must cover every size the declared ranges allow, in all dims together, computed exactly."""

from __future__ import annotations

import itertools
import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from trtrepo.errors import SpecError
from trtrepo.spec import load_project
from trtrepo.spec.coverage import uncovered

CONV = """\
models:
  - name: conv
    source: models.cnn:build
    max_batch_size: 4
    inputs:
      - name: image
        dtype: fp32
        shape: [batch, 3, {min: 16, max: 256, name: height}, {min: 16, max: 256, name: width}]
    profiles:
      - {batch: {min: 1, max: 2}, height: {min: 16, max: 128}, width: {min: 16, max: 128}}
      - {batch: {min: 3, max: 4}}
"""


def problems(write_yaml, text: str) -> list[str]:
    with pytest.raises(SpecError) as info:
        load_project(write_yaml(text))
    return info.value.problems


def test_two_profiles_that_leave_a_hole_in_the_combined_ranges(write_yaml):
    """Every batch size is covered, yet batch 1..2 with a side above 128 fits no profile."""
    tail = ("fits no profile: inputs of these sizes are within the declared ranges, but the engine would reject them")
    assert problems(write_yaml, CONV) == [f"models.yaml:9: model 'conv': profiles: batch 1..2 with width 129..256 {tail}",
                                          f"models.yaml:9: model 'conv': profiles: batch 1..2 with height 129..256 {tail}"]


def test_profiles_that_cover_everything_pass(write_yaml):
    text = CONV.replace("max: 128}, width: {min: 16, max: 128}}", "max: 256}, width: {min: 16, max: 256}}")
    assert load_project(write_yaml(text)).models[0].profiles[0]["height"].max == 256


def test_a_hole_in_a_dim_that_is_not_the_batch(write_yaml):
    text = CONV.replace("max_batch_size: 4", "max_batch_size: 0").replace("[batch, 3,", "[1, 3,").replace(
        "      - {batch: {min: 1, max: 2}, height: {min: 16, max: 128}, width: {min: 16, max: 128}}\n"
        "      - {batch: {min: 3, max: 4}}\n",
        "      - {height: {min: 16, max: 100}}\n      - {height: {min: 201, max: 256}}\n")
    [problem] = problems(write_yaml, text)
    assert problem.startswith("models.yaml:9: model 'conv': profiles: height 101..200 fits no profile:"), problem


def test_a_batch_of_millions_is_intervals_not_sizes(write_yaml):
    text = CONV.replace("max_batch_size: 4", "max_batch_size: 3000000").replace(
        "{batch: {min: 3, max: 4}}", "{batch: {min: 1, max: 2999998}}").replace(
        "{batch: {min: 1, max: 2},", "{batch: {min: 2999998, max: 2999999},").replace(
        "max: 128}, width: {min: 16, max: 128}}", "max: 256}, width: {min: 16, max: 256}}")
    started = time.perf_counter()
    [problem] = problems(write_yaml, text)
    assert time.perf_counter() - started < 2
    assert problem == ("models.yaml:9: model 'conv': profiles: batch size 3000000 fits no profile, but "
                       "max_batch_size is 3000000: Triton would send batches no profile accepts")


@pytest.mark.parametrize(("second", "hole"), [("{min: 40, max: 64}", None), ("{min: 56, max: 64}", "seq 40..48 (multiples of 8)"),
                                              ("{min: 48, max: 64}", "seq 40")])
def test_sizes_a_multiple_of_dim_never_takes_are_no_hole(write_yaml, second, hole):
    text = f"""\
    models:
      - name: m
        source: pkg.mod:build
        inputs: [{{name: x, dtype: fp32, shape: [2, {{min: 8, max: 64, multiple_of: 8, name: seq}}]}}]
        profiles: [{{seq: {{min: 8, max: 32}}}}, {{seq: {second}}}]
    """
    if hole is None:
        assert len(load_project(write_yaml(text)).models[0].profiles) == 2
    else:
        [problem] = problems(write_yaml, text)
        assert f"profiles: {hole} fits no profile" in problem, problem


def test_the_batch_is_checked_up_to_max_batch_size_only(write_yaml):
    """dim 0 may declare more than max_batch_size; Triton never sends those batches."""
    text = CONV.replace("[batch, 3,", "[{min: 1, max: 8}, 3,").replace(
        "max: 128}, width: {min: 16, max: 128}}", "max: 256}, width: {min: 16, max: 256}}")
    assert load_project(write_yaml(text)).models[0].max_batch_size == 4


intervals = st.tuples(st.integers(0, 7), st.integers(0, 7)).map(sorted).map(tuple)


@settings(max_examples=300, deadline=None)
@given(dims=st.integers(1, 3), data=st.data())
def test_uncovered_is_exactly_the_points_no_box_covers(dims, data):
    """Checked against enumerating every point of a small space: the independent, obvious formula."""
    space = tuple(data.draw(intervals) for _ in range(dims))
    boxes = data.draw(st.lists(st.tuples(*[intervals] * dims), max_size=5))
    points = set(itertools.product(*(range(lo, hi + 1) for lo, hi in space)))

    def inside(point, box):
        return all(lo <= p <= hi for p, (lo, hi) in zip(point, box, strict=True))

    expected = {p for p in points if not any(inside(p, b) for b in boxes)}
    holes = uncovered(space, boxes)
    assert holes is not None
    reported = {p for p in points if any(inside(p, h) for h in holes)}
    assert reported == expected
    for hole in holes:  # every hole is a box of uncovered points, none inside another
        assert all(lo <= hi for lo, hi in hole)
        assert not any(other != hole and all(o[0] <= h[0] and h[1] <= o[1] for o, h in zip(other, hole, strict=True))
                       for other in holes)
