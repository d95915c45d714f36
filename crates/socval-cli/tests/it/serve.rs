//! `socval serve`: starts on a fresh data directory (migrations applied),
//! answers health checks and pages, and stops cleanly on SIGTERM.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Command, Stdio};

fn get(addr: &str, path: &str) -> String {
    let mut s = TcpStream::connect(addr).unwrap();
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut out = String::new();
    s.read_to_string(&mut out).unwrap();
    out
}

#[test]
fn serve_answers_and_stops_on_sigterm() {
    let dir = tempfile::tempdir().unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_socval"))
        .arg("--data-dir")
        .arg(dir.path())
        .args(["serve", "--listen", "127.0.0.1:0"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut first)
        .unwrap();
    let addr = first
        .split("http://")
        .nth(1)
        .and_then(|rest| rest.split_whitespace().next())
        .unwrap_or_else(|| panic!("no address in {first:?}"))
        .to_owned();
    assert!(
        dir.path().join("socval.db").exists(),
        "the database is created in the data directory"
    );

    let health = get(&addr, "/healthz");
    assert!(health.starts_with("HTTP/1.1 200"), "{health}");
    assert!(health.contains(r#"{"status":"ok"}"#));
    let login = get(&addr, "/login");
    assert!(
        login.starts_with("HTTP/1.1 200") && login.contains("<h1>Sign in</h1>"),
        "{login}"
    );
    assert!(
        login
            .to_ascii_lowercase()
            .contains("content-security-policy: default-src 'self'")
    );
    let home = get(&addr, "/");
    assert!(
        home.starts_with("HTTP/1.1 303") && home.to_ascii_lowercase().contains("location: /login"),
        "{home}"
    );

    let killed = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(0), "a graceful stop exits 0");
    let mut logs = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut logs)
        .unwrap();
    let lines: Vec<&str> = logs.lines().collect();
    assert!(
        lines
            .iter()
            .any(|l| l.contains("\"path\":\"/healthz\"") && l.contains("\"status\":200")),
        "JSON request logs when stderr is not a terminal:\n{logs}"
    );
}
