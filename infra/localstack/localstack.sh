#!/usr/bin/env bash
# LocalStack in host mode (from PyPI, no Docker), for developers and CI.
#
#   infra/localstack/localstack.sh start     venv on Python >= 3.12, start in the background, wait until healthy
#   infra/localstack/localstack.sh stop      stop the instance started by `start` (by its process id)
#   infra/localstack/localstack.sh status    say whether LocalStack answers
#   infra/localstack/localstack.sh dev       `videoflix dev` against LocalStack + the machine's PostgreSQL/Redis
#   infra/localstack/localstack.sh test      tests/localstack (starts LocalStack if needed, stops what it started)
#   infra/localstack/localstack.sh python    print the interpreter the venv would use (exit 1 if none)
#
# Everything lives under .localstack/ (venv, data, pid file, log). Settings:
#   LOCALSTACK_PYTHON   interpreter for the venv (default: the newest Python >= 3.12 found)
#   LOCALSTACK_PORT     gateway port on 127.0.0.1 (default 4566)
#   LOCALSTACK_START_TIMEOUT  seconds to wait for /_localstack/health (default 120)
set -euo pipefail

SCRIPT_DIR="${BASH_SOURCE[0]%/*}"
[[ "$SCRIPT_DIR" != "${BASH_SOURCE[0]}" ]] || SCRIPT_DIR=.
ROOT="$(cd "$SCRIPT_DIR/../.." && pwd)"
HERE="$ROOT/infra/localstack"
LS_HOME="$ROOT/.localstack"
LS_VENV="$LS_HOME/venv"
PID_FILE="$LS_HOME/localstack.pid"
LOG_FILE="$LS_HOME/localstack.log"
PORT="${LOCALSTACK_PORT:-4566}"
ENDPOINT="http://127.0.0.1:$PORT"
REQUIREMENTS="$HERE/requirements.txt"
START_TIMEOUT="${LOCALSTACK_START_TIMEOUT:-120}"

say() { printf 'localstack: %s\n' "$*" >&2; }
die() { say "error: $*"; exit 1; }

# --- the interpreter ----------------------------------------------------------------------
is_recent_python() {
  "$1" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 12) else 1)' >/dev/null 2>&1
}

find_python() {
  local candidate
  if [[ -n "${LOCALSTACK_PYTHON:-}" ]]; then
    is_recent_python "$LOCALSTACK_PYTHON" || die "LOCALSTACK_PYTHON=$LOCALSTACK_PYTHON is not a Python >= 3.12"
    echo "$LOCALSTACK_PYTHON"; return
  fi
  # pyenv's interpreters directly (its shims fail for versions that are not selected).
  for candidate in "$HOME"/.pyenv/versions/3.13*/bin/python "$HOME"/.pyenv/versions/3.12*/bin/python \
                   python3.13 python3.12 python3; do
    if command -v "$candidate" >/dev/null 2>&1 && is_recent_python "$candidate"; then
      echo "$candidate"; return
    fi
  done
  return 1
}

require_python() {
  find_python || die "LocalStack needs Python >= 3.12 and none was found
  (looked for ~/.pyenv/versions/3.1[23]*/bin/python, python3.13, python3.12, python3).
  Install one (e.g. 'pyenv install 3.13') or set LOCALSTACK_PYTHON=/path/to/python3.13."
}

ensure_venv() {
  local stamp="$LS_VENV/.requirements" python
  if [[ -x "$LS_VENV/bin/python" ]] && cmp -s "$REQUIREMENTS" "$stamp"; then
    return
  fi
  python="$(require_python)" || exit 1
  say "creating $LS_VENV with $python ($("$python" -c 'import platform; print(platform.python_version())'))"
  rm -rf "$LS_VENV"
  mkdir -p "$LS_HOME"
  "$python" -m venv "$LS_VENV"
  "$LS_VENV/bin/python" -m pip install --quiet --disable-pip-version-check -r "$REQUIREMENTS"
  cp "$REQUIREMENTS" "$stamp"
}

# --- the process --------------------------------------------------------------------------
healthy() {
  # Any JSON answer from the health endpoint means the gateway serves requests.
  curl -fsS -m 2 "$ENDPOINT/_localstack/health" >/dev/null 2>&1
}

our_pid() {
  [[ -f "$PID_FILE" ]] || return 1
  local pid
  pid="$(cat "$PID_FILE")"
  [[ "$pid" =~ ^[0-9]+$ ]] && kill -0 "$pid" 2>/dev/null && echo "$pid"
}

cmd_start() {
  if our_pid >/dev/null && healthy; then
    say "already running at $ENDPOINT (pid $(our_pid))"; return 0
  fi
  if healthy; then
    say "a LocalStack not started by this script already answers at $ENDPOINT; using it"; return 0
  fi
  ensure_venv
  mkdir -p "$LS_HOME/data"
  rm -f "$PID_FILE"
  say "starting LocalStack on $ENDPOINT (log: ${LOG_FILE#"$ROOT"/})"
  # setsid: its own process group, so `stop` can end it and any helper process it spawns.
  # DNS_ADDRESS=0: no DNS server (it would bind port 53 and edit resolv.conf).
  # GATEWAY_SERVER=hypercorn: the default (twisted) server ignores the host and binds 0.0.0.0.
  # LOCALSTACK_HOST / SQS_ENDPOINT_STRATEGY: queue URLs on 127.0.0.1, no *.localstack.cloud DNS.
  # S3_SKIP_SIGNATURE_VALIDATION=0: presigned URLs are verified as S3 does (a poster upload signs its size).
  (
    cd "$LS_HOME"
    exec env GATEWAY_LISTEN="127.0.0.1:$PORT" LOCALSTACK_HOST="127.0.0.1:$PORT" \
      LOCALSTACK_VOLUME_DIR="$LS_HOME/data" SQS_ENDPOINT_STRATEGY=path DNS_ADDRESS=0 GATEWAY_SERVER=hypercorn \
      SKIP_SSL_CERT_DOWNLOAD=1 DISABLE_EVENTS=1 S3_SKIP_SIGNATURE_VALIDATION=0 \
      setsid "$LS_VENV/bin/python" -m localstack.runtime.main </dev/null >>"$LOG_FILE" 2>&1
  ) &
  echo $! >"$PID_FILE"
  local waited=0
  until healthy; do
    if ! our_pid >/dev/null; then
      tail -n 30 "$LOG_FILE" >&2 || true
      rm -f "$PID_FILE"
      die "LocalStack exited during start (see $LOG_FILE)"
    fi
    if (( waited >= START_TIMEOUT )); then
      tail -n 30 "$LOG_FILE" >&2 || true
      die "LocalStack did not answer $ENDPOINT/_localstack/health within ${START_TIMEOUT}s"
    fi
    sleep 1; waited=$((waited + 1))
  done
  say "ready at $ENDPOINT after ${waited}s (pid $(cat "$PID_FILE"))"
}

cmd_stop() {
  local pid
  if ! pid="$(our_pid)"; then
    rm -f "$PID_FILE"
    say "not running (no live process in ${PID_FILE#"$ROOT"/})"; return 0
  fi
  say "stopping pid $pid"
  kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
  # A request arriving during its shutdown can leave it hanging: give it 20 s, then kill it.
  for _ in $(seq 1 20); do
    kill -0 "$pid" 2>/dev/null || { rm -f "$PID_FILE"; say "stopped"; return 0; }
    sleep 1
  done
  say "still running after 20s; killing process group $pid"
  kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null || true
  rm -f "$PID_FILE"
}

cmd_status() {
  local pid
  if healthy; then
    if pid="$(our_pid)"; then say "running at $ENDPOINT (pid $pid)"; else say "running at $ENDPOINT (not started here)"; fi
  else
    say "not running at $ENDPOINT"; return 1
  fi
}

# --- the machine's PostgreSQL ---------------------------------------------------------------
ensure_database() {
  # Create the database of a postgresql:// URL if it is missing (needs the project's .venv).
  "$ROOT/.venv/bin/python" - "$1" <<'PY'
import sys
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

url = make_url(sys.argv[1])
if url.get_backend_name() == "postgresql":
    name = url.database
    admin = url.set(drivername="postgresql+pg8000", database="postgres")
    engine = create_engine(admin, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        exists = connection.scalar(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name})
        if not exists:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
            print(f"localstack: created database {name}", file=sys.stderr)
    engine.dispose()
PY
}

cmd_dev() {
  healthy || die "LocalStack is not running at $ENDPOINT; run 'make localstack' first"
  local database_url="${DATABASE_URL:-postgresql://postgres@127.0.0.1:5432/videoflix_dev}"
  local redis_url="${REDIS_URL:-redis://127.0.0.1:6379/1}"
  ensure_database "$database_url"
  cd "$ROOT"
  [[ -f .env ]] || { cp .env.template .env; say "created .env from .env.template"; }
  # LocalStack checks presigned URLs against its one secret key, `test` (the dev stack's default
  # `testing` would be refused): the dev stack signs with LocalStack's documented credentials.
  exec env AWS_ENDPOINT_URL="$ENDPOINT" DATABASE_URL="$database_url" REDIS_URL="$redis_url" \
    AWS_ACCESS_KEY_ID="${AWS_ACCESS_KEY_ID:-test}" AWS_SECRET_ACCESS_KEY="${AWS_SECRET_ACCESS_KEY:-test}" \
    "$ROOT/.venv/bin/videoflix" dev "$@"
}

cmd_test() {
  local status=0
  if ! healthy; then
    cmd_start
    # Started here, so stopped here, whatever happens (CI's timeout included).
    trap 'cmd_stop' EXIT
    trap 'exit 143' TERM INT
  fi
  local database_url="${TEST_DATABASE_URL:-postgresql://postgres@127.0.0.1:5432/videoflix_test}"
  local redis_url="${TEST_REDIS_URL:-redis://127.0.0.1:6379/15}"
  ensure_database "$database_url"
  cd "$ROOT"
  LOCALSTACK_ENDPOINT="$ENDPOINT" TEST_DATABASE_URL="$database_url" TEST_REDIS_URL="$redis_url" \
    "$ROOT/.venv/bin/python" -m pytest tests/localstack "$@" || status=$?
  return "$status"
}

case "${1:-}" in
  start) cmd_start ;;
  stop) cmd_stop ;;
  status) cmd_status ;;
  dev) shift; cmd_dev "$@" ;;
  test) shift; cmd_test "$@" ;;
  python) require_python ;;
  *) echo "usage: $0 {start|stop|status|dev|test|python}" >&2; exit 2 ;;
esac
