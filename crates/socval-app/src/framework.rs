//! Frameworks as the portal stores them (TOML or CSV source text), read
//! back into the engine's [`Framework`].

use socval_core::framework::{Framework, Meta};
use socval_store::{FrameworkFormat, FrameworkRecord};

use crate::error::{Error, Result};

/// Parses a stored framework on the blocking pool (a framework of many
/// measures takes a while).
///
/// Returns [`Error::Stored`] if its source no longer parses.
pub async fn parsed(rec: &FrameworkRecord) -> Result<Framework> {
    let rec = rec.clone();
    tokio::task::spawn_blocking(move || from_source(&rec))
        .await
        .map_err(|e| Error::Task {
            what: "reading a framework",
            reason: e.to_string(),
        })?
        .map_err(|e| Error::Stored(format!("stored framework no longer parses: {e}")))
}

/// A framework from its stored source: TOML as written, or CSV with the
/// record's name and edition. `Err` says what is wrong, naming line and
/// column.
pub fn from_source(rec: &FrameworkRecord) -> Result<Framework, String> {
    let file = format!("{} {}", rec.name, rec.edition);
    match rec.format {
        FrameworkFormat::Toml => {
            Framework::from_toml(&rec.source, &file).map_err(|e| e.to_string())
        }
        FrameworkFormat::Csv => {
            let meta = Meta {
                id: rec.name.clone(),
                title: rec.name.clone(),
                edition: rec.edition.clone(),
                ..Meta::default()
            };
            crate::records::from_csv(rec.source.as_bytes(), &file)
                .and_then(|r| Framework::from_records(&r, meta).map_err(|e| e.to_string()))
        }
    }
}
