//! The registers kept under the data directory, opened together, and the
//! import that writes them.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::charity::{self, Charity};
use crate::company::{self, Company};
use crate::error::{Error, Result};
use crate::id::{CharityNumber, CompanyNumber};
use crate::index::{Table, TableWriter};
use crate::source::{Kind, WrapReader, detect, each_input, name_date};

/// Where the registers live: `<data-dir>/registers/`. One copy serves
/// every organisation on the server.
#[derive(Clone, Debug)]
pub struct RegisterPaths {
    dir: PathBuf,
}

impl RegisterPaths {
    /// The paths under a data directory.
    pub fn new(data_dir: &Path) -> RegisterPaths {
        RegisterPaths {
            dir: data_dir.join("registers"),
        }
    }
    /// `<data-dir>/registers/companies.idx`.
    pub fn companies(&self) -> PathBuf {
        self.dir.join("companies.idx")
    }
    /// `<data-dir>/registers/charities.idx`.
    pub fn charities(&self) -> PathBuf {
        self.dir.join("charities.idx")
    }
}

/// Which edition of a register is in place: stored in its index, shown by
/// `socval registers info` and beside every lookup.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Edition {
    /// `companies` or `charities`.
    pub register: String,
    /// The edition's date (`yyyy-mm-dd`): the charity extract's
    /// `date_of_extract`, else the date in the first file name that has
    /// one (`BasicCompanyDataAsOneFile-2026-08-01.csv`).
    pub date: Option<String>,
    /// When it was imported, in seconds since 1970 (UTC), as the caller
    /// gave it.
    pub imported_at: i64,
    /// The files it was built from.
    pub files: Vec<ImportedFile>,
    /// Records in the index (one per number).
    pub records: u64,
    /// Rows whose number an earlier row already had (the first is kept).
    pub duplicates: u64,
    /// Charities whose company number was left out because no register
    /// could hold it.
    pub bad_company_numbers: u64,
}

/// One imported file (or ZIP entry).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ImportedFile {
    /// As given; `archive.zip/entry.csv` for a ZIP entry.
    pub file: String,
    /// `companies-house`, `charity-commission-text` or `charity-commission-json`.
    pub kind: String,
    /// Data rows read.
    pub rows: u64,
}

/// What an import did: each file, and the new edition of each register it
/// replaced.
#[derive(Clone, Debug, Default, Serialize)]
pub struct ImportSummary {
    /// Each file read, in order.
    pub files: Vec<ImportedFile>,
    /// The new companies register, if Companies House files were given.
    pub companies: Option<Edition>,
    /// The new charities register, if a charity extract was given.
    pub charities: Option<Edition>,
}

/// A register being built from the files of one import.
struct Building {
    writer: TableWriter,
    files: Vec<ImportedFile>,
    date: Option<String>,
    bad_company_numbers: u64,
}

impl Building {
    fn new(words: usize) -> Building {
        Building {
            writer: TableWriter::new(words),
            files: Vec::new(),
            date: None,
            bad_company_numbers: 0,
        }
    }

    fn write(self, register: &str, path: &Path, imported_at: i64) -> Result<Edition> {
        let (date, files, bad) = (self.date, self.files, self.bad_company_numbers);
        self.writer.write(path, |done| Edition {
            register: register.to_owned(),
            date,
            imported_at,
            files,
            records: done.records,
            duplicates: done.duplicates,
            bad_company_numbers: bad,
        })
    }
}

/// Imports register files into `data_dir`: Companies House BasicCompanyData
/// (the whole file or its parts, CSV or ZIP) and the Charity Commission
/// extract (text or JSON, plain or in its ZIP). Each file's register is
/// told from its first line. All files are read before anything is
/// written; each register given is then replaced as a whole, atomically,
/// so a bad file leaves the previous edition in place. Give all the parts
/// of a Companies House edition in one import: the new index holds only
/// what this import read.
///
/// `imported_at` (seconds since 1970) is stored with the edition; `wrap`
/// sees each file before it is read (to show progress).
///
/// Returns an error naming the file, line and field of the first row that
/// cannot be read.
pub fn import(
    data_dir: &Path,
    files: &[PathBuf],
    imported_at: i64,
    wrap: WrapReader<'_>,
) -> Result<ImportSummary> {
    let paths = RegisterPaths::new(data_dir);
    let mut companies: Option<Building> = None;
    let mut charities: Option<Building> = None;
    let mut summary = ImportSummary::default();
    for f in files {
        each_input(f, wrap, &mut |name, input| {
            let kind = detect(name, input)?;
            let (b, rows) = match kind {
                Kind::Companies => {
                    let b = companies.get_or_insert_with(|| Building::new(company::WORDS));
                    let rows = company::read(name, input, &mut b.writer)?;
                    b.date = b.date.take().or_else(|| name_date(name));
                    (b, rows)
                }
                Kind::CharityText | Kind::CharityJson => {
                    let b = charities.get_or_insert_with(|| Building::new(charity::WORDS));
                    let read = if kind == Kind::CharityText {
                        charity::read_text(name, input, &mut b.writer)?
                    } else {
                        charity::read_json(name, input, &mut b.writer)?
                    };
                    b.date = b.date.take().or(read.date).or_else(|| name_date(name));
                    b.bad_company_numbers += read.bad_company_numbers;
                    (b, read.rows)
                }
            };
            let file = ImportedFile {
                file: name.display().to_string(),
                kind: kind.name().to_owned(),
                rows,
            };
            b.files.push(file.clone());
            summary.files.push(file);
            Ok(())
        })?;
    }
    // Everything was read: now write.
    if let Some(b) = companies {
        summary.companies = Some(b.write("companies", &paths.companies(), imported_at)?);
    }
    if let Some(b) = charities {
        summary.charities = Some(b.write("charities", &paths.charities(), imported_at)?);
    }
    Ok(summary)
}

/// One opened register: its index and edition.
struct Register {
    table: Table,
    edition: Edition,
}

impl Register {
    fn open(path: &Path, register: &'static str, words: usize) -> Result<Option<Register>> {
        let table = match Table::open(path, register, words) {
            Ok(t) => t,
            Err(Error::NoIndex { .. }) => return Ok(None),
            Err(e) => return Err(e),
        };
        let edition: Edition = table.meta()?;
        Ok(Some(Register { table, edition }))
    }
}

/// The registers imported under a data directory, opened in milliseconds
/// (the indexes are memory-mapped, nothing is read up front).
///
/// ```no_run
/// use socval_register::{CompanyNumber, Registers};
/// let registers = Registers::open("socval-data".as_ref())?;
/// let n = CompanyNumber::parse("8911274").unwrap();
/// if let Some(c) = registers.company(&n) {
///     println!("{} {} {:?}", c.number, c.name, c.postcode);
/// }
/// # Ok::<(), socval_register::Error>(())
/// ```
pub struct Registers {
    companies: Option<Register>,
    charities: Option<Register>,
}

impl std::fmt::Debug for Registers {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Registers")
            .field("companies", &self.companies_edition())
            .field("charities", &self.charities_edition())
            .finish()
    }
}

impl Registers {
    /// Opens what was imported under `data_dir`. A register not imported
    /// is absent (its lookups find nothing, its edition is `None`).
    ///
    /// Returns [`Error::Format`] if an index is damaged or from another
    /// version.
    pub fn open(data_dir: &Path) -> Result<Registers> {
        let paths = RegisterPaths::new(data_dir);
        Ok(Registers {
            companies: Register::open(&paths.companies(), "companies", company::WORDS)?,
            charities: Register::open(&paths.charities(), "charities", charity::WORDS)?,
        })
    }

    /// The company with this number, if the companies register has it.
    pub fn company(&self, number: &CompanyNumber) -> Option<Company<'_>> {
        let r = self.companies.as_ref()?;
        company::at(&r.table, r.table.find(number.key())?)
    }

    /// The charity with this number and linked number, if the charities
    /// register has it.
    pub fn charity(&self, number: &CharityNumber) -> Option<Charity<'_>> {
        let r = self.charities.as_ref()?;
        charity::at(&r.table, r.table.find(number.key())?)
    }

    /// The companies register's edition, if imported.
    pub fn companies_edition(&self) -> Option<&Edition> {
        self.companies.as_ref().map(|r| &r.edition)
    }

    /// The charities register's edition, if imported.
    pub fn charities_edition(&self) -> Option<&Edition> {
        self.charities.as_ref().map(|r| &r.edition)
    }
}
