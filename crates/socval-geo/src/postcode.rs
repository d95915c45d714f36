//! UK postcodes: parse any spelling to the canonical form, validate the
//! format, and recognise the special cases that do not locate a supplier.

use std::fmt;
use std::str::FromStr;

/// A valid UK postcode in canonical form: upper case, outward code, one
/// space, inward code (`S60 2TH`), or `BFPO 1234`.
///
/// ```
/// use socval_geo::Postcode;
/// let p: Postcode = " s602th ".parse().unwrap();
/// assert_eq!(p.as_str(), "S60 2TH");
/// assert_eq!(p.outward(), "S60");
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Postcode {
    buf: [u8; 10],
    len: u8,
    // Position of the space in `buf`.
    space: u8,
}

/// Why a string is not a UK postcode.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum InvalidPostcode {
    /// Nothing but spaces.
    Empty,
    /// A character that never appears in a postcode.
    BadCharacter(char),
    /// Too short or too long once spaces are removed (5 to 7 characters).
    BadLength(usize),
    /// The outward code (before the space) is not one of A9, A99, AA9,
    /// AA99, A9A, AA9A with the letters Royal Mail allows.
    BadOutward(String),
    /// The inward code (last three characters) is not digit, letter, letter
    /// (letters C, I, K, M, O, V are never used).
    BadInward(String),
}

impl fmt::Display for InvalidPostcode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            InvalidPostcode::Empty => f.write_str("empty"),
            InvalidPostcode::BadCharacter(c) => {
                write!(f, "character {c:?} is not used in postcodes")
            }
            InvalidPostcode::BadLength(n) => {
                write!(f, "{n} letters and digits; a postcode has 5 to 7")
            }
            InvalidPostcode::BadOutward(s) => write!(f, "outward code {s:?} is not a UK format"),
            InvalidPostcode::BadInward(s) => {
                write!(f, "inward code {s:?} is not digit-letter-letter")
            }
        }
    }
}

impl std::error::Error for InvalidPostcode {}

/// Valid postcodes that do not place a supplier on the map of the UK.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Special {
    /// British Forces Post Office (`BFPO 123`, or the `BF1` district).
    Bfpo,
    /// A non-geographic postcode: the `BX` and `XX` areas, `GIR 0AA`
    /// (Girobank), and districts Royal Mail uses only for large mail users.
    /// The text says which.
    NonGeographic(&'static str),
    /// A British Overseas Territory (Falklands `FIQQ 1ZZ`, ...): outside the UK.
    Overseas(&'static str),
}

impl fmt::Display for Special {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Special::Bfpo => f.write_str("British Forces Post Office"),
            Special::NonGeographic(what) => write!(f, "non-geographic ({what})"),
            Special::Overseas(what) => write!(f, "overseas territory ({what})"),
        }
    }
}

// Overseas territories with UK-style postcodes (Royal Mail / Wikipedia list).
const OVERSEAS: &[(&str, &str)] = &[
    ("ASCN 1ZZ", "Ascension Island"),
    ("BBND 1ZZ", "British Indian Ocean Territory"),
    ("BIQQ 1ZZ", "British Antarctic Territory"),
    ("FIQQ 1ZZ", "Falkland Islands"),
    ("GX11 1AA", "Gibraltar"),
    ("PCRN 1ZZ", "Pitcairn Islands"),
    ("SIQQ 1ZZ", "South Georgia and the South Sandwich Islands"),
    ("STHL 1ZZ", "Saint Helena"),
    ("TDCU 1ZZ", "Tristan da Cunha"),
    ("TKCA 1ZZ", "Turks and Caicos Islands"),
];

// Districts that exist only for mail sorting (large users, PO boxes):
// Royal Mail's published non-geographic districts. Postcode files may still
// give them a nominal area; socval does not trust it to locate a supplier.
const NON_GEOGRAPHIC_DISTRICTS: &[&str] = &[
    "BS98", "BS99", "BT58", "E98", "EC50", "N1P", "NE98", "NE99", "SE1P",
];

impl Postcode {
    /// Parses any spelling: case, spaces anywhere (`s602th`, ` S60  2TH `).
    ///
    /// Returns an error saying why when the text is not a UK postcode.
    pub fn parse(s: &str) -> Result<Postcode, InvalidPostcode> {
        let mut raw = [0u8; 16];
        let mut n = 0usize;
        for c in s.chars() {
            if c.is_whitespace() {
                continue;
            }
            if !c.is_ascii_alphanumeric() {
                return Err(InvalidPostcode::BadCharacter(c));
            }
            if n == raw.len() {
                return Err(InvalidPostcode::BadLength(
                    s.chars().filter(|c| !c.is_whitespace()).count(),
                ));
            }
            raw[n] = c.to_ascii_uppercase() as u8;
            n += 1;
        }
        let raw = &raw[..n];
        if raw.is_empty() {
            return Err(InvalidPostcode::Empty);
        }
        if let Some(digits) = raw.strip_prefix(b"BFPO") {
            if (1..=4).contains(&digits.len()) && digits.iter().all(u8::is_ascii_digit) {
                return Ok(Postcode::from_parts(b"BFPO", digits));
            }
            return Err(InvalidPostcode::BadOutward(
                String::from_utf8_lossy(raw).into_owned(),
            ));
        }
        if !(5..=7).contains(&raw.len()) {
            return Err(InvalidPostcode::BadLength(raw.len()));
        }
        let (outward, inward) = raw.split_at(raw.len() - 3);
        let ok_inward = inward[0].is_ascii_digit()
            && inward[1..]
                .iter()
                .all(|&b| b.is_ascii_uppercase() && !b"CIKMOV".contains(&b));
        if outward == b"GIR" && inward == b"0AA" {
            return Ok(Postcode::from_parts(outward, inward));
        }
        let is_overseas = OVERSEAS
            .iter()
            .any(|(p, _)| p.as_bytes()[..4] == *outward && p.as_bytes()[5..] == *inward);
        if !is_overseas && !valid_outward(outward) {
            return Err(InvalidPostcode::BadOutward(
                String::from_utf8_lossy(outward).into_owned(),
            ));
        }
        if !ok_inward {
            return Err(InvalidPostcode::BadInward(
                String::from_utf8_lossy(inward).into_owned(),
            ));
        }
        Ok(Postcode::from_parts(outward, inward))
    }

    fn from_parts(outward: &[u8], inward: &[u8]) -> Postcode {
        let mut buf = [0u8; 10];
        buf[..outward.len()].copy_from_slice(outward);
        buf[outward.len()] = b' ';
        buf[outward.len() + 1..outward.len() + 1 + inward.len()].copy_from_slice(inward);
        // Lengths are at most 4 + 1 + 4 by construction.
        Postcode {
            buf,
            len: (outward.len() + 1 + inward.len()) as u8,
            space: outward.len() as u8,
        }
    }

    /// The canonical form, e.g. `S60 2TH`.
    pub fn as_str(&self) -> &str {
        // Only ASCII letters, digits and one space are ever stored.
        std::str::from_utf8(&self.buf[..usize::from(self.len)]).unwrap_or_default()
    }

    /// The outward code (district), e.g. `S60`.
    pub fn outward(&self) -> &str {
        &self.as_str()[..usize::from(self.space)]
    }

    /// The inward code, e.g. `2TH`.
    pub fn inward(&self) -> &str {
        &self.as_str()[usize::from(self.space) + 1..]
    }

    /// The postcode area: the leading letters, e.g. `S`, `DN`.
    pub fn area(&self) -> &str {
        let out = self.outward();
        let end = out.find(|c: char| c.is_ascii_digit()).unwrap_or(out.len());
        &out[..end]
    }

    fn bytes(&self) -> &[u8] {
        &self.buf[..usize::from(self.len)]
    }

    fn outward_bytes(&self) -> &[u8] {
        &self.buf[..usize::from(self.space)]
    }

    fn inward_bytes(&self) -> &[u8] {
        &self.buf[usize::from(self.space) + 1..usize::from(self.len)]
    }

    /// The special case this postcode belongs to, if any.
    pub fn special(&self) -> Option<Special> {
        let s = self.bytes();
        let out = self.outward_bytes();
        if out == b"BFPO" || out == b"BF1" {
            return Some(Special::Bfpo);
        }
        if let Some((_, name)) = OVERSEAS.iter().find(|(p, _)| p.as_bytes() == s) {
            return Some(Special::Overseas(name));
        }
        if s == b"GIR 0AA" {
            return Some(Special::NonGeographic("GIR 0AA, Girobank"));
        }
        // The area: the leading letters.
        let end = out.iter().position(u8::is_ascii_digit).unwrap_or(out.len());
        match &out[..end] {
            b"BX" => return Some(Special::NonGeographic("BX area")),
            b"XX" => return Some(Special::NonGeographic("XX area, Royal Mail returns")),
            _ => {}
        }
        if NON_GEOGRAPHIC_DISTRICTS.iter().any(|d| d.as_bytes() == out) {
            return Some(Special::NonGeographic("non-geographic district"));
        }
        None
    }

    /// The postcode as a 7-byte key (outward code padded to 4 with spaces,
    /// then the inward code, as ONS `pcd7`), packed big-endian into a `u64`
    /// so that keys sort like the padded strings. `None` for BFPO numbers,
    /// which are not in postcode directories.
    pub fn key(&self) -> Option<u64> {
        let out = self.outward_bytes();
        let inw = self.inward_bytes();
        if out.len() > 4 || inw.len() != 3 || out == b"BFPO" {
            return None;
        }
        let mut k = [b' '; 8];
        k[0] = 0;
        k[1..1 + out.len()].copy_from_slice(out);
        k[5..8].copy_from_slice(inw);
        Some(u64::from_be_bytes(k))
    }

    /// The postcode for a key made by [`Postcode::key`].
    pub fn from_key(key: u64) -> Option<Postcode> {
        let b = key.to_be_bytes();
        let out: Vec<u8> = b[1..5].iter().copied().filter(|&c| c != b' ').collect();
        let s = format!(
            "{} {}",
            String::from_utf8_lossy(&out),
            String::from_utf8_lossy(&b[5..8])
        );
        Postcode::parse(&s).ok()
    }
}

fn valid_outward(o: &[u8]) -> bool {
    let letter = |b: u8| b.is_ascii_uppercase();
    let digit = |b: u8| b.is_ascii_digit();
    // Q, V and X never start a postcode, except Royal Mail's XX returns area.
    let xx = o.starts_with(b"XX");
    let first = |b: u8| letter(b) && (!b"QVX".contains(&b) || xx);
    let second = |b: u8| letter(b) && !b"IJZ".contains(&b);
    match *o {
        // A9, A99
        [a, d] => first(a) && digit(d),
        [a, d, e] if digit(d) && digit(e) => first(a),
        // A9A
        [a, d, l] if digit(d) => first(a) && b"ABCDEFGHJKPSTUW".contains(&l),
        // AA9
        [a, b, d] => first(a) && second(b) && digit(d),
        // AA99, AA9A
        [a, b, d, e] => {
            first(a) && second(b) && digit(d) && (digit(e) || b"ABEHMNPRVWXY".contains(&e))
        }
        _ => false,
    }
}

impl FromStr for Postcode {
    type Err = InvalidPostcode;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Postcode::parse(s)
    }
}

impl fmt::Display for Postcode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Debug for Postcode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Postcode({:?})", self.as_str())
    }
}

impl serde::Serialize for Postcode {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalises_spellings() {
        let cases = [
            ("s602th", "S60 2TH"),
            (" S60  2TH ", "S60 2TH"),
            ("S60 2TH", "S60 2TH"),
            ("sw1a1aa", "SW1A 1AA"),
            ("EC1A 1BB", "EC1A 1BB"),
            ("W1A 0AX", "W1A 0AX"),
            ("M1 1AE", "M1 1AE"),
            ("B33 8TH", "B33 8TH"),
            ("cr2 6xh", "CR2 6XH"),
            ("DN55 1PT", "DN55 1PT"),
            ("gir0aa", "GIR 0AA"),
            ("bfpo 801", "BFPO 801"),
            ("BFPO1", "BFPO 1"),
            ("fiqq1zz", "FIQQ 1ZZ"),
            ("BX1 1LT", "BX1 1LT"),
            ("S\u{a0}60 2TH", "S60 2TH"),
        ];
        for (input, want) in cases {
            assert_eq!(
                Postcode::parse(input).map(|p| p.to_string()),
                Ok(want.to_string()),
                "{input:?}"
            );
        }
    }

    #[test]
    fn rejects_with_reason() {
        let cases = [
            ("", InvalidPostcode::Empty),
            ("   ", InvalidPostcode::Empty),
            ("S60-2TH", InvalidPostcode::BadCharacter('-')),
            ("S6", InvalidPostcode::BadLength(2)),
            ("S60 2TH XY", InvalidPostcode::BadLength(8)),
            ("SW1A1AAA", InvalidPostcode::BadLength(8)),
            ("Q1 1AA", InvalidPostcode::BadOutward("Q1".into())),
            ("SI1 1AA", InvalidPostcode::BadOutward("SI1".into())),
            ("123 4AB", InvalidPostcode::BadOutward("123".into())),
            ("S60 2CI", InvalidPostcode::BadInward("2CI".into())),
            ("S60 TTH", InvalidPostcode::BadInward("TTH".into())),
            (
                "BFPO 12345",
                InvalidPostcode::BadOutward("BFPO12345".into()),
            ),
        ];
        for (input, want) in cases {
            assert_eq!(Postcode::parse(input), Err(want), "{input:?}");
        }
    }

    #[test]
    fn special_cases() {
        let cases = [
            ("S60 2TH", None),
            ("BFPO 801", Some(Special::Bfpo)),
            ("BF1 3AA", Some(Special::Bfpo)),
            ("BX1 1LT", Some(Special::NonGeographic("BX area"))),
            ("GIR 0AA", Some(Special::NonGeographic("GIR 0AA, Girobank"))),
            (
                "XX1 1AA",
                Some(Special::NonGeographic("XX area, Royal Mail returns")),
            ),
            (
                "NE98 1ZZ",
                Some(Special::NonGeographic("non-geographic district")),
            ),
            ("FIQQ 1ZZ", Some(Special::Overseas("Falkland Islands"))),
        ];
        for (input, want) in cases {
            assert_eq!(Postcode::parse(input).unwrap().special(), want, "{input}");
        }
    }

    #[test]
    fn key_round_trips_and_sorts_like_pcd7() {
        let list = [
            "S1 1AA", "S10 1AA", "S60 2TH", "SW1A 1AA", "B1 1AA", "DN1 1AB",
        ];
        let mut pcs: Vec<Postcode> = list.iter().map(|s| s.parse().unwrap()).collect();
        for p in &pcs {
            assert_eq!(Postcode::from_key(p.key().unwrap()), Some(*p));
        }
        pcs.sort_by_key(|p| p.key());
        let pcd7: Vec<String> = pcs
            .iter()
            .map(|p| format!("{:<4}{}", p.outward(), p.inward()))
            .collect();
        let mut sorted = pcd7.clone();
        sorted.sort();
        assert_eq!(pcd7, sorted);
        assert_eq!("BFPO 801".parse::<Postcode>().unwrap().key(), None);
    }
}
