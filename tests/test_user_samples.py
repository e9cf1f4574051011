"""A user's verify samples are checked one by one: a bad one is its own failure, the others still run."""

from __future__ import annotations

import numpy as np
import pytest

from trtrepo.errors import SourceError
from trtrepo.samples import load_user_samples, user_samples
from trtrepo.spec import load_project

SPEC = """\
models:
  - name: m
    source: pkg.mod:build
    verify: {inputs: [good.npz, wrong_shape.npz, wrong_name.npz, also_good.npy]}
    inputs: [{name: x, dtype: fp32, shape: [{min: 1, max: 4}, 3]}]
"""


@pytest.fixture
def spec(write_yaml, tmp_path):
    np.savez(tmp_path / "good.npz", x=np.ones((2, 3), np.float32))
    np.savez(tmp_path / "wrong_shape.npz", x=np.ones((2, 5), np.float32))
    np.savez(tmp_path / "wrong_name.npz", y=np.ones((2, 3), np.float32))
    np.save(tmp_path / "also_good.npy", np.zeros((4, 3), np.float32))
    return load_project(write_yaml(SPEC)).models[0]


def test_each_bad_sample_is_named_and_the_good_ones_are_kept(spec):
    loaded = load_user_samples(spec)
    assert [s.label for s in loaded.good] == ["good.npz", "also_good.npy"]
    assert [b.label for b in loaded.bad] == ["wrong_shape.npz", "wrong_name.npz"]
    assert "sample wrong_shape.npz: input 'x' has shape [2, 5], outside the declared [1..4, 3]" in loaded.bad[0].problem
    assert "sample wrong_name.npz: inputs ['y'] differ from the declared ['x']" in loaded.bad[1].problem
    assert "model 'm': verify.inputs" in loaded.bad[0].problem


def test_a_file_that_cannot_be_read_is_a_bad_sample_too(spec, tmp_path):
    (tmp_path / "good.npz").write_bytes(b"not an archive")
    loaded = load_user_samples(spec)
    assert [b.label for b in loaded.bad] == ["good.npz", "wrong_shape.npz", "wrong_name.npz"]
    assert "cannot load" in loaded.bad[0].problem


def test_user_samples_stays_strict_for_warmup(spec):
    """Warmup data is written into config.pbtxt: there a bad sample must stop the build."""
    with pytest.raises(SourceError, match="sample wrong_shape.npz"):
        user_samples(spec)
