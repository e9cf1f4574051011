"""verify with the user's own samples against a real Triton: one bad .npz is one failed case, and
the model's good samples are still sent and compared."""

from __future__ import annotations

import numpy as np
import pytest

from tests.robustness.test_verify_faults import by_model, models_yaml, run_verify, start


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    up = start(tmp_path_factory.mktemp("samples"), {"first": "0"})
    try:
        yield up
    finally:
        up.stop()


def test_a_bad_sample_fails_alone_and_the_good_ones_run(cli, server, tmp_path):
    spec = models_yaml(tmp_path / "spec", ["first"])
    np.savez(spec.parent / "good.npz", INPUT0=np.arange(4, dtype=np.float32))
    np.savez(spec.parent / "bad.npz", INPUT0=np.arange(5, dtype=np.float32))
    np.savez(spec.parent / "also_good.npz", INPUT0=-np.arange(4, dtype=np.float32))
    spec.write_text(spec.read_text().replace(
        "    outputs:", "    verify: {inputs: [good.npz, bad.npz, also_good.npz]}\n    outputs:"))
    result, data, junit = run_verify(cli, spec, server.url_http, tmp_path)
    assert result.exit_code == 2, result.output  # a sample verify could not use: not a comparison failure
    cases = {c["case"]: c for c in by_model(data)["first"]}
    assert set(cases) == {"good.npz", "bad.npz", "also_good.npz"}
    assert cases["good.npz"]["passed"] and cases["also_good.npz"]["passed"]
    assert cases["bad.npz"]["category"] == "reference"
    assert "input 'INPUT0' has shape [5], outside the declared [4]" in cases["bad.npz"]["error"]
    assert "first [bad.npz]:" in result.output and 'errors="1"' in junit
