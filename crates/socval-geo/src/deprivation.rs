//! Deprivation: the English Indices of Deprivation (IMD) by LSOA, and how a
//! postcode's LSOA joins to them.

use std::collections::HashMap;
use std::fmt;
use std::io::Read;
use std::path::Path;

use serde::{Deserialize, Serialize};
use socval_core::DeprivedBand;

use crate::error::{Error, Result};
use crate::import::csv_error;
use crate::index::PostcodeRecord;

/// The census geography an LSOA code belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum LsoaVintage {
    /// 2011 LSOAs (IMD 2019).
    #[serde(rename = "2011")]
    Lsoa2011,
    /// 2021 LSOAs (postcode files since 2022).
    #[serde(rename = "2021")]
    Lsoa2021,
}

impl fmt::Display for LsoaVintage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            LsoaVintage::Lsoa2011 => "2011",
            LsoaVintage::Lsoa2021 => "2021",
        })
    }
}

/// One LSOA's deprivation figures.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct LsoaDeprivation<'a> {
    /// The LSOA code the figure belongs to (in the deprivation file's vintage).
    pub lsoa: &'a str,
    /// National rank, 1 = most deprived.
    pub rank: u32,
    /// National decile as published, 1 = most deprived 10%.
    pub decile: u8,
    /// The smallest most-deprived group the LSOA belongs to, if any.
    pub band: Option<DeprivedBand>,
    /// How the postcode's LSOA was joined to the figure.
    pub matched: Match,
}

impl LsoaDeprivation<'_> {
    /// True if the LSOA is in the nationally most deprived `percent`%
    /// (rank ≤ N × percent / 100, N = number of LSOAs in the file).
    pub fn in_most_deprived(&self, percent: u32) -> bool {
        self.band.is_some_and(|b| b.percent() <= percent)
    }
}

/// How a postcode's LSOA was joined to the deprivation file.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Match {
    /// The postcode's LSOA is in the deprivation file's vintage.
    SameVintage,
    /// A 2021 LSOA whose code also exists in 2011: an LSOA unchanged
    /// between censuses keeps its code.
    SameCode,
    /// Through the LSOA 2011→2021 best-fit lookup (one 2011 LSOA).
    BestFit,
}

/// Why a postcode has no deprivation figure. Reported, never guessed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "reason", rename_all = "kebab-case")]
pub enum NoFigure {
    /// The postcode directory gives no LSOA for it.
    NoLsoa,
    /// Its LSOA is not in the deprivation file (e.g. a 2021 LSOA new since
    /// 2011, or an LSOA outside England).
    NotInFile {
        /// The LSOA code tried.
        lsoa: String,
        /// Its vintage.
        vintage: LsoaVintage,
    },
    /// The best-fit lookup gives several 2011 LSOAs for this 2021 LSOA.
    Ambiguous {
        /// The LSOA code tried.
        lsoa: String,
        /// The candidates.
        candidates: Vec<String>,
    },
}

impl fmt::Display for NoFigure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            NoFigure::NoLsoa => f.write_str("no LSOA for this postcode"),
            NoFigure::NotInFile { lsoa, vintage } => {
                write!(f, "LSOA {lsoa} ({vintage}) is not in the deprivation file")
            }
            NoFigure::Ambiguous { lsoa, candidates } => {
                write!(
                    f,
                    "LSOA {lsoa} fits several 2011 LSOAs: {}",
                    candidates.join(", ")
                )
            }
        }
    }
}

/// FNV-1a: LSOA codes are short and trusted (they come from the imported
/// file), so a fast hash beats the DoS-resistant default on the hot path.
#[derive(Clone, Copy, Debug, Default)]
struct Fnv(u64);

impl std::hash::Hasher for Fnv {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        let mut h = if self.0 == 0 {
            0xcbf2_9ce4_8422_2325
        } else {
            self.0
        };
        for b in bytes {
            h = (h ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3);
        }
        self.0 = h;
    }
}

/// An LSOA's code, rank and decile.
pub(crate) type Figure<'a> = (&'a str, u32, u8);

type FastMap<V> = HashMap<String, V, std::hash::BuildHasherDefault<Fnv>>;

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
struct Entry {
    rank: u32,
    decile: u8,
    lad: String,
}

/// An imported deprivation file (e.g. IMD 2019 File 1) and an optional
/// LSOA 2011→2021 lookup.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Deprivation {
    /// The file imported.
    pub source: String,
    /// The LSOA vintage of its codes.
    pub vintage: LsoaVintage,
    lsoas: FastMap<Entry>,
    // 2021 LSOA -> 2011 LSOAs, from the best-fit lookup.
    #[serde(default)]
    best_fit: HashMap<String, Vec<String>>,
}

fn find(header: &[String], pred: impl Fn(&str) -> bool) -> Option<usize> {
    header.iter().position(|h| pred(h))
}

impl Deprivation {
    /// Reads File 1 of the English Indices of Deprivation exactly as
    /// published: optional byte-order mark, ranks with thousands separators
    /// (`"29,199"`). Columns are found by name: `LSOA code (2011)`, `... Rank`,
    /// `... Decile`. The vintage comes from the LSOA column's name unless
    /// given.
    ///
    /// Errors name the file, line and field of a bad row.
    pub fn read_imd(
        path: &Path,
        input: impl Read,
        vintage: Option<LsoaVintage>,
    ) -> Result<Deprivation> {
        let mut rdr = csv::ReaderBuilder::new().from_reader(input);
        let header: Vec<String> = rdr
            .headers()
            .map_err(|e| csv_error(path, &e))?
            .iter()
            .map(|h| h.trim_start_matches('\u{feff}').trim().to_ascii_lowercase())
            .collect();
        let missing = |what: &str, accepted: &str| Error::MissingColumn {
            path: path.to_owned(),
            what: what.into(),
            found: header.clone(),
            accepted: vec![accepted.into()],
        };
        let lsoa = find(&header, |h| {
            h.starts_with("lsoa code") || h == "lsoa11cd" || h == "lsoa21cd"
        })
        .ok_or_else(|| missing("LSOA code", "LSOA code (2011)"))?;
        let is_imd = |h: &str| h.contains("index of multiple deprivation") || h.starts_with("imd");
        let rank = find(&header, |h| is_imd(h) && h.contains("rank"))
            .ok_or_else(|| missing("IMD rank", "Index of Multiple Deprivation (IMD) Rank"))?;
        let decile = find(&header, |h| is_imd(h) && h.contains("decile"))
            .ok_or_else(|| missing("IMD decile", "Index of Multiple Deprivation (IMD) Decile"))?;
        let lad = find(&header, |h| h.starts_with("local authority district code"));
        let vintage = vintage.unwrap_or(
            if header[lsoa].contains("2021") || header[lsoa] == "lsoa21cd" {
                LsoaVintage::Lsoa2021
            } else {
                LsoaVintage::Lsoa2011
            },
        );
        let mut lsoas = FastMap::default();
        for rec in rdr.records() {
            let rec = rec.map_err(|e| csv_error(path, &e))?;
            let line = rec.position().map_or(0, |p| p.line());
            let bad = |i: usize, reason: &str| Error::Field {
                path: path.to_owned(),
                line,
                field: header[i].clone(),
                value: rec.get(i).unwrap_or_default().into(),
                reason: reason.into(),
            };
            let code = rec.get(lsoa).map(str::trim).unwrap_or_default();
            if code.is_empty() {
                return Err(bad(lsoa, "empty"));
            }
            let r: u32 = rec
                .get(rank)
                .map(|s| s.trim().replace(',', ""))
                .and_then(|s| s.parse().ok())
                .filter(|&r| r >= 1)
                .ok_or_else(|| bad(rank, "not a rank (a whole number from 1)"))?;
            let d: u8 = rec
                .get(decile)
                .and_then(|s| s.trim().parse().ok())
                .filter(|d| (1..=10).contains(d))
                .ok_or_else(|| bad(decile, "not a decile (1 to 10)"))?;
            let lad = lad
                .and_then(|i| rec.get(i))
                .unwrap_or_default()
                .trim()
                .to_owned();
            if lsoas
                .insert(
                    code.to_owned(),
                    Entry {
                        rank: r,
                        decile: d,
                        lad,
                    },
                )
                .is_some()
            {
                return Err(bad(lsoa, "LSOA listed twice"));
            }
        }
        Ok(Deprivation {
            source: path.display().to_string(),
            vintage,
            lsoas,
            best_fit: HashMap::new(),
        })
    }

    /// Reads an LSOA 2011→2021 best-fit lookup (ONS, columns `LSOA11CD` and
    /// `LSOA21CD`), used to join 2021 LSOAs whose code is not in a 2011
    /// deprivation file. Returns the number of rows.
    pub fn read_best_fit(&mut self, path: &Path, input: impl Read) -> Result<u64> {
        let mut rdr = csv::ReaderBuilder::new().flexible(true).from_reader(input);
        let header: Vec<String> = rdr
            .headers()
            .map_err(|e| csv_error(path, &e))?
            .iter()
            .map(|h| h.trim_start_matches('\u{feff}').trim().to_ascii_lowercase())
            .collect();
        let col = |name: &str| {
            header
                .iter()
                .position(|h| h == name)
                .ok_or_else(|| Error::MissingColumn {
                    path: path.to_owned(),
                    what: name.to_uppercase(),
                    found: header.clone(),
                    accepted: vec!["LSOA11CD".into(), "LSOA21CD".into()],
                })
        };
        let (c11, c21) = (col("lsoa11cd")?, col("lsoa21cd")?);
        let mut map: HashMap<String, Vec<String>> = HashMap::new();
        let mut n = 0;
        for rec in rdr.records() {
            let rec = rec.map_err(|e| csv_error(path, &e))?;
            let line = rec.position().map_or(0, |p| p.line());
            let (a, b) = (
                rec.get(c11).unwrap_or_default().trim(),
                rec.get(c21).unwrap_or_default().trim(),
            );
            for (i, v) in [(c11, a), (c21, b)] {
                if v.is_empty() {
                    return Err(Error::Field {
                        path: path.to_owned(),
                        line,
                        field: header[i].clone(),
                        value: v.into(),
                        reason: "empty".into(),
                    });
                }
            }
            let e = map.entry(b.to_owned()).or_default();
            if !e.iter().any(|x| x == a) {
                e.push(a.to_owned());
            }
            n += 1;
        }
        self.best_fit = map;
        Ok(n)
    }

    /// Number of LSOAs in the file (N in "rank ≤ N × p").
    pub fn lsoa_count(&self) -> u32 {
        self.lsoas.len() as u32
    }

    /// True if a best-fit lookup was imported.
    pub fn has_best_fit(&self) -> bool {
        !self.best_fit.is_empty()
    }

    /// The band of a rank: in the most deprived p% when
    /// `rank × 100 ≤ N × p` (that is, rank ≤ ⌊N × p / 100⌋).
    pub fn band(&self, rank: u32) -> Option<DeprivedBand> {
        let n = u64::from(self.lsoa_count());
        let r = u64::from(rank) * 100;
        [DeprivedBand::Top1, DeprivedBand::Top10, DeprivedBand::Top20]
            .into_iter()
            .find(|b| r <= n * u64::from(b.percent()))
    }

    /// The figures of one LSOA of the file's vintage.
    pub fn lsoa(&self, code: &str) -> Option<LsoaDeprivation<'_>> {
        self.get(code, Match::SameVintage)
    }

    fn get(&self, code: &str, matched: Match) -> Option<LsoaDeprivation<'_>> {
        self.figure(self.entry(code), matched)
    }

    /// The file's code, rank and decile for an LSOA code.
    pub(crate) fn entry(&self, code: &str) -> Option<Figure<'_>> {
        self.lsoas
            .get_key_value(code)
            .map(|(k, e)| (k.as_str(), e.rank, e.decile))
    }

    fn figure<'a>(&self, entry: Option<Figure<'a>>, matched: Match) -> Option<LsoaDeprivation<'a>> {
        let (lsoa, rank, decile) = entry?;
        Some(LsoaDeprivation {
            lsoa,
            rank,
            decile,
            band: self.band(rank),
            matched,
        })
    }

    /// LSOA codes of one local authority district (as named in the file).
    pub fn lsoas_in_lad<'a>(
        &'a self,
        lad: &'a str,
    ) -> impl Iterator<Item = LsoaDeprivation<'a>> + 'a {
        self.lsoas
            .iter()
            .filter(move |(_, e)| e.lad == lad)
            .filter_map(|(k, _)| self.lsoa(k))
    }

    /// The deprivation figure for a postcode's LSOA, or why there is none.
    ///
    /// A 2011 file joins `lsoa11` when the directory has it; otherwise the
    /// 2021 LSOA by code (unchanged LSOAs keep their code), then through
    /// the best-fit lookup when exactly one 2011 LSOA fits.
    pub fn for_record(
        &self,
        rec: &PostcodeRecord<'_>,
    ) -> std::result::Result<LsoaDeprivation<'_>, NoFigure> {
        self.for_record_by(rec, |code, _| self.entry(code))
    }

    /// [`Deprivation::for_record`], finding the record's own LSOA codes
    /// with `entry`, which is told whether the code is the record's
    /// `lsoa11` (`Some(false)`) or `lsoa21` (`Some(true)`), so a caller
    /// can answer from a table by the record's string ids.
    pub(crate) fn for_record_by<'a>(
        &'a self,
        rec: &PostcodeRecord<'_>,
        entry: impl Fn(&str, bool) -> Option<Figure<'a>>,
    ) -> std::result::Result<LsoaDeprivation<'a>, NoFigure> {
        let (same, other, same_is_21) = match self.vintage {
            LsoaVintage::Lsoa2011 => (rec.lsoa11, rec.lsoa21, false),
            LsoaVintage::Lsoa2021 => (rec.lsoa21, rec.lsoa11, true),
        };
        if let Some(code) = same {
            return self
                .figure(entry(code, same_is_21), Match::SameVintage)
                .ok_or_else(|| NoFigure::NotInFile {
                    lsoa: code.to_owned(),
                    vintage: self.vintage,
                });
        }
        let Some(code) = other else {
            return Err(NoFigure::NoLsoa);
        };
        if let Some(d) = self.figure(entry(code, !same_is_21), Match::SameCode) {
            return Ok(d);
        }
        let other_vintage = match self.vintage {
            LsoaVintage::Lsoa2011 => LsoaVintage::Lsoa2021,
            LsoaVintage::Lsoa2021 => LsoaVintage::Lsoa2011,
        };
        if self.vintage == LsoaVintage::Lsoa2011
            && let Some(c) = self.best_fit.get(code)
        {
            return match c.as_slice() {
                [one] => self
                    .get(one, Match::BestFit)
                    .ok_or_else(|| NoFigure::NotInFile {
                        lsoa: one.clone(),
                        vintage: self.vintage,
                    }),
                many => Err(NoFigure::Ambiguous {
                    lsoa: code.to_owned(),
                    candidates: many.to_vec(),
                }),
            };
        }
        Err(NoFigure::NotInFile {
            lsoa: code.to_owned(),
            vintage: other_vintage,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const FILE: &str = "\u{feff}LSOA code (2011),LSOA name (2011),Local Authority District code (2019),Local Authority District name (2019),Index of Multiple Deprivation (IMD) Rank,Index of Multiple Deprivation (IMD) Decile\n\
        E01000001,A,E09000001,X,\"1\",1\n\
        E01000002,B,E09000001,X,\"2\",1\n\
        E01000003,C,E09000001,X,\"10\",1\n\
        E01000004,D,E09000001,X,\"11\",2\n\
        E01000005,E,E09000001,X,\"20\",2\n\
        E01000006,F,E09000001,X,\"21\",3\n";

    fn with_n(n: u32) -> Deprivation {
        let mut d = Deprivation::read_imd(Path::new("f.csv"), FILE.as_bytes(), None).unwrap();
        let e = d.lsoas["E01000001"].clone();
        for i in d.lsoas.len() as u32..n {
            d.lsoas.insert(format!("Z{i}"), e.clone());
        }
        d
    }

    #[test]
    fn bands_are_rank_at_most_n_times_p() {
        let d = with_n(100);
        let cases = [
            (1, Some(DeprivedBand::Top1)),
            (2, Some(DeprivedBand::Top10)),
            (10, Some(DeprivedBand::Top10)),
            (11, Some(DeprivedBand::Top20)),
            (20, Some(DeprivedBand::Top20)),
            (21, None),
        ];
        for (rank, want) in cases {
            assert_eq!(d.band(rank), want, "rank {rank}");
        }
        // N = 32,844 (IMD 2019): 1% is rank <= 328, 10% <= 3,284, 20% <= 6,568.
        let d = with_n(32_844);
        let cases = [
            (328, Some(DeprivedBand::Top1)),
            (329, Some(DeprivedBand::Top10)),
            (3_284, Some(DeprivedBand::Top10)),
            (3_285, Some(DeprivedBand::Top20)),
            (6_568, Some(DeprivedBand::Top20)),
            (6_569, None),
        ];
        for (rank, want) in cases {
            assert_eq!(d.band(rank), want, "rank {rank}");
        }
    }

    #[test]
    fn thousands_separators_and_bom() {
        let f = "\u{feff}LSOA code (2011),Index of Multiple Deprivation (IMD) Rank,Index of Multiple Deprivation (IMD) Decile\nE01000001,\"29,199\",9\n";
        let d = Deprivation::read_imd(Path::new("f.csv"), f.as_bytes(), None).unwrap();
        assert_eq!(d.vintage, LsoaVintage::Lsoa2011);
        assert_eq!(
            d.lsoa("E01000001").map(|x| (x.rank, x.decile)),
            Some((29_199, 9))
        );
    }

    #[test]
    fn bad_rows_name_line_and_field() {
        let cases = [
            (
                "LSOA code (2011),IMD Rank,IMD Decile\nE01000001,x,9\n",
                "line 2: field `imd rank`",
            ),
            (
                "LSOA code (2011),IMD Rank,IMD Decile\nE01000001,1,9\nE01000002,2,11\n",
                "line 3: field `imd decile`",
            ),
            (
                "LSOA code (2011),IMD Rank,IMD Decile\nE01000001,1,9\nE01000001,2,1\n",
                "LSOA listed twice",
            ),
            ("LSOA,Rank\n", "no LSOA code column"),
        ];
        for (f, want) in cases {
            let e = Deprivation::read_imd(Path::new("f.csv"), f.as_bytes(), None)
                .unwrap_err()
                .to_string();
            assert!(e.contains(want), "{e}");
        }
    }
}
