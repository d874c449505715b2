# The two commands a newcomer needs: `make run` and `make test`. Both bootstrap the
# virtualenv from the pinned lock file on first use (and again when it changes).
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: install run test lint typecheck bench bench-peers docs clean

$(STAMP): pyproject.toml requirements.lock requirements-oracles.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.lock
	$(BIN)/python -m pip install --quiet --no-deps -r requirements-oracles.txt
	$(BIN)/python -m pip install --quiet --no-deps -e .
	touch $(STAMP)

install: $(STAMP)

## run the default pipeline offline: 30,000 synthetic users → encrypted Parquet + report
run: $(STAMP)
	$(BIN)/veil run

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks

typecheck: $(STAMP)
	$(BIN)/mypy src

## the whole suite (what CI runs)
test: $(STAMP) lint typecheck
	$(BIN)/pytest

## regenerate docs/operators.md by running every operator's examples
docs: $(STAMP)
	$(BIN)/python -m veil.operators.reference docs/operators.md

bench: $(STAMP)
	$(BIN)/python benchmarks/bench_pipeline.py

clean:
	rm -rf veil-out veil-report.* .pytest_cache

## the peers the benchmarks compare against (Presidio), in their own virtualenv
bench-peers:
	test -x .venv-peers/bin/python || $(PYTHON) -m venv .venv-peers
	.venv-peers/bin/python -m pip install --quiet -r benchmarks/requirements-peers.txt
