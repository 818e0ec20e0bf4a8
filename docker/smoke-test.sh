#!/usr/bin/env bash
# Smoke test of the Docker deployment: builds the image, starts the
# compose stack (demesh + PostgreSQL + Caddy) for DEMESH_DOMAIN=localhost
# (Caddy then uses its own local CA instead of Let's Encrypt), and checks
# through the TLS proxy what a remote server would see first. Then the
# CLI through `exec`, a pg_dump backup, a restart that keeps the data, and
# the SQLite image on its own with a VACUUM INTO backup. Leaves nothing
# running. Needs a Docker engine and ports 80, 443 and 18080 free.
#   docker/smoke-test.sh
set -euo pipefail
cd "$(dirname "$0")/.."
compose() {
    if docker compose version >/dev/null 2>&1; then docker compose "$@"; else docker-compose "$@"; fi
}
export DEMESH_DOMAIN=localhost POSTGRES_PASSWORD=smoke-test
project=demesh-smoke
cleanup() {
    compose -p "$project" -f docker/compose.yml down -v >/dev/null 2>&1 || true
    docker rm -f demesh-smoke-sqlite >/dev/null 2>&1 || true
    docker volume rm demesh-smoke-data >/dev/null 2>&1 || true
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
wait_for() {  # URL: until it answers 200, at most 60 s
    for _ in $(seq 120); do
        [ "$(curl -sk -o /dev/null -w '%{http_code}' "$1")" = 200 ] && return 0
        sleep 0.5
    done
    fail "$1 did not answer 200"
}

docker build ${DOCKER_BUILD_FLAGS:-} -f docker/Dockerfile -t demesh .
compose -p "$project" -f docker/compose.yml up -d --build
wait_for https://localhost/healthz
exec_demesh() { compose -p "$project" -f docker/compose.yml exec -T demesh demesh "$@"; }
exec_demesh group create club | grep -q "@club@localhost" || fail "group create"
curl -sk "https://localhost/.well-known/webfinger?resource=acct:club@localhost" \
    | grep -q '"href":"https://localhost/groups/club"' || fail "WebFinger through Caddy"
curl -sk -H 'Accept: application/activity+json' https://localhost/groups/club \
    | grep -q '"type":"Group"' || fail "Group actor through Caddy"
[ "$(docker inspect -f '{{.Config.User}}' "$(compose -p "$project" -f docker/compose.yml ps -q demesh)")" = demesh ] \
    || fail "demesh does not run as its own user"
compose -p "$project" -f docker/compose.yml exec -T postgres pg_dump -U demesh -Fc demesh > /tmp/demesh-smoke.dump
[ -s /tmp/demesh-smoke.dump ] || fail "pg_dump"
compose -p "$project" -f docker/compose.yml restart demesh
wait_for https://localhost/healthz
exec_demesh group list | grep -q club || fail "the group did not survive a restart"
compose -p "$project" -f docker/compose.yml down -v

# The image alone: SQLite on the /data volume.
docker run -d --name demesh-smoke-sqlite -p 127.0.0.1:18080:8080 \
    -e DEMESH_BASE_URL=http://localhost:18080 -v demesh-smoke-data:/data demesh >/dev/null
wait_for http://127.0.0.1:18080/healthz
docker exec demesh-smoke-sqlite demesh group create club >/dev/null
docker exec demesh-smoke-sqlite sqlite3 /data/demesh.db "VACUUM INTO '/data/backup.db'"
[ "$(docker exec demesh-smoke-sqlite sqlite3 /data/backup.db 'SELECT name FROM groups')" = club ] \
    || fail "VACUUM INTO backup"
echo "docker smoke test passed"
