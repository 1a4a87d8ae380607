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
# Parallelism comes from worker processes; a second BLAS thread per process only fights them.
export OPENBLAS_NUM_THREADS ?= 1
export OMP_NUM_THREADS ?= 1

help:  ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F ':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# The versions the paper's figures and the tests were made with (Linux, CPython 3.11):
# pyproject.toml keeps the ranges for library users, LOCK the exact versions.
LOCK   := requirements/lock.txt
EXTRAS := notebooks,dask,test,docs

$(VENV)/.installed: pyproject.toml $(LOCK) | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c $(LOCK) -e ".[$(EXTRAS)]"
	touch $@

install: $(VENV)/.installed  ## create .venv and install lgc with its extras at the locked versions

LOCK_VENV := build/lock-venv

lock:  ## refresh requirements/lock.txt: pyproject's ranges installed in a throwaway venv, frozen
	rm -rf $(LOCK_VENV)
	$(PYTHON) -m venv $(LOCK_VENV)
	$(LOCK_VENV)/bin/python -m pip install --quiet --upgrade pip
	$(LOCK_VENV)/bin/python -m pip install --quiet -e ".[$(EXTRAS)]"
	@mkdir -p $(dir $(LOCK))
	{ echo "# Exact versions of lgc's dependencies with the extras [$(EXTRAS)], made by make lock"; \
	  echo "# (pyproject.toml's ranges installed in a fresh venv, then pip freeze)."; \
	  $(LOCK_VENV)/bin/python -c 'import platform as p, sys; \
	    print(f"# python: {sys.version_info[0]}.{sys.version_info[1]} ({p.python_implementation()}, {p.system()})")'; \
	  $(LOCK_VENV)/bin/python -m pip freeze --exclude-editable; } > $(LOCK).tmp
	mv $(LOCK).tmp $(LOCK)
	rm -rf $(LOCK_VENV)
	$(MAKE) --no-print-directory environment.yml
	@echo "$(LOCK) and environment.yml refreshed; make install installs the lock"

# conda / Binder: the lock's pins written out one by one. Binder (repo2docker) builds the
# environment in a layer of its own, reused across pushes, only when environment.yml
# names no local file (no -r, no -e .): so no "-r requirements/lock.txt" here.
environment.yml: $(LOCK)
	{ echo "# conda / Binder: made from $(LOCK) by make environment.yml (make lock runs it); do"; \
	  echo "# not edit by hand. The same exact versions make install installs; lgc itself is"; \
	  echo "# installed by postBuild (pip install --no-deps -e .), so a push reuses this layer."; \
	  echo "name: lgc"; \
	  echo "channels:"; \
	  echo "  - conda-forge"; \
	  echo "dependencies:"; \
	  sed -n 's/^# python: \([0-9.]*\).*/  - python=\1/p' $(LOCK); \
	  echo "  - pip"; \
	  echo "  - pip:"; \
	  grep -v -e '^#' -e '^$$' $(LOCK) | sed 's/^/      - /'; } > $@.tmp
	mv $@.tmp $@

test: install  ## run the test suite
	$(BIN)/python -m pytest

# Every notebook in order, but 08_appendix_b last: it writes REPORT.md from what the
# others saved (the GECCO'18 comparison of notebook 12 among them).
REPORT_NB := notebooks/08_appendix_b.py
NOTEBOOKS := $(filter-out $(REPORT_NB),$(sort $(wildcard notebooks/[0-9]*.py))) $(REPORT_NB)
WORKERS ?= 2
FIGURES ?= $(CURDIR)/figures

paper: install  ## run every notebook: figures, tables, figures/REPORT.md (PRESET=quick|overnight|paper)
	@mkdir -p build/notebooks $(FIGURES)
	@start=$$(date +%s); \
	for nb in $(NOTEBOOKS); do \
	  name=$$(basename $$nb .py); echo "== $$name ($(PRESET))"; \
	  extra=""; [ $$name = 08_appendix_b ] && extra="-p seconds $$(( $$(date +%s) - start ))"; \
	  $(BIN)/jupytext --quiet --to ipynb --set-kernel python3 -o - $$nb \
	  | $(BIN)/papermill - build/notebooks/$$name.ipynb --cwd notebooks --log-output \
	      --no-progress-bar -p preset $(PRESET) -p workers $(WORKERS) \
	      -p results $(CURDIR)/results -p figures $(FIGURES) $$extra \
	  || { echo "make paper: notebook $$nb failed; see build/notebooks/$$name.ipynb"; exit 1; }; \
	done
	@echo "figures and tables in $(FIGURES); report: $(FIGURES)/REPORT.md"

notebooks: install  ## pair notebooks/*.py with .ipynb for Jupyter (the .py is the source)
	$(BIN)/jupytext --sync notebooks/[0-9]*.py

lab: notebooks  ## open the notebooks in Jupyter (needs `pip install jupyterlab`)
	$(BIN)/jupyter lab notebooks

# The classroom app: app/classroom.py (the source) made into build/app/classroom.ipynb.
APP      := build/app/classroom.ipynb
APP_IP   ?= 127.0.0.1
APP_PORT ?= 8866

$(APP): app/classroom.py | $(VENV)/.installed
	@mkdir -p $(dir $@)
	$(BIN)/jupytext --quiet --to ipynb --set-kernel python3 -o $@ $<

app: install $(APP)  ## serve the classroom explorer as a Voila page (APP_IP, APP_PORT)
	$(BIN)/voila $(APP) --no-browser --Voila.ip=$(APP_IP) --port=$(APP_PORT)

# The website: docs/ (Sphinx + MyST; docs/conf.py) and the notebooks executed with papermill
# at DOCS_PRESET, staged together in build/docs-src and built into build/docs. Any Sphinx
# warning (a broken link, reference, image or toctree entry) fails the build.
DOCS_PRESET ?= tiny
DOCS_NB     := build/docs-nb/$(DOCS_PRESET)
DOCS_SRC    := build/docs-src
DOCS_OUT    := build/docs
DOCS_RUNS   := $(patsubst notebooks/%.py,$(DOCS_NB)/%.ipynb,$(NOTEBOOKS))

# A notebook reruns when it or lgc changes; samples stay cached in results/<preset>/. Paths
# are given relative to notebooks/ (papermill's --cwd), as the site shows them.
$(DOCS_NB)/%.ipynb: notebooks/%.py $(wildcard lgc/*.py) | $(VENV)/.installed
	@mkdir -p $(DOCS_NB)/figures
	@echo "== $* ($(DOCS_PRESET))"
	$(BIN)/jupytext --quiet --to ipynb --set-kernel python3 -o - $< \
	| $(BIN)/papermill - $@ --cwd notebooks --no-progress-bar -p preset $(DOCS_PRESET) \
	    -p workers $(WORKERS) -p results ../results -p figures ../$(DOCS_NB)/figures

docs: install $(DOCS_RUNS)  ## build the website into build/docs (notebooks run at DOCS_PRESET=tiny)
	rm -rf $(DOCS_SRC)
	mkdir -p $(DOCS_SRC)/notebooks
	cp -r docs/. $(DOCS_SRC)/
	cp $(DOCS_RUNS) $(DOCS_SRC)/notebooks/
	$(BIN)/sphinx-build -q -W --keep-going -b html $(DOCS_SRC) $(DOCS_OUT)
	@echo "website: $(DOCS_OUT)/index.html"

bench: install  ## print speed benchmarks (ms per walk-step)
	$(BIN)/python benchmarks/walk_step.py

gpu-kit:  ## prepare .gpu/ for benchmarks/gpu.sh on a lent GPU machine (data files, wheels)
	@test -n "$(LGC_DATA_DIR)" || { echo "make gpu-kit: set LGC_DATA_DIR to the data files"; exit 1; }
	mkdir -p .gpu/data .gpu/whl
	cp $(LGC_DATA_DIR)/* .gpu/data/
	$(PYTHON) -m pip download --quiet --no-deps --only-binary=:all: --python-version 3.12 \
	  -d .gpu/whl autograd pooch platformdirs

clean:  ## remove results and the virtual environment
	rm -rf results $(VENV)

.PHONY: help install lock test paper notebooks lab app docs bench clean
