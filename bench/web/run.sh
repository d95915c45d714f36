#!/usr/bin/env bash
# Portal benchmark: 50 organisations, 5,000 users, 1,000,000 audit rows on
# SQLite; 50 concurrent clients (wrk, a separate process, on loopback) load
# signed-in pages. Prints wrk's latency distribution (p50..p99) per page.
#
# Usage: bench/web/run.sh [DURATION_SECONDS]   (needs wrk: apt-get install wrk)
# SOCVAL_BENCH_PORT picks the port (default 18080).
set -euo pipefail
cd "$(dirname "$0")/../.."
duration=${1:-20}
command -v wrk >/dev/null || { echo "wrk is not installed (apt-get install wrk)" >&2; exit 1; }
cargo build --release -p socval-cli --quiet
bin=${CARGO_TARGET_DIR:-target}/release/socval
echo "socval portal benchmark, $(date -u +%FT%TZ) on $(nproc) cores ($(sed -n 's/^model name\s*: //p' /proc/cpuinfo | head -1)), commit $(git rev-parse --short HEAD 2>/dev/null || echo '?')"
data=$(mktemp -d)
trap 'kill "$server" 2>/dev/null || true; rm -rf "$data"' EXIT
export SOCVAL_DATA_DIR=$data

start=$(date +%s)
seeded=$("$bin" admin seed-bench --orgs 50 --users 5000 --audit-rows 1000000)
email=$(sed -n 's/.*log in as \([^ ]*\) with.*/\1/p' <<<"$seeded")
echo "seeded 50 orgs, 5,000 users, 1,000,000 audit rows in $(( $(date +%s) - start )) s ($(du -h "$data/socval.db" | cut -f1) database)"

port=${SOCVAL_BENCH_PORT:-18080}
if curl -s -o /dev/null "http://127.0.0.1:$port/"; then
  echo "port $port is in use: set SOCVAL_BENCH_PORT to a free one" >&2; exit 1
fi
RUST_LOG=warn "$bin" serve --listen 127.0.0.1:$port >/dev/null 2>"$data/serve.log" &
server=$!
for _ in $(seq 1 50); do curl -fs "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.2; done
curl -fs "http://127.0.0.1:$port/healthz" >/dev/null || { echo "the server did not start:" >&2; cat "$data/serve.log" >&2; exit 1; }

# Sign in once through the login form (the only deliberately slow step) as
# the first organisation's admin (bench-001).
jar=$data/cookies
curl -fs -c "$jar" -b "$jar" "http://127.0.0.1:$port/login" -o /dev/null
pre=$(awk '$6=="socval_pre"{print $7}' "$jar")
curl -fs -c "$jar" -b "$jar" -o /dev/null -w '' \
  --data-urlencode "csrf_token=$pre" --data-urlencode "email=$email" \
  --data-urlencode "password=bench-password" --data-urlencode "next=/" "http://127.0.0.1:$port/login"
session=$(awk '$6=="socval_session"{print $7}' "$jar")
[ -n "$session" ] || { echo "sign-in failed for $email" >&2; exit 1; }

for path in / /orgs/bench-001 /orgs/bench-001/audit /api/v1/orgs/bench-001/audit?limit=50; do
  echo
  echo "== GET $path (50 connections, 2 threads, ${duration}s)"
  wrk -t2 -c50 -d"${duration}s" --latency -H "Cookie: socval_session=$session" "http://127.0.0.1:$port$path" \
    | grep -E 'Latency|50%|90%|99%|Requests/sec|Non-2xx'
done
