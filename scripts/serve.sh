#!/usr/bin/env bash
# Serve the app (gunicorn) and the job worker (huey) together; Ctrl-C stops both.
set -euo pipefail
cd "$(dirname "$0")/.."
HOST=${HOST:-127.0.0.1}
PORT=${PORT:-8000}
# Hashed, compressed static files with long cache lifetimes (collected by `make migrate`).
export STATIC_MANIFEST=${STATIC_MANIFEST:-1}
.venv/bin/python manage.py run_huey --quiet &
HUEY_PID=$!
trap 'kill $HUEY_PID 2>/dev/null || true' EXIT INT TERM
echo ""
echo "Xiuhao 修好 is running on http://$HOST:$PORT  (job worker pid $HUEY_PID)"
echo "Demo accounts (password demo12345): admin, dispatcher, engineer, warehouse, outlet"
echo ""
.venv/bin/gunicorn xiuhao.config.wsgi -b "$HOST:$PORT" -w "${WEB_WORKERS:-2}" --threads 4 --timeout 120 \
  --access-logfile - --error-logfile -
