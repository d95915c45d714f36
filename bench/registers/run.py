#!/usr/bin/env python3
"""socval-register benchmark. Run from the repository root:

    python3 bench/registers/run.py [--rows 5500000] [--work /tmp/socval-registers-bench]

1. writes a full-size FICTIONAL Companies House BasicCompanyData CSV in the published
   layout (the header with its leading spaces, 55 columns, every value quoted, dates
   dd/mm/yyyy; 5.5 million companies by default, about the size of the real file);
   names come from word lists and numbers from a counter: no real company or person;
2. builds socval --release and times `socval registers import` of that file against
   DuckDB (Python package) running `CREATE TABLE AS SELECT * FROM read_csv(...)` of the
   same file into a database file, in the same run; prints both times and the ratio;
3. measures opening the index for one lookup (wall time of the whole process) and
   peak resident memory of each step, with /usr/bin/time -v.

Needs: `pip install duckdb`, /usr/bin/time.
"""
import argparse
import os
import re
import shutil
import subprocess
import sys
import time

BIN = os.path.join("target", "release", "socval")

HEADER = ("CompanyName, CompanyNumber,RegAddress.CareOf,RegAddress.POBox,RegAddress.AddressLine1,"
          " RegAddress.AddressLine2,RegAddress.PostTown,RegAddress.County,RegAddress.Country,"
          "RegAddress.PostCode,CompanyCategory,CompanyStatus,CountryOfOrigin,DissolutionDate,"
          "IncorporationDate,Accounts.AccountRefDay,Accounts.AccountRefMonth,Accounts.NextDueDate,"
          "Accounts.LastMadeUpDate,Accounts.AccountCategory,Returns.NextDueDate,"
          "Returns.LastMadeUpDate,Mortgages.NumMortCharges,Mortgages.NumMortOutstanding,"
          "Mortgages.NumMortPartSatisfied,Mortgages.NumMortSatisfied,SICCode.SicText_1,"
          "SICCode.SicText_2,SICCode.SicText_3,SICCode.SicText_4,"
          "LimitedPartnerships.NumGenPartners,LimitedPartnerships.NumLimPartners,URI,"
          + ",".join(f"PreviousName_{i}.CONDATE, PreviousName_{i}.CompanyName" for i in range(1, 11))
          + ",ConfStmtNextDueDate, ConfStmtLastMadeUpDate")

WORDS = ["ALDER", "BRACKEN", "CINDER", "DALE", "EMBER", "FERN", "GRANITE", "HOLLY", "IRONSTONE",
         "JUNIPER", "KESTREL", "LARCH", "MILLRACE", "NETTLE", "OSIER", "PEWTER"]
TRADES = ["JOINERY", "CATERING", "SOFTWARE", "HAULAGE", "CLEANING", "PRINT", "CARE", "BUILDERS"]
POSTCODES = ["S60 2TH", "S1 2HH", "DN1 3BU", "S70 2TA", "S60 1AE", "S1 4PF", "LS1 1UR", "M2 5DB"]
KINDS = [("Community Interest Company", "MICRO ENTITY"), ("Private Limited Company", "SMALL"),
         ("Private Limited Company", "TOTAL EXEMPTION FULL"), ("Public Limited Company", "FULL"),
         ("Private Limited Company", "DORMANT")]
SIC = ["43320 - Joinery installation", "56210 - Event catering activities",
       "62012 - Business and domestic software development", "49410 - Freight transport by road",
       "81210 - General cleaning of buildings",
       "88990 - Other social work activities without accommodation n.e.c."]


def number(i):
    """A distinct fictional company number for each i below 10 million."""
    prefix = {7: "SC", 8: "OC", 9: "NI"}.get(i % 10)
    if prefix:
        return f"{prefix}{i // 10 % 1_000_000 + 1:06d}"
    return f"{10_000_000 - 1 - i:08d}"


def generate(path, rows):
    tail = '"",' * 20 + '"13/07/2027","29/06/2026"\n'
    with open(path, "w", newline="") as f:
        f.write(HEADER + "\n")
        batch = []
        for i in range(rows):
            num = number(i)
            cat, acc = KINDS[i % 5]
            dissolved = i % 11 == 3
            name = f"{WORDS[i % 16]} {WORDS[(i // 16 + 3) % 16]} {TRADES[i // 256 % 8]} {i} LIMITED"
            batch.append(
                f'"{name}","{num}","","","1 FICTION STREET","","SAMPLETON","","ENGLAND",'
                f'"{POSTCODES[i % 8]}","{cat}","{"Dissolved" if dissolved else "Active"}",'
                f'"United Kingdom","{"01/02/2025" if dissolved else ""}",'
                f'"{1 + i % 28:02d}/{1 + i % 12:02d}/{1990 + i % 35}","31","3","31/12/2026",'
                f'"31/03/2025","{acc}","","","0","0","0","0","{SIC[i % 6]}",'
                f'"{SIC[(i + 1) % 6] if i % 3 else ""}","","","0","0",'
                f'"http://business.data.gov.uk/id/company/{num}",' + tail)
            if len(batch) == 100_000:
                f.writelines(batch)
                batch.clear()
        f.writelines(batch)


def timed(cmd, **kw):
    """Runs cmd under /usr/bin/time -v; returns (wall seconds, peak RSS MB, stdout)."""
    t0 = time.perf_counter()
    p = subprocess.run(["/usr/bin/time", "-v"] + cmd, capture_output=True, text=True, **kw)
    wall = time.perf_counter() - t0
    if p.returncode != 0:
        sys.exit(f"failed: {' '.join(cmd)}\n{p.stderr}")
    rss = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", p.stderr).group(1)) / 1024
    return wall, rss, p.stdout


DUCKDB = """
import duckdb, sys
con = duckdb.connect(sys.argv[2])
con.execute("SET enable_progress_bar = false")
con.execute("CREATE TABLE companies AS SELECT * FROM read_csv(?)", [sys.argv[1]])
print(con.execute("SELECT count(*) FROM companies").fetchone()[0])
"""


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=5_500_000)
    ap.add_argument("--work", default="/tmp/socval-registers-bench")
    ap.add_argument("--keep", action="store_true", help="keep the generated file for another run")
    a = ap.parse_args()
    os.makedirs(a.work, exist_ok=True)
    csv = os.path.join(a.work, f"BasicCompanyDataAsOneFile-2026-12-01-{a.rows}.csv")
    if not os.path.exists(csv):
        t0 = time.perf_counter()
        generate(csv + ".part", a.rows)
        os.rename(csv + ".part", csv)
        print(f"generated {a.rows} fictional companies, {os.path.getsize(csv) / 1e9:.2f} GB, "
              f"in {time.perf_counter() - t0:.1f} s")
    subprocess.run(["cargo", "build", "--release", "-p", "socval-cli", "--quiet"], check=True)

    data = os.path.join(a.work, "data")
    shutil.rmtree(data, ignore_errors=True)
    s_wall, s_rss, out = timed([BIN, "--data-dir", data, "registers", "import", csv])
    print(out.strip().splitlines()[-1])
    db = os.path.join(a.work, "duck.db")
    for p in (db, db + ".wal"):
        if os.path.exists(p):
            os.remove(p)
    d_wall, d_rss, out = timed([sys.executable, "-c", DUCKDB, csv, db])
    print(f"duckdb rows: {out.strip()}")
    o_wall, o_rss, _ = timed([BIN, "--data-dir", data, "registers", "lookup", "09999999"])

    idx = os.path.join(data, "registers", "companies.idx")
    print(f"\n{a.rows} companies, CSV {os.path.getsize(csv) / 1e9:.2f} GB, "
          f"index {os.path.getsize(idx) / 1e6:.0f} MB, {os.cpu_count()} cores")
    print(f"socval registers import  {s_wall:7.1f} s  peak {s_rss:6.0f} MB")
    print(f"duckdb CREATE TABLE AS   {d_wall:7.1f} s  peak {d_rss:6.0f} MB")
    print(f"ratio socval/duckdb      {s_wall / d_wall:7.2f}")
    print(f"lookup (open + 1 query)  {o_wall * 1000:7.0f} ms (whole process) peak {o_rss:.0f} MB")
    if not a.keep:
        os.remove(csv)


if __name__ == "__main__":
    main()
