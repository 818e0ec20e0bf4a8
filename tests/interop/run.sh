#!/usr/bin/env bash
# Interop tests: demesh against real Fedify (2.3.6) peers.
# Usage: tests/interop/run.sh PATH_TO_DEMESH_BINARY DATABASE_URL [NAME_FILTER...]
#   DATABASE_URL: an empty database, e.g. sqlite:///tmp/x/demesh.db or
#   postgres://postgres@127.0.0.1:5432/interop_x
# Prints one line per scenario and, last, `N passed, N failed`; exits
# non-zero if any scenario failed.
set -euo pipefail

if [ $# -lt 2 ]; then
    echo "usage: $0 PATH_TO_DEMESH_BINARY DATABASE_URL [NAME_FILTER...]" >&2
    exit 2
fi
bin=$(realpath "$1")
db=$2
shift 2
here=$(cd "$(dirname "$0")" && pwd)

if [ ! -x "$bin" ]; then
    echo "interop: $bin is not an executable demesh binary" >&2
    exit 2
fi
command -v node >/dev/null || { echo "interop: node is not installed" >&2; exit 2; }

# An SQLite file's directory must exist.
case "$db" in
    sqlite://*)
        path=${db#sqlite://}
        mkdir -p "$(dirname "$path")"
        ;;
esac

if [ ! -d "$here/node_modules" ]; then
    echo "interop: npm ci"
    # Fedify 2.3.6 declares node >=22; it runs on Node 20, so the engine
    # check only warns (engine-strict stays off).
    (cd "$here" && npm ci --no-audit --no-fund --loglevel=error)
fi

# demesh runs behind a local TLS front, as in production (Caddy): Fedify
# looks acct: handles up over https only. The certificate is made for this
# run and trusted by node through NODE_EXTRA_CA_CERTS.
tls=$(mktemp -d)
trap 'rm -rf "$tls"' EXIT
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=127.0.0.1" \
    -addext "subjectAltName=IP:127.0.0.1" \
    -keyout "$tls/key.pem" -out "$tls/cert.pem" 2>/dev/null
export DEMESH_INTEROP_TLS_CERT="$tls/cert.pem" DEMESH_INTEROP_TLS_KEY="$tls/key.pem"
export NODE_EXTRA_CA_CERTS="$tls/cert.pem"

cd "$here"
node src/main.mjs "$bin" "$db" "$@"
