# The two set-up commands of the README are `make demo` and `make test`; both install first.
AIRFLOW_VERSION ?= 3.3.2
PYTHON ?= python3
UV_VERSION := 0.13.8
VENV ?= .venv/airflow-$(AIRFLOW_VERSION)
BIN := $(VENV)/bin
CONSTRAINTS := constraints/airflow-$(AIRFLOW_VERSION).txt
STAMP := $(VENV)/.installed
PYTEST_ARGS ?=

.PHONY: install lint test pytest demo bench constraints clean

$(STAMP): pyproject.toml $(CONSTRAINTS)
	@test -f $(CONSTRAINTS) || { echo "no $(CONSTRAINTS): supported versions are $$(ls constraints)"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)
	$(BIN)/uv pip install --quiet --python $(BIN)/python -c $(CONSTRAINTS) -e ".[dev]"
	touch $(STAMP)

install: $(STAMP)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

pytest: install
	$(BIN)/pytest $(PYTEST_ARGS)

test: lint pytest

demo: install
	$(BIN)/python scripts/demo.py

bench: install
	@for script in benchmarks/*.py; do echo "== $$script"; $(BIN)/python $$script || exit 1; done

# Re-pin every supported Airflow version after changing dependencies in pyproject.toml.
# constraints/airflow-X.in holds each version's own pins (and why); X.txt is the full resolution.
constraints:
	@for input in constraints/airflow-*.in; do \
		uv pip compile -q --python-version 3.11 pyproject.toml $$input \
			--extra dev --extra emulator --extra s3 --no-emit-package airflow-provider-photoroom \
			--no-header -o $${input%.in}.txt; \
	done

clean:
	rm -rf .venv .mypy_cache .ruff_cache .pytest_cache
