#!/usr/bin/env bash
# Portfolio benchmark (issue 5): on PostgreSQL with 10,000 contracts and
# 1,000,000 delivery-return lines, 50 concurrent clients (wrk, a separate
# process, on loopback) load the dashboard and the contracts-at-risk page
# as a signed-in officer. Target: p99 under 100 ms. Prints wrk's latency
# distribution per page, and how long the first (uncached) build took.
#
# Usage: bench/portal/run.sh [DURATION_SECONDS]
#   BENCH_DATABASE_URL  server to use (default postgres://postgres@127.0.0.1:5432);
#                       the database socval_portal_bench is dropped and re-created.
#   CARGO_TARGET_DIR    where the release binary is built (default target/).
#   BENCH_REUSE=1       keep the database seeded by an earlier run (skips ~1 min).
# Needs: psql, wrk (apt-get install -y wrk postgresql-client).
set -euo pipefail
cd "$(dirname "$0")/../.."
duration=${1:-20}
server_url=${BENCH_DATABASE_URL:-postgres://postgres@127.0.0.1:5432}
db=socval_portal_bench
url="$server_url/$db"
for tool in wrk psql curl; do
  command -v $tool >/dev/null || { echo "$tool is not installed (apt-get install -y wrk postgresql-client curl)" >&2; exit 1; }
done
cargo build --release -p socval-cli --quiet
bin=${CARGO_TARGET_DIR:-target}/release/socval
data=$(mktemp -d)
server=
trap '[ -n "$server" ] && kill "$server" 2>/dev/null; rm -rf "$data"' EXIT

echo "machine: $(nproc) cores, $(awk '/MemTotal/{printf "%.0f GB", $2/1048576}' /proc/meminfo), $(uname -sr); PostgreSQL $(psql "$server_url/postgres" -Atc 'SHOW server_version'); commit $(git rev-parse --short HEAD); $(date -u +%Y-%m-%dT%H:%MZ)"
start=$(date +%s)
if [ "${BENCH_REUSE:-}" != 1 ]; then
  psql "$server_url/postgres" -qc "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db"
  # Migrations, organisation bench-001 and its admin (password bench-password).
  "$bin" --data-dir "$data" --database-url "$url" admin seed-bench --orgs 1 --users 2 --audit-rows 0 >/dev/null
  org=$(psql "$url" -Atc "SELECT id FROM organisations WHERE slug = 'bench-001'")
  psql "$url" -q -v org="$org" -v framework_source="$(cat data/frameworks/open-default.toml)" -f bench/portal/seed.sql
fi
org=$(psql "$url" -Atc "SELECT id FROM organisations WHERE slug = 'bench-001'")
email=$(psql "$url" -Atc "SELECT u.email FROM users u JOIN memberships m ON m.user_id = u.id WHERE m.org_id = $org AND m.role = 'admin' ORDER BY u.id LIMIT 1")
counts=$(psql "$url" -Atc "SELECT (SELECT count(*) FROM contracts) || ' contracts, ' || (SELECT count(*) FROM contract_commitments) || ' commitments, ' || (SELECT count(*) FROM delivery_returns) || ' returns, ' || (SELECT count(*) FROM return_lines) || ' return lines'")
echo "seeded $counts in $(( $(date +%s) - start )) s ($(psql "$url" -Atc "SELECT pg_size_pretty(pg_database_size('$db'))"))"

port=18090
RUST_LOG=warn "$bin" --data-dir "$data" --database-url "$url" serve --listen 127.0.0.1:$port >/dev/null 2>"$data/serve.log" &
server=$!
for _ in $(seq 1 100); do curl -fs "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.2; done

# Sign in once through the login form.
jar=$data/cookies
base="http://127.0.0.1:$port"
curl -fs -c "$jar" -b "$jar" "$base/login" -o /dev/null
pre=$(awk '$6=="socval_pre"{print $7}' "$jar")
curl -fs -c "$jar" -b "$jar" -o /dev/null \
  --data-urlencode "csrf_token=$pre" --data-urlencode "email=$email" \
  --data-urlencode "password=bench-password" --data-urlencode "next=/" "$base/login"
session=$(awk '$6=="socval_session"{print $7}' "$jar")
[ -n "$session" ] || { echo "sign-in failed for $email" >&2; exit 1; }

# The first request builds the portfolio from the database (every
# contract, commitment and line); later ones are served from the cache
# until the organisation's data changes.
cold=$(curl -fs -o "$data/dashboard.html" -w '%{time_total}' -H "Cookie: socval_session=$session" "$base/orgs/bench-001/dashboard")
grep -q 'Table 2.10' "$data/dashboard.html" || { echo "the dashboard did not render" >&2; exit 1; }
echo "first dashboard request (builds the portfolio of 10,000 contracts from 1,000,000 lines): ${cold} s"
echo "at risk: $(grep -o '[0-9,]* at risk' "$data/dashboard.html" | head -1)"

for path in /orgs/bench-001/dashboard /orgs/bench-001/at-risk /api/v1/orgs/bench-001/at-risk; do
  echo
  echo "== GET $path (wrk: 50 connections, 2 threads, ${duration}s, after the first build; load average before: $(cut -d' ' -f1-3 /proc/loadavg))"
  wrk -t2 -c50 -d"${duration}s" --latency -H "Cookie: socval_session=$session" "$base$path" \
    | grep -E 'Latency|50%|90%|99%|Requests/sec|Non-2xx|Socket errors'
done

# A change invalidates the cache: the next request rebuilds (measured).
psql "$url" -qc "INSERT INTO audit_log (at, actor, org_id, action, entity_type, entity_id) VALUES (now(), 'bench', $org, 'update', 'bench', 'touch')"
rebuild=$(curl -fs -o /dev/null -w '%{time_total}' -H "Cookie: socval_session=$session" "$base/orgs/bench-001/at-risk")
echo
echo "first request after a change (rebuilds the portfolio): ${rebuild} s"
