# Videoflix developer commands. `make dev` runs the stack, `make test` runs every test.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp

.PHONY: install dev test test-unit test-integration test-e2e lint clean

$(STAMP): requirements.txt requirements-dev.txt pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	$(PY) -m pip install --quiet --no-deps -e .
	@touch $(STAMP)

install: $(STAMP)

## Run the whole stack on http://127.0.0.1:8000 (embedded AWS, SQLite, in-process Redis).
dev: install
	@test -f .env || (cp .env.template .env && echo "Created .env from .env.template")
	$(VENV)/bin/videoflix dev

## Run the whole test suite (set TEST_DATABASE_URL / TEST_REDIS_URL for real PostgreSQL / Redis).
test: install
	$(PY) -m pytest

test-unit: install
	$(PY) -m pytest tests/unit

test-integration: install
	$(PY) -m pytest tests/integration

test-e2e: install
	$(PY) -m pytest tests/e2e

clean:
	rm -rf .dev .pytest_cache test-artifacts
