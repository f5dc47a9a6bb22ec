# Two entry points: `make run` and `make test`. Each does its own set-up on a fresh machine.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: run test lint services bench fuzz clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/scanlift serve

lint: $(STAMP)
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/mypy

services:
	bash scripts/ensure-services.sh

test: lint services
	$(BIN)/pytest

bench: $(STAMP)
	$(BIN)/python -m bench.parse_bench --sizes 100MB,1GB

fuzz: $(STAMP)
	$(BIN)/pip install --quiet -e '.[dev,fuzz]'
	$(BIN)/python -m bench.fuzz_parsers --seconds 60

clean:
	rm -rf $(VENV) data bench/out .pytest_cache .mypy_cache .ruff_cache
