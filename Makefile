# Two commands for a new machine: `make up` runs the embedded stack, `make test` runs the tests.
# Both create or refresh .venv from pyproject.toml first.
PYTHON ?= python3
VENV := .venv
STAMP := $(VENV)/.installed

.PHONY: up test bench lint clean

$(STAMP): pyproject.toml
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --upgrade pip
	$(VENV)/bin/pip install --quiet -e '.[dev]'
	touch $(STAMP)

up: $(STAMP)
	$(VENV)/bin/tongban up

test: $(STAMP)
	$(VENV)/bin/pytest

bench: $(STAMP)
	$(VENV)/bin/pip install --quiet -e '.[dev,bench]'
	$(VENV)/bin/python -m bench

lint: $(STAMP)
	$(VENV)/bin/ruff check .

clean:
	rm -rf $(VENV) data .pytest_cache
