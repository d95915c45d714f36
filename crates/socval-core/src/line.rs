//! Which line of a file a CSV record starts on: one way of counting for
//! every CSV reader in socval (payments, registers, frameworks, returns,
//! quotes), so an error names the line a person sees in their editor.
//!
//! A CSV reader gives each record the line and byte at which it began
//! reading it. That is before the line feed of a Windows (CRLF) line end
//! and before any blank lines, and the csv crate counts only line feeds, so
//! the line it gives is one early after a CRLF line end, early by the blank
//! lines, and always 1 in a file with old Mac line ends (CR only).
//! [`LineReader`] sits between the file and the CSV reader, numbers the
//! lines as they go by (a line ends at LF, CRLF or a lone CR) and gives the
//! line of the first character at or after a record's byte offset. It
//! holds only the starts of the lines the CSV reader has read ahead, never
//! the file.
//!
//! ```
//! use std::io::Read;
//! use socval_core::line::LineReader;
//! // "a\r\n\r\nb": the csv crate says the record "b" begins at byte 2,
//! // the line feed of the first line end.
//! let mut r = LineReader::new("a\r\n\r\nb".as_bytes());
//! r.read_to_end(&mut Vec::new()).unwrap();
//! assert_eq!(r.record_line(2), 3);
//! ```

use std::collections::VecDeque;
use std::io::Read;

/// Reads through to a CSV reader, giving each record the 1-based line it
/// starts on (see the module documentation).
#[derive(Debug)]
pub struct LineReader<R> {
    inner: R,
    offset: u64,
    /// Line ends read so far.
    ends: u64,
    /// The last byte read was a CR: a line end, unless an LF follows.
    after_cr: bool,
    after_line_end: bool,
    /// The offset and line of each line with content not yet asked for.
    starts: VecDeque<(u64, u64)>,
    tail_quotes: u64,
}

impl<R: Read> LineReader<R> {
    /// Wraps `inner`.
    pub fn new(inner: R) -> Self {
        LineReader {
            inner,
            offset: 0,
            ends: 0,
            after_cr: false,
            after_line_end: true,
            starts: VecDeque::new(),
            tail_quotes: 0,
        }
    }

    /// The line a record starts on, from the byte offset at which the CSV
    /// reader began reading it (`csv::Position::byte`): the line of the
    /// first character at or after it that is not a line end. Offsets must
    /// be asked for in file order.
    pub fn record_line(&mut self, byte: u64) -> u64 {
        while self.starts.front().is_some_and(|&(s, _)| s < byte) {
            self.starts.pop_front();
        }
        match self.starts.front() {
            Some(&(_, line)) => line,
            None => self.ends + 1,
        }
    }

    /// How many `"` end what has been read so far, line ends at the very
    /// end aside. A quoted field that closes at the end of a file leaves an
    /// odd number (its closing quote after pairs of escaped ones); one that
    /// never closes, an even number.
    pub fn tail_quotes(&self) -> u64 {
        self.tail_quotes
    }
}

impl<R: Read> Read for LineReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        for (i, &b) in buf[..n].iter().enumerate() {
            if self.after_cr && b != b'\n' {
                self.ends += 1;
            }
            self.after_cr = b == b'\r';
            let end = b == b'\n' || b == b'\r';
            if b == b'\n' {
                self.ends += 1;
            } else if !end && self.after_line_end {
                self.starts
                    .push_back((self.offset + i as u64, self.ends + 1));
            }
            if b == b'"' {
                self.tail_quotes += 1;
            } else if !end {
                self.tail_quotes = 0;
            }
            self.after_line_end = end;
        }
        self.offset += n as u64;
        Ok(n)
    }
}

/// The number of line feeds before the first byte of `bytes` that is not a
/// line end: what to add to the csv crate's line for a record when the
/// bytes after its position are at hand (files with LF or CRLF line ends).
pub fn leading_line_feeds(bytes: &[u8]) -> u64 {
    bytes
        .iter()
        .take_while(|&&b| b == b'\n' || b == b'\r')
        .filter(|&&b| b == b'\n')
        .count() as u64
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The line of every record of `text`, read by the csv crate.
    fn lines(text: &str) -> Vec<u64> {
        let mut rdr = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .from_reader(LineReader::new(text.as_bytes()));
        let mut out = Vec::new();
        let mut r = csv::ByteRecord::new();
        while rdr.read_byte_record(&mut r).unwrap() {
            let byte = r.position().unwrap().byte();
            out.push(rdr.get_mut().record_line(byte));
        }
        out
    }

    #[test]
    fn records_are_on_the_lines_an_editor_shows() {
        let cases: &[(&str, &[u64])] = &[
            ("h\na\nb\n", &[1, 2, 3]),
            ("h\r\na\r\nb\r\n", &[1, 2, 3]),
            ("h\r\na\r\nb", &[1, 2, 3]),
            ("h\n\n\na\n\nb\n", &[1, 4, 6]),
            ("h\r\n\r\na\r\n\r\n\r\nb\r\n", &[1, 3, 6]),
            ("\n\nh\na\n", &[3, 4]),
            // A quoted line end: the record after it is a line later.
            ("h\n\"a\nstill a\",x\nb\n", &[1, 2, 4]),
            ("h\r\n\"a\r\nstill a\",x\r\n\r\nb\r\n", &[1, 2, 5]),
            // Old Mac line ends (CR only).
            ("h\ra\rb\r", &[1, 2, 3]),
            ("h\ra\r\rb", &[1, 2, 4]),
        ];
        for (text, want) in cases {
            assert_eq!(lines(text), *want, "{text:?}");
        }
    }

    #[test]
    fn the_quotes_at_the_end_say_whether_the_last_field_closed() {
        for (text, quotes) in [
            ("a,\"b\nc\"\n", 1),
            ("a,\"b\nc\"\"\"\r\n", 3),
            ("a,\"b\nc\n", 0),
            ("a,\"b\nc\"\"\n", 2),
            ("a,b", 0),
        ] {
            let mut r = LineReader::new(text.as_bytes());
            r.read_to_end(&mut Vec::new()).unwrap();
            assert_eq!(r.tail_quotes(), quotes, "{text:?}");
        }
        assert_eq!(leading_line_feeds(b"\r\n\r\nx\n"), 2);
        assert_eq!(leading_line_feeds(b"x\n"), 0);
    }
}
