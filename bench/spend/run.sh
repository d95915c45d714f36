#!/usr/bin/env bash
# Spend benchmark: socval vs DuckDB on the same generated files, same run.
# Run from the repository root:  bench/spend/run.sh [PAYMENTS] [SUPPLIERS]
# Needs: python3 with duckdb (pip install duckdb), /usr/bin/time.
# SOCVAL_BIN=path/to/socval uses that binary instead of building target/release/socval.
set -euo pipefail
PAYMENTS=${1:-10000000}
SUPPLIERS=${2:-50000}
WORK=${BENCH_DIR:-target/bench-spend}
PCS=../shared/data/geo/postcodes-s-dn.csv
if [ -z "${SOCVAL_BIN:-}" ]; then
  cargo build --release -p socval-cli >/dev/null
fi
BIN=${SOCVAL_BIN:-target/release/socval}
echo "== $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores, $($BIN --version 2>/dev/null || echo socval)"
rm -rf "$WORK"; mkdir -p "$WORK"
DATA="$WORK/data"

echo "== generate $PAYMENTS payments, $SUPPLIERS suppliers"
$BIN --data-dir "$DATA" spend generate --payments "$PAYMENTS" --suppliers "$SUPPLIERS" --seed 1 --postcodes "$PCS" --out "$WORK/gen"
ls -l "$WORK/gen"
$BIN --data-dir "$DATA" geo import "$PCS" >/dev/null
$BIN --data-dir "$DATA" spend suppliers import "$WORK/gen/suppliers.csv" >/dev/null

t() { # label, command...: wall seconds, CPU seconds (user + system) and peak RSS
  local label=$1; shift
  /usr/bin/time -v "$@" >"$WORK/$label.out" 2>"$WORK/$label.time"
  local wall rss cpu
  wall=$(grep "Elapsed (wall" "$WORK/$label.time" | awk '{print $NF}')
  rss=$(grep "Maximum resident" "$WORK/$label.time" | awk '{print $NF}')
  cpu=$(grep -E "(User|System) time" "$WORK/$label.time" | awk '{s += $NF} END {printf "%.2f", s}')
  echo "$label $wall $rss $cpu" >>"$WORK/times"
  printf '%-22s wall %-10s CPU %7s s  peak RSS %6d MB\n' "$label" "$wall" "$cpu" $((rss / 1024))
}
: >"$WORK/times"
echo "== socval (load: $(uptime | sed 's/.*load average: //'))"
sync
t socval_import $BIN --data-dir "$DATA" spend import "$WORK/gen/payments.csv"
t socval_analyse $BIN --data-dir "$DATA" spend analyse --year 2018/19 --format json
echo "== duckdb (python package $(python3 -c 'import duckdb; print(duckdb.__version__)'))"
t duckdb_import python3 bench/spend/duckdb_bench.py import "$WORK"
t duckdb_analyse python3 bench/spend/duckdb_bench.py analyse "$WORK"
t duckdb_on_socval_parquet python3 bench/spend/duckdb_bench.py parquet "$WORK" "$DATA"

echo "== load after: $(uptime | sed 's/.*load average: //')"
python3 - "$WORK" <<'PY'
import sys
w = sys.argv[1]
def secs(s):
    p = s.split(':'); v = 0.0
    for x in p: v = v * 60 + float(x)
    return v
t = {}
for line in open(f"{w}/times"):
    k, wall, rss, cpu = line.split(); t[k] = (secs(wall), int(rss) // 1024, float(cpu))
for k, (s, m, c) in t.items(): print(f"{k:26s} {s:7.2f} s wall  {c:7.2f} s CPU  {m:5d} MB")
print(f"import  ratio socval/duckdb: {t['socval_import'][0] / t['duckdb_import'][0]:.2f} (target <= 1); CPU {t['socval_import'][2] / t['duckdb_import'][2]:.2f}")
print(f"analyse ratio socval/duckdb: {t['socval_analyse'][0] / t['duckdb_analyse'][0]:.2f} (target <= 0.5); CPU {t['socval_analyse'][2] / t['duckdb_analyse'][2]:.2f}")
print(f"peak RSS socval: {max(t['socval_import'][1], t['socval_analyse'][1])} MB (target < 1024)")
PY
