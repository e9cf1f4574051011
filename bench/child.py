"""The fresh process one measurement of one model runs in: ``python -m bench.child TASK SPEC MODEL [ARGS]``.

Prints ``BENCH-RESULT <json>`` as its last line; ``bench.common.run_child`` reads it. Each task's
module is imported only here, so the parent process never loads torch or TensorRT for a child's sake.
"""

from __future__ import annotations

import importlib
import json
import sys
import traceback
import warnings

from bench.common import RESULT_MARKER

TASKS = {  # task -> module with ``measure(spec, *args) -> dict``
    "stages": "bench.stages",
    "onnx": "bench.onnx_route",
    "memory": "bench.memory",
    "layers": "bench.layers",
}


def main(argv: list[str]) -> int:
    """Load the model's spec, run the task's ``measure`` and print its result."""
    task, spec_file, name, *args = argv
    warnings.filterwarnings("ignore")  # torch.export and onnxscript warn about their own internals
    module = importlib.import_module(TASKS[task])
    from trtrepo.spec import load_project

    spec = load_project(spec_file).select([name])[0]
    try:
        result = module.measure(spec, *args)
    except Exception as exc:  # any failure becomes a row that says why
        traceback.print_exc()
        result = {"error": f"{type(exc).__name__}: {str(exc).strip().splitlines()[0] if str(exc).strip() else ''}"}
    print(RESULT_MARKER + json.dumps(result), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
