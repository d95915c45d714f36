//! Output shared by every subcommand: `--format table|csv|json`.
//!
//! JSON is the stable, documented interface for scripts; tables are for
//! people; CSV is for spreadsheets. Each command builds one [`Report`] and
//! calls [`Report::write`], so the three formats never disagree.

use std::io::Write;

use anyhow::Result;
use clap::ValueEnum;
use comfy_table::{CellAlignment, Table, presets};
use serde::Serialize;

use socval_core::cell::safe_cells;

/// How a command prints its result.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// Aligned columns for people.
    #[default]
    Table,
    /// Comma-separated values with a header row.
    Csv,
    /// One JSON document (stable; documented in the README).
    Json,
}

/// A command's result: a JSON value for `--format json` and one table of
/// rows for `table` and `csv`.
pub struct Report<J: Serialize> {
    /// The document printed for `--format json`.
    pub json: J,
    /// Column headers for `table` and `csv`.
    pub headers: Vec<&'static str>,
    /// Rows for `table` and `csv`, cells already formatted.
    pub rows: Vec<Vec<String>>,
    /// Columns to right-align in tables (numbers).
    pub numeric: Vec<usize>,
    /// Lines printed under a table (totals, notes); not in CSV or JSON.
    pub footer: Vec<String>,
}

impl<J: Serialize> Report<J> {
    /// Writes the report in the chosen format.
    pub fn write(&self, format: Format, out: &mut dyn Write) -> Result<()> {
        match format {
            Format::Json => {
                serde_json::to_writer_pretty(&mut *out, &self.json)?;
                writeln!(out)?;
            }
            Format::Csv => {
                let mut w = csv::Writer::from_writer(&mut *out);
                w.write_record(safe_cells(&self.headers))?;
                for row in &self.rows {
                    w.write_record(safe_cells(row.iter().enumerate().map(|(i, cell)| {
                        if self.numeric.contains(&i) {
                            csv_number(cell)
                        } else {
                            cell.clone()
                        }
                    })))?;
                }
                w.flush()?;
            }
            Format::Table => {
                write_table(&self.headers, &self.rows, &self.numeric, out)?;
                for line in &self.footer {
                    writeln!(out, "{line}")?;
                }
            }
        }
        Ok(())
    }
}

/// A number as a spreadsheet reads it: `£1,150,000` → `1150000`,
/// `18.93%` → `18.93`, `-£5.00` → `-5.00`. Cells that are not a formatted
/// number (blank, `n/a`, text) are left as they are.
fn csv_number(cell: &str) -> String {
    let plain: String = cell
        .trim()
        .trim_end_matches('%')
        .chars()
        .filter(|c| *c != '£' && *c != ',')
        .collect();
    if !plain.is_empty() && plain.parse::<socval_core::Decimal>().is_ok() {
        plain
    } else {
        cell.to_string()
    }
}

/// Writes aligned columns, numbers right-aligned.
pub fn write_table(
    headers: &[&str],
    rows: &[Vec<String>],
    numeric: &[usize],
    out: &mut dyn Write,
) -> Result<()> {
    let mut table = Table::new();
    table.load_style(presets::NOTHING);
    table.set_header(headers.iter().copied());
    for row in rows {
        table.add_row(row.iter().map(String::as_str));
    }
    for &i in numeric {
        if let Some(col) = table.column_mut(i) {
            col.set_cell_alignment(CellAlignment::Right);
        }
    }
    writeln!(out, "{table}")?;
    Ok(())
}

/// Progress bars for imports, one per file, shown only when stderr is a
/// terminal (quiet in pipes and tests).
pub struct Progress {
    show: bool,
    bars: Vec<indicatif::ProgressBar>,
}

impl Progress {
    /// Bars if stderr is a terminal, else none.
    pub fn new() -> Progress {
        use std::io::IsTerminal;
        Progress {
            show: std::io::stderr().is_terminal(),
            bars: Vec::new(),
        }
    }

    /// Wraps a reader of `len` bytes named by `path` in a bar.
    pub fn wrap<'r>(
        &mut self,
        path: &std::path::Path,
        len: u64,
        r: Box<dyn std::io::Read + 'r>,
    ) -> Box<dyn std::io::Read + 'r> {
        if !self.show {
            return r;
        }
        let pb = indicatif::ProgressBar::new(len);
        if let Ok(style) =
            indicatif::ProgressStyle::with_template("{msg} {wide_bar} {bytes}/{total_bytes} {eta}")
        {
            pb.set_style(style);
        }
        pb.set_message(
            path.file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default(),
        );
        self.bars.push(pb.clone());
        Box::new(pb.wrap_read(r))
    }

    /// Clears the bars.
    pub fn finish(&self) {
        for pb in &self.bars {
            pb.finish_and_clear();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A cell that a spreadsheet would run as a formula is written as text;
    /// numbers, negative ones too, stay numbers (issue 12, item 6).
    #[test]
    fn csv_cells_carry_no_formulas() {
        let r = Report {
            json: (),
            headers: vec!["supplier", "gbp"],
            rows: vec![
                vec![
                    "=HYPERLINK(\"http://x.example/\",\"A\")".into(),
                    "-£12.50".into(),
                ],
                vec!["@SUM(A1)".into(), "£1,000".into()],
            ],
            numeric: vec![1],
            footer: vec![],
        };
        let mut out = Vec::new();
        r.write(Format::Csv, &mut out).unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "supplier,gbp\n\"'=HYPERLINK(\"\"http://x.example/\"\",\"\"A\"\")\",-12.50\n'@SUM(A1),1000\n"
        );
    }

    #[test]
    fn csv_numbers_lose_currency_signs_separators_and_percent() {
        for (cell, want) in [
            ("£1,150,000", "1150000"),
            ("18.93%", "18.93"),
            ("-£5.00", "-5.00"),
            ("38.03", "38.03"),
            ("", ""),
            ("n/a", "n/a"),
            ("£", "£"),
            ("12 (est.)", "12 (est.)"),
        ] {
            assert_eq!(csv_number(cell), want, "{cell}");
        }
    }
}
