"""``trtrepo build`` for a whole models.yaml: locked, incremental, parallel, atomic.

A model is rebuilt only when its fingerprint changes: trtrepo and TensorRT versions, the merged
spec, builder settings and every file of its source (the Python package the callable lives in or
the .pt2 file, plus any ``depends:`` paths). The fingerprint is computed without importing PyTorch
or TensorRT, so a no-op build is quick. Builds run in separate processes with ``jobs > 1``; nothing
is published unless every model built (``keep_going`` publishes those that did).
"""

from __future__ import annotations

import hashlib
import json
import multiprocessing
import os
import threading
import time
import traceback
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from trtrepo import __version__
from trtrepo.deployment import Deployment, plan_deployment, record_banner
from trtrepo.engine import BuildSettings
from trtrepo.errors import TrtrepoError
from trtrepo.fleet import plan_file
from trtrepo.fsutil import repository_lock, staging_area
from trtrepo.spec import ModelSpec
from trtrepo.targets import Target
from trtrepo.trt_flavour import probe_flavour

if TYPE_CHECKING:
    from trtrepo.network import StageCallback
    from trtrepo.repository import BuiltModel

EventCallback = Callable[[str, str, str], None]  # (model, stage, detail)
SOURCE_SUFFIXES_SKIPPED = (".pyc",)


@dataclass(frozen=True)
class BuildOptions:
    """How ``build_project`` runs (CLI flags)."""

    repository: Path
    cache_dir: Path = Path(".trtrepo-cache")
    jobs: int = 1
    force: bool = False
    check: bool = False
    keep_going: bool = False
    lock_timeout: float = 600.0
    overrides: dict[str, Any] = field(default_factory=dict)  # BuildSettings fields from the CLI
    target: Target | None = None  # --target: overrides every model's models.yaml target
    gpu_label: str | None = None  # --gpu-label: add this architecture's plan beside the others


@dataclass(frozen=True)
class Job:
    """One model to build: its spec, builder settings, fingerprint and where its plan will serve."""

    spec: ModelSpec
    settings: BuildSettings
    fingerprint: str
    deployment: Deployment


@dataclass
class ModelOutcome:
    """What happened to one model."""

    name: str
    status: str  # built | unchanged | failed | not-published
    message: str = ""
    exit_code: int = 0
    path: str = ""
    version: int | None = None
    seconds: float = 0.0
    notes: list[str] = field(default_factory=list)
    banner: str = ""  # the target the plan was built for (the proof warning for TensorRT for RTX)
    quantization_split: str = ""  # a quantized model's check: how much error is quantization, how much conversion


@dataclass
class BuildReport:
    """Every model's outcome; the exit code of the whole build."""

    outcomes: list[ModelOutcome] = field(default_factory=list)

    @property
    def exit_code(self) -> int:
        """The worst exit code of any failed model (0 when none failed)."""
        return max((o.exit_code for o in self.outcomes if o.status == "failed"), default=0)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready summary."""
        return {"exit_code": self.exit_code, "models": [o.__dict__ for o in self.outcomes]}


def build_settings(spec: ModelSpec, options: BuildOptions) -> BuildSettings:
    """The model's builder options, CLI overrides applied; a timing cache lives in the cache folder."""
    values = {**spec.build, **{k: v for k, v in options.overrides.items() if v is not None}}
    use_cache = values.pop("timing_cache", False)
    values["compute_capabilities"] = tuple(values.get("compute_capabilities", ()))
    settings = BuildSettings(**values)
    if use_cache:
        installed = probe_flavour()
        settings = replace(settings, timing_cache=options.cache_dir / "timing"
                           / f"{installed.name}-{installed.version}.cache")
    return settings


def source_files(spec: ModelSpec) -> Iterator[Path]:
    """Every file whose content decides the model: its source package or .pt2, ``depends``, and the
    files and folders its ``args`` name by a relative path (a checkpoint folder, say)."""
    roots = [spec.base_dir / spec.source] if spec.source.endswith(".pt2") else _package_roots(spec)
    roots += [spec.base_dir / d for d in spec.depends] + spec.local_paths
    for root in roots:
        if root.is_file():
            yield root
        elif root.is_dir():
            yield from sorted(p for p in root.rglob("*") if p.is_file() and p.suffix not in SOURCE_SUFFIXES_SKIPPED
                              and "__pycache__" not in p.parts)


def _package_roots(spec: ModelSpec) -> list[Path]:
    top = spec.source.partition(":")[0].split(".")[0]
    return [spec.base_dir / top, spec.base_dir / f"{top}.py"]


def fingerprint(spec: ModelSpec, settings: BuildSettings, check: bool,
                deployment: Deployment | None = None) -> str:
    """A hash of everything that decides the built model (no PyTorch or TensorRT import)."""
    installed = probe_flavour()
    digest = hashlib.sha256()
    header = {"trtrepo": __version__, "tensorrt": [installed.name, installed.version], "spec": spec.raw,
              "settings": settings.to_record(), "check": check,
              "deployment": deployment.to_record() if deployment else None}
    digest.update(json.dumps(header, sort_keys=True, default=str).encode())
    for path in source_files(spec):
        digest.update(os.path.relpath(path, spec.base_dir).encode())
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def is_unchanged(spec: ModelSpec, repository: Path, model_fingerprint: str, gpu_label: str | None = None) -> bool:
    """True when the repository already holds this exact build, complete (that label's plan, if any)."""
    from trtrepo.repository import RECORD_FILE

    model_dir = repository / spec.name
    try:
        record = json.loads((model_dir / RECORD_FILE).read_text(encoding="utf-8"))
        built = record["plans"][gpu_label] if gpu_label else record
        plan = model_dir / str(record["version"]) / plan_file(gpu_label)
        return built.get("fingerprint") == model_fingerprint and plan.stat().st_size == built["plan_bytes"]
    except (OSError, ValueError, KeyError, TypeError):
        return False


def build_project(models: tuple[ModelSpec, ...], options: BuildOptions,
                  on_event: EventCallback | None = None) -> BuildReport:
    """Build ``models`` into ``options.repository`` under its lock; see the module docstring."""
    emit = on_event or (lambda model, stage, detail: None)
    report = BuildReport()
    with (repository_lock(options.repository, options.lock_timeout, on_wait=lambda m: emit("*", "lock", m)),
          staging_area(options.repository, options.cache_dir) as staging):
        todo, refused = [], []
        for spec in models:
            settings = build_settings(spec, options)
            try:  # refused before anything is built: a plan the target could not load is no use
                deployment = plan_deployment(spec, settings, options.target, options.gpu_label)
            except TrtrepoError as exc:
                emit(spec.name, "failed", str(exc).splitlines()[0])
                refused.append((spec, (str(exc), exc.exit_code)))
                continue
            model_fingerprint = fingerprint(spec, settings, options.check, deployment)
            if not options.force and is_unchanged(spec, options.repository, model_fingerprint, options.gpu_label):
                report.outcomes.append(ModelOutcome(spec.name, "unchanged", path=str(options.repository / spec.name)))
                emit(spec.name, "unchanged", "")
            else:
                todo.append(Job(spec, settings, model_fingerprint, deployment))
        results = refused + _run(todo, options, emit)
        _publish(results, options, staging, report, emit)
    return report


def _run(todo: list[Job], options: BuildOptions, emit: EventCallback) -> list[tuple[ModelSpec, Any]]:
    """Build each model (in worker processes when jobs > 1); exceptions become outcomes."""
    if options.jobs <= 1 or len(todo) <= 1:
        return [(job.spec, _build_one(job, options.check, emit)) for job in todo]
    context = multiprocessing.get_context("spawn")  # fork after importing torch can deadlock
    queue = context.Manager().Queue()
    drain = threading.Thread(target=_forward_events, args=(queue, emit), daemon=True)
    drain.start()
    with ProcessPoolExecutor(max_workers=options.jobs, mp_context=context) as pool:
        futures = [(job.spec, pool.submit(_build_in_worker, job, options.check, queue)) for job in todo]
        results = [(spec, future.result()) for spec, future in futures]
    queue.put(None)
    drain.join()
    return results


def _forward_events(queue: Any, emit: EventCallback) -> None:
    while (event := queue.get()) is not None:
        emit(*event)


def _build_in_worker(job: Job, check: bool, queue: Any) -> Any:
    return _build_one(job, check, lambda *event: queue.put(event))


def build_one_model(spec: ModelSpec, settings: BuildSettings | None = None, check: bool = False,
                    on_stage: StageCallback | None = None, on_progress: Callable[[str], None] | None = None,
                    deployment: Deployment | None = None) -> BuiltModel:
    """One model's stages in order: convert, check (when asked: a failure stops here), engine, config."""
    from trtrepo.check import require_passing
    from trtrepo.network import convert_model, timed
    from trtrepo.pipeline import build_model

    settings = settings or BuildSettings()
    deployment = deployment or plan_deployment(spec, settings)
    converted = convert_model(spec, on_stage)
    summary = None
    if check:
        with timed(converted.timings, "check", spec.name, on_stage):
            summary = require_passing(converted)
    return build_model(converted, settings, on_stage, on_progress, check=summary, deployment=deployment)


def _build_one(job: Job, check: bool, emit: EventCallback) -> Any:
    """A BuiltModel, or (message, exit code) — exceptions do not cross process boundaries well."""
    spec = job.spec
    started = time.perf_counter()
    try:
        built = build_one_model(spec, job.settings, check, on_stage=lambda model, stage: emit(model, stage, ""),
                                on_progress=lambda line: emit(spec.name, "build", line), deployment=job.deployment)
    except TrtrepoError as exc:
        emit(spec.name, "failed", str(exc).splitlines()[0])
        return str(exc), exc.exit_code
    except Exception as exc:  # a trtrepo bug: still one model's failure, named, not a crash of the build
        message = f"{spec.spec_file}: model {spec.name!r}: internal error: {_described(exc)}"
        emit(spec.name, "failed", message)
        return message, 2
    built.record["fingerprint"] = job.fingerprint
    built.record["stage_seconds"]["total"] = round(time.perf_counter() - started, 4)
    return built


def _described(exc: BaseException) -> str:
    """``Type: message (at file:line in function)`` of the innermost frame, for a bug report."""
    frames = traceback.extract_tb(exc.__traceback__)
    where = f" (at {frames[-1].filename}:{frames[-1].lineno} in {frames[-1].name})" if frames else ""
    return f"{type(exc).__name__}: {exc}{where}; please report this as a trtrepo bug"


def _publish(results: list[tuple[ModelSpec, Any]], options: BuildOptions, staging: Path, report: BuildReport,
             emit: EventCallback) -> None:
    from trtrepo.check import split_summary
    from trtrepo.repository import publish

    failed = any(isinstance(r, tuple) for _, r in results)
    for spec, result in results:
        if isinstance(result, tuple):
            report.outcomes.append(ModelOutcome(spec.name, "failed", result[0], result[1]))
        elif failed and not options.keep_going:
            report.outcomes.append(ModelOutcome(spec.name, "not-published",
                                                "built, but not published because another model failed"))
        else:
            emit(spec.name, "write", "")
            path, version = publish(options.repository, result, spec.version_policy, spec.keep_versions, staging)
            report.outcomes.append(ModelOutcome(spec.name, "built", path=str(path), version=version,
                                                seconds=result.record["stage_seconds"]["total"],
                                                notes=result.record.get("notes", []),
                                                banner=record_banner(result.record),
                                                quantization_split=split_summary(
                                                    (result.record.get("check") or {}).get("quantization_error", []))))
            emit(spec.name, "done", f"version {version}")
