//! `socval demo`: the portal on a fictional borough, signed in to over real
//! HTTP as each printed user; and `socval demo --example`, the worked
//! example a newcomer sees first.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};

use crate::expect;

#[test]
fn demo_example_reproduces_table_2_10_and_runs_the_examples() {
    let dir = tempfile::tempdir().unwrap();
    let out = expect(dir.path(), &["demo", "--example"], 0);
    for want in [
        "Total: £1,458,532",
        "£1,458,537",
        "£5 difference",
        "£999,162",
        "£239,859",
        "Don Valley Builders Ltd",
        "Q-004",
        "3 not compliant",
        "docs/engine.md",
    ] {
        assert!(out.contains(want), "{want:?} missing from the demo:\n{out}");
    }
}

/// A reply: status line, headers (lower-case names) and body.
struct Reply {
    status: u16,
    headers: Vec<(String, String)>,
    body: String,
}

impl Reply {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// The value of cookie `name` set by this reply.
    fn cookie(&self, name: &str) -> Option<String> {
        self.headers
            .iter()
            .filter(|(k, _)| k == "set-cookie")
            .find_map(|(_, v)| {
                let pair = v.split(';').next()?;
                let (k, v) = pair.split_once('=')?;
                (k == name && !v.is_empty()).then(|| v.to_owned())
            })
    }
}

/// One HTTP/1.1 request over a new connection.
fn http(addr: &str, method: &str, path: &str, cookie: &str, form: &str) -> Reply {
    let mut s = TcpStream::connect(addr).unwrap();
    let mut req = format!("{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n");
    if !cookie.is_empty() {
        req.push_str(&format!("Cookie: {cookie}\r\n"));
    }
    if method == "POST" {
        req.push_str(&format!(
            "Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n",
            form.len()
        ));
    }
    req.push_str("\r\n");
    req.push_str(form);
    s.write_all(req.as_bytes()).unwrap();
    let mut raw = Vec::new();
    s.read_to_end(&mut raw).unwrap();
    let raw = String::from_utf8_lossy(&raw).into_owned();
    let (head, body) = raw.split_once("\r\n\r\n").unwrap_or((&raw, ""));
    let mut lines = head.lines();
    let status = lines
        .next()
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    // Bodies may be chunked; the tests only look for text in them.
    Reply {
        status,
        headers,
        body: body.to_owned(),
    }
}

fn encode(v: &str) -> String {
    v.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// Signs in through the sign-in form, as a browser would; returns the
/// session cookie.
fn sign_in(addr: &str, email: &str, password: &str) -> String {
    let page = http(addr, "GET", "/login", "", "");
    assert_eq!(page.status, 200, "{}", page.body);
    let pre = page
        .cookie("socval_pre")
        .expect("the sign-in form sets its cookie");
    let marker = "name=\"csrf_token\" value=\"";
    let at = page.body.find(marker).expect("a CSRF field") + marker.len();
    let token = page.body[at..].split('"').next().unwrap();
    let form = format!(
        "csrf_token={}&next=%2F&email={}&password={}",
        encode(token),
        encode(email),
        encode(password)
    );
    let r = http(addr, "POST", "/login", &format!("socval_pre={pre}"), &form);
    assert_eq!(r.status, 303, "signing in as {email}: {}", r.body);
    let session = r
        .cookie("socval_session")
        .unwrap_or_else(|| panic!("no session cookie for {email}: {:?}", r.headers));
    format!("socval_session={session}")
}

struct Demo {
    child: Child,
    banner: String,
}

impl Drop for Demo {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start_demo(data_dir: &std::path::Path) -> Demo {
    let mut child = Command::new(env!("CARGO_BIN_EXE_socval"))
        .arg("--data-dir")
        .arg(data_dir)
        .args(["demo", "--listen", "127.0.0.1:0"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut reader = BufReader::new(child.stdout.take().unwrap());
    let mut banner = String::new();
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap() == 0 {
            let mut err = String::new();
            let _ = child.stderr.take().unwrap().read_to_string(&mut err);
            panic!("the demo stopped before it was ready:\n{banner}\n{err}");
        }
        banner.push_str(&line);
        if line.starts_with("Ctrl-C stops the demo") {
            break;
        }
    }
    Demo { child, banner }
}

#[test]
fn demo_serves_a_fictional_borough_and_every_printed_user_signs_in() {
    let data_dir = tempfile::tempdir().unwrap();
    let demo = start_demo(data_dir.path());
    let banner = demo.banner.clone();
    assert!(
        banner.contains("Borsetshire Metropolitan Borough Council (fictional)"),
        "{banner}"
    );
    let url = banner
        .lines()
        .find_map(|l| l.strip_prefix("The portal is running at "))
        .unwrap_or_else(|| panic!("no address in:\n{banner}"));
    let addr = url.trim().strip_prefix("http://").unwrap().to_owned();
    let password = banner
        .lines()
        .find_map(|l| l.strip_prefix("Password (every user): "))
        .unwrap()
        .trim()
        .to_owned();
    let temp = banner
        .split("(in ")
        .nth(1)
        .and_then(|r| r.split(", deleted").next())
        .unwrap()
        .to_owned();
    assert!(
        std::path::Path::new(&temp).join("socval.db").exists(),
        "the database is in the temporary directory {temp}"
    );
    assert!(
        !data_dir.path().join("socval.db").exists(),
        "the demo leaves the data directory alone"
    );

    let mut seen = Vec::new();
    for role in ["admin", "officer", "viewer", "supplier"] {
        let line = banner
            .lines()
            .find(|l| l.trim_start().starts_with(&format!("{role} ")))
            .unwrap_or_else(|| panic!("no {role} login in:\n{banner}"));
        let email = line.split_whitespace().nth(1).unwrap().to_owned();
        let cookie = sign_in(&addr, &email, &password);
        let home = http(&addr, "GET", "/", &cookie, "");
        assert_eq!(home.status, 200, "{role}: {}", home.body);
        assert!(
            home.body.contains("Your organisations")
                && home
                    .body
                    .contains("Borsetshire Metropolitan Borough Council (fictional)"),
            "{role}'s home page:\n{}",
            home.body
        );
        assert!(home.body.contains("This is a demo"), "the demo banner");
        let org = http(&addr, "GET", "/orgs/borsetshire", &cookie, "");
        assert_eq!(org.status, 200, "{role}: {}", org.body);
        assert!(
            org.body
                .contains(&format!("<strong class=\"tag\">{role}</strong>")),
            "{role}: {}",
            org.body
        );
        seen.push((role, cookie));
    }
    // The admin also works in the partner organisations.
    let admin = &seen[0].1;
    let home = http(&addr, "GET", "/", admin, "");
    for partner in [
        "Borsetshire Hospitals NHS Foundation Trust (fictional)",
        "Felpersham College (fictional)",
        "Ambridge Homes Housing Association (fictional)",
    ] {
        assert!(
            home.body.contains(partner),
            "{partner} on the admin's home page"
        );
    }
    // Small purchases, compliant and not; the supplier may not see them.
    let officer = &seen[1].1;
    let purchases = http(&addr, "GET", "/orgs/borsetshire/purchases", officer, "");
    assert_eq!(purchases.status, 200);
    assert!(
        purchases.body.contains("BMBC-SP-0001")
            && purchases.body.contains(">Compliant<")
            && purchases.body.contains(">Not compliant<"),
        "{}",
        purchases.body
    );
    let supplier = &seen[3].1;
    let refused = http(&addr, "GET", "/orgs/borsetshire/purchases", supplier, "");
    assert_eq!(refused.status, 403);
    // A spend ledger: the import on the Spend page, and the report of the
    // contracts' year analyses it against the fictional directory, with
    // Borsetshire local, its wards and distances from the town hall.
    let spend = http(&addr, "GET", "/orgs/borsetshire/spend", officer, "");
    assert_eq!(spend.status, 200, "{}", spend.body);
    assert!(
        spend.body.contains("borsetshire-payments.csv")
            && spend.body.contains("20,000")
            && spend
                .body
                .contains("borsetshire-suppliers.csv: 400 suppliers"),
        "{}",
        spend.body
    );
    let report = http(
        &addr,
        "GET",
        "/orgs/borsetshire/reports/2025-26",
        officer,
        "",
    );
    assert_eq!(report.status, 200, "{}", report.body);
    for want in [
        "Local: Borsetshire (fictional) (LAD E08000901)",
        "Lakey Hill",
        "Most deprived 10%",
    ] {
        assert!(
            report.body.contains(want),
            "{want:?} missing from the report"
        );
    }
    assert!(
        !report.body.contains("No payments have been imported"),
        "the report has the spend section"
    );
    // Its payments, each with the supplier's location and its distance
    // from the town hall (the last field but one).
    let csv = http(
        &addr,
        "GET",
        "/orgs/borsetshire/reports/2025-26/records?spend=all&year=2025-26",
        officer,
        "",
    );
    assert_eq!(csv.status, 200);
    assert!(csv.body.contains("distance_km,override_reason"));
    let local_distances: Vec<f64> = csv
        .body
        .lines()
        .filter(|l| l.contains(",local,E08000901,"))
        .filter_map(|l| l.rsplit(',').nth(1)?.parse().ok())
        .collect();
    assert!(
        local_distances.len() > 100 && local_distances.iter().all(|d| *d < 10.0),
        "local suppliers are a few km from the town hall: {local_distances:?}"
    );
    // The API answers for the session too.
    let me = http(&addr, "GET", "/api/v1/me", officer, "");
    assert_eq!(me.status, 200);
    assert!(me.body.contains("officer@borsetshire.example"));
    assert!(
        me.header("content-type")
            .unwrap_or("")
            .starts_with("application/json")
    );

    // SIGTERM: a graceful stop, and the temporary directory is gone.
    let mut demo = demo;
    let killed = Command::new("kill")
        .args(["-TERM", &demo.child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let status = demo.child.wait().unwrap();
    assert_eq!(status.code(), Some(0));
    assert!(
        !std::path::Path::new(&temp).exists(),
        "the demo deletes its temporary directory {temp}"
    );
}
