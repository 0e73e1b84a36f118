# Two commands do all set-up: `make demo` (environment + whole demo DAG) and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
CORES ?= 2
# No model or dataset hub is reachable from the demo or the tests.
export HF_HUB_OFFLINE ?= 1
export HF_DATASETS_OFFLINE ?= 1
export TOKENIZERS_PARALLELISM ?= false

.PHONY: env demo test lint format dry-run-paper clean

$(STAMP): requirements/main.txt pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip==26.3
	$(BIN)/python -m pip install -q -r requirements/main.txt
	$(BIN)/python -m pip install -q --no-deps -e .
	touch $@

env: $(STAMP) ## create .venv with the pinned main environment

demo: env ## run the whole demo DAG on $(CORES) cores
	$(BIN)/snakemake --cores $(CORES)

test: env ## run the test suite
	$(BIN)/python -m pytest

lint: env ## snakemake --lint, snakefmt --check, ruff
	$(BIN)/snakemake --lint
	$(BIN)/snakefmt --check .
	$(BIN)/ruff check .

format: env ## format Snakemake and Python files in place
	$(BIN)/snakefmt .
	$(BIN)/ruff format .

dry-run-paper: env ## build the paper-scale DAGs (no network)
	$(BIN)/snakemake -n --configfile config/paper/biomed.yaml
	$(BIN)/snakemake -n --configfile config/paper/food.yaml

clean: ## remove workflow outputs (keeps .venv)
	rm -rf results resources logs .snakemake
