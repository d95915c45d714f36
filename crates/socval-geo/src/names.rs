//! Names of areas (LAD, ward, LSOA) by GSS code, from ONS names files.

use std::collections::HashMap;
use std::io::Read;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::import::csv_error;

/// Area names by code. GSS codes are unique across area types, so one map
/// holds LADs, wards and LSOAs.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
pub struct Names {
    names: HashMap<String, String>,
}

/// Finds the code and name columns of a names file header (lower case):
/// `code,name` or `xxxxcd,xxxxnm` with the same prefix.
pub(crate) fn name_columns(cols: &[String]) -> Option<(usize, usize)> {
    if let (Some(c), Some(n)) = (
        cols.iter().position(|c| c == "code"),
        cols.iter().position(|c| c == "name"),
    ) {
        return Some((c, n));
    }
    cols.iter().enumerate().find_map(|(ci, c)| {
        let prefix = c.strip_suffix("cd")?;
        if prefix.is_empty() {
            return None;
        }
        let ni = cols
            .iter()
            .position(|n| n.strip_suffix("nm") == Some(prefix))?;
        Some((ci, ni))
    })
}

impl Names {
    /// The name of an area, if known.
    pub fn get(&self, code: &str) -> Option<&str> {
        self.names.get(code).map(String::as_str)
    }

    /// Number of names held.
    pub fn len(&self) -> usize {
        self.names.len()
    }

    /// True if no names are held.
    pub fn is_empty(&self) -> bool {
        self.names.is_empty()
    }

    /// Adds the names in a CSV file with a `code,name` header (as
    /// `lad-names.csv`) or ONS `XXXXCD,XXXXNM` columns. Later files
    /// replace names for the same code. Returns the number of rows read.
    ///
    /// A row without a code or a name is an error naming file, line and field.
    pub fn read(&mut self, path: &Path, input: impl Read) -> Result<u64> {
        let mut rdr = csv::ReaderBuilder::new().flexible(true).from_reader(input);
        let header: Vec<String> = rdr
            .headers()
            .map_err(|e| csv_error(path, &e))?
            .iter()
            .map(|h| h.trim_start_matches('\u{feff}').trim().to_ascii_lowercase())
            .collect();
        let (ci, ni) = name_columns(&header).ok_or_else(|| Error::MissingColumn {
            path: path.to_owned(),
            what: "code and name".into(),
            found: header.clone(),
            accepted: vec![
                "code,name".into(),
                "XXXXCD,XXXXNM (e.g. LAD24CD,LAD24NM)".into(),
            ],
        })?;
        let mut n = 0;
        for rec in rdr.records() {
            let rec = rec.map_err(|e| csv_error(path, &e))?;
            let line = rec.position().map_or(0, |p| p.line());
            let field = |i: usize| rec.get(i).map(str::trim).unwrap_or_default();
            for i in [ci, ni] {
                if field(i).is_empty() {
                    return Err(Error::Field {
                        path: path.to_owned(),
                        line,
                        field: header[i].clone(),
                        value: field(i).into(),
                        reason: "empty".into(),
                    });
                }
            }
            self.names
                .insert(field(ci).to_owned(), field(ni).to_owned());
            n += 1;
        }
        Ok(n)
    }
}
