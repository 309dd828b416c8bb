#!/usr/bin/env bash
# Make sure the real PostgreSQL server that the registry tests use is up, and print the URL to
# export as MYOSCOPE_TEST_DATABASE_URL. On this machine kind a server is installed on
# 127.0.0.1:5432 with trust auth; where none is installed, print nothing (the registry tests then
# run on SQLite only and say so).
set -euo pipefail
command -v pg_isready >/dev/null 2>&1 || exit 0
if ! pg_isready -q -h 127.0.0.1 -p 5432; then
  if command -v pg_ctlcluster >/dev/null 2>&1 && [ -d /etc/postgresql ]; then
    pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | sort -V | tail -1)" main start >&2 || true
  fi
  for _ in $(seq 30); do pg_isready -q -h 127.0.0.1 -p 5432 && break; sleep 1; done
fi
pg_isready -q -h 127.0.0.1 -p 5432 || { echo "PostgreSQL is not reachable on 127.0.0.1:5432" >&2; exit 0; }
psql -h 127.0.0.1 -U postgres -tAc "SELECT 1 FROM pg_database WHERE datname = 'test'" 2>/dev/null | grep -q 1 \
  || createdb -h 127.0.0.1 -U postgres test >&2
echo "postgresql+psycopg://postgres@127.0.0.1:5432/test"
