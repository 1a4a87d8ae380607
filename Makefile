# lgc: the paper made runnable. `make help` lists the targets.
SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
.DELETE_ON_ERROR:
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PRESET ?= quick
# The exact data files: a local folder (offline) if ../shared/data exists, else pooch downloads.
LGC_DATA_DIR ?= $(if $(wildcard ../shared/data/README.md),$(abspath ../shared/data),)
export LGC_DATA_DIR
export TQDM_MININTERVAL ?= 5

help:  ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F ':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[notebooks,test]"
	touch $@

install: $(VENV)/.installed  ## create .venv and install lgc with its extras

test: install  ## run the test suite
	$(BIN)/python -m pytest

paper: install  ## regenerate the paper's figures and tables (PRESET=quick|overnight|paper)
	$(BIN)/lgc run --problem xor --loss sse --range 1 --granularity micro --walks 90 --out results/$(PRESET)
	$(BIN)/lgc run --problem xor --loss ce --range 1 --granularity micro --walks 90 --out results/$(PRESET)
	$(BIN)/lgc basins results/$(PRESET)

bench: install  ## print speed benchmarks (ms per walk-step)
	$(BIN)/python benchmarks/walk_step.py

clean:  ## remove results and the virtual environment
	rm -rf results $(VENV)

.PHONY: help install test paper bench clean
