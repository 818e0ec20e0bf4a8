#!/usr/bin/env bash
# The GoToSocial suite: demesh (release build) with members on two real
# GoToSocial servers, on a fresh SQLite database and, when
# DEMESH_TEST_DATABASE_URL names a PostgreSQL server, on a fresh database
# there too. See tests/gotosocial/README.md.
#   Usage: tests/gotosocial/run.sh [--only NAME,NAME] [--list]
#   (GTS_ONLY=NAME,NAME does the same as --only.)
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
# GoToSocial sits next to the repository (CI: ../shared/gotosocial).
gts=$(cd "$root/.." && pwd)/shared/gotosocial
if [ ! -x "$gts/gts" ] || [ ! -x "$gts/bin/gotosocial" ]; then
    echo "gotosocial suite: GoToSocial not found at $gts (needs gts and bin/gotosocial)" >&2
    exit 2
fi
command -v python3 >/dev/null || { echo "gotosocial suite: python3 is not installed" >&2; exit 2; }
case " $* " in *" --list "*) exec python3 -B "$root/tests/gotosocial/main.py" --list ;; esac

cargo build --release --quiet --bin demesh
bin="$root/target/release/demesh"

work=$(mktemp -d)
pgdb=""
cleanup() {
    # The suite stops what it started; if it was killed outright, its
    # servers are still ours: stop the process groups it led.
    if [ -n "${suite:-}" ]; then kill "$suite" 2>/dev/null || true; wait "$suite" 2>/dev/null || true; fi
    if [ -n "$pgdb" ]; then
        psql -q -d "$DEMESH_TEST_DATABASE_URL" -c "DROP DATABASE IF EXISTS $pgdb WITH (FORCE)" || true
    fi
    rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

dbs=(--db "sqlite=sqlite://$work/demesh.db")
if [ -n "${DEMESH_TEST_DATABASE_URL:-}" ]; then
    pgdb="demesh_gts_$$"
    psql -q -d "$DEMESH_TEST_DATABASE_URL" -c "CREATE DATABASE $pgdb"
    dbs+=(--db "postgres=${DEMESH_TEST_DATABASE_URL%/*}/$pgdb")
fi

GTS_SUITE_WORK="$work" python3 -B "$root/tests/gotosocial/main.py" \
    --bin "$bin" --gts "$gts" "${dbs[@]}" "$@" &
suite=$!
status=0
wait "$suite" || status=$?
suite=""
exit "$status"
