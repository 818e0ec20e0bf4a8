#!/usr/bin/env bash
# One command: builds demesh and the benchmark in release mode, then runs
# the benchmark on a fresh SQLite database and, when
# DEMESH_TEST_DATABASE_URL names a PostgreSQL server, on a fresh database
# there. Prints the two results tables of bench/README.md.
#   bench/run.sh [MEMBERS] [SERVERS]      (default 10000 1000)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
members=${1:-10000}
servers=${2:-1000}
ulimit -n 65536 2>/dev/null || true  # 1000 servers need ~2000 sockets
(cd "$root" && cargo build --release --bin demesh)
(cd "$root/bench" && cargo build --release)
bench="$root/bench/target/release/demesh-bench"
bin="$root/target/release/demesh"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# The fake servers' keys are made once (1,000 take a minute and a half).
export BENCH_KEY_CACHE="$root/bench/target/fake-server-keys.pem"
"$bench" "$bin" "sqlite://$work/bench.db" "$members" "$servers" | tee "$work/rows"
if [ -n "${DEMESH_TEST_DATABASE_URL:-}" ]; then
    name="demesh_bench_$$"
    psql -q -d "$DEMESH_TEST_DATABASE_URL" -c "CREATE DATABASE $name"
    "$bench" "$bin" "${DEMESH_TEST_DATABASE_URL%/*}/$name" "$members" "$servers" | tee -a "$work/rows" || true
    psql -q -d "$DEMESH_TEST_DATABASE_URL" -c "DROP DATABASE IF EXISTS $name WITH (FORCE)"
fi
echo
echo "| backend | members | servers | first post: wall | deliveries/s | ratio | later posts (median): wall | deliveries/s | ratio | RSA-2048 sign/s (1 core) | idle RSS | peak RSS | bad signatures |"
echo "|---|---|---|---|---|---|---|---|---|---|---|---|---|"
sed -n 's/^fanout|/|/p' "$work/rows"
echo
echo "| backend | members | servers | joins: wall | idle RSS (fresh) | idle RSS 5 s / 75 s after joins | peak RSS (joins, fan-outs) | idle RSS 5 s / 75 s after fan-outs | deliveries | demesh CPU per delivery | RSA-2048 signature (in-process) | ratio | floor: bare reqwest client (ratio) | floor: raw sockets (ratio) | bad signatures |"
echo "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"
sed -n 's/^memory|/|/p' "$work/rows"
echo
echo "| backend | Creates sent | in flight | accepted/s | stored | latency group | posts | p50 per delivery | p99 per delivery | p99 until all servers | bad signatures |"
echo "|---|---|---|---|---|---|---|---|---|---|---|"
sed -n 's/^inbox|/|/p' "$work/rows"
