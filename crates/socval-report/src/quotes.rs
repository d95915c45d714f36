//! Small purchases for the report: a quotes CSV checked against the
//! policy's rule, and the reproducible sample audit.

use std::io::Read;

use socval_core::Policy;
use socval_core::quotes;

use crate::build::QuotesInput;
use crate::commitments::records;
use crate::error::Result;

/// Reads a quotes CSV (the format of `socval quotes check`), checks every
/// purchase and draws the audit sample of `size` with `seed`.
///
/// Returns an error naming file, line, column and value for a bad line. An
/// audit that cannot be drawn (no purchase under the threshold) is not an
/// error: the report says why.
pub fn read_quotes(
    file: &str,
    reader: impl Read,
    policy: &Policy,
    seed: u64,
    size: usize,
) -> Result<QuotesInput> {
    let recs = records(file, reader)?;
    let qs = quotes::quotes_from_records(&recs)?;
    let checks = quotes::check(&qs, policy);
    let audit = quotes::audit(&checks, seed, size, policy.assurance, file).map_err(|e| match e {
        socval_core::Error::Invalid { message, .. } => message,
        e => e.to_string(),
    });
    Ok(QuotesInput {
        file: file.to_string(),
        quotes: qs.len(),
        checks,
        audit,
        threshold: policy.quotes_threshold_gbp,
        rule: policy.quotes,
    })
}
