#!/usr/bin/env bash
# One command for the whole interop suite: builds demesh, then runs every
# Fedify scenario on a fresh SQLite database and, when
# DEMESH_TEST_DATABASE_URL names a PostgreSQL server, on a fresh database
# there too.   Usage: tests/interop/all.sh
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
cargo build --bin demesh
bin="$root/target/debug/demesh"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
echo "interop: SQLite"
tests/interop/run.sh "$bin" "sqlite://$work/demesh.db"

if [ -n "${DEMESH_TEST_DATABASE_URL:-}" ]; then
    name="demesh_interop_$$"
    admin=$DEMESH_TEST_DATABASE_URL
    psql -q -d "$admin" -c "CREATE DATABASE $name"
    trap 'psql -q -d "$admin" -c "DROP DATABASE IF EXISTS $name WITH (FORCE)"; rm -rf "$work"' EXIT
    echo "interop: PostgreSQL"
    tests/interop/run.sh "$bin" "${admin%/*}/$name"
fi
