//! Integration tests of socval-register: one test binary, one module per
//! part. Every file is generated into a temp dir in its published layout,
//! with fictional companies and charities (`socval_register::sample`).

mod charities;
mod companies;
mod identifiers;

use std::path::{Path, PathBuf};

use socval_register::{ImportSummary, Result};

/// Imports `files` into `dir` without progress.
pub fn import(dir: &Path, files: &[PathBuf]) -> Result<ImportSummary> {
    socval_register::import(dir, files, 1_780_000_000, &mut |_, _, r| r)
}

/// Writes `bytes` to `dir/name` and returns the path.
pub fn write(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, bytes).unwrap();
    p
}
