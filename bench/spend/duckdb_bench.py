"""DuckDB side of bench/spend: the same import and the same aggregates.

import:  CSV -> a DuckDB table (persisted database file), like socval's CSV -> Parquet.
analyse: from that table, the CLES aggregates: total, suppliers, per-supplier
         sums joined to the register (by normalised name) and each supplier's
         class (from the postcode directory), top 300, by class, by ward.
parquet: the same aggregates over socval's own Parquet import (shows the
         Parquet is directly usable).
"""
import sys, time, duckdb

mode, work = sys.argv[1], sys.argv[2]
db = f"{work}/duck.db"
PCS = "../shared/data/geo/postcodes-s-dn.csv"

NORM = """regexp_replace(regexp_replace(regexp_replace(trim(regexp_replace(regexp_replace(upper({c}), '[&+]', ' AND ', 'g'), '[^A-Z0-9 ]', '', 'g')), ' +', ' ', 'g'), '^THE ', ''), '( (LTD|LIMITED|PLC|LLP|CIC))+$', '')"""

AGG = """
WITH sup AS (
  SELECT {norm_s} AS norm, s.name, p.laua, p.ward
  FROM read_csv('{work}/gen/suppliers.csv', all_varchar=true) s
  LEFT JOIN read_csv('{pcs}', all_varchar=true) p ON p.pcds = s.postcode
),
names AS (
  SELECT name, any_value(redacted) AS redacted FROM pay GROUP BY name
),
payee AS (
  SELECT n.name, CASE WHEN n.redacted THEN 'REDACTED' ELSE {norm_n} END AS norm FROM names n
),
per AS (
  SELECT y.norm, sum(p.pence) AS pence
  FROM pay p JOIN payee y USING (name)
  WHERE p.date BETWEEN DATE '2018-04-01' AND DATE '2019-03-31'
  GROUP BY y.norm
),
cls AS (
  SELECT per.norm, per.pence, sup.ward,
    CASE WHEN per.norm = 'REDACTED' OR sup.laua IS NULL THEN 'unknown'
         WHEN sup.laua = 'E08000018' THEN 'local'
         WHEN sup.laua IN ('E08000016','E08000017','E08000019') THEN 'region'
         ELSE 'outside' END AS class
  FROM per LEFT JOIN (SELECT norm, any_value(laua) laua, any_value(ward) ward FROM sup GROUP BY norm) sup USING (norm)
),
ranked AS (SELECT *, row_number() OVER (ORDER BY pence DESC, norm) AS rk FROM cls WHERE norm <> 'REDACTED')
SELECT 'total' k, sum(pence) v, count(*) n FROM cls
UNION ALL SELECT 'top300', sum(pence), count(*) FROM ranked WHERE rk <= 300
UNION ALL SELECT 'class:' || class, sum(pence), count(*) FROM cls GROUP BY class
UNION ALL SELECT 'top300:' || class, sum(pence), count(*) FROM ranked WHERE rk <= 300 GROUP BY class
UNION ALL SELECT 'ward:' || ward, sum(pence), count(*) FROM cls WHERE class = 'local' GROUP BY ward
"""

def agg(con):
    q = AGG.format(work=work, pcs=PCS, norm_s=NORM.format(c="s.name"), norm_n=NORM.format(c="n.name"))
    rows = con.execute(q).fetchall()
    print(len(rows), "result rows;", [r for r in rows if r[0] in ("total", "top300")])

t0 = time.time()
if mode == "import":
    import os
    if os.path.exists(db):
        os.remove(db)
    con = duckdb.connect(db)
    con.execute(f"""CREATE TABLE pay AS SELECT
        "Payment Date"::DATE AS date,
        CAST(round(CAST(Amount AS DECIMAL(18,2)) * 100) AS BIGINT) AS pence,
        "Organisational Unit" AS service,
        "Beneficiary Name" AS name,
        upper("Beneficiary Name") LIKE 'REDACTED%' AS redacted
      FROM read_csv('{work}/gen/payments.csv', header=true, all_varchar=true)""")
    print(con.execute("SELECT count(*), sum(pence) FROM pay").fetchone())
elif mode == "analyse":
    con = duckdb.connect(db, read_only=True)
    agg(con)
elif mode == "parquet":
    data = sys.argv[3]
    con = duckdb.connect()
    con.execute(f"""CREATE VIEW pay AS SELECT date, amount_pence AS pence, supplier_name AS name, redacted
                    FROM read_parquet('{data}/spend/payments/*.parquet')""")
    agg(con)
print(f"{mode}: {time.time() - t0:.2f} s inside python", file=sys.stderr)
