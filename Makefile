# trtrepo — set-up, the main job, and the checks. Everything installs into $(VENV).
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
REPO ?= model_repository
SPEC ?= examples/models.yaml
HTTP_PORT ?= 8000
GRPC_PORT ?= 8001
METRICS_PORT ?= 8002
REPORTS ?= .trtrepo-cache/reports
BENCH_ARGS ?=

.PHONY: setup demo build-examples test conformance lint typecheck bench clean

# The venv is rebuilt when the dependency list changes.
$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	# torch first and pinned: a bare `torch` requirement would pull the CUDA build (several GB).
	$(BIN)/pip install --quiet torch==2.13.0
	$(BIN)/pip install --quiet -e ".[rtx,serve,dev]"
	touch $@

setup: $(BIN)/.installed

## The main job: build the examples into $(REPO), serve them with a real Triton, verify, stop.
## The server is stopped whatever verify says; the target fails if any step fails.
demo: setup
	$(BIN)/trtrepo build $(SPEC) --repo $(REPO) --check --target proof
	$(BIN)/trtrepo serve $(REPO) --background --http-port $(HTTP_PORT) --grpc-port $(GRPC_PORT) --metrics-port $(METRICS_PORT)
	status=0; \
	$(BIN)/trtrepo verify $(SPEC) --repo $(REPO) --url localhost:$(HTTP_PORT) --protocol http --report $(REPORTS)/verify-http.json || status=$$?; \
	[ $$status -ne 0 ] || $(BIN)/trtrepo verify $(SPEC) --repo $(REPO) --url localhost:$(GRPC_PORT) --protocol grpc --report $(REPORTS)/verify-grpc.json || status=$$?; \
	$(BIN)/trtrepo serve --stop; \
	exit $$status

build-examples: demo

## The test suite (what CI runs).
test: setup
	$(BIN)/python -m pytest -q

## The reference interpreter against every ONNX node test case (tests/reference/onnx_cases.py), every network
## also built with TensorRT: each case that does not agree, then the counts. `make test` runs the same cases
## (building only those that disagree) and fails on a disagreement not in tests/reference/onnx_allowlist.py.
conformance: setup
	$(BIN)/python -m tests.reference.onnx_cases --build-all

lint: setup
	$(BIN)/ruff check trtrepo tests examples bench

typecheck: setup
	$(BIN)/mypy trtrepo

## Benchmarks (speed and memory targets; never part of the tests): writes bench/RESULTS.md.
$(BIN)/.bench-installed: $(BIN)/.installed
	$(BIN)/pip install --quiet -e ".[rtx,serve,dev,bench]"
	touch $@

bench: $(BIN)/.bench-installed
	$(BIN)/python -m bench.run $(BENCH_ARGS)

clean:
	find $(REPO) -mindepth 1 ! -name .gitkeep ! -name README.md -exec rm -rf {} +
