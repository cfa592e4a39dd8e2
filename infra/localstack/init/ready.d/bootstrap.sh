#!/usr/bin/env bash
# LocalStack init hook (ready.d), for localstack-compose.yml: once LocalStack is ready, run
# the same idempotent provisioning as `make dev` and `videoflix bootstrap` (queues with
# dead-letter queues, buckets, the upload notification, CORS, the SES identity).
# The videoflix package is mounted at /opt/videoflix/layers; LocalStack's own Python has boto3.
set -euo pipefail

export PYTHONPATH="/opt/videoflix/layers${PYTHONPATH:+:$PYTHONPATH}"
export AWS_ENDPOINT_URL="http://localhost:4566"
export AWS_ACCESS_KEY_ID="${AWS_ACCESS_KEY_ID:-test}" AWS_SECRET_ACCESS_KEY="${AWS_SECRET_ACCESS_KEY:-test}"

for python in python3 /opt/code/localstack/.venv/bin/python; do
  if command -v "$python" >/dev/null 2>&1 && "$python" -c "import boto3" 2>/dev/null; then
    cd /tmp  # no stray .env is read from the working directory
    echo "videoflix: provisioning LocalStack (videoflix bootstrap)"
    exec "$python" -m videoflix_tools.cli.main bootstrap
  fi
done
echo "videoflix: no Python with boto3 in this container; cannot bootstrap" >&2
exit 1
