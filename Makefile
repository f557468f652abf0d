# The two commands: `make run` serves the shipped knowledge graph, `make test` runs every test.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
HOST   ?= 127.0.0.1
PORT   ?= 8000

.PHONY: run test install install-test build validate lint docs clean

run: $(VENV)/.installed
	$(BIN)/kg serve --host $(HOST) --port $(PORT)

test: $(VENV)/.installed-test
	$(BIN)/ruff check .
	$(BIN)/python -m pytest

install: $(VENV)/.installed
install-test: $(VENV)/.installed-test

$(VENV)/.installed: setup.cfg pyproject.toml
	$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "Python 3.11 or newer is needed"'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: $(VENV)/.installed
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

build: $(VENV)/.installed
	$(BIN)/kg build

validate: $(VENV)/.installed
	$(BIN)/kg validate

lint: $(VENV)/.installed-test
	$(BIN)/ruff check .

docs: $(VENV)/.installed
	$(BIN)/kg docs

clean:
	rm -rf var build dist *.egg-info
