"""ONNX's node test cases run through NVIDIA's ONNX parser and trtrepo's reference interpreter.

Each case of ``onnx.backend.test.case.node.collect_testcases()`` (a one-node model, input data and the
outputs ONNX's numpy reference computed) is parsed by TensorRT's ``OnnxParser`` into a strongly typed
network, executed by ``trtrepo.reference.execute_network`` and compared with ONNX's outputs at the
case's own tolerance (``|got - expected| <= atol + rtol * |expected|``, the test runner's rule). A case
ends as one of:

- ``agree``;
- ``disagree``: a value, shape or type differs, or the interpreter failed on a network TensorRT's
  builder accepts;
- ``unsupported``: nothing to judge the interpreter on: a type TensorRT lacks (double, int16,
  strings...) or that the interpreter lacks (FP8, INT4, FP4), a model the parser refuses, a layer the
  interpreter refuses by design (``UnsupportedLayerError``), or a network TensorRT's builder rejects.

``python -m tests.reference.onnx_cases [--build-all] [--all] [NAME...]`` prints every case that does not
agree, then the counts (``make conformance`` builds every network).
"""

from __future__ import annotations

import argparse
import warnings
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import Enum
from functools import cache
from typing import Any

import numpy as np
import torch

from trtrepo.errors import ReferenceExecutionError
from trtrepo.reference import UnsupportedLayerError, execute_network
from trtrepo.trt_flavour import logger, trt

# ONNX element types the interpreter stores (ONNX name -> torch dtype).
_STORED = {"FLOAT": torch.float32, "FLOAT16": torch.float16, "BFLOAT16": torch.bfloat16, "INT8": torch.int8,
           "UINT8": torch.uint8, "INT32": torch.int32, "INT64": torch.int64, "BOOL": torch.bool}
# ONNX element types TensorRT has but the interpreter does not (ONNX name -> TensorRT DataType name).
_TRT_ONLY = {"FLOAT8E4M3FN": "FP8", "INT4": "INT4", "FLOAT4E2M1": "FP4", "FLOAT8E8M0": "E8M0"}


class Outcome(str, Enum):
    """What a case came to."""

    AGREE = "agree"
    DISAGREE = "disagree"
    UNSUPPORTED = "unsupported"


@dataclass(frozen=True)
class CaseResult:
    """One case: its outcome, a short reason (the category counted) and the detail behind it.

    ``max_abs``/``max_rel`` are the largest absolute and relative errors of a value disagreement.
    """

    name: str
    outcome: Outcome
    reason: str = ""
    detail: str = ""
    max_abs: float | None = None
    max_rel: float | None = None


@cache
def cases() -> tuple[Any, ...]:
    """Every ONNX node test case, in ONNX's order (collected once per process)."""
    from onnx.backend.test.case.node import collect_testcases

    with warnings.catch_warnings():  # some generators overflow on purpose
        warnings.simplefilter("ignore")
        return tuple(collect_testcases())


def run_all(selected: Iterable[Any] | None = None, build_all: bool = False) -> list[CaseResult]:
    """Run every case (or ``selected`` ones) and return their results in order."""
    return [run_case(case, build_all) for case in (cases() if selected is None else selected)]


def run_case(case: Any, build_all: bool = False) -> CaseResult:
    """Parse, execute and compare one case.

    A network whose result disagrees is also built with TensorRT: a disagreement only counts on a
    network TensorRT accepts. ``build_all`` builds every judged network (a minute or two more), so an
    agreement on a network TensorRT rejects is not counted either.
    """
    graph = case.model.graph
    lacking = _lacking_types(graph)
    if lacking:
        return CaseResult(case.name, Outcome.UNSUPPORTED, *lacking)
    builder = trt().Builder(logger())
    network = builder.create_network(1 << int(trt().NetworkDefinitionCreationFlag.STRONGLY_TYPED))
    parser = trt().OnnxParser(network, logger())
    if not parser.parse(case.model.SerializeToString()):
        errors = [str(parser.get_error(i).desc()) for i in range(parser.num_errors)]
        return CaseResult(case.name, Outcome.UNSUPPORTED, "parse failure", " | ".join(errors)[:300])
    result = _judge(case, network)
    judged = result.outcome is Outcome.DISAGREE or (build_all and result.outcome is Outcome.AGREE)
    if judged and not _builds(builder, network, case):
        return CaseResult(case.name, Outcome.UNSUPPORTED, "TensorRT's builder rejects the network", result.detail)
    return result


def _lacking_types(graph: Any) -> tuple[str, str] | None:
    for value in list(graph.input) + list(graph.output):
        kind = value.type.WhichOneof("value")
        if kind != "tensor_type":
            return "non-tensor value", f"{value.name!r} is a {kind}"
        name = _elem_name(value.type.tensor_type.elem_type)
        if name in _STORED:
            continue
        if name in _TRT_ONLY and hasattr(trt().DataType, _TRT_ONLY[name]):
            return "type the interpreter lacks", f"{value.name!r} is {name} ({_TRT_ONLY[name]})"
        return "type TensorRT lacks", f"{value.name!r} is {name}"
    return None


def _elem_name(elem_type: int) -> str:
    from onnx import TensorProto

    return str(TensorProto.DataType.Name(elem_type))


def _judge(case: Any, network: Any) -> CaseResult:
    for inputs, expected in case.data_sets:
        try:
            feed = _feed(case.model.graph, network, inputs)
            got = execute_network(network, feed).outputs
        except UnsupportedLayerError as exc:
            return CaseResult(case.name, Outcome.UNSUPPORTED, f"layer {exc.type_name}", str(exc)[:300])
        except ReferenceExecutionError as exc:
            return CaseResult(case.name, Outcome.DISAGREE, "interpreter error", str(exc)[:300])
        names = [value.name for value in case.model.graph.output]
        for name, want in zip(names, expected, strict=True):
            if name not in got:
                return CaseResult(case.name, Outcome.DISAGREE, "missing output", f"no network output {name!r}")
            verdict = compare(case.name, name, got[name], to_torch(want), case.rtol, case.atol)
            if verdict is not None:
                return verdict
    return CaseResult(case.name, Outcome.AGREE)


def _feed(graph: Any, network: Any, inputs: Sequence[Any]) -> dict[str, torch.Tensor]:
    """ONNX inputs by name; positionally when the parser renamed an input (it names a Loop's condition
    after the body's own)."""
    initialized = {init.name for init in graph.initializer}
    onnx_names = [value.name for value in graph.input if value.name not in initialized]
    declared = [network.get_input(i).name for i in range(network.num_inputs)]
    given = dict(zip(onnx_names, inputs, strict=False))
    if set(declared) <= set(given):
        return {name: to_torch(given[name]) for name in declared}
    if len(declared) == len(inputs):
        return {name: to_torch(value) for name, value in zip(declared, inputs, strict=True)}
    raise ReferenceExecutionError(f"cannot match network inputs {declared} to ONNX inputs {onnx_names}")


def to_torch(value: Any) -> torch.Tensor:
    """An ONNX test value (numpy array or scalar, or TensorProto) as a torch tensor; bfloat16 kept."""
    if not isinstance(value, (np.ndarray, np.generic)):
        from onnx import numpy_helper

        value = numpy_helper.to_array(value)
    array = np.array(value, copy=True)  # np.array keeps a 0-D value 0-D
    if array.dtype.name == "bfloat16":
        return torch.from_numpy(array.view(np.int16)).view(torch.bfloat16)
    return torch.from_numpy(array)


def compare(case: str, output: str, got: torch.Tensor, want: torch.Tensor, rtol: float, atol: float) -> CaseResult | None:
    """None when ``got`` matches ``want`` (same type and shape, values within ``atol + rtol * |want|``,
    NaN where NaN); otherwise the disagreement."""
    if got.dtype != want.dtype:
        return CaseResult(case, Outcome.DISAGREE, "type", f"{output}: {got.dtype} instead of {want.dtype}")
    if got.shape != want.shape:
        return CaseResult(case, Outcome.DISAGREE, "shape", f"{output}: {list(got.shape)} instead of {list(want.shape)}")
    if not got.is_floating_point():
        wrong = int((got != want).sum())
        if wrong:
            return CaseResult(case, Outcome.DISAGREE, "values", f"{output}: {wrong} of {got.numel()} elements differ")
        return None
    g, w = got.double(), want.double()
    same = (g == w) | (torch.isnan(g) & torch.isnan(w))
    error = torch.where(same, torch.zeros_like(g), (g - w).abs())
    bad = ~same & ~(error <= atol + rtol * w.abs())
    if not bool(bad.any()):
        return None
    finite = torch.where(torch.isnan(error), torch.full_like(error, float("inf")), error)
    rel = finite / w.abs().clamp_min(torch.finfo(torch.float64).tiny)
    return CaseResult(case, Outcome.DISAGREE, "values", f"{output}: {int(bad.sum())} of {g.numel()} elements "
                      f"beyond rtol {rtol}, atol {atol}", float(finite[bad].max()), float(rel[bad].max()))


def _builds(builder: Any, network: Any, case: Any) -> bool:
    """Whether TensorRT's builder accepts the network (wildcard dimensions pinned to the first data set)."""
    config = builder.create_builder_config()
    inputs = _feed(case.model.graph, network, case.data_sets[0][0]) if case.data_sets else {}
    profile = builder.create_optimization_profile()
    dynamic = False
    for i in range(network.num_inputs):
        tensor = network.get_input(i)
        if tensor.name not in inputs:
            continue
        if tensor.is_shape_tensor:  # its values are part of the profile
            values = [int(v) for v in inputs[tensor.name].reshape(-1).tolist()]
            profile.set_shape_input(tensor.name, values, values, values)
            dynamic = True
        if -1 in tuple(tensor.shape):
            shape = tuple(inputs[tensor.name].shape)
            profile.set_shape(tensor.name, shape, shape, shape)
            dynamic = True
    if dynamic:
        config.add_optimization_profile(profile)
    return builder.build_serialized_network(network, config) is not None


def counts(results: Sequence[CaseResult]) -> str:
    """Counts per outcome, then per reason within each outcome that did not agree."""
    by_outcome = Counter(r.outcome for r in results)
    lines = [f"ONNX node cases: {len(results)}; " + ", ".join(f"{o.value} {by_outcome[o]}" for o in Outcome)]
    for outcome in (Outcome.DISAGREE, Outcome.UNSUPPORTED):
        reasons = Counter(r.reason for r in results if r.outcome is outcome)
        if reasons:
            lines.append(f"  {outcome.value}: " + ", ".join(f"{reason} {n}" for reason, n in reasons.most_common()))
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    """Run every case; print the counts and each case that does not agree (exit 0: a survey, not a test)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--all", action="store_true", help="also list the unsupported cases")
    parser.add_argument("--build-all", action="store_true",
                        help="build every judged network with TensorRT, not only those that disagree")
    parser.add_argument("names", nargs="*", help="only these cases (by name)")
    args = parser.parse_args(argv)
    selected = [c for c in cases() if not args.names or c.name in args.names]
    results = run_all(selected, build_all=args.build_all)
    for r in results:
        if r.outcome is Outcome.DISAGREE or (args.all and r.outcome is Outcome.UNSUPPORTED):
            errors = "" if r.max_abs is None else f" (max abs {r.max_abs:.3g}, max rel {r.max_rel:.3g})"
            print(f"{r.outcome.value:11} {r.name}: {r.reason}: {r.detail}{errors}")
    print(counts(results))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
