//! Evidence files for delivery returns: which files are accepted, decided
//! by what the bytes are (content sniffing), not only by the file's name.
//!
//! Accepted: PDF; PNG, JPEG, GIF and WebP images; office documents (Word,
//! Excel and PowerPoint, both the current `.docx`/`.xlsx`/`.pptx` and the
//! older `.doc`/`.xls`/`.ppt`, and OpenDocument `.odt`/`.ods`/`.odp`);
//! CSV (UTF-8 text). The file's extension must name the same kind as its
//! content: an executable renamed `report.pdf`, or a PNG called
//! `figures.csv`, is refused. Formats that can carry script when opened in
//! a browser (HTML, SVG) are not accepted at all.
//!
//! ```
//! use socval_core::evidence::{check, Kind};
//! let pdf = b"%PDF-1.7\n...";
//! assert_eq!(check("timesheets.pdf", pdf, 1024).unwrap().kind, Kind::Pdf);
//! let e = check("timesheets.pdf", b"MZ\x90\x00", 1024).unwrap_err();
//! assert!(e.to_string().contains("timesheets.pdf"));
//! ```

use std::fmt;

use crate::limits::MAX_FILE_NAME;

/// A kind of evidence file socval accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kind {
    /// PDF document.
    Pdf,
    /// PNG image.
    Png,
    /// JPEG image.
    Jpeg,
    /// GIF image.
    Gif,
    /// WebP image.
    Webp,
    /// Word document (`.docx`).
    Docx,
    /// Excel workbook (`.xlsx`).
    Xlsx,
    /// PowerPoint presentation (`.pptx`).
    Pptx,
    /// OpenDocument text (`.odt`).
    Odt,
    /// OpenDocument spreadsheet (`.ods`).
    Ods,
    /// OpenDocument presentation (`.odp`).
    Odp,
    /// Older Office file (`.doc`, `.xls`, `.ppt`: OLE compound file).
    LegacyOffice,
    /// Comma-separated values in UTF-8.
    Csv,
}

impl Kind {
    /// The media type the file is served with.
    pub fn media_type(self) -> &'static str {
        match self {
            Kind::Pdf => "application/pdf",
            Kind::Png => "image/png",
            Kind::Jpeg => "image/jpeg",
            Kind::Gif => "image/gif",
            Kind::Webp => "image/webp",
            Kind::Docx => "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            Kind::Xlsx => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            Kind::Pptx => {
                "application/vnd.openxmlformats-officedocument.presentationml.presentation"
            }
            Kind::Odt => "application/vnd.oasis.opendocument.text",
            Kind::Ods => "application/vnd.oasis.opendocument.spreadsheet",
            Kind::Odp => "application/vnd.oasis.opendocument.presentation",
            Kind::LegacyOffice => "application/x-ole-storage",
            Kind::Csv => "text/csv; charset=utf-8",
        }
    }

    /// The file name extensions (lower case, no dot) this kind may have.
    pub fn extensions(self) -> &'static [&'static str] {
        match self {
            Kind::Pdf => &["pdf"],
            Kind::Png => &["png"],
            Kind::Jpeg => &["jpg", "jpeg"],
            Kind::Gif => &["gif"],
            Kind::Webp => &["webp"],
            Kind::Docx => &["docx"],
            Kind::Xlsx => &["xlsx"],
            Kind::Pptx => &["pptx"],
            Kind::Odt => &["odt"],
            Kind::Ods => &["ods"],
            Kind::Odp => &["odp"],
            Kind::LegacyOffice => &["doc", "xls", "ppt"],
            Kind::Csv => &["csv"],
        }
    }

    /// Reads a media type as [`Kind::media_type`] writes it.
    pub fn from_media_type(text: &str) -> Option<Kind> {
        Kind::ALL.iter().copied().find(|k| k.media_type() == text)
    }

    /// Every kind.
    pub const ALL: &[Kind] = &[
        Kind::Pdf,
        Kind::Png,
        Kind::Jpeg,
        Kind::Gif,
        Kind::Webp,
        Kind::Docx,
        Kind::Xlsx,
        Kind::Pptx,
        Kind::Odt,
        Kind::Ods,
        Kind::Odp,
        Kind::LegacyOffice,
        Kind::Csv,
    ];
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Kind::Pdf => "PDF",
            Kind::Png => "PNG image",
            Kind::Jpeg => "JPEG image",
            Kind::Gif => "GIF image",
            Kind::Webp => "WebP image",
            Kind::Docx => "Word document",
            Kind::Xlsx => "Excel workbook",
            Kind::Pptx => "PowerPoint presentation",
            Kind::Odt => "OpenDocument text",
            Kind::Ods => "OpenDocument spreadsheet",
            Kind::Odp => "OpenDocument presentation",
            Kind::LegacyOffice => "Office 97-2003 file",
            Kind::Csv => "CSV file",
        })
    }
}

/// What the user is told the accepted files are.
pub const ACCEPTED: &str =
    "PDF, PNG, JPEG, GIF, WebP, Word, Excel, PowerPoint, OpenDocument or CSV";

/// An accepted evidence file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checked {
    /// What the content is.
    pub kind: Kind,
    /// The name to keep and offer on download: the last path component,
    /// without control characters, quotes or backslashes, at most
    /// [`MAX_FILE_NAME`] bytes.
    pub name: String,
}

/// Why a file was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refused {
    /// No bytes.
    #[error("{name} is empty")]
    Empty {
        /// The file's name.
        name: String,
    },
    /// More bytes than allowed.
    #[error("{name} is {size} bytes; the largest evidence file accepted is {limit} bytes")]
    TooLarge {
        /// The file's name.
        name: String,
        /// Its size.
        size: usize,
        /// The limit.
        limit: usize,
    },
    /// The content is not a kind socval accepts.
    #[error("{name} is not a file type accepted as evidence (accepted: {ACCEPTED})")]
    Type {
        /// The file's name.
        name: String,
    },
    /// The file's name is longer than [`MAX_FILE_NAME`] bytes.
    #[error(
        "{name} has a name of {bytes} bytes: a file name must be {MAX_FILE_NAME} bytes or fewer (rename the file)"
    )]
    NameTooLong {
        /// The start of the file's name.
        name: String,
        /// The name's length in bytes.
        bytes: usize,
    },
    /// The content is an accepted kind but the name says another.
    #[error("{name} is a {kind} but its name does not end in .{ext} (rename it or choose the right file)", ext = kind.extensions()[0])]
    Mismatch {
        /// The file's name.
        name: String,
        /// What the content is.
        kind: Kind,
    },
}

/// Checks an uploaded evidence file: a name of at most [`MAX_FILE_NAME`]
/// bytes, not empty, at most `limit` bytes, its content one of the
/// accepted kinds, and its name's extension that kind's.
pub fn check(name: &str, bytes: &[u8], limit: usize) -> Result<Checked, Refused> {
    let name = clean(name);
    if name.len() > MAX_FILE_NAME {
        let start: String = name.chars().take(40).collect();
        return Err(Refused::NameTooLong {
            name: format!("{start}…"),
            bytes: name.len(),
        });
    }
    if bytes.is_empty() {
        return Err(Refused::Empty { name });
    }
    if bytes.len() > limit {
        return Err(Refused::TooLarge {
            name,
            size: bytes.len(),
            limit,
        });
    }
    let ext = name
        .rsplit_once('.')
        .map(|(_, e)| e.to_ascii_lowercase())
        .unwrap_or_default();
    let kind = match sniff(bytes) {
        Some(Sniffed::Kind(k)) => k,
        // A ZIP or text file is only what its name says if the content
        // agrees; otherwise it is not accepted.
        Some(Sniffed::Text) if ext == "csv" => Kind::Csv,
        Some(Sniffed::Text) | Some(Sniffed::OtherZip) | None => {
            return Err(Refused::Type { name });
        }
    };
    if !kind.extensions().contains(&ext.as_str()) {
        return Err(Refused::Mismatch { name, kind });
    }
    Ok(Checked { kind, name })
}

/// The safe form of an uploaded file's name (see [`Checked::name`]); a
/// longer name is cut to [`MAX_FILE_NAME`] bytes ([`check`] refuses it).
pub fn clean_name(name: &str) -> String {
    let mut cleaned = clean(name);
    if cleaned.len() > MAX_FILE_NAME {
        let mut end = MAX_FILE_NAME;
        while !cleaned.is_char_boundary(end) {
            end -= 1;
        }
        cleaned.truncate(end);
    }
    cleaned
}

/// The last path component without control characters, quotes,
/// backslashes or leading dots, however long.
fn clean(name: &str) -> String {
    let last = name.rsplit(['/', '\\']).next().unwrap_or_default();
    let cleaned: String = last
        .chars()
        .filter(|c| !c.is_control() && !matches!(c, '"' | '\\' | ';'))
        .collect();
    let cleaned = cleaned.trim().trim_start_matches('.').to_owned();
    if cleaned.is_empty() {
        "evidence".to_owned()
    } else {
        cleaned
    }
}

enum Sniffed {
    Kind(Kind),
    /// A ZIP archive that is not an office document.
    OtherZip,
    /// UTF-8 text without control characters (other than tab and line ends).
    Text,
}

fn sniff(b: &[u8]) -> Option<Sniffed> {
    let starts = |sig: &[u8]| b.starts_with(sig);
    if starts(b"%PDF-") {
        return Some(Sniffed::Kind(Kind::Pdf));
    }
    if starts(b"\x89PNG\r\n\x1a\n") {
        return Some(Sniffed::Kind(Kind::Png));
    }
    if starts(b"\xFF\xD8\xFF") {
        return Some(Sniffed::Kind(Kind::Jpeg));
    }
    if starts(b"GIF87a") || starts(b"GIF89a") {
        return Some(Sniffed::Kind(Kind::Gif));
    }
    if b.len() >= 12 && starts(b"RIFF") && &b[8..12] == b"WEBP" {
        return Some(Sniffed::Kind(Kind::Webp));
    }
    if starts(b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1") {
        return Some(Sniffed::Kind(Kind::LegacyOffice));
    }
    if starts(b"PK\x03\x04") {
        return Some(zip_kind(b));
    }
    text(b).then_some(Sniffed::Text)
}

/// An office document is a ZIP whose entries say what it is: OOXML has
/// `[Content_Types].xml` and a `word/`, `xl/` or `ppt/` folder; OpenDocument
/// starts with an uncompressed `mimetype` entry naming its type.
fn zip_kind(b: &[u8]) -> Sniffed {
    // OpenDocument: the first local header's name is "mimetype" (offset 30)
    // and its stored content follows the name.
    if b.len() > 38 && &b[30..38] == b"mimetype" {
        let rest = &b[38..b.len().min(38 + 80)];
        let has = |s: &[u8]| rest.windows(s.len()).any(|w| w == s);
        if has(b"application/vnd.oasis.opendocument.text") {
            return Sniffed::Kind(Kind::Odt);
        }
        if has(b"application/vnd.oasis.opendocument.spreadsheet") {
            return Sniffed::Kind(Kind::Ods);
        }
        if has(b"application/vnd.oasis.opendocument.presentation") {
            return Sniffed::Kind(Kind::Odp);
        }
        return Sniffed::OtherZip;
    }
    // Entry names are stored uncompressed in the local headers and in the
    // central directory.
    let has = |s: &[u8]| b.windows(s.len()).any(|w| w == s);
    if !has(b"[Content_Types].xml") {
        return Sniffed::OtherZip;
    }
    if has(b"word/") {
        Sniffed::Kind(Kind::Docx)
    } else if has(b"xl/") {
        Sniffed::Kind(Kind::Xlsx)
    } else if has(b"ppt/") {
        Sniffed::Kind(Kind::Pptx)
    } else {
        Sniffed::OtherZip
    }
}

fn text(b: &[u8]) -> bool {
    let b = b.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(b);
    let Ok(s) = std::str::from_utf8(b) else {
        return false;
    };
    let head = s
        .trim_start()
        .get(..5.min(s.trim_start().len()))
        .unwrap_or("");
    // Markup is not CSV, whatever it is called.
    if head.starts_with('<') {
        return false;
    }
    s.chars()
        .all(|c| !c.is_control() || matches!(c, '\t' | '\r' | '\n'))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn zip_with(names: &[&str]) -> Vec<u8> {
        let mut v = b"PK\x03\x04".to_vec();
        v.extend_from_slice(&[0u8; 26]);
        for n in names {
            v.extend_from_slice(n.as_bytes());
            v.extend_from_slice(b"\0\0PK\x01\x02");
        }
        v
    }

    fn odf(mime: &str) -> Vec<u8> {
        let mut v = b"PK\x03\x04".to_vec();
        v.extend_from_slice(&[0u8; 26]);
        v.extend_from_slice(b"mimetype");
        v.extend_from_slice(mime.as_bytes());
        v
    }

    #[test]
    fn accepts_each_kind_by_content_and_name() {
        let docx = zip_with(&["[Content_Types].xml", "word/document.xml"]);
        let xlsx = zip_with(&["[Content_Types].xml", "xl/workbook.xml"]);
        let pptx = zip_with(&["[Content_Types].xml", "ppt/presentation.xml"]);
        let odt = odf("application/vnd.oasis.opendocument.text");
        let ods = odf("application/vnd.oasis.opendocument.spreadsheet");
        let cases: Vec<(&str, &[u8], Kind)> = vec![
            ("a.pdf", b"%PDF-1.4 x", Kind::Pdf),
            ("a.PNG", b"\x89PNG\r\n\x1a\nrest", Kind::Png),
            ("a.jpeg", b"\xFF\xD8\xFF\xE0rest", Kind::Jpeg),
            ("a.jpg", b"\xFF\xD8\xFF\xE1rest", Kind::Jpeg),
            ("a.gif", b"GIF89a....", Kind::Gif),
            ("a.webp", b"RIFF\x10\0\0\0WEBPVP8 ", Kind::Webp),
            ("a.docx", &docx, Kind::Docx),
            ("a.xlsx", &xlsx, Kind::Xlsx),
            ("a.pptx", &pptx, Kind::Pptx),
            ("a.odt", &odt, Kind::Odt),
            ("a.ods", &ods, Kind::Ods),
            (
                "a.xls",
                b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1rest",
                Kind::LegacyOffice,
            ),
            (
                "hours.csv",
                "measure,units\nR09,12\nR10,£1,000\n".as_bytes(),
                Kind::Csv,
            ),
            ("bom.csv", b"\xEF\xBB\xBFa,b\r\n1,2\r\n", Kind::Csv),
        ];
        for (name, bytes, want) in cases {
            assert_eq!(
                check(name, bytes, 1 << 20).map(|c| c.kind),
                Ok(want),
                "{name}"
            );
        }
    }

    #[test]
    fn refuses_wrong_content_renamed_files_and_size() {
        let zip = zip_with(&["payload.exe"]);
        let mut big = b"%PDF-1.4 ".to_vec();
        big.resize(100, b'x');
        let cases: Vec<(&str, &[u8], &str)> = vec![
            ("virus.pdf", b"MZ\x90\x00\x03", "not a file type accepted"),
            ("page.csv", b"<html><script>", "not a file type accepted"),
            ("image.csv", b"\x89PNG\r\n\x1a\nrest", "is a PNG image but"),
            (
                "report.pdf",
                b"\x89PNG\r\n\x1a\nrest",
                "does not end in .png",
            ),
            ("archive.docx", &zip, "not a file type accepted"),
            ("notes.txt", b"plain words", "not a file type accepted"),
            ("bin.csv", b"a,b\n\x00\x01", "not a file type accepted"),
            ("noext", b"%PDF-1.4", "does not end in .pdf"),
            ("empty.pdf", b"", "is empty"),
            ("big.pdf", &big, "largest evidence file"),
        ];
        for (name, bytes, want) in cases {
            let e = check(name, bytes, 64).unwrap_err().to_string();
            assert!(e.contains(want) && e.contains(name), "{name}: {e}");
        }
    }

    #[test]
    fn names_are_made_safe() {
        for (raw, want) in [
            ("C:\\Users\\x\\evidence.pdf", "evidence.pdf"),
            ("../../etc/passwd.pdf", "passwd.pdf"),
            ("a\"b;\r\n.pdf", "ab.pdf"),
            ("", "evidence"),
            (".hidden.pdf", "hidden.pdf"),
        ] {
            assert_eq!(clean_name(raw), want, "{raw:?}");
        }
    }

    #[test]
    fn names_longer_than_255_bytes_are_refused_for_their_length() {
        let pdf = b"%PDF-1.7\n";
        let fits = format!("{}.pdf", "a".repeat(251));
        assert_eq!(check(&fits, pdf, 64).unwrap().name, fits);
        let long = format!("{}.pdf", "a".repeat(4996));
        let e = check(&long, pdf, 64).unwrap_err();
        assert!(
            matches!(e, Refused::NameTooLong { bytes: 5000, .. }),
            "{e:?}"
        );
        assert!(
            e.to_string()
                .contains("a file name must be 255 bytes or fewer"),
            "{e}"
        );
        // Bytes, as file systems count them: 126 two-byte letters and
        // `.pdf` are 256.
        let accented = format!("{}.pdf", "é".repeat(125));
        assert!(check(&accented, pdf, 64).is_ok());
        let accented = format!("{}.pdf", "é".repeat(126));
        assert!(check(&accented, pdf, 64).is_err());
        assert_eq!(clean_name(&long).len(), 255);
        assert!(clean_name(&"é".repeat(200)).len() <= 255);
    }
}
