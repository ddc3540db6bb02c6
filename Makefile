# Two commands for a fresh machine with Python 3.11+: `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint typecheck check test-postgres test-browser bench messages clean

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "relance needs Python 3.11 or newer")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/relance demo

test: $(STAMP)
	$(BIN)/pytest

lint: $(STAMP)
	$(BIN)/ruff check src tests
	$(BIN)/ruff format --check src tests

typecheck: $(STAMP)
	$(BIN)/mypy src tests

check: lint typecheck test

test-postgres: $(STAMP)
	RELANCE_TEST_DATABASE_URL=$${RELANCE_TEST_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/relance} $(BIN)/pytest

test-browser: $(STAMP)
	$(BIN)/pytest -m browser

bench: $(STAMP)
	$(BIN)/relance bench import --invoices 1000000 --json
	$(BIN)/relance bench aging --invoices 1000000 --json
	$(BIN)/relance bench run --invoices 1000000 --json
	$(BIN)/relance bench dispatch --messages 2000 --json
	$(BIN)/relance bench match --lines 100000 --invoices 1000000 --json
	$(BIN)/relance bench profiles --invoices 1000000 --json

messages: $(STAMP)
	$(BIN)/relance i18n compile

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
