#!/usr/bin/env python3
"""socval-geo benchmark. Run from the repository root:

    python3 bench/geo/run.py [--rows 10000000] [--work /tmp/socval-geo-bench]

1. builds socval --release and times `socval geo import` of the whole UK NSPL (.gz);
2. writes a CSV of supplier postcodes sampled from that directory (10 million rows by
   default; a tenth respelled in lower case without the space, 1 in 200 not a real
   postcode) and times `socval geo classify` against DuckDB (Python package) joining
   the same CSV to the same directory and IMD file, in the same run; prints both
   times and the ratio;
3. measures opening the index for one lookup (wall time of the whole process) and
   peak resident memory, with /usr/bin/time -v.
"""
import argparse
import gzip
import os
import random
import re
import shutil
import subprocess
import sys
import time

DATA = os.path.join("..", "shared", "data")
NSPL = os.path.join(DATA, "geo", "nspl-2024-08-uk-lad-ward-lsoa21.csv.gz")
IMD = os.path.join(DATA, "imd", "File_1_-_IMD2019_Index_of_Multiple_Deprivation.csv")
BIN = os.path.join("target", "release", "socval")


def timed(cmd, **kw):
    """Runs cmd under /usr/bin/time -v; returns (wall seconds, peak RSS MB, stdout)."""
    t0 = time.perf_counter()
    p = subprocess.run(["/usr/bin/time", "-v"] + cmd, capture_output=True, text=True, **kw)
    wall = time.perf_counter() - t0
    if p.returncode != 0:
        sys.exit(f"failed: {' '.join(cmd)}\n{p.stderr}")
    rss = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", p.stderr).group(1)) / 1024
    return wall, rss, p.stdout


def main():
    global BIN
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=10_000_000)
    ap.add_argument("--work", default="/tmp/socval-geo-bench")
    ap.add_argument("--no-build", action="store_true", help="use the existing binary")
    ap.add_argument("--bin", default=BIN, help="the socval binary (default target/release/socval)")
    args = ap.parse_args()
    BIN = args.bin
    if not args.no_build:
        subprocess.run(["cargo", "build", "--release", "-p", "socval-cli"], check=True)
    shutil.rmtree(args.work, ignore_errors=True)
    os.makedirs(args.work)
    data_dir = os.path.join(args.work, "data")
    print(f"machine: {os.cpu_count()} cores")

    # 1. Import.
    runs = []
    for _ in range(3):
        wall, rss, _ = timed([BIN, "--data-dir", data_dir, "geo", "import", NSPL])
        runs.append((wall, rss))
    best = min(r[0] for r in runs)
    print(f"import UK NSPL .gz: runs {', '.join(f'{w:.2f} s' for w, _ in runs)}; best {best:.2f} s "
          f"(target <= 15 s); peak RSS {max(r for _, r in runs):.0f} MB")
    timed([BIN, "--data-dir", data_dir, "geo", "import", IMD])
    size = os.path.getsize(os.path.join(data_dir, "geo", "postcodes.idx")) / 1e6
    print(f"index file: {size:.0f} MB")

    # 2. Supplier CSV sampled from the directory.
    with gzip.open(NSPL, "rt") as f:
        next(f)
        postcodes = [line.split(",", 1)[0] for line in f]
    rng = random.Random(20191)
    suppliers = os.path.join(args.work, "suppliers.csv")
    t0 = time.perf_counter()
    with open(suppliers, "w") as out:
        out.write("supplier_id,postcode,amount\n")
        chunk = []
        for i in range(args.rows):
            pc = rng.choice(postcodes)
            r = rng.random()
            if r < 0.005:
                pc = "NOT KNOWN"
            elif r < 0.1:
                pc = pc.lower().replace(" ", "")
            chunk.append(f"{i},{pc},{(i * 7919) % 100000}.00\n")
            if len(chunk) == 100_000:
                out.writelines(chunk)
                chunk = []
        out.writelines(chunk)
    print(f"generated {args.rows:,} supplier rows in {time.perf_counter() - t0:.1f} s "
          f"({os.path.getsize(suppliers) / 1e6:.0f} MB)")

    load_before = os.getloadavg()
    ours_out = os.path.join(args.work, "socval-classified.csv")
    wall_ours, rss_ours, _ = timed([BIN, "--data-dir", data_dir, "geo", "classify", suppliers,
                                    "--postcode-column", "postcode", "-q", "-o", ours_out])

    import duckdb  # pip install duckdb

    con = duckdb.connect()
    t0 = time.perf_counter()
    # Loading the directory is DuckDB's "import" (not timed against classify, as ours is not).
    con.execute(f"""CREATE TABLE dir AS SELECT replace(pcds, ' ', '') AS k, laua, ward, lsoa21
                    FROM read_csv('{NSPL}', header = true, all_varchar = true)""")
    con.execute(f"""CREATE TABLE imd AS SELECT "LSOA code (2011)" AS lsoa,
                    CAST(replace("Index of Multiple Deprivation (IMD) Rank", ',', '') AS INTEGER) AS imd_rank,
                    "Index of Multiple Deprivation (IMD) Decile" AS imd_decile
                    FROM read_csv('{IMD}', header = true)""")
    load = time.perf_counter() - t0
    duck_out = os.path.join(args.work, "duckdb-classified.csv")
    region = "('E08000016','E08000017','E08000018','E08000019','E08000038','E08000039')"
    t0 = time.perf_counter()
    con.execute(f"""COPY (
        SELECT s.*, d.laua AS lad, d.ward, d.lsoa21 AS lsoa, i.imd_rank, i.imd_decile,
          CASE WHEN i.imd_rank * 100 <= 32844 THEN '1%' WHEN i.imd_rank * 100 <= 328440 THEN '10%'
               WHEN i.imd_rank * 100 <= 656880 THEN '20%' END AS most_deprived,
          CASE WHEN d.laua IS NULL THEN 'unknown' WHEN d.laua = 'E08000018' THEN 'local'
               WHEN d.laua IN {region} THEN 'region' ELSE 'outside' END AS class
        FROM read_csv('{suppliers}', header = true, all_varchar = true) s
        LEFT JOIN dir d ON d.k = upper(replace(s.postcode, ' ', ''))
        LEFT JOIN imd i ON i.lsoa = d.lsoa21
    ) TO '{duck_out}' (HEADER)""")
    wall_duck = time.perf_counter() - t0
    n_ours = sum(1 for _ in open(ours_out)) - 1
    n_duck = sum(1 for _ in open(duck_out)) - 1
    print(f"classify {args.rows:,} rows: socval {wall_ours:.2f} s (peak RSS {rss_ours:.0f} MB, {n_ours:,} rows out); "
          f"DuckDB {duckdb.__version__} {wall_duck:.2f} s ({n_duck:,} rows out; directory load {load:.2f} s untimed)")
    print(f"ratio DuckDB / socval: {wall_duck / wall_ours:.2f} (>= 1 means socval is at least as fast)")
    load_after = os.getloadavg()
    print("load average (1, 5, 15 min) before classify: " + ", ".join(f"{x:.2f}" for x in load_before)
          + "; after DuckDB: " + ", ".join(f"{x:.2f}" for x in load_after))

    # 3. Open the index for one lookup: whole-process wall time and peak RSS.
    opens = []
    for _ in range(5):
        opens.append(timed([BIN, "--data-dir", data_dir, "geo", "lookup", "S60", "2TH", "--format", "json"]))
    print(f"lookup S60 2TH (process start, open index + IMD, print): "
          f"{', '.join(f'{w * 1000:.0f} ms' for w, _, _ in opens)}; best {min(w for w, _, _ in opens) * 1000:.0f} ms "
          f"(target < 50 ms); peak RSS {max(r for _, r, _ in opens):.0f} MB (target < 300 MB)")


if __name__ == "__main__":
    main()
