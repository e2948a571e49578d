# The two set-up commands of the README are `make start` and `make test`; everything else is a helper.
# Every step installs into .venv with constraints.txt, which pins torch to the CPU build on disk.
VENV ?= .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip install --disable-pip-version-check -q -c constraints.txt
EXTRAS ?= all

.PHONY: venv install start test lint catalog bench

$(PY):
	python3 -m venv $(VENV)

venv: $(PY)

install: venv
	$(PIP) -e '.[$(EXTRAS)]'

## Install and start the product on its embedded defaults.
start: install
	$(VENV)/bin/clinadvisor catalog info
	$(VENV)/bin/clinadvisor recommend --stage II --answer input_text_only=no --answer output_text_only=yes \
		--answer data_sharing=no --answer radiology_text_generation=yes \
		--answer radiology_report_summarization=yes --answer deploy_local=yes

## Install everything, then run the whole test suite.
test: venv
	$(PIP) -e '.[$(EXTRAS),test]'
	$(VENV)/bin/pytest

lint: venv
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy

## Rebuild the catalog from the review's data (needs ../shared).
catalog: venv
	$(PY) -m corpus.catalog.build ../shared/data/review

bench: venv
	$(PY) bench/rules.py
