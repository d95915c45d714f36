//! Integration tests of the socval binary: one test binary, one module per subcommand.

mod admin;
mod contract;
mod demo;
mod evaluate;
mod framework;
mod geo;
mod pins;
mod quotes;
mod registers;
mod report;
mod serve;
mod spend;
mod value;

// Helpers shared by the engine's tests (framework, value, evaluate, contract,
// quotes, demo).

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// A file from the shared real data (../shared/data from the project root).
pub fn shared_data(rel: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/data")
        .join(rel)
}

/// A file in the repository (data/examples/..., data/policy/...).
pub fn repo(rel: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .join(rel)
}

/// Runs socval in `dir` (also its data directory).
pub fn run_in(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_socval"))
        .current_dir(dir)
        .arg("--data-dir")
        .arg(dir)
        .args(args)
        .output()
        .unwrap()
}

/// stdout, stderr and exit code.
pub fn parts(o: &Output) -> (String, String, i32) {
    (
        String::from_utf8_lossy(&o.stdout).into_owned(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
        o.status.code().unwrap_or(-1),
    )
}

/// Runs socval and expects `code`; returns stdout.
pub fn expect(dir: &Path, args: &[&str], code: i32) -> String {
    let (out, err, got) = parts(&run_in(dir, args));
    assert_eq!(got, code, "socval {args:?}\nstdout:\n{out}\nstderr:\n{err}");
    out
}

/// Runs socval, expects failure with exit code 1 and nothing on stdout; returns stderr.
pub fn expect_error(dir: &Path, args: &[&str]) -> String {
    let (out, err, got) = parts(&run_in(dir, args));
    assert_eq!(got, 1, "socval {args:?}\nstdout:\n{out}\nstderr:\n{err}");
    assert!(
        out.is_empty(),
        "nothing may be printed from a partly read file: {out}"
    );
    err
}

/// Writes a file into `dir` and returns its path as a string.
pub fn write(dir: &Path, name: &str, text: &str) -> String {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p.to_str().unwrap().to_string()
}

/// Parses JSON output.
pub fn json(text: &str) -> serde_json::Value {
    serde_json::from_str(text).unwrap_or_else(|e| panic!("not JSON ({e}): {text}"))
}

/// A path as &str.
pub fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}
