//! Integration tests of socval-report: one test binary, a module per concern.

mod browser;
mod chart;
mod contracts;
mod seed;
mod spend;
mod xlsx;

use std::path::PathBuf;

use socval_core::{FinancialYear, Framework, framework};
use socval_report::{Commitments, Inputs, Report, SpendInput, build, read_commitments};

/// A file from the shared real data (../shared/data from the project root).
pub fn shared(rel: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/data")
        .join(rel)
}

pub fn rotherham() -> Framework {
    framework::embedded("rotherham-2019").unwrap()
}

/// The seed's table 2.10 commitments, read as the CLI reads them.
pub fn seed_commitments(fw: &Framework) -> Commitments {
    let path = shared("seed/table-2-10-commitments.csv");
    let f = std::fs::File::open(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    read_commitments("table-2-10-commitments.csv", f, fw).unwrap()
}

pub fn inputs<'a>(fw: &'a Framework, c: Option<&'a Commitments>, spend: SpendInput) -> Inputs<'a> {
    Inputs {
        org: Some("Rotherham MBC".into()),
        year: FinancialYear::starting(2019),
        compare: None,
        framework: fw,
        framework_source: "embedded rotherham-2019".into(),
        carry_forward: false,
        commitments: c,
        contracts: None,
        spend,
        quotes: None,
        generated_by: "socval test".into(),
    }
}

/// The report on the seed's commitments, with no spend imported.
pub fn seed_report() -> Report {
    let fw = rotherham();
    let c = seed_commitments(&fw);
    build(&inputs(
        &fw,
        Some(&c),
        SpendInput::Missing("No payments have been imported.".into()),
    ))
    .unwrap()
}
