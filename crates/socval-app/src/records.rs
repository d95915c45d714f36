//! CSV text split into [`Records`], each with the line it starts on, as a
//! text editor counts lines (CRLF line ends, blank lines and quoted line
//! ends: `socval_core::line`). The command line's files and the portal's
//! uploads are read the same way.

use socval_core::Records;
use socval_core::line::LineReader;

/// Reads CSV from `reader` (named `name` in messages and in the records):
/// the header row (a byte-order mark dropped), then every row that is not
/// blank.
///
/// Returns an error naming the line of the first row that is not CSV.
pub fn from_csv(reader: impl std::io::Read, name: &str) -> Result<Records, String> {
    let mut rdr = csv::ReaderBuilder::new()
        .flexible(true)
        .from_reader(LineReader::new(reader));
    let headers: Vec<String> = rdr
        .headers()
        .map_err(|e| format!("{name}: line 1: cannot read the header row ({e})"))?
        .iter()
        .map(|h| h.trim_start_matches('\u{feff}').to_string())
        .collect();
    let mut records = Records::new(name, headers);
    let mut row = csv::StringRecord::new();
    loop {
        match rdr.read_record(&mut row) {
            Ok(true) => {}
            Ok(false) => break,
            Err(e) => {
                let line = e.position().map_or_else(
                    || "?".into(),
                    |p| rdr.get_mut().record_line(p.byte()).to_string(),
                );
                return Err(format!(
                    "{name}: line {line}: not readable as CSV ({e}); expected UTF-8 comma-separated values with a header row"
                ));
            }
        }
        if row.iter().all(|f| f.trim().is_empty()) {
            continue;
        }
        let line = row
            .position()
            .map_or(0, |p| rdr.get_mut().record_line(p.byte()));
        records.push(line, row.iter().map(str::to_string).collect());
    }
    Ok(records)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_keep_the_lines_an_editor_shows() {
        let text = "\u{feff}measure,units\r\nR01,1\r\n\r\n\"R\n02\",2\r\nR03,3\r\n";
        let r = from_csv(text.as_bytes(), "c.csv").unwrap();
        assert_eq!(r.headers, ["measure", "units"]);
        let lines: Vec<u64> = r.rows.iter().map(|x| x.line).collect();
        assert_eq!(lines, [2, 4, 6]);
        let e = from_csv("a,b\n1,2\n\u{0}\"x".as_bytes(), "bad.csv");
        assert!(e.is_ok() || e.unwrap_err().starts_with("bad.csv: line 3"));
    }
}
