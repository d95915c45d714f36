//! Shared helpers.

use std::path::PathBuf;

/// `../shared/data` relative to the project root.
pub fn data(rel: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/data")
        .join(rel)
}
