//! `socval spend`: import, re-import, bad input, register, analyse, export, generate.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn socval(data: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_socval"))
        .arg("--data-dir")
        .arg(data)
        .args(args)
        .output()
        .expect("runs")
}

fn ok(o: &Output) -> String {
    assert!(
        o.status.success(),
        "stdout: {}\nstderr: {}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8(o.stdout.clone()).unwrap()
}

fn shared() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data")
}

fn write(dir: &Path, name: &str, text: &str) -> String {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p.display().to_string()
}

#[test]
fn bad_input_names_file_line_column_value_and_reason_and_imports_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    let good = write(
        tmp.path(),
        "good.csv",
        "Payment Date,Amount,Beneficiary Name\n2019-04-01,10.00,ACME LTD\n",
    );
    let bad = write(
        tmp.path(),
        "bad.csv",
        "Payment Date,Amount,Beneficiary Name\n2019-04-01,10.00,ACME LTD\n31/13/2019,5.00,BETA LTD\n",
    );
    let o = socval(&data, &["spend", "import", &good, &bad]);
    assert_eq!(o.status.code(), Some(1));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains(
            "bad.csv, line 3, column A (Payment Date): \"31/13/2019\": there is no such month"
        ),
        "{err}"
    );
    let list = ok(&socval(&data, &["spend", "list", "--format", "json"]));
    let v: serde_json::Value = serde_json::from_str(&list).unwrap();
    assert_eq!(
        v["imports"].as_array().unwrap().len(),
        0,
        "nothing imported"
    );

    let blank = write(
        tmp.path(),
        "blank.csv",
        "Payment Date,Amount,Beneficiary Name\n2019-04-01,,ACME LTD\n",
    );
    let o = socval(&data, &["spend", "import", &blank]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        !o.status.success()
            && err.contains("line 2, column B (Amount)")
            && err.contains("--blank-amount"),
        "{err}"
    );
    let nohead = write(tmp.path(), "nohead.csv", "When,Paid,Who\n2019-04-01,1,A\n");
    let err =
        String::from_utf8_lossy(&socval(&data, &["spend", "import", &nohead]).stderr).into_owned();
    assert!(
        err.contains("no column for date") && err.contains("--map date="),
        "{err}"
    );
    ok(&socval(
        &data,
        &[
            "spend",
            "import",
            &nohead,
            "--map",
            "date=When",
            "--map",
            "amount=Paid",
            "--map",
            "supplier=Who",
        ],
    ));
}

#[test]
fn reimport_is_refused_unless_replace() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    let f = write(
        tmp.path(),
        "p.csv",
        "Payment Date,Amount,Beneficiary Name\n2019-04-01,\"£1,000.00\",ACME LTD\n",
    );
    ok(&socval(&data, &["spend", "import", &f]));
    let o = socval(&data, &["spend", "import", &f]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("already imported"),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let out = ok(&socval(
        &data,
        &["spend", "import", &f, "--replace", "--format", "json"],
    ));
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["imports"][0]["total_gbp"], "1000.00");
    let list: serde_json::Value =
        serde_json::from_str(&ok(&socval(&data, &["spend", "list", "--format", "json"]))).unwrap();
    assert_eq!(list["imports"].as_array().unwrap().len(), 1);
}

#[test]
fn sheffield_month_register_geography_analysis_and_exports() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    let d = data.display().to_string();
    let _ = d;
    ok(&socval(
        &data,
        &[
            "geo",
            "import",
            &shared()
                .join("geo/postcodes-s-dn.csv")
                .display()
                .to_string(),
        ],
    ));
    let aug = shared()
        .join("spend/sheffield/2019-08.csv")
        .display()
        .to_string();
    let mar = shared()
        .join("spend/sheffield/2019-01.csv")
        .display()
        .to_string();
    let out = ok(&socval(
        &data,
        &[
            "spend",
            "import",
            &aug,
            &mar,
            "--blank-amount",
            "skip",
            "--format",
            "json",
        ],
    ));
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let aug_info = v["imports"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["source"] == "2019-08.csv")
        .unwrap()
        .clone();
    assert_eq!(aug_info["blank_amount_lines"], 5078);
    assert_eq!(
        aug_info["lines"].as_u64().unwrap(),
        aug_info["rows"].as_u64().unwrap() + 5078
    );

    // A register: two real suppliers, one local (Rotherham) and one in Sheffield;
    // an override puts a national firm at a local branch.
    let reg = write(
        tmp.path(),
        "suppliers.csv",
        "Supplier ID,Supplier Name,Postcode,SME,VCSE\n1,Unite Integrated Solutions PLC,S60 2TH,no,no\n2,A Pinder Limited,S1 2HH,yes,no\n3,Nowhere Ltd,ZZ99 9ZZ,,\n",
    );
    ok(&socval(&data, &["spend", "suppliers", "import", &reg]));
    let over = write(
        tmp.path(),
        "over.csv",
        "name,postcode,reason\nTAYLOR SHAW LTD,S65 1AA,local kitchen depot\n",
    );
    ok(&socval(&data, &["spend", "overrides", "import", &over]));

    let out = ok(&socval(
        &data,
        &[
            "spend",
            "analyse",
            "--year",
            "2019/20",
            "--compare",
            "2018/19",
            "--format",
            "json",
        ],
    ));
    let r: serde_json::Value = serde_json::from_str(&out).unwrap();
    for k in [
        "year",
        "total_gbp",
        "suppliers",
        "top_n",
        "top_n_gbp",
        "by_class",
        "top_n_by_class",
        "deprived_local",
        "by_ward",
        "data_quality",
    ] {
        assert!(r.get(k).is_some(), "missing {k}");
    }
    for c in ["local", "region", "outside", "unknown"] {
        assert!(
            r["by_class"][c]["gbp"].is_string() && r["by_class"][c]["suppliers"].is_u64(),
            "{c}"
        );
        assert!(r["top_n_by_class"][c]["gbp"].is_string());
    }
    for b in ["1%", "10%", "20%"] {
        assert!(
            r["deprived_local"][b]["gbp"].is_string()
                && r["deprived_local"][b]["suppliers"].is_u64(),
            "{b}"
        );
    }
    assert_eq!(r["year"], "2019/20");
    assert_eq!(r["top_n"], 300);
    assert!(
        r["by_class"]["local"]["suppliers"].as_u64().unwrap() >= 1,
        "{}",
        r["by_class"]
    );
    let ward = &r["by_ward"][0];
    assert!(
        ward["ward"].is_string() && ward["ward_name"].is_string() && ward["gbp"].is_string(),
        "{ward}"
    );
    assert!(
        r["data_quality"]["overrides_applied"]["suppliers"]
            .as_u64()
            .unwrap()
            == 1
    );
    assert!(r["data_quality"]["redacted"]["payments"].as_u64().unwrap() > 0);
    assert_eq!(r["compare"]["year"], "2018/19");
    // Year-on-year: the change of the total is this year's minus last year's.
    let dec = |v: &serde_json::Value| v.as_str().unwrap().parse::<socval_core::Decimal>().unwrap();
    let want = dec(&r["total_gbp"]) - dec(&r["compare"]["total_gbp"]);
    assert_eq!(dec(&r["change"]["total_gbp"]), want);

    // A local definition that means nothing is refused, not guessed.
    let o = socval(
        &data,
        &[
            "spend",
            "analyse",
            "--year",
            "2019/20",
            "--region",
            "yorkshire",
        ],
    );
    assert_eq!(o.status.code(), Some(1));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("--region \"yorkshire\": not a preset (scr-ca, scr-lep)"),
        "{err}"
    );

    // Exports.
    for (fmt, name) in [
        ("csv", "x.csv"),
        ("parquet", "x.parquet"),
        ("xlsx", "x.xlsx"),
    ] {
        let p = tmp.path().join(name).display().to_string();
        let o = ok(&socval(
            &data,
            &[
                "spend", "export", "--format", fmt, "--year", "2019/20", "--output", &p,
            ],
        ));
        assert!(o.contains("Wrote"), "{o}");
        assert!(std::fs::metadata(&p).unwrap().len() > 0);
    }
    let csv = std::fs::read_to_string(tmp.path().join("x.csv")).unwrap();
    assert!(csv.lines().next().unwrap().contains("location_class"));
    assert!(
        csv.lines()
            .any(|l| l.contains("UNITE INTEGRATED SOLUTIONS") && l.contains(",local,")),
        "joined by normalised name"
    );
}

#[test]
fn generate_is_deterministic_and_imports() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    let pcs = shared()
        .join("geo/postcodes-s-dn.csv")
        .display()
        .to_string();
    let generate = |dir: &str| {
        let out = tmp.path().join(dir).display().to_string();
        ok(&socval(
            &data,
            &[
                "spend",
                "generate",
                "--payments",
                "3000",
                "--suppliers",
                "100",
                "--seed",
                "5",
                "--postcodes",
                &pcs,
                "--out",
                &out,
            ],
        ));
        (
            std::fs::read(tmp.path().join(dir).join("payments.csv")).unwrap(),
            std::fs::read(tmp.path().join(dir).join("suppliers.csv")).unwrap(),
        )
    };
    assert_eq!(generate("a"), generate("b"));
    let p = tmp.path().join("a/payments.csv").display().to_string();
    let out = ok(&socval(&data, &["spend", "import", &p, "--format", "json"]));
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["imports"][0]["rows"], 3000);
    ok(&socval(
        &data,
        &[
            "spend",
            "suppliers",
            "import",
            &tmp.path().join("a/suppliers.csv").display().to_string(),
        ],
    ));
    let r: serde_json::Value = serde_json::from_str(&ok(&socval(
        &data,
        &[
            "spend", "analyse", "--year", "2018/19", "--top", "10", "--format", "json",
        ],
    )))
    .unwrap();
    assert_eq!(
        r["data_quality"]["unmatched"]["suppliers"], 0,
        "every name variant joins the register"
    );
}

/// The outside review's `kill -9` during an import, for real: imports into
/// an organisation's area are killed at moments spread over their run, and
/// after each the next command (which recovers the area) finds the live
/// payments files exactly those of the newest audited import, with no
/// temporary or intent file left. Where each kill lands is chance; the
/// check holds wherever it lands.
#[test]
fn imports_killed_at_any_moment_leave_files_and_audit_log_agreeing() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    ok(&socval(
        &data,
        &[
            "admin",
            "create-org",
            "--slug",
            "c",
            "--name",
            "Council",
            "--kind",
            "council",
        ],
    ));
    let area = data.join("spend/orgs/c");
    let mut body = String::from("Payment Date,Amount,Supplier Name\n");
    for i in 0..40_000 {
        body.push_str(&format!(
            "2025-05-01,{}.{:02},Supplier {}\n",
            i % 5000,
            i % 100,
            i % 700
        ));
    }
    let mut completed = 0;
    for round in 0..16u64 {
        // Each round's file has new content under the same name: it replaces.
        let file = write(
            dir.path(),
            "payments.csv",
            &format!("{body}2025-06-01,{round}.00,Round\n"),
        );
        let mut child = Command::new(env!("CARGO_BIN_EXE_socval"))
            .arg("--data-dir")
            .arg(&data)
            .args(["spend", "import", "--org", "c", "--replace", &file])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(std::time::Duration::from_millis(10 + round * 12));
        let _ = child.kill(); // SIGKILL
        if child.wait().unwrap().success() {
            completed += 1;
        }
        let listed = ok(&socval(
            &data,
            &["spend", "list", "--org", "c", "--format", "json"],
        ));
        let live: Vec<String> =
            serde_json::from_str::<serde_json::Value>(&listed).unwrap()["imports"]
                .as_array()
                .unwrap()
                .iter()
                .map(|i| i["sha256"].as_str().unwrap().to_owned())
                .collect();
        let audit = ok(&socval(&data, &["admin", "audit-export", "--org", "c"]));
        // The export is oldest first.
        let newest = audit
            .lines()
            .rev()
            .filter(|l| l.contains("spend_import"))
            .filter_map(|l| {
                l.split(',')
                    .find(|f| f.len() == 64 && f.bytes().all(|b| b.is_ascii_hexdigit()))
            })
            .next()
            .map(str::to_owned);
        assert_eq!(
            live,
            newest.into_iter().collect::<Vec<_>>(),
            "round {round}\n{audit}"
        );
        let left: Vec<String> = walk(&area)
            .into_iter()
            .filter(|n| n.ends_with(".tmp") || n.contains(".intent-"))
            .collect();
        assert!(left.is_empty(), "round {round}: {left:?}");
    }
    // The spread of kill times is meant to catch imports at every stage,
    // including after they finish.
    eprintln!("{completed} of 16 imports finished before their kill");
}

/// Every file name under `dir`.
fn walk(dir: &Path) -> Vec<String> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p.file_name().unwrap().to_string_lossy().into_owned());
        }
    }
    out
}
