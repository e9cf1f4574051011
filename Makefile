# trtrepo — set-up, the main job, and the checks. Everything installs into $(VENV).
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
REPO ?= model_repository
SPEC ?= examples/models.yaml

.PHONY: setup demo build-examples test lint typecheck clean

# The venv is rebuilt when the dependency list changes.
$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	# torch first and pinned: a bare `torch` requirement would pull the CUDA build (several GB).
	$(BIN)/pip install --quiet torch==2.13.0
	$(BIN)/pip install --quiet -e ".[rtx,serve,dev]"
	touch $@

setup: $(BIN)/.installed

## The main job: build the example models into $(REPO).
demo: setup
	$(BIN)/trtrepo build $(SPEC) --repo $(REPO)

build-examples: demo

## The test suite (what CI runs).
test: setup
	$(BIN)/python -m pytest -q

lint: setup
	$(BIN)/ruff check trtrepo tests examples bench

typecheck: setup
	$(BIN)/mypy trtrepo

clean:
	find $(REPO) -mindepth 1 ! -name .gitkeep ! -name README.md -exec rm -rf {} +
