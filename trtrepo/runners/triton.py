"""A Triton server as a runner, over one small client for tritonclient's HTTP and gRPC flavours.

Both protocols answer the same questions with differently shaped data (gRPC's JSON has int64s as
strings and omits zero values); ``TritonClient`` normalises them so nothing above it cares which
protocol is in use. Transient failures are retried with backoff; the rest surface as
``RequestError`` with the server's message, which ``TritonRunner`` reports as an unavailable case.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch

from trtrepo.dtypes import from_numpy, from_wire, to_numpy
from trtrepo.errors import Category, RunFailed
from trtrepo.runners.base import TensorMeta

DEFAULT_PORTS = {"http": 8000, "grpc": 8001}


class RequestError(Exception):
    """A request failed; ``transient`` says whether trying again could help.

    ``timed_out``: the server did not answer in time. Such a request is not retried: the server
    is busy or hung, and asking again would only multiply the wait.
    """

    def __init__(self, message: str, transient: bool, timed_out: bool = False):
        super().__init__(message)
        self.transient = transient
        self.timed_out = timed_out


@dataclass(frozen=True)
class Endpoint:
    """Where the server is and how to talk to it."""

    url: str
    protocol: str = "http"
    timeout: float = 30.0  # seconds for one request
    retries: int = 2

    @classmethod
    def parse(cls, url: str | None, protocol: str, timeout: float, retries: int = 2) -> Endpoint:
        """``HOST:PORT`` (scheme optional); the port defaults to the protocol's."""
        text = (url or "localhost").split("://", 1)[-1].rstrip("/")
        if ":" not in text:
            text = f"{text}:{DEFAULT_PORTS[protocol]}"
        return cls(text, protocol, timeout, retries)


class TritonClient:
    """Thread-safe facade: each thread gets its own tritonclient (the HTTP client is not thread-safe)."""

    def __init__(self, endpoint: Endpoint):
        self.endpoint = endpoint
        self._local = threading.local()
        if endpoint.protocol == "http":
            import tritonclient.http as module
        else:
            import tritonclient.grpc as module  # type: ignore[no-redef]
        self._module = module

    def _client(self) -> Any:
        client = getattr(self._local, "client", None)
        if client is None:
            if self.endpoint.protocol == "http":
                client = self._module.InferenceServerClient(
                    self.endpoint.url, connection_timeout=self.endpoint.timeout,
                    network_timeout=self.endpoint.timeout)
            else:
                client = self._module.InferenceServerClient(self.endpoint.url)
            self._local.client = client
        return client

    def _call(self, what: str, fn: Any, *args: Any, **kwargs: Any) -> Any:
        """Call ``fn`` on this thread's client, retrying transient failures with backoff."""
        delay = 0.2
        for attempt in range(self.endpoint.retries + 1):
            try:
                return fn(self._client(), *args, **kwargs)
            except Exception as exc:  # tritonclient raises several unrelated types
                error = _classify(exc)
                if error.timed_out:
                    self._local.client = None  # the late answer must not reach the next request
                    raise RequestError(f"{what}: no answer within {self.endpoint.timeout:g} s (--timeout): {error}",
                                       True, True) from None
                if not error.transient or attempt == self.endpoint.retries:
                    raise RequestError(f"{what}: {error}", error.transient) from None
                self._local.client = None  # a broken connection is not reused
                time.sleep(delay)
                delay *= 2
        raise AssertionError("unreachable")

    # ---- health --------------------------------------------------------------------------

    def _deadline(self) -> dict[str, float]:
        """Per-call timeout keywords: gRPC calls take one each; HTTP has it on the connection."""
        return {"client_timeout": self.endpoint.timeout} if self.endpoint.protocol == "grpc" else {}

    def is_ready(self) -> bool:
        """Server live and ready (False rather than an error while it cannot be reached)."""
        try:
            client = self._client()
            return bool(client.is_server_live(**self._deadline()) and client.is_server_ready(**self._deadline()))
        except Exception:
            self._local.client = None
            return False

    def model_ready(self, name: str) -> bool:
        """Whether the server reports the model ready."""
        return bool(self._call(f"model {name!r} readiness", lambda c: c.is_model_ready(name, **self._deadline())))

    def wait_until_ready(self, timeout: float) -> bool:
        """Poll until the server is live and ready, at most ``timeout`` seconds."""
        deadline = time.monotonic() + timeout
        while True:
            if self.is_ready():
                return True
            if time.monotonic() >= deadline:
                return False
            time.sleep(0.25)

    # ---- model contract ------------------------------------------------------------------

    def metadata(self, name: str) -> dict[str, Any]:
        """``{"inputs": [{name, datatype, shape}], "outputs": [...]}`` with int shapes."""
        if self.endpoint.protocol == "http":
            raw = self._call(f"model {name!r} metadata", lambda c: c.get_model_metadata(name))
        else:
            raw = self._call(f"model {name!r} metadata",
                             lambda c: c.get_model_metadata(name, as_json=True, **self._deadline()))
        return {kind: [{"name": t["name"], "datatype": t["datatype"], "shape": [int(d) for d in t.get("shape", [])]}
                       for t in raw.get(kind, [])] for kind in ("inputs", "outputs")}

    def config(self, name: str) -> dict[str, Any]:
        """The model config as a dict with int dims and explicit zero values."""
        if self.endpoint.protocol == "http":
            raw = self._call(f"model {name!r} config", lambda c: c.get_model_config(name))
        else:
            raw = self._call(f"model {name!r} config",
                             lambda c: c.get_model_config(name, as_json=True, **self._deadline()))["config"]
        tensors = {kind: [{"name": t["name"], "data_type": t.get("data_type", "TYPE_INVALID"),
                           "dims": [int(d) for d in t.get("dims", [])],
                           "reshape": [int(d) for d in t["reshape"].get("shape", [])] if "reshape" in t else None}
                          for t in raw.get(kind, [])]
                   for kind in ("input", "output")}
        return {"max_batch_size": int(raw.get("max_batch_size", 0)),
                "dynamic_batching": "dynamic_batching" in raw, "parameters": raw.get("parameters", {}),
                "platform": raw.get("platform", ""), "backend": raw.get("backend", ""), **tensors}

    # ---- inference -----------------------------------------------------------------------

    def infer(self, name: str, inputs: dict[str, np.ndarray], outputs: list[str]) -> dict[str, np.ndarray]:
        """One inference with binary tensors; returns the requested outputs by name."""
        module = self._module

        def request(client: Any) -> Any:
            infer_inputs = []
            for tensor_name, array in inputs.items():
                item = module.InferInput(tensor_name, list(array.shape), _wire_type(array))
                if self.endpoint.protocol == "http":
                    item.set_data_from_numpy(array, binary_data=True)
                else:
                    item.set_data_from_numpy(array)
                infer_inputs.append(item)
            if self.endpoint.protocol == "http":
                requested = [module.InferRequestedOutput(o, binary_data=True) for o in outputs]
                return client.infer(name, infer_inputs, outputs=requested)
            requested = [module.InferRequestedOutput(o) for o in outputs]
            return client.infer(name, infer_inputs, outputs=requested, client_timeout=self.endpoint.timeout)

        result = self._call(f"inference on model {name!r}", request)
        return {o: result.as_numpy(o) for o in outputs}


def _wire_type(array: np.ndarray) -> str:
    from tritonclient.utils import np_to_triton_dtype

    return str(np_to_triton_dtype(array.dtype))


_TIMEOUT_WORDS = ("timed out", "timeout", "deadline")
_TRANSIENT_WORDS = ("unavailable", "connection", "timed out", "timeout", "deadline", "reset", "refused",
                    "broken pipe", "temporarily")


def _classify(exc: Exception) -> RequestError:
    """Turn any tritonclient/transport exception into a RequestError saying if it is transient."""
    message = exc.message() if hasattr(exc, "message") and callable(exc.message) else str(exc)
    status = exc.status() if hasattr(exc, "status") and callable(exc.status) else ""
    text = f"{message} ({status})" if status else (message or type(exc).__name__)
    lowered = f"{text} {type(exc).__name__}".lower()
    timed_out = isinstance(exc, TimeoutError) or any(w in lowered for w in _TIMEOUT_WORDS)
    transient = isinstance(exc, (ConnectionError, TimeoutError, OSError)) or any(w in lowered for w in _TRANSIENT_WORDS)
    return RequestError(text, transient or timed_out, timed_out)


class TritonRunner:
    """One model on a running Triton server; ``infer`` is one request with binary tensors."""

    def __init__(self, client: TritonClient, model: str, outputs: tuple[TensorMeta, ...]):
        self.client = client
        self.model = model
        self.name = f"triton {client.endpoint.protocol} {client.endpoint.url}"
        self._outputs = outputs
        self._model_shapes: dict[str, tuple[int, ...]] | None = None
        self._batching = False

    @property
    def inputs(self) -> tuple[TensorMeta, ...]:
        """The inputs the server's model metadata lists."""
        return tuple(TensorMeta(t["name"], from_wire(t["datatype"]).name, tuple(t["shape"]))
                     for t in self.client.metadata(self.model)["inputs"])

    @property
    def outputs(self) -> tuple[TensorMeta, ...]:
        """The outputs requested from the server."""
        return self._outputs

    def infer(self, feed: Mapping[str, torch.Tensor]) -> dict[str, torch.Tensor]:
        """One inference request; a failed request is an unavailable case, not an exception."""
        arrays = {name: to_numpy(t) for name, t in feed.items()}
        try:
            answer = self.client.infer(self.model, arrays, [o.name for o in self._outputs])
            shapes = self._reshapes()
        except RequestError as exc:
            raise RunFailed(str(exc), Category.UNAVAILABLE) from None
        return {name: _as_model_shape(from_numpy(array), shapes.get(name), self._batching)
                for name, array in answer.items()}

    def _reshapes(self) -> dict[str, tuple[int, ...]]:
        """Outputs whose config ``reshape`` gives the model's own per-sample shape.

        Clients receive an output in its config ``dims`` (a per-sample scalar as [batch, 1]: Triton
        refuses empty dims); its ``reshape`` is the shape the model computed, which is what the
        expected outputs have, so the answer is compared in that shape.
        """
        if self._model_shapes is None:
            config = self.client.config(self.model)
            self._model_shapes = {t["name"]: tuple(t["reshape"]) for t in config["output"]
                                  if t.get("reshape") is not None}
            self._batching = config["max_batch_size"] > 0
        return self._model_shapes


def _as_model_shape(tensor: torch.Tensor, reshape: tuple[int, ...] | None, batching: bool) -> torch.Tensor:
    """An answer in the model's shape: the batch dim (when batching) followed by the config's reshape."""
    if reshape is None:
        return tensor
    return tensor.reshape((tensor.shape[0], *reshape) if batching and tensor.dim() else reshape)
