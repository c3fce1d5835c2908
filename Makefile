# hoso: two commands on a fresh machine: `make run` and `make test`.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DEVSTAMP := $(VENV)/.installed-dev

.PHONY: run test test-any-day lint bench install install-dev browser clean

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

PORT ?= 8000
run: $(STAMP)
	$(BIN)/hoso demo --if-empty --port $(PORT)
	$(BIN)/hoso serve --host 127.0.0.1 --port $(PORT)

lint: $(DEVSTAMP)
	$(BIN)/ruff check domain projections api infra tests $(wildcard bench)
	$(BIN)/mypy

# The date-sensitive tests again with the Python wall clock moved to an evening when Vietnam's
# date is already the next day's (the whole suite: `make test-any-day DAY=...`).
SHIFTED_TESTS := tests/unit/test_clock_is_injected.py tests/unit/test_clock_any_day.py \
	tests/integration/test_overview_any_day.py tests/integration/test_generator_demo.py \
	tests/integration/test_reports_cli.py tests/integration/test_read_side.py

# Three test processes on two cores: with two, the suite kept the cores 143% busy (its tests
# wait on servers they start, PostgreSQL and fsync); three finished 1,225 tests in 659 s, not 714.
test: lint
	bash scripts/browser-deps.sh
	$(BIN)/pytest -q -n 3 --dist loadfile --durations=15
	TIMESHIFT_TO=2027-12-31T17:30:00+00:00 PYTHONPATH=scripts/timeshift \
	  $(BIN)/pytest -q -n 2 --dist loadfile -p no:cacheprovider $(SHIFTED_TESTS)

DAY ?= 2028-02-29T18:30:00+00:00
test-any-day: lint
	bash scripts/browser-deps.sh
	TIMESHIFT_TO=$(DAY) PYTHONPATH=scripts/timeshift $(BIN)/pytest -q -n 2 --dist loadfile

bench: $(DEVSTAMP)
	$(BIN)/python -m bench.run

clean:
	rm -rf $(VENV) data/*.sqlite3*
