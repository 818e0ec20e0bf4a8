#!/usr/bin/env bash
# One real-server suite (gotosocial, mitra or misskey): demesh (release
# build) with members on real servers of that software, on a fresh SQLite
# database and, when DEMESH_TEST_DATABASE_URL names a PostgreSQL server, on
# a fresh database there too. See tests/realservers/README.md.
#   Usage: tests/realservers/run.sh SUITE [--only NAME,NAME] [--list]
set -euo pipefail
suite_name=${1:?usage: run.sh gotosocial|mitra|misskey [--only NAME,NAME] [--list]}
shift
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
main="$root/tests/$suite_name/main.py"
[ -f "$main" ] || { echo "no suite $suite_name (tests/$suite_name/main.py)" >&2; exit 2; }
command -v python3 >/dev/null || { echo "$suite_name suite: python3 is not installed" >&2; exit 2; }
case " $* " in *" --list "*) exec python3 -B "$main" --list ;; esac
# The real server sits next to the repository (CI: ../shared/NAME).
server=$(cd "$root/.." && pwd)/shared/$suite_name
if [ ! -d "$server" ]; then
    echo "$suite_name suite: $server not found" >&2
    exit 2
fi

cargo build --release --quiet --bin demesh
bin="$root/target/release/demesh"

work=$(mktemp -d)
# The real servers' own PostgreSQL runs as the postgres user when we are
# root: it must be able to reach its data folder.
chmod 755 "$work"
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
    pgdb="demesh_${suite_name}_$$"
    psql -q -d "$DEMESH_TEST_DATABASE_URL" -c "CREATE DATABASE $pgdb"
    dbs+=(--db "postgres=${DEMESH_TEST_DATABASE_URL%/*}/$pgdb")
fi

SUITE_WORK="$work" python3 -B "$main" --bin "$bin" --server "$server" "${dbs[@]}" "$@" &
suite=$!
status=0
wait "$suite" || status=$?
suite=""
exit "$status"
