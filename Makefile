# hoso: two commands on a fresh machine: `make run` and `make test`.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DEVSTAMP := $(VENV)/.installed-dev

.PHONY: run test lint bench install install-dev browser clean

$(BIN)/python:
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -e .
	touch $@

$(DEVSTAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -e '.[dev]'
	touch $@ $(STAMP)

install: $(STAMP)
install-dev: $(DEVSTAMP)

run: $(STAMP)
	$(BIN)/hoso demo --if-empty
	$(BIN)/hoso serve --host 127.0.0.1 --port 8000

lint: $(DEVSTAMP)
	$(BIN)/ruff check domain projections api infra tests $(wildcard bench)
	$(BIN)/mypy

test: lint
	bash scripts/browser-deps.sh
	$(BIN)/pytest -q -n 2 --dist loadfile

bench: $(DEVSTAMP)
	$(BIN)/python -m bench.run

clean:
	rm -rf $(VENV) data/*.sqlite3*
