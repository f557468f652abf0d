# The two commands: `make run` serves the shipped knowledge graph, `make test` runs every test.
#
# `make test`      ruff, then the whole suite: live `kg serve` servers, Virtuoso and Oxigraph
#                  servers, chromium, killed processes, many-case property tests included.
# `make test-fast` ruff, then `pytest -m "not slow"`: every test that starts no process
#                  (tests/conftest.py marks as slow each test that starts a server or runs
#                  commands, hypothesis tests with many examples, and the tests listed there
#                  that cost seconds of their own work). For each change.
# Both run the tests in JOBS worker processes (default 2, the two cores CI has; pytest-xdist,
# one test file per worker at a time so that a file's fixtures are set up once). JOBS=0 runs
# them in this process.
# VENV (default .venv, made and kept up to date here) may name an environment made
# elsewhere, on the command line or in the environment (`make test-fast VENV=../env`): it is
# used as it is, never installed into. PYTEST_ARGS adds pytest options (e.g. -x).
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
ifeq ($(origin VENV),file)
INSTALLED      := $(VENV)/.installed
INSTALLED_TEST := $(VENV)/.installed-test
endif
JOBS   ?= 2
XDIST  := $(if $(filter 0,$(JOBS)),,-n $(JOBS) --dist loadfile)
HOST   ?= 127.0.0.1
PORT   ?= 8000

.PHONY: run test test-fast install install-test build validate lint docs clean

run: $(INSTALLED)
	$(BIN)/kg serve --host $(HOST) --port $(PORT)

test: $(INSTALLED_TEST)
	$(BIN)/ruff check .
	$(BIN)/python -m pytest $(XDIST) $(PYTEST_ARGS)

test-fast: $(INSTALLED_TEST)
	$(BIN)/ruff check .
	$(BIN)/python -m pytest -m "not slow" $(XDIST) $(PYTEST_ARGS)

install: $(VENV)/.installed
install-test: $(INSTALLED_TEST)

$(VENV)/.installed: setup.cfg pyproject.toml
	$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "Python 3.11 or newer is needed"'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: $(VENV)/.installed
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

build: $(INSTALLED)
	$(BIN)/kg build

validate: $(INSTALLED)
	$(BIN)/kg validate

lint: $(INSTALLED_TEST)
	$(BIN)/ruff check .

docs: $(INSTALLED)
	$(BIN)/kg docs

clean:
	rm -rf var build dist *.egg-info
