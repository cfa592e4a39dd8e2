# Videoflix developer commands. `make dev` runs the stack, `make test` runs every test.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp

.PHONY: install dev test test-unit test-integration test-e2e lint clean \
	localstack localstack-stop dev-localstack test-localstack lint-template layer

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

## LocalStack from PyPI (no Docker) on 127.0.0.1:4566: own venv on Python >= 3.12, data in .localstack/.
localstack:
	bash infra/localstack/localstack.sh start

localstack-stop:
	bash infra/localstack/localstack.sh stop

## `make dev` against LocalStack and the machine's PostgreSQL/Redis (DATABASE_URL, REDIS_URL override).
dev-localstack: install
	bash infra/localstack/localstack.sh dev

## tests/localstack against LocalStack (started and stopped here if it is not running).
test-localstack: install
	bash infra/localstack/localstack.sh test

## cfn-lint on the SAM template (also part of `make test`).
lint-template: install
	$(VENV)/bin/cfn-lint template.yaml

## The `videoflix` layer as `sam build` makes it, into .aws-sam/layer/python (to inspect its size).
layer:
	$(MAKE) -C layers build-VideoflixLayer ARTIFACTS_DIR=$(CURDIR)/.aws-sam/layer

clean:
	rm -rf .dev .pytest_cache test-artifacts
